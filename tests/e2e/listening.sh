# Sourced by the e2e scripts. `wait_listening PID OUT ERR`: wait (up to 10 s) for the process's
# first stdout line, "listening on http://HOST:PORT", and print that address; on failure show
# what the process printed and exit 1.
wait_listening() {
  local pid=$1 out=$2 err=$3 line
  for _ in $(seq 200); do
    line="$(head -n 1 "$out" 2>/dev/null || true)"
    if [[ "$line" == "listening on http://"* ]]; then
      echo "${line#listening on }"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "the process exited:" >&2
      cat "$out" "$err" >&2
      exit 1
    fi
    sleep 0.05
  done
  echo "the process did not say where it listens within 10 s" >&2
  cat "$out" "$err" >&2
  exit 1
}
