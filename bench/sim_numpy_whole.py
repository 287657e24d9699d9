"""The numpy script an analyst would write for `flexpension simulate --population N --json`, run
as a whole process by bench/sim.sh (python start-up and the numpy import included).

It draws the same population model from params/sim/population.toml with numpy's generator (job
by share, lognormal usual income by job, the month's lognormal swing, the shock of large-swing
workers, the declared base) and computes each policy's month totals with the same integer
arithmetic as the Rust kernel (the steps of `totals` in bench/sim_numpy.py, which bench/sim.sh
checks equal to the Rust totals to the fen), plus the mean and median burden. Different random numbers from the Rust run, so the totals differ a little; what
is compared is the time.

Usage: python3 bench/sim_numpy_whole.py RULES.json WORKERS SEED   (RULES.json: `sim_bench rules`)
"""

import json
import sys
import tomllib
from pathlib import Path

import numpy as np

M = 1_000_000
MAX_FEN = 1_000_000_000_000


def month(r, income, declared):
    """One policy's month, int64 throughout, as `totals` in bench/sim_numpy.py, plus burdens."""
    inc = np.clip(income, 0, MAX_FEN)
    base = np.minimum(np.maximum(np.where(declared > 0, np.minimum(declared, MAX_FEN), r["lower"]), r["lower"]), r["upper"])
    rate = np.array(r["rates"], dtype=np.int64)[np.searchsorted(np.array(r["ups"], dtype=np.int64), inc, side="left")]
    c = (base * rate + M // 2) // M
    pa = np.minimum((base * r["pa_rate"] + M // 2) // M, c)
    # The subsidy band, like the bracket; none from the ceiling up.
    share = np.array(r["shares"], dtype=np.int64)[np.searchsorted(np.array(r["share_ups"], dtype=np.int64), inc, side="left")]
    s = np.where(inc < r["below"], (c * share + M // 2) // M, 0)
    net = c - s
    paid = inc > 0
    burden_bp = (net[paid] * 10_000 + inc[paid] // 2) // inc[paid]
    mid = (burden_bp.size - 1) // 2
    return {
        "workers": int(inc.size), "contribution_fen": int(c.sum()), "personal_account_fen": int(pa.sum()),
        "subsidy_fen": int(s.sum()), "net_fen": int(net.sum()),
        "over_benchmark": int(np.count_nonzero(paid & (net * M > r["bench"] * inc))),
        "mean_burden": float(burden_bp.mean()) / 10_000, "median_burden": float(np.partition(burden_bp, mid)[mid]) / 10_000,
    }


def main():
    rules_file, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with open(rules_file) as f:
        rules = json.load(f)
    pp = tomllib.loads((Path(__file__).parent.parent / "params/sim/population.toml").read_text())
    v = lambda x: float(x["value"])
    rng = np.random.default_rng(seed)
    jobs = pp["jobs"]
    job = rng.choice(len(jobs), size=n, p=[v(j["share"]) for j in jobs])
    median = np.array([v(j["income_median"]) * 100 for j in jobs])[job]
    spread = np.array([v(j["income_spread"]) for j in jobs])[job]
    usual = np.rint(median * np.exp(spread * rng.standard_normal(n)))
    sw = pp["swings"]
    large = rng.random(n) < v(pp["attributes"]["large_swings"])
    swing = np.where(large, v(sw["large_spread"]), v(sw["small_spread"]))
    income = np.rint(usual * np.exp(swing * rng.standard_normal(n))).astype(np.int64)
    drop = round(v(sw["shock_drop"]) * M)
    shock = large & (rng.random(n) < v(sw["shock_chance"]))
    income -= np.where(shock, (income * drop + M // 2) // M, 0)
    choices = pp["base_choice"]["shares"]["value"]
    pick = rng.choice(len(choices), size=n, p=[float(s) for _, s in choices])
    bb = next(iter(rules.values()))["benefit_base"]
    of_bb = np.array([0 if c == "lower" else (bb * round(float(c) * M) + M // 2) // M for c, _ in choices], dtype=np.int64)
    declared = of_bb[pick]
    out = {}
    for name, r in rules.items():
        out[name] = month(r, income, declared)
    print(json.dumps({"workers": n, "seed": seed, "policies": out}, indent=1))


if __name__ == "__main__":
    main()
