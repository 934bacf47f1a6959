#!/usr/bin/env bash
# Runs the three benchmark workloads (BENCHMARKS.md) with initbench and with the peers' JAX and
# NumPy (and PyTorch, when installed) scripts, alternately, several rounds, on this machine,
# and prints medians and ratios, the W2 and W3 sweeps also as a share of the machine's float32
# matrix-multiply peak (OpenBLAS sgemm, measured first by the peers' gemm_peak.py). Machines are shared and noisy: compare only figures from one
# run of this script.
#
#   scripts/compare-peers.sh [PEERS_DIR] [ROUNDS]
#
# PEERS_DIR holds the peers' scripts (w1_numpy.py, w1_jax.py, w2_jax.py, w2_torch.py,
# gemm_peak.py), given as the first argument or $PEERS_DIR; W3's are scripts/peers/. Their Python environment is made in
# $PEERS_VENV (default ~/.peers-venv) from PyPI when missing: numpy, scipy, scikit-learn,
# threadpoolctl and jax (~0.7 GB). PyTorch is used only if that environment already has it
# (`$PEERS_VENV/bin/pip install torch`: PyPI's Linux wheel brings CUDA libraries, ~5 GB).
set -euo pipefail
cd "$(dirname "$0")/.."
PEERS=$(cd "${1:-${PEERS_DIR:?pass the peers folder as the first argument or PEERS_DIR}}" && pwd) || {
    echo "compare-peers: no peers folder; pass it as the first argument" >&2
    exit 2
}
ROUNDS=${2:-3}
VENV=${PEERS_VENV:-$HOME/.peers-venv}
PY=$VENV/bin/python

cargo build --release --quiet
if ! "$PY" -c "import jax, numpy, sklearn, threadpoolctl" 2>/dev/null; then
    echo "compare-peers: setting up $VENV from PyPI (numpy, scipy, scikit-learn, jax)" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet numpy scipy scikit-learn threadpoolctl jax
fi
HAS_TORCH=$("$PY" -c "import torch" 2>/dev/null && echo 1 || echo 0)

OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
export PEERS_OUT=$OUT/peers
mkdir -p "$PEERS_OUT" "$OUT/log"
BIN=$PWD/target/release/initbench

wall() { # seconds a command takes, process start to exit
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l
}

# Other work on the machine moves every figure (the two-thread ones most): the table says how
# busy it was.
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
W3_PEERS=$PWD/scripts/peers
(cd "$PEERS_OUT" && "$PY" "$PEERS/gemm_peak.py" --numpy-only >"$OUT/log/gemm_peak" 2>&1)
"$PY" - "$PEERS_OUT" >>"$OUT/times" <<'EOF'
import json, sys
for r in json.load(open(f"{sys.argv[1]}/gemm_peak.json"))["results"]:
    if r["shape"] == "1024x1024x1024":
        print(f"sgemm_peak_{r['threads']}t_gflops", r["gflops"])
EOF
for r in $(seq 1 "$ROUNDS"); do
    echo "round $r/$ROUNDS" >&2
    # W1 end to end: process start to exit, every CSV written (figures off in the spec).
    echo "w1_initbench_e2e $(wall "$BIN" run experiments/bench_w1.toml --out "$OUT/w1-$r")" >>"$OUT/times"
    (cd "$PEERS_OUT" && "$PY" "$PEERS/w1_numpy.py" >"$OUT/log/w1_numpy-$r" 2>&1)
    (cd "$PEERS_OUT" && "$PY" "$PEERS/w1_jax.py" >"$OUT/log/w1_jax-$r" 2>&1)
    "$PY" - "$PEERS_OUT" >>"$OUT/times" <<'EOF'
import json, sys
d = sys.argv[1]
j = json.load(open(f"{d}/w1_jax.json"))
n = json.load(open(f"{d}/w1_numpy.json"))
print("w1_jax_vmap", j["e_jit_vmap_scan"]["median_s"])
print("w1_numpy", n["median_s"])
EOF
    # W2: the 8-replicate sweep on 2 threads; trial-epochs per second from its training time,
    # and one network's epoch from the per-trial chunk times (one network per chunk).
    "$BIN" run experiments/bench_w2.toml --threads 2 --out "$OUT/w2-$r" >"$OUT/log/w2-$r" 2>&1
    "$PY" - "$OUT/w2-$r" "$OUT/log/w2-$r" >>"$OUT/times" <<'EOF'
