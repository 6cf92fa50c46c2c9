# shellcheck shell=bash
# Logging, timing and quiet command execution shared by .ci/run and .ci/install.sh.

CI_LOG_DIR=${CI_LOG_DIR:-${TMPDIR:-/tmp}/cascade-lab-ci}
mkdir -p "$CI_LOG_DIR"

ci_log() { printf '[ci] %s\n' "$*" >&2; }
ci_die() { printf '[ci] ERROR: %s\n' "$*" >&2; exit 1; }

# ci_quiet LOGNAME CMD...: run CMD with its output in $CI_LOG_DIR/LOGNAME.log; on failure
# print the tail of that log and return CMD's status.
ci_quiet() {
  local name=$1 rc=0; shift
  local file="$CI_LOG_DIR/$name.log"
  printf '\n=== %s: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$file"
  "$@" >>"$file" 2>&1 </dev/null || rc=$?
  if ((rc != 0)); then
    printf '[ci] ERROR: "%s" failed (exit %s); last lines of %s:\n' "$*" "$rc" "$file" >&2
    tail -n 40 "$file" | sed 's/^/    /' >&2
  fi
  return "$rc"
}

# as_root CMD...: CMD as root (directly, or with sudo -n when not root)
as_root() {
  if ((EUID == 0)); then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else ci_die "'$*' needs root (run as root, or install sudo)"
  fi
}

# ci_step NAME FUNCTION ARGS...: run one step, print and record how long it took.
CI_TIMINGS=()
ci_step() {
  local name=$1 start=$SECONDS rc=0; shift
  ci_log "---- $name"
  "$@" || rc=$?
  local took=$((SECONDS - start))
  CI_TIMINGS+=("$(printf '%-28s %5ss%s' "$name" "$took" "$( ((rc == 0)) || echo "  (exit $rc)")")")
  ci_log "---- $name: $( ((rc == 0)) && echo "done" || echo "FAILED (exit $rc)") in ${took}s"
  return "$rc"
}

ci_print_timings() {
  local line
  ci_log "timings:"
  for line in "${CI_TIMINGS[@]}"; do ci_log "  $line"; done
}
