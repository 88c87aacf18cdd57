"""The paper's distance definitions in NumPy/SciPy/PyTorch, timed, for comparison with `lora distances`.

Reads the Tokenize stage's outputs (<data-dir>/preprocessed/tokens/<task>.npy) in bank order and
computes each N x N matrix pair by pair, as the reference implementation does:

    python3 bench/reference_distances.py --bank-dir examples/demo-bank --data-dir data --metric KL,WD

Needs python3-numpy and python3-scipy (and python3-torch for MMD). Not used by the tests.
"""
import argparse
import json
import os
import time

import numpy as np
import scipy.stats


def histogram(tokens, vocab):
    p, _ = np.histogram(tokens, bins=np.arange(0, vocab), density=True)
    return p + 1e-10


def kl(p, q):
    return float(np.sum(p * np.log(p / q)))


def js(p, q):
    m = (p + q) / 2
    return 0.5 * kl(p, m) + 0.5 * kl(q, m)


def mmd(x, y):
    import torch
    x = torch.tensor(x, dtype=torch.float64).view(-1, 1)
    y = torch.tensor(y, dtype=torch.float64).view(-1, 1)
    xx, yy, zz = x @ x.t(), y @ y.t(), x @ y.t()
    rx = xx.diag().unsqueeze(0).expand_as(xx)
    ry = yy.diag().unsqueeze(0).expand_as(yy)
    dxx = rx.t() + rx - 2 * xx
    dyy = ry.t() + ry - 2 * yy
    dxy = rx.t() + ry - 2 * zz
    kxx, kyy, kxy = (torch.zeros_like(dxx) for _ in range(3))
    for a in (0.2, 0.5, 0.9, 1.3):
        kxx += a * a / (a * a + dxx)
        kyy += a * a / (a * a + dyy)
        kxy += a * a / (a * a + dxy)
    return float(torch.mean(kxx + kyy - 2 * kxy))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bank-dir", required=True)
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--metric", default="KL,JS,WD,MMD")
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()

    bank = json.load(open(os.path.join(args.bank_dir, "bank.json")))
    tasks = bank["tasks"][: args.limit or None]
    vocab = bank["vocab_size"]
    tokens = [np.load(os.path.join(args.data_dir, "preprocessed", "tokens", t + ".npy")) for t in tasks]
    n = len(tasks)
    rng = np.random.default_rng(0)
    print(f"{n} tasks, {sum(len(t) for t in tokens):,} tokens, V = {vocab}")
    for metric in args.metric.split(","):
        start = time.perf_counter()
        d = np.zeros((n, n))
        if metric in ("KL", "JS"):
            hist = [histogram(t, vocab) for t in tokens]
            for i in range(n):
                for j in range(n):
                    if i != j:
                        d[i, j] = kl(hist[i], hist[j]) if metric == "KL" else js(hist[i], hist[j])
        elif metric == "WD":
            for i in range(n):
                for j in range(i + 1, n):
                    d[i, j] = d[j, i] = scipy.stats.wasserstein_distance(tokens[i], tokens[j])
        elif metric == "MMD":
            for i in range(n):
                for j in range(i + 1, n):
                    x = rng.choice(tokens[i], 1000)
                    y = rng.choice(tokens[j], 1000)
                    d[i, j] = d[j, i] = mmd(x, y)
        print(f"{metric:4} {time.perf_counter() - start:10.2f} s")


if __name__ == "__main__":
    main()
