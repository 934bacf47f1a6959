"""The W3 workload shared by w3_torch.py and w3_jax.py: MNIST-5k from the repository's
data/ folder, pixels / 255, an 80/20 split (seed 0), 784-(512x4)-10 ReLU, He normal weights
(untruncated), zero biases, softmax cross-entropy, Adam lr 1e-3 (PyTorch's defaults
otherwise), batches of 128 (the last, partial batch kept) reshuffled each epoch, 10 epochs.
Initial weights and shuffles come from NumPy seeds, so both peers train the same networks."""
import gzip
import os

import numpy as np

WIDTHS = [784] + [512] * 4 + [10]
EPOCHS, BATCH, LR = 10, 128, 1e-3
BETA1, BETA2, EPS = 0.9, 0.999, 1e-8
# Forward matmul FLOPs a sample; a training step costs about three times that (forward,
# weight gradients, input gradients), the convention of every peer's GFLOP/s figure.
FWD_FLOPS_PER_SAMPLE = 2 * sum(a * b for a, b in zip(WIDTHS[:-1], WIDTHS[1:]))
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "mnist5k.csv.gz")


def load_data():
    with gzip.open(DATA, "rt") as f:
        raw = np.loadtxt(f, delimiter=",", skiprows=1, dtype=np.float32)
    x, y = raw[:, :-1] / 255.0, raw[:, -1].astype(np.int64)
    order = np.random.default_rng(0).permutation(len(y))
    n_test = len(y) // 5
    test, train = order[:n_test], order[n_test:]
    return x[train], x[test], y[train], y[test]  # 4000 train / 1000 test


def flops_per_epoch(n_train):
    return 3 * FWD_FLOPS_PER_SAMPLE * n_train


def init_params(seed):
    """He normal (not truncated): N(0, 2 / fan_in); biases zero. Layout (in, out)."""
    rng = np.random.default_rng(seed)
    ws = [rng.normal(0.0, np.sqrt(2.0 / fi), (fi, fo)).astype(np.float32)
          for fi, fo in zip(WIDTHS[:-1], WIDTHS[1:])]
    bs = [np.zeros(fo, np.float32) for fo in WIDTHS[1:]]
    return ws, bs


def epoch_perms(seed, n_train):
    rng = np.random.default_rng(10_000 + seed)
    return np.stack([rng.permutation(n_train) for _ in range(EPOCHS)]).astype(np.int32)
