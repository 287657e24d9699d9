# Sourced by the scripts that run the server (benchmarks, browser tests): start it on a free
# loopback port, wait for the address it prints, stop it on exit.
#
# `serve_start DIR CMD...`: run CMD in the background (stdout in DIR/out, stderr in DIR/err),
# wait for its first stdout line "listening on http://HOST:PORT", and set `serve_pid` and
# `serve_base` (http://HOST:PORT). `serve_stop`: stop it (safe to call twice; call it from the
# script's EXIT trap).
serve_pid=""
serve_base=""

serve_start() {
  local dir=$1
  shift
  "$@" >"$dir/out" 2>"$dir/err" &
  serve_pid=$!
  serve_base="$(wait_listening "$serve_pid" "$dir/out" "$dir/err")"
}

# `serve_release ROOT`: start the server binary (`serve_bin`: $FLEXPENSION_BIN, or ROOT's release
# build, built when missing) with `serve --addr 127.0.0.1:0` in a temporary directory
# (`serve_tmp`); on exit the server is stopped and the directory removed.
serve_release() {
  local root=$1
  serve_bin="${FLEXPENSION_BIN:-$root/target/release/flexpension}"
  if [ ! -x "$serve_bin" ]; then
    (cd "$root" && cargo build --release -p flexpension)
  fi
  serve_tmp="$(mktemp -d)"
  trap 'serve_stop; rm -rf "$serve_tmp"' EXIT
  serve_start "$serve_tmp" "$serve_bin" serve --addr 127.0.0.1:0
}

serve_stop() {
  if [ -n "$serve_pid" ]; then
    kill "$serve_pid" 2>/dev/null || true
    wait "$serve_pid" 2>/dev/null || true
    serve_pid=""
  fi
}

# `wait_listening PID OUT ERR`: wait (up to 10 s) for the process's first stdout line,
# "listening on http://HOST:PORT", and print that address; on failure show what the process
# printed and exit 1.
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
