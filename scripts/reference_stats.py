"""Reference values for statebench's statistics, computed independently with SciPy.

scripts/reference-stats.sh runs this in a virtual environment with a pinned SciPy and writes
crates/statebench-harness/tests/reference-values.json, which the tests
crates/statebench-harness/tests/reference_values.rs and
crates/statebench-report/tests/reference_values.rs read: every figure there is SciPy's, so a
wrong formula on the Rust side (a degrees-of-freedom slip, a one-sided p, an off-by-one in
Benjamini-Hochberg) fails a test instead of passing every property test.

The inputs are fixed below (no randomness), chosen to reach the corners the report meets:
unequal sizes and spreads (where Welch's degrees of freedom are fractional and small), three
passes a side, near-identical samples, and wide ones.
"""

import json
import math
import sys

import numpy as np
import scipy
from scipy import special, stats

ALPHA = 0.05
MIN_EFFECT = 0.10

# Throughput-like samples (ops/s), compared on the log scale as statebench does.
PAIRS = [
    ([210.0, 205.0, 198.0, 202.0, 207.0], [101.0, 99.0, 103.0, 98.0, 100.0]),
    ([130.0, 135.0, 60.0, 128.0, 140.0], [100.0, 98.0, 150.0, 102.0, 97.0]),
    ([100.0, 104.0, 97.0, 101.0, 99.0], [102.0, 98.0, 100.0, 103.0, 96.0]),
    ([1.2e7, 1.5e7, 1.1e7], [1.0e7, 1.01e7, 0.99e7, 1.02e7, 1.0e7, 0.98e7, 1.03e7]),
    ([5.0e6, 5.1e6, 4.9e6], [3.1e6, 4.4e6, 2.2e6]),
    ([111.0, 115.0, 107.0, 112.0, 110.0], [100.0, 104.0, 97.0, 101.0, 99.0]),
    ([3.3e5, 2.9e5], [3.0e5, 3.05e5, 2.95e5, 3.1e5]),
    ([2.0e8, 2.2e8, 1.9e8, 2.1e8, 2.05e8, 1.95e8], [1.7e8, 1.75e8, 1.72e8]),
    ([300.0, 310.0, 305.0, 298.0], [100.0, 101.0, 99.0, 102.0]),
    ([150.0, 152.0, 149.0, 151.0, 150.0], [120.0, 121.0, 119.0, 120.0, 122.0]),
    ([8.1e5, 8.4e5, 7.9e5], [6.2e5, 6.6e5, 6.4e5]),
]

QUANTILES = [(0.975, 1.0), (0.975, 2.0), (0.975, 3.7), (0.995, 4.0), (0.9995, 8.0),
             (0.99975, 2.5), (0.999995, 12.3), (0.95, 5.5), (0.975, 30.0), (0.975, 1e5)]

TAILS = [(0.3, 1.0), (2.306, 8.0), (4.0, 2.2), (1.0, 17.5), (6.5, 3.0), (12.0, 40.0)]

# Raw p-values for Benjamini-Hochberg, each list with its largest selected p near k·alpha/m.
P_LISTS = [
    [0.001, 0.008, 0.039, 0.041, 0.042, 0.060, 0.074, 0.205],
    [0.012, 0.013, 0.5, 0.9],
    [0.0001, 0.02, 0.03, 0.04, 0.05],
    [0.3, 0.6, 0.01],
    [0.0124, 0.025, 0.0376, 0.9],
]

# Rankings (best first) of strategy names, for Kendall's tau.
RANKINGS = [
    (["a", "b", "c", "d", "e"], ["a", "b", "c", "d", "e"]),
    (["a", "b", "c", "d", "e"], ["e", "d", "c", "b", "a"]),
    (["a", "b", "c", "d", "e"], ["b", "a", "c", "e", "d"]),
    (["p", "q", "r", "s", "t", "u", "v"], ["q", "p", "s", "r", "v", "t", "u"]),
]


def welch(a, b):
    la, lb = np.log(a), np.log(b)
    res = stats.ttest_ind(la, lb, equal_var=False)
    diff = la.mean() - lb.mean()
    se = diff / res.statistic if res.statistic != 0 else float("nan")
    out = {
        "a": list(a),
        "b": list(b),
        "ratio": math.exp(diff),
        "se": se,
        "df": float(res.df),
        "p_value": float(res.pvalue),
    }
    for level, name in [(0.95, "ci95"), (0.999, "ci999")]:
        ci = res.confidence_interval(confidence_level=level)
        out[name] = [math.exp(ci.low), math.exp(ci.high)]
    # p of "|log ratio| <= log(1 + MIN_EFFECT)": the t statistic of the margin beyond it.
    margin = abs(diff) - math.log1p(MIN_EFFECT)
    out["p_beyond"] = 1.0 if margin <= 0 else float(2 * stats.t.sf(margin / se, res.df))
    # p of "|log ratio| >= log(1 + MIN_EFFECT)": the t statistic of the margin within it.
    out["p_within"] = 1.0 if margin >= 0 else float(2 * stats.t.sf(-margin / se, res.df))
    out["p_claim"] = min(out["p_beyond"], out["p_within"])
    return out


def main(path):
    welchs = [welch(np.array(a), np.array(b)) for a, b in PAIRS]
    p = np.array([w["p_claim"] for w in welchs])
    adjusted = stats.false_discovery_control(p, method="bh")
    selected = [bool(x <= ALPHA) for x in adjusted]
    values = {
        "source": f"SciPy {scipy.__version__}, NumPy {np.__version__}: scipy.stats.ttest_ind "
                  "(equal_var=False) and its confidence_interval on the logs, scipy.stats.t, "
                  "scipy.stats.false_discovery_control (method='bh'), scipy.stats.kendalltau, "
                  "scipy.special.gammaln and betainc; written by scripts/reference-stats.sh",
        "alpha": ALPHA,
        "min_effect": MIN_EFFECT,
        "welch": welchs,
        "t_quantile": [{"p": q, "df": df, "value": float(stats.t.ppf(q, df))}
                       for q, df in QUANTILES],
        "t_two_sided_p": [{"t": t, "df": df, "value": float(2 * stats.t.sf(t, df))}
                          for t, df in TAILS],
        "benjamini_hochberg": {
            "p": [float(x) for x in p],
            "selected": selected,
            "level": 1 - sum(selected) * ALPHA / len(selected),
        },
        "benjamini_hochberg_lists": [
            {"p": ps, "selected": int(sum(stats.false_discovery_control(ps, method="bh") <= ALPHA))}
            for ps in P_LISTS
        ],
        "kendall_tau": [],
        "ln_gamma": [{"x": x, "value": float(special.gammaln(x))}
                     for x in [0.1, 0.5, 1.0, 2.5, 7.3, 30.0, 171.5]],
        "incomplete_beta": [{"x": x, "a": a, "b": b, "value": float(special.betainc(a, b, x))}
                            for x, a, b in [(0.2, 0.5, 0.5), (0.7, 2.0, 0.5), (0.95, 15.0, 0.5),
                                            (0.01, 1.1, 0.5), (0.5, 40.0, 0.5)]],
    }
    for a, b in RANKINGS:
        shared = [x for x in a if x in b]
        tau = stats.kendalltau([a.index(x) for x in shared], [b.index(x) for x in shared])
        values["kendall_tau"].append({"a": a, "b": b, "tau": float(tau.statistic)})
    with open(path, "w") as f:
        json.dump(values, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
