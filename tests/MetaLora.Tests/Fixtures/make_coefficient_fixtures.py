#!/usr/bin/python3
"""Writes coefficients.json: distance matrices with their base_version and normalized_version
coefficients computed the reference way (scikit-learn's StandardScaler, NumPy softmin with the
diagonal set to +inf). Run once; the C# tests only read the JSON.

    /usr/bin/python3 make_coefficient_fixtures.py   (numpy, scikit-learn)
"""
import json
import os

import numpy as np
from sklearn.preprocessing import StandardScaler


def softmin_off_diagonal(scores):
    s = np.array(scores, dtype=np.float64)
    np.fill_diagonal(s, np.inf)
    e = np.exp(-(s - s.min(axis=1, keepdims=True)))
    return e / e.sum(axis=1, keepdims=True)


def case(name, d):
    d = np.asarray(d, dtype=np.float64)
    z = StandardScaler().fit_transform(d.T).T
    return {
        "name": name,
        "distances": d.tolist(),
        "standardized": z.tolist(),
        "base_version": softmin_off_diagonal(d).tolist(),
        "normalized_version": softmin_off_diagonal(z).tolist(),
    }


def distance_like(rng, n, scale):
    d = np.abs(rng.normal(size=(n, n))) * scale
    np.fill_diagonal(d, 0.0)
    return d


def main():
    rng = np.random.default_rng(20250701)
    cases = [
        case("uniform_5", rng.random((5, 5))),
        case("kl_like_8", distance_like(rng, 8, 3.0)),
        case("wd_like_12", distance_like(rng, 12, 2000.0)),
    ]

    # Row 2 constant (diagonal included): scale 1, i.e. only centred. Row 4: 0.1 repeated, whose mean
    # is not exactly 0.1 when summed in order.
    d = distance_like(rng, 7, 1.0)
    d[2, :] = 0.7
    d[4, :] = 0.1
    # Row 3: 0.1 and the next double alternating. Its variance (~1e-35) is rounding noise; scikit-learn
    # treats it as constant, where dividing by its std would give entries of about ±1.
    d[3, :] = np.where(np.arange(7) % 2 == 0, 0.1, np.nextafter(0.1, 1.0))
    # Row 5: equal off-diagonal distances with a zero diagonal, not constant.
    d[5, :] = 1.5
    d[5, 5] = 0.0
    cases.append(case("constant_rows_7", d))

    # A large common offset: standardisation removes it, base_version must not overflow.
    cases.append(case("offset_6", 1e6 + rng.random((6, 6))))

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "coefficients.json")
    with open(path, "w") as f:
        json.dump({"cases": cases}, f, indent=1)


if __name__ == "__main__":
    main()
