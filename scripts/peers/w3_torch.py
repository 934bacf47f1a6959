#!/usr/bin/env python3
"""W3, a wide MLP on MNIST-5k (w3_data.py), in PyTorch on the CPU in float32: one trial at a
time with nn.Sequential and optim.Adam, on 1 thread and on PyTorch's default thread count.
Timed: the 10 epochs of training. Writes w3_torch.json to $PEERS_OUT (default peer-results/).
Usage: w3_torch.py [trials]  (default 3; seeds 0..trials-1)."""
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn

from w3_data import BATCH, EPOCHS, LR, BETA1, BETA2, EPS, epoch_perms, flops_per_epoch, init_params, load_data


def make_model(seed):
    ws, bs = init_params(seed)
    layers = []
    for k, (w, b) in enumerate(zip(ws, bs)):
        lin = nn.Linear(w.shape[0], w.shape[1])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w.T))
            lin.bias.copy_(torch.from_numpy(b))
        layers.append(lin)
        if k < len(ws) - 1:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def train(seed, x, y, perms, epochs=EPOCHS):
    model = make_model(seed)
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=(BETA1, BETA2), eps=EPS)
    lossf = nn.CrossEntropyLoss()
    n = x.shape[0]
    for e in range(epochs):
        perm = perms[e]
        for b in range(0, n, BATCH):
            idx = perm[b:b + BATCH]
            opt.zero_grad()
            loss = lossf(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
    return model


def main():
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    xtr, xte, ytr, yte = load_data()
    x, y, xt = torch.from_numpy(xtr), torch.from_numpy(ytr), torch.from_numpy(xte)
    fpe = flops_per_epoch(xtr.shape[0])
    default_threads = torch.get_num_threads()
    res = {"n_train": int(xtr.shape[0]), "flops_per_epoch": fpe,
           "versions": {"torch": torch.__version__, "default_threads": default_threads}}
    for nt in sorted({1, default_threads}):
        torch.set_num_threads(nt)
        perms0 = [torch.from_numpy(p.astype(np.int64)) for p in epoch_perms(0, xtr.shape[0])]
        train(0, x, y, perms0, epochs=1)  # warm-up
        times, accs = [], []
        for seed in range(trials):
            perms = [torch.from_numpy(p.astype(np.int64)) for p in epoch_perms(seed, xtr.shape[0])]
            t = time.perf_counter()
            model = train(seed, x, y, perms)
            times.append(time.perf_counter() - t)
            with torch.no_grad():
                accs.append(float((model(xt).argmax(1).numpy() == yte).mean()))
            print(f"threads={nt} seed={seed} {times[-1]:.3f} s, test accuracy {accs[-1]:.4f}", flush=True)
        med = statistics.median(times)
        res[f"torch_{nt}threads"] = {"times_s": times, "median_trial_s": med,
                                     "median_epoch_s": med / EPOCHS,
                                     "gflops": fpe * EPOCHS / med / 1e9, "test_acc": accs}
    out = os.environ.get("PEERS_OUT", "peer-results")
    os.makedirs(out, exist_ok=True)
    json.dump(res, open(os.path.join(out, "w3_torch.json"), "w"), indent=1)
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
