"""The simulation's month totals in numpy: the same integer arithmetic as the Rust kernel
(crates/sim/src/kernel.rs) on the same population, written by `sim_bench month --out DIR`.

Usage: python3 bench/sim_numpy.py DIR [--rounds R]
Prints JSON: every round's seconds, the median, and the exact totals per policy.
"""

import json
import sys
import time

import numpy as np

MAX_FEN = 1_000_000_000_000
M = 1_000_000


def totals(r, inc, dec):
    """One policy's month: int64 throughout, half-up rounding as (x + M/2) // M on x >= 0."""
    inc = np.clip(inc, 0, MAX_FEN)
    base = np.where(dec > 0, np.minimum(dec, MAX_FEN), r["lower"])
    base = np.minimum(np.maximum(base, r["lower"]), r["upper"])
    # The bracket is the number of inclusive upper limits below the income.
    idx = np.searchsorted(np.array(r["ups"], dtype=np.int64), inc, side="left")
    rate = np.array(r["rates"], dtype=np.int64)[idx]
    c = (base * rate + M // 2) // M
    pa = np.minimum((base * r["pa_rate"] + M // 2) // M, c)
    # The subsidy band, like the bracket; none from the ceiling up.
    share = np.array(r["shares"], dtype=np.int64)[np.searchsorted(np.array(r["share_ups"], dtype=np.int64), inc, side="left")]
    s = np.where(inc < r["below"], (c * share + M // 2) // M, 0)
    net = c - s
    over = np.count_nonzero((inc > 0) & (net * M > r["bench"] * inc))
    return {
        "workers": int(inc.size),
        "contribution_fen": int(c.sum()),
        "personal_account_fen": int(pa.sum()),
        "pooling_fen": int(c.sum() - pa.sum()),
        "subsidy_fen": int(s.sum()),
        "net_fen": int(net.sum()),
        "over_benchmark": int(over),
    }


def main():
    d = sys.argv[1]
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 5
    inc = np.fromfile(f"{d}/incomes.i64", dtype="<i8")
    dec = np.fromfile(f"{d}/bases.i64", dtype="<i8")
    with open(f"{d}/rules.json") as f:
        rules = json.load(f)
    times, out = [], {}
    for _ in range(rounds):
        t = time.perf_counter()
        for name, r in rules.items():
            out[name] = totals(r, inc, dec)
        times.append(time.perf_counter() - t)
    med = sorted(times)[len(times) // 2]
    wm = inc.size * len(rules)
    print(json.dumps({"what": "numpy, one month, two policies, exact totals", "numpy": np.__version__, "workers": int(inc.size),
                      "rounds_s": times, "median_s": med, "worker_months_per_s": wm / med, "totals": out}))


if __name__ == "__main__":
    main()