import csv, re, statistics, sys
rows = list(csv.DictReader(open(f"{sys.argv[1]}/timings.csv")))
secs = [float(r["chunk_seconds"]) for r in rows]
trained = float(re.search(r"trained in ([0-9.]+) s", open(sys.argv[2]).read()).group(1))
print("w2_initbench_trial_epochs_per_s", len(rows) * 20 / trained)
print("w2_initbench_epoch_s", statistics.median(secs) / 20)
EOF
    # W2, one network alone: a one-replicate run on 2 threads (the worker with no network of
    # its own scores each epoch while the other trains the next).
    sed 's/^replicates = 8$/replicates = 1/' experiments/bench_w2.toml >"$OUT/w2_solo.toml"
    "$BIN" run "$OUT/w2_solo.toml" --threads 2 --out "$OUT/w2solo-$r" >"$OUT/log/w2solo-$r" 2>&1
    "$PY" - "$OUT/w2solo-$r" >>"$OUT/times" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(f"{sys.argv[1]}/timings.csv")))
assert len(rows) == 1, rows
print("w2_initbench_solo_epoch_s", float(rows[0]["chunk_seconds"]) / 20)
EOF
    (cd "$PEERS_OUT" && "$PY" "$PEERS/w2_jax.py" 2 >"$OUT/log/w2_jax-$r" 2>&1)
    "$PY" - "$PEERS_OUT" >>"$OUT/times" <<'EOF'
import json, sys
j = json.load(open(f"{sys.argv[1]}/w2_jax.json"))
v = j["vmap8"]
print("w2_jax_vmap_trial_epochs_per_s", 1 / v["per_epoch_per_trial_s"])
print("w2_jax_epoch_s", j["jit_train"]["median_epoch_s"])
EOF
    # W3: the 8-replicate sweep on 2 threads, and JAX's jit and vmap (scripts/peers/).
    "$BIN" run experiments/bench_w3.toml --threads 2 --out "$OUT/w3-$r" >"$OUT/log/w3-$r" 2>&1
    "$PY" - "$OUT/w3-$r" "$OUT/log/w3-$r" >>"$OUT/times" <<'EOF'
import csv, re, statistics, sys
rows = list(csv.DictReader(open(f"{sys.argv[1]}/timings.csv")))
trained = float(re.search(r"trained in ([0-9.]+) s", open(sys.argv[2]).read()).group(1))
print("w3_initbench_trial_epochs_per_s", 8 * 10 / trained)
print("w3_initbench_epoch_s", statistics.median(float(r["chunk_seconds"]) for r in rows) / 10)
EOF
    (cd "$PEERS_OUT" && "$PY" "$W3_PEERS/w3_jax.py" 1 >"$OUT/log/w3_jax-$r" 2>&1)
    "$PY" - "$PEERS_OUT" >>"$OUT/times" <<'EOF'
import json, sys
j = json.load(open(f"{sys.argv[1]}/w3_jax.json"))
print("w3_jax_vmap_trial_epochs_per_s", j["vmap"]["trial_epochs_per_s"])
print("w3_jax_epoch_s", j["jit"]["median_epoch_s"])
EOF
    if [ "$HAS_TORCH" = 1 ]; then
        (cd "$PEERS_OUT" && "$PY" "$W3_PEERS/w3_torch.py" 1 >"$OUT/log/w3_torch-$r" 2>&1)
        "$PY" - "$PEERS_OUT" >>"$OUT/times" <<'EOF'
import json, sys
j = json.load(open(f"{sys.argv[1]}/w3_torch.json"))
print("w3_torch_epoch_s", min(x["median_epoch_s"] for k, x in j.items() if k.startswith("torch_")))
EOF
        (cd "$PEERS_OUT" && "$PY" "$PEERS/w2_torch.py" 2 >"$OUT/log/w2_torch-$r" 2>&1)
        "$PY" - "$PEERS_OUT" >>"$OUT/times" <<'EOF'
import json, sys
j = json.load(open(f"{sys.argv[1]}/w2_torch.json"))
e = {k: x["median_epoch_s"] for k, x in j.items() if isinstance(x, dict) and "median_epoch_s" in x}
print("w2_torch_epoch_s", min(e.values()))
for k, v in e.items():
    print(f"w2_{k}_epoch_s", v)
EOF
    fi
done

# W1 training alone: criterion's median for the 700-network cohort on 2 threads.
cargo bench --quiet --bench harness -- "train/w1 700 nets x 2000 epochs" >"$OUT/log/bench" 2>&1
"$PY" - >>"$OUT/times" <<'EOF'
import json, glob
for f in glob.glob("target/criterion/train/w1 700 nets*/new/estimates.json"):
    threads = "2" if "2 thread" in f else "1"
    print(f"w1_initbench_train_{threads}t", json.load(open(f))["median"]["point_estimate"] / 1e9)
EOF

"$PY" - "$OUT/times" "$ROUNDS" <<'EOF'
import statistics, sys
vals = {}
for line in open(sys.argv[1]):
    k, v = line.split()
    vals.setdefault(k, []).append(float(v))
