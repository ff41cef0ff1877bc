# Progress of the long steps of scripts/stack.sh and scripts/start.sh (sourced by both; messages go
# to stderr, prefixed with $PROGRESS_PREFIX). On a terminal a step is one line, redrawn every second
# with its elapsed seconds and its detail (bytes, percent), and closed with its duration. Elsewhere
# (a pipe, a log file, CI=true, TERM=dumb) only plain lines: the step's start, one line every
# $PROGRESS_INTERVAL seconds (default 5) while it runs, and its end.

PROGRESS_PREFIX="${PROGRESS_PREFIX:-stack}"
PROGRESS_INTERVAL="${PROGRESS_INTERVAL:-5}"

progress_on_tty() { [ -t 2 ] && [ "${CI:-}" != true ] && [ "${TERM:-dumb}" != dumb ]; }

# run_step LABEL DETAIL COMMAND...: runs COMMAND (a program or a shell function) while showing
# LABEL, the elapsed seconds and what the function DETAIL prints each time ('-' for none).
# The command's own output is kept aside and shown only when it fails. Returns its exit status.
run_step() {
  local label=$1 detail=$2
  shift 2
  local output start=$SECONDS shown=-1 elapsed status=0
  output="$(mktemp)"
  "$@" >"$output" 2>&1 &
  local pid=$!
  progress_on_tty || printf '%s: %s …\n' "$PROGRESS_PREFIX" "$label" >&2
  while kill -0 "$pid" 2>/dev/null; do
    sleep 0.2
    elapsed=$((SECONDS - start))
    [ "$elapsed" = "$shown" ] && continue
    shown=$elapsed
    if progress_on_tty; then
      printf '\r\033[K%s' "$(step_line "$label" "$elapsed" "$detail")" >&2
    elif [ $((elapsed % PROGRESS_INTERVAL)) = 0 ] && [ "$elapsed" -gt 0 ]; then
      printf '%s\n' "$(step_line "$label" "$elapsed" "$detail")" >&2
    fi
  done
  wait "$pid" || status=$?
  progress_on_tty && printf '\r\033[K' >&2
  if [ "$status" = 0 ]; then
    printf '%s: %s done (%ss)\n' "$PROGRESS_PREFIX" "$label" "$((SECONDS - start))" >&2
  else
    printf '%s: %s failed after %ss (exit %s)\n' "$PROGRESS_PREFIX" "$label" "$((SECONDS - start))" "$status" >&2
    tail -n 40 "$output" | sed 's/^/  | /' >&2
  fi
  rm -f "$output"
  return "$status"
}

step_line() {
  local label=$1 elapsed=$2 detail=$3 text=""
  [ "$detail" = - ] || text="$("$detail" 2>/dev/null || true)"
  printf '%s: %s … %ss%s' "$PROGRESS_PREFIX" "$label" "$elapsed" "${text:+, $text}"
}

# Bytes as megabytes with one decimal, e.g. "38.2 MB".
megabytes() { awk -v bytes="$1" 'BEGIN { printf "%.1f MB", bytes / 1048576 }'; }
