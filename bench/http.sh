#!/usr/bin/env bash
# HTTP throughput of the release server on loopback, with wrk (Debian package `wrk`):
# the trivial endpoint /healthz against the contribution calculator, interleaved rounds,
# requests/s per round, the medians and the ratio contribution / trivial.
# Usage: bash bench/http.sh   (env: ROUNDS=3 DURATION=10s THREADS=2 CONNECTIONS=64)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/bench/lib.sh"
wrk_settings
source "$root/scripts/lib/serve.sh"
serve_release "$root"
base="$serve_base"

trivial="$base/healthz"
contribution="$base/api/v1/calc/contribution?region=zj&month=2025-03&income=3800"
echo "wrk -t$threads -c$connections -d$duration, $rounds rounds, server $base ($(nproc) cores)"
printf '%-6s %16s %16s\n' round healthz contribution
t_all=""
c_all=""
for r in $(seq "$rounds"); do
  # Warm-up is the first second of each run; wrk's figure covers the whole run.
  t="$(wrk_rps "$trivial")"
  c="$(wrk_rps "$contribution")"
  printf '%-6s %16s %16s\n' "$r" "$t" "$c"
  t_all="$t_all $t"
  c_all="$c_all $c"
done
tm="$(printf "%s\n" $t_all | median)"
cm="$(printf "%s\n" $c_all | median)"
printf '%-6s %16s %16s\n' median "$tm" "$cm"
awk -v c="$cm" -v t="$tm" 'BEGIN {printf "ratio contribution/healthz: %.3f\n", c / t}'
awk -v c="$cm" 'BEGIN {if (c >= 10000) print "target (contribution >= 10,000 requests/s): met"; else print "target (contribution >= 10,000 requests/s): NOT met"}'