m = {k: statistics.median(v) for k, v in vals.items()}
def row(name, value, unit, ratio=""):
    print(f"| {name} | {value} {unit} | {ratio} |")
print(f"medians of {sys.argv[2]} alternating rounds on this machine\n")
print("| measurement | median | ratio |\n|---|---|---|")
jax = m["w1_jax_vmap"]
row("W1 JAX jit(vmap), training", f"{jax * 1e3:.1f}", "ms")
row("W1 NumPy population, training", f"{m['w1_numpy'] * 1e3:.1f}", "ms")
for t in ("1", "2"):
    if f"w1_initbench_train_{t}t" in m:
        v = m[f"w1_initbench_train_{t}t"]
        row(f"W1 initbench training (criterion, {t} thread{'s' if t == '2' else ''})", f"{v * 1e3:.1f}", "ms", f"{jax / v:.2f}x JAX")
e2e = m["w1_initbench_e2e"]
row("W1 initbench end to end (`initbench run`)", f"{e2e * 1e3:.0f}", "ms", f"{jax / e2e:.2f}x JAX")
tj, ti = m["w2_jax_vmap_trial_epochs_per_s"], m["w2_initbench_trial_epochs_per_s"]
row("W2 JAX vmap over 8 seeds", f"{tj:.1f}", "trial-epochs/s")
row("W2 initbench sweep, 8 replicates, 2 threads", f"{ti:.1f}", "trial-epochs/s", f"{ti / tj:.2f}x JAX")
row("W2 JAX jit, one network's epoch", f"{m['w2_jax_epoch_s'] * 1e3:.1f}", "ms")
ie = m["w2_initbench_epoch_s"]
so = m["w2_initbench_solo_epoch_s"]
sweep = "W2 initbench, one network's epoch in the sweep (1 thread each)"
solo = "W2 initbench, one network alone (2 threads)"
if "w2_torch_epoch_s" in m:
    pt = m["w2_torch_epoch_s"]
    for t in ("1", "2"):
        if f"w2_torch_per_trial_{t}threads_epoch_s" in m:
            v = m[f"w2_torch_per_trial_{t}threads_epoch_s"]
            row(f"W2 PyTorch, one network's epoch, {t} thread{'s' if t == '2' else ''}", f"{v * 1e3:.1f}", "ms")
    row(sweep, f"{ie * 1e3:.1f}", "ms", f"{ie / pt:.2f}x PyTorch's (faster) time")
    row(solo, f"{so * 1e3:.1f}", "ms", f"{so / pt:.2f}x PyTorch's (faster) time")
else:
    row(sweep, f"{ie * 1e3:.1f}", "ms", "(PyTorch not installed)")
    row(solo, f"{so * 1e3:.1f}", "ms", "(PyTorch not installed)")
# Training FLOPs a trial-epoch, the peers' count (3 x the forward products per training row).
w2_flops, w3_flops = 3 * 248_320 * 1437, 3 * 2_385_920 * 4000
peak = m.get("sgemm_peak_2t_gflops")
if peak:
    row("sgemm 1024³, OpenBLAS, 2 threads (the peak)", f"{peak:.0f}", "GFLOP/s")
    row("W2 initbench sweep, training arithmetic", f"{ti * w2_flops / 1e9:.0f}", "GFLOP/s", f"{ti * w2_flops / 1e9 / peak:.0%} of the peak")
tj3, ti3 = m["w3_jax_vmap_trial_epochs_per_s"], m["w3_initbench_trial_epochs_per_s"]
row("W3 JAX vmap over 8 seeds", f"{tj3:.2f}", "trial-epochs/s")
row("W3 initbench sweep, 8 replicates, 2 threads", f"{ti3:.2f}", "trial-epochs/s", f"{ti3 / tj3:.2f}x JAX")
if peak:
    row("W3 initbench sweep, training arithmetic", f"{ti3 * w3_flops / 1e9:.0f}", "GFLOP/s", f"{ti3 * w3_flops / 1e9 / peak:.0%} of the peak")
row("W3 JAX jit, one network's epoch", f"{m['w3_jax_epoch_s'] * 1e3:.0f}", "ms")
e3 = m["w3_initbench_epoch_s"]
if "w3_torch_epoch_s" in m:
    row("W3 initbench, one network's epoch in the sweep (1 thread each)", f"{e3 * 1e3:.0f}", "ms", f"{e3 / m['w3_torch_epoch_s']:.2f}x PyTorch's (faster) time")
else:
    row("W3 initbench, one network's epoch in the sweep (1 thread each)", f"{e3 * 1e3:.0f}", "ms", "(PyTorch not installed)")
EOF
echo
echo "load average (1, 5, 15 min) before the runs, from other work on the machine: $LOAD_BEFORE"
