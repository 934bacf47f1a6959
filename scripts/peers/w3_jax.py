#!/usr/bin/env python3
"""W3, a wide MLP on MNIST-5k (w3_data.py), in JAX on the CPU in float32: the whole training
of one network as one jit-compiled lax.scan (jit), and the same function vmapped over 8 seeds
(vmap), each timed after a compiling warm-up. Adam is written out (PyTorch's update).
Writes w3_jax.json to $PEERS_OUT (default peer-results/). Usage: w3_jax.py [rounds] (default 3)."""
import json
import os
import statistics
import sys
import time

import numpy as np
import jax
import jax.numpy as jnp

from w3_data import BATCH, EPOCHS, LR, BETA1, BETA2, EPS, epoch_perms, flops_per_epoch, init_params, load_data

SEEDS = 8


def forward(params, x):
    ws, bs = params
    for w, b in zip(ws[:-1], bs[:-1]):
        x = jax.nn.relu(x @ w + b)
    return x @ ws[-1] + bs[-1]


def loss_fn(params, xb, yb):
    logp = jax.nn.log_softmax(forward(params, xb))
    return -jnp.mean(jnp.take_along_axis(logp, yb[:, None], axis=1))


def make_train(x, y):
    n = x.shape[0]
    full = n // BATCH
    grad = jax.grad(loss_fn)

    def adam(state, g):
        params, m, v, t = state
        t = t + 1
        m = jax.tree.map(lambda m, g: BETA1 * m + (1 - BETA1) * g, m, g)
        v = jax.tree.map(lambda v, g: BETA2 * v + (1 - BETA2) * g * g, v, g)
        c1, c2 = 1 - BETA1 ** t, 1 - BETA2 ** t
        params = jax.tree.map(lambda p, m, v: p - LR / c1 * m / (jnp.sqrt(v / c2) + EPS), params, m, v)
        return params, m, v, t

    def epoch(state, perm):
        def step(state, idx):
            return adam(state, grad(state[0], x[idx], y[idx])), None
        state, _ = jax.lax.scan(step, state, perm[:full * BATCH].reshape(full, BATCH))
        rest = perm[full * BATCH:]
        if rest.shape[0]:
            state = adam(state, grad(state[0], x[rest], y[rest]))
        return state, None

    def train(params, perms):
        zeros = jax.tree.map(jnp.zeros_like, params)
        state, _ = jax.lax.scan(epoch, (params, zeros, zeros, 0.0), perms)
        return state[0]

    return train


def timed(f, *args, rounds):
    jax.block_until_ready(f(*args))  # compile
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        jax.block_until_ready(f(*args))
        times.append(time.perf_counter() - t)
    return times


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    xtr, xte, ytr, yte = load_data()
    x, y = jnp.asarray(xtr), jnp.asarray(ytr)
    train = make_train(x, y)
    fpe = flops_per_epoch(xtr.shape[0])
    one = jax.tree.map(jnp.asarray, init_params(0))
    perms = jnp.asarray(epoch_perms(0, xtr.shape[0]))
    t_jit = timed(jax.jit(train), one, perms, rounds=rounds)
    seeds = [init_params(s) for s in range(SEEDS)]
    many = jax.tree.map(lambda *a: jnp.stack(a), *seeds)
    many_perms = jnp.stack([jnp.asarray(epoch_perms(s, xtr.shape[0])) for s in range(SEEDS)])
    t_vmap = timed(jax.jit(jax.vmap(train)), many, many_perms, rounds=rounds)
    res = {"n_train": int(xtr.shape[0]), "flops_per_epoch": fpe, "versions": {"jax": jax.__version__},
           "jit": {"times_s": t_jit, "median_epoch_s": statistics.median(t_jit) / EPOCHS,
                   "gflops": fpe * EPOCHS / statistics.median(t_jit) / 1e9},
           "vmap": {"times_s": t_vmap, "seeds": SEEDS,
                    "trial_epochs_per_s": SEEDS * EPOCHS / statistics.median(t_vmap),
                    "gflops": SEEDS * fpe * EPOCHS / statistics.median(t_vmap) / 1e9}}
    out = os.environ.get("PEERS_OUT", "peer-results")
    os.makedirs(out, exist_ok=True)
    json.dump(res, open(os.path.join(out, "w3_jax.json"), "w"), indent=1)
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
