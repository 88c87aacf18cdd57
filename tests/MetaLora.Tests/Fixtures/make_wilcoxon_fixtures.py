#!/usr/bin/python3
"""Writes wilcoxon.json: paired samples with SciPy's Wilcoxon signed-rank test on them
(scipy.stats.wilcoxon(x, y) with its defaults: zero_method='wilcox', correction=False,
alternative='two-sided', method='auto'), two-sided normal tail probabilities, NumPy's default
("linear") percentiles of a few arrays, and bootstrap intervals computed independently of the C#
code: xoshiro256** written here from its published definition (seeded by SplitMix64 as the tool
seeds it), task indices drawn by Lemire's multiply-and-reject, each resample's mean summed in draw
order, np.percentile of the means at 2.5 and 97.5. Run once; the C# tests only read the JSON.

    /usr/bin/python3 make_wilcoxon_fixtures.py   (numpy, scipy)
"""
import json
import os
import warnings

import numpy as np
import scipy
from scipy import stats


def wilcoxon_case(name, x, y):
    x = [float(v) for v in x]
    y = [float(v) for v in y]
    d = np.asarray(x) - np.asarray(y)
    nonzero = int(np.count_nonzero(d))
    # SciPy's own choice of method, restated so the fixture says which branch each case exercises.
    method = "exact" if 0 < len(d) <= 50 and nonzero == len(d) else "approx"
    entry = {"name": name, "x": x, "y": y, "method": method}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "switching to normal approximation", "sample size too small"
            result = stats.wilcoxon(x, y)
        statistic, p = float(result.statistic), float(result.pvalue)
        # NaN is not JSON: an empty sample gives NaN for both.
        entry["statistic"] = None if np.isnan(statistic) else statistic
        entry["p_value"] = None if np.isnan(p) else p
    except ValueError as e:
        entry["statistic"] = None
        entry["p_value"] = None
        entry["scipy_error"] = str(e)
    return entry


MASK = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15


def splitmix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def rotl(v, k):
    return ((v << k) | (v >> (64 - k))) & MASK


class Xoshiro256StarStar:
    def __init__(self, seed):
        self.s = [splitmix64((seed + GAMMA * (i + 1)) & MASK) for i in range(4)]

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def below(self, bound):
        m = self.next() * bound
        if (m & MASK) < bound:
            threshold = ((1 << 64) - bound) % bound
            while (m & MASK) < threshold:
                m = self.next() * bound
        return m >> 64


def bootstrap_case(name, x, y, seed, resamples=10000):
    x = [float(v) for v in x]
    d = x if y is None else [a - b for a, b in zip(x, [float(v) for v in y])]
    rng = Xoshiro256StarStar(seed)
    n = len(d)
    means = []
    for _ in range(resamples):
        total = 0.0
        for _ in range(n):
            total += d[rng.below(n)]
        means.append(total / n)
    low, high = np.percentile(np.array(means), [2.5, 97.5])
    return {"name": name, "x": x, "y": None if y is None else [float(v) for v in y], "seed": seed,
            "resamples": resamples, "ci95": [float(low), float(high)]}


def rouge_like(rng, n, samples):
    """Per-task means of per-sample scores on a coarse grid, as Rouge-L over a task's test samples: many exact ties and zeros."""
    grid = np.array([0.0, 0.0, 0.0, 0.25, 1 / 3, 0.4, 0.5, 2 / 3, 0.8, 1.0, 1.0])
    return rng.choice(grid, size=(n, samples)).mean(axis=1)


