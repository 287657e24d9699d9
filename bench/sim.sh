#!/usr/bin/env bash
# Benchmarks of the policy microsimulation (see docs/SIMULATION.md):
#  1. one month, two policies (current law, the paper), exact totals in fen: the Rust kernel
#     against numpy doing the same integer arithmetic on the same population file; the totals
#     must be equal, or this fails;
#  2. a 40-year projection to retirement of 1 million workers (a whole simulate run);
#  3. whole processes, as an analyst runs them: `flexpension simulate --population N --json` (the
#     release build) against bench/sim_numpy_whole.py (python start-up and the numpy import
#     included), alternating rounds, medians and their ratio (the target: at most 0.5).
# Medians of ROUNDS rounds; peak memory from /usr/bin/time -v.
# Env: WORKERS (default 10000000), PROJ_WORKERS (1000000), ROUNDS (5), WHOLE_WORKERS (1000000),
# WHOLE_ROUNDS (11), ONLY (1, 2 or 3: run that part alone).
set -euo pipefail
cd "$(dirname "$0")/.."
WORKERS=${WORKERS:-10000000}
PROJ_WORKERS=${PROJ_WORKERS:-1000000}
ROUNDS=${ROUNDS:-5}
WHOLE_WORKERS=${WHOLE_WORKERS:-1000000}
WHOLE_ROUNDS=${WHOLE_ROUNDS:-11}
ONLY=${ONLY:-}

python3 -c 'import numpy' 2>/dev/null || pip install -q numpy
cargo build -q --release -p flexpension-sim --example sim_bench
cargo build -q --release -p flexpension
TARGET=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
BIN="$TARGET/release/examples/sim_bench"
DATA=$(mktemp -d)
trap 'rm -rf "$DATA"' EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -z "$ONLY" ] || [ "$ONLY" = 1 ]; then
echo "== 1. one month, two policies, $WORKERS workers, $ROUNDS rounds"
/usr/bin/time -v "$BIN" month --workers "$WORKERS" --rounds "$ROUNDS" --out "$DATA" >"$DATA/rust.json" 2>"$DATA/rust.time"
# The environment may pin OpenBLAS to an old kernel; numpy is measured without that.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/time -v python3 bench/sim_numpy.py "$DATA" --rounds "$ROUNDS" \
  >"$DATA/numpy.json" 2>"$DATA/numpy.time"
python3 - "$DATA" <<'PY'
import json, re, sys
d = sys.argv[1]
rust, npy = (json.load(open(f"{d}/{n}.json")) for n in ("rust", "numpy"))
rss = lambda n: int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(f"{d}/{n}.time").read()).group(1)) / 1024
print(f"rust : median {rust['median_s']:.4f} s  {rust['worker_months_per_s']/1e6:8.1f} M worker-months/s  "
      f"({rust['threads']} threads; rounds {', '.join(f'{t:.4f}' for t in rust['rounds_s'])}; generation {rust['generate_s']:.2f} s)  max RSS {rss('rust'):.0f} MiB")
print(f"numpy: median {npy['median_s']:.4f} s  {npy['worker_months_per_s']/1e6:8.1f} M worker-months/s  "
      f"(numpy {npy['numpy']}; rounds {', '.join(f'{t:.4f}' for t in npy['rounds_s'])})  max RSS {rss('numpy'):.0f} MiB")
print(f"ratio: rust is {npy['median_s']/rust['median_s']:.1f}x numpy")
for p, t in rust["totals"].items():
    print(f"  {p:8} {json.dumps(t)}")
if rust["totals"] != npy["totals"]:
    print("MISMATCH: numpy totals differ from Rust:", json.dumps(npy["totals"]))
    sys.exit(1)
print("totals: numpy == rust, to the fen")
PY

fi

if [ -z "$ONLY" ] || [ "$ONLY" = 2 ]; then
echo "== 2. projection to retirement (40 years), $PROJ_WORKERS workers, 3 rounds"
/usr/bin/time -v "$BIN" project --workers "$PROJ_WORKERS" --years 40 --rounds 3 >"$DATA/proj.json" 2>"$DATA/proj.time"
python3 - "$DATA" <<'PY'
import json, re, sys
d = sys.argv[1]
p = json.load(open(f"{d}/proj.json"))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(f"{d}/proj.time").read()).group(1)) / 1024
print(f"projection: median {p['median_s']:.3f} s for {p['workers']} workers ({p['projected']} retiring within {p['years']} years; "
      f"{p['threads']} threads; rounds {', '.join(f'{t:.3f}' for t in p['rounds_s'])})  max RSS {rss:.0f} MiB")
PY
fi

if [ -z "$ONLY" ] || [ "$ONLY" = 3 ]; then
echo "== 3. whole process, $WHOLE_WORKERS workers, month 2025-06, two policies, $WHOLE_ROUNDS alternating rounds"
"$BIN" rules --out "$DATA/rules.json"
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 - "$TARGET/release/flexpension" "$DATA" "$WHOLE_WORKERS" "$WHOLE_ROUNDS" <<'PY'
import json, subprocess, sys, time
flex, d, n, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
rust = [flex, "simulate", "--population", n, "--seed", "1", "--policy", "current", "--policy", "paper", "--month", "2025-06", "--json"]
npy = [sys.executable, "bench/sim_numpy_whole.py", f"{d}/rules.json", n, "1"]
def once(cmd):
    t = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True).stdout
    return time.perf_counter() - t, json.loads(out)
times = {"rust": [], "numpy": []}
for i in range(rounds):
    # Alternate which goes first, so neither always runs on a warmer machine.
    for name in (("rust", "numpy") if i % 2 == 0 else ("numpy", "rust")):
        t, out = once(rust if name == "rust" else npy)
        times[name].append(t)
        if name == "rust":
            totals = {p: (out["policies"][p]["contribution_fen"], out["policies"][p]["net_fen"]) for p in ("current", "paper")}
        else:
            np_totals = {p: (out["policies"][p]["contribution_fen"], out["policies"][p]["net_fen"]) for p in ("current", "paper")}
med = {k: sorted(v)[len(v) // 2] for k, v in times.items()}
for k in ("rust", "numpy"):
    print(f"{k:5}: median {med[k]*1000:6.1f} ms  (rounds {', '.join(f'{t*1000:.0f}' for t in times[k])})")
ratio = med["rust"] / med["numpy"]
print(f"ratio: flexpension simulate takes {ratio:.2f} of the numpy script's wall time (target: at most 0.50)")
print(f"totals (contribution, net): flexpension {totals}; numpy, its own random draws {np_totals}")
PY
fi
