#!/usr/bin/python3
"""Writes distances.json: token-id tasks with their KL, JS and WD matrices computed the reference way
(numpy histograms, scipy.stats.wasserstein_distance). Run once; the C# tests only read the JSON.

    /usr/bin/python3 make_distance_fixtures.py   (numpy, scipy)
"""
import json
import os

import numpy as np
from scipy.stats import wasserstein_distance


def density(tokens, vocab):
    return np.histogram(tokens, bins=np.arange(0, vocab), density=True)[0] + 1e-10


def kl(a, b, vocab):
    p, q = density(a, vocab), density(b, vocab)
    return float(np.sum(p * np.log(p / q)))


def js(a, b, vocab):
    p, q = density(a, vocab), density(b, vocab)
    m = (p + q) / 2
    return float(0.5 * np.sum(p * np.log(p / m)) + 0.5 * np.sum(q * np.log(q / m)))


def wd(a, b):
    return float(wasserstein_distance(a, b))


def case(name, vocab, tasks):
    tasks = [[int(t) for t in task] for task in tasks]
    n = len(tasks)
    return {
        "name": name,
        "vocab": vocab,
        "tasks": tasks,
        "kl": [[kl(tasks[i], tasks[j], vocab) for j in range(n)] for i in range(n)],
        "js": [[js(tasks[i], tasks[j], vocab) for j in range(n)] for i in range(n)],
        "wd": [[wd(tasks[i], tasks[j]) for j in range(n)] for i in range(n)],
    }


def zipf_task(rng, vocab, length):
    ranks = np.minimum(vocab - 1, np.floor(np.exp(rng.random(length) * np.log(vocab + 1))).astype(int) - 1)
    return rng.permutation(vocab)[ranks]


def main():
    rng = np.random.default_rng(20240501)
    cases = []

    # V = 50: ids V-2 = 48 and V-1 = 49 share NumPy's last, closed bin (equal for KL/JS, 1 apart for WD).
    cases.append(case("edges", 50, [
        [49],                               # single token, top id
        [48],                               # single token, same histogram bin as [49]
        [0],                                # single token, lowest id
        [0, 1, 2, 3, 4],                    # disjoint from the next
        [10, 11, 12],
        [4, 3, 2, 1, 0],                    # identical multiset to task 3
        [0, 0, 1, 1, 2, 2, 3, 3, 4, 4],     # same density as task 3, twice as long
        list(rng.integers(0, 50, 200)),     # different length, full range
        [48, 49, 49, 0, 25, 25, 25],
        [1, 2],
    ]))

    # V = 2: a single bin, so every KL and JS is zero while WD is not.
    cases.append(case("vocab2", 2, [[0], [1], [0, 1, 1], [1, 1, 1, 1, 0]]))

    # More tasks than one pair tile (32), short and varied.
    cases.append(case("many", 60, [list(rng.integers(0, 60, int(rng.integers(1, 40)))) for _ in range(40)]))

    # Several column chunks (V - 1 > 1024) with Zipf-like tasks of different lengths.
    cases.append(case("zipf", 5000, [zipf_task(rng, 5000, length) for length in (50, 700, 3000, 5000, 3000)]))

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "distances.json")
    with open(path, "w") as f:
        json.dump({"numpy": np.__version__, "scipy": __import__("scipy").__version__, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