def main():
    rng = np.random.default_rng(20241207)
    cases = []

    # Exact branch (n <= 50, no zero difference).
    cases.append(wilcoxon_case("exact_n5_distinct", [1.3, 2.1, 0.4, 5.0, 3.3], [1.0, 2.5, 0.0, 3.0, 0.2]))
    cases.append(wilcoxon_case("exact_n1", [0.7], [0.2]))
    cases.append(wilcoxon_case("exact_n10_all_positive", np.arange(1, 11) * 0.1 + 0.05, np.zeros(10)))
    # r_plus at the centre of the distribution (n = 3: 1 + 2 against 3): p = 1.
    cases.append(wilcoxon_case("exact_center", [1.0, 2.0, 0.0], [0.0, 0.0, 3.0]))
    # Tied |d| in the exact branch: r_plus = 8.5, which SciPy truncates to 8 before summing the pmf.
    cases.append(wilcoxon_case("exact_ties_n4", [1.0, 2.0, 3.5, 4.0], [0.0, 0.0, 1.0, 5.0]))
    cases.append(wilcoxon_case("exact_ties_n8", [0.5, 0.25, -0.25, 0.75, 0.5, -0.5, 1.0, 0.25], np.zeros(8)))
    x = rng.normal(0.3, 0.2, 50)
    cases.append(wilcoxon_case("exact_n50", x, x - rng.normal(0.05, 0.1, 50)))
    # Rouge-L-like n = 32 without a zero difference but with tied |d|: still exact.
    base = rouge_like(rng, 32, 20)
    shift = rng.choice([-0.1, -0.05, 0.05, 0.1, 0.15, 0.2], size=32)
    cases.append(wilcoxon_case("rouge_n32_ties_no_zeros", base + shift, base))

    # Normal approximation: zeros (which 'wilcox' drops), more than 50 differences.
    y = rouge_like(rng, 32, 20)
    x = y.copy()
    changed = rng.random(32) < 0.7
    x[changed] = rouge_like(rng, int(changed.sum()), 20)
    cases.append(wilcoxon_case("rouge_n32_zeros_ties", x, y))
    cases.append(wilcoxon_case("zeros_n6", [0.5, 0.5, 0.75, 0.25, 0.6, 0.1], [0.5, 0.5, 0.5, 0.5, 0.3, 0.3]))
    cases.append(wilcoxon_case("one_nonzero_n5", [0.5, 0.5, 0.5, 0.5, 0.9], [0.5, 0.5, 0.5, 0.5, 0.1]))
    cases.append(wilcoxon_case("approx_n51", rng.normal(0.0, 1.0, 51), rng.normal(0.2, 1.0, 51)))
    cases.append(wilcoxon_case("approx_n60", rng.normal(0.3, 0.2, 60), rng.normal(0.25, 0.2, 60)))
    y = rouge_like(rng, 60, 10)
    cases.append(wilcoxon_case("approx_n60_ties", np.clip(y + rng.choice([-0.1, 0.0, 0.1, 0.2], size=60), 0, 1), y))
    y = rouge_like(rng, 502, 10)
    x = np.where(rng.random(502) < 0.3, y, rouge_like(rng, 502, 10))
    cases.append(wilcoxon_case("rouge_n502", x, y))
    # Every difference positive at n = 502: z about 19.4, a p-value far out in the normal tail.
    cases.append(wilcoxon_case("n502_all_positive", rng.random(502) + 1.0, rng.random(502)))

    # What SciPy does not test: all differences zero (ValueError) and no pairs (NaN).
    cases.append(wilcoxon_case("all_zero", [0.25, 0.5, 0.0], [0.25, 0.5, 0.0]))
    cases.append(wilcoxon_case("empty", [], []))

    # The two-sided normal tail as SciPy computes it in the approximation: 2 * norm.sf(|z|).
    normal = [{"z": float(z), "p": float(2 * stats.norm.sf(abs(z)))}
              for z in [0.0, 1e-8, 0.3, -0.7, 0.7071, 1.0, 1.5, -1.959963984540054, 2.1213, 2.5, 3.0, 4.2, 6.0, 8.5,
                        12.0, 19.4, 25.0, 30.0, 37.5]]

    # NumPy's default percentile ("linear": virtual index (n - 1) q between the sorted neighbours).
    percentile_arrays = {
        "one": [0.3],
        "two": [0.9, 0.1],
        "seven": [0.5, 0.1, 0.4, 0.4, 0.9, -0.2, 0.3],
        "ties_41": list(rng.choice([0.1, 0.2, 0.25, 0.3], size=41)),
        "means_10000": list(np.round(rng.normal(0.05, 0.02, 10000), 6)),
        "grid_10000": list(rng.integers(0, 128, 10000) / 128),
    }
    qs = [2.5, 50.0, 97.5]
    percentiles = [{"name": name, "values": [float(v) for v in values], "q": [q / 100 for q in qs],
                    "percentiles": [float(p) for p in np.percentile(np.asarray(values, dtype=np.float64), qs)]}
                   for name, values in percentile_arrays.items()]

    # The tool's bootstrap (seed 20241207), bit for bit.
    seed = 20241207
    by_name = {c["name"]: c for c in cases}
    bootstrap = [
        bootstrap_case("paired_n4", [0.125, 0.5, 0.625, 1.0], [0.0, 0.25, 0.75, 0.5], seed),
        bootstrap_case("paired_n9", [0.31, 0.07, 0.52, 0.44, 0.9, 0.12, 0.0, 0.66, 0.25],
                       [0.2, 0.1, 0.5, 0.3, 0.85, 0.0, 0.0, 0.4, 0.3], seed),
        bootstrap_case("paired_rouge_n32", by_name["rouge_n32_zeros_ties"]["x"], by_name["rouge_n32_zeros_ties"]["y"], seed),
        bootstrap_case("mean_rouge_n32", by_name["rouge_n32_zeros_ties"]["x"], None, seed),
        bootstrap_case("paired_rouge_n502", by_name["rouge_n502"]["x"], by_name["rouge_n502"]["y"], seed),
    ]

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wilcoxon.json")
    with open(path, "w") as f:
        json.dump({"numpy": np.__version__, "scipy": scipy.__version__, "cases": cases, "normal": normal,
                   "percentiles": percentiles, "bootstrap": bootstrap}, f, indent=1)


if __name__ == "__main__":
    main()
