#!/usr/bin/python3
"""PyTorch BPTT peer of evsnn's seed-004 network (lif_tick chain + rule "bptt" + loss "tick_ce"), for an
independent check of evsnn's BPTT gradient and a training-throughput comparison on the same network.

Model (evsnn's lif_tick time-stepped twin, rules/tick_unroll.hpp; rules-spec §3.1), per tick k and layer l:
    Ũ_k = λ U_{k-1} + W x_k + b,   s_k = H(Ũ_k − θ),   U_k = Ũ_k − θ s_k      (λ = σ(tau_param), θ = 1)
layers in sequence within a tick (x_k of layer l > 0 is s_k of layer l − 1), surrogate ds/dŨ =
1/(slope |Ũ − θ| + 1)^2 (fast sigmoid, slope 25), the reset path NOT detached (autograd goes through
θ s_k in U_k). Loss: the mean over the T ticks of the softmax cross-entropy of the raw 0/1 output spikes,
averaged over the batch. Only the weights are trained (evsnn's bptt has no bias gradient; the biases are
read from the network and kept). Weights are W[pre, post] (evsnn's pre-major dense order).

Modes
  --check-gradient CONFIG   evsnn's BPTT gradient against torch autograd in float64, on the same weights and
      samples. It writes a copy of CONFIG that trains N samples (dataset "limit": N) in ONE batch of N with
      {"type": "sgd", "lr": LR, "momentum": 0.5} for one epoch, runs `evsnn train` on it, and reads the
      gradient exactly from the checkpoint: SGD's velocity after one step is 0.5·0 + g = g, stored as f64
      (the batch mean of the per-sample gradients, each summed in evsnn's 2^-32 fixed point). The samples
      are the same ones, read with `evsnn data show SPEC --index i --draw 2 --json` (the trainer loads
      epoch e, counted from 1, as draw e + 1). Weights: --network NET.json (e.g. a network.json written by `evsnn train --out`,
      weights in weights_<l>.csv) or, without it, LeCun-normal float32 weights drawn here (--seed,
      --init-scale) and written as CSV for evsnn (so both start bit-equal). Reports per layer the max
      |g_evsnn − g_torch| / max |g_torch| and the cosine, and the cross-check of the weights after the
      SGD step (w_before − lr·g, rounded to float32 by evsnn).
  --bench   samples/s of torch BPTT training (Adamax lr 0.01, batch 128) after warm-up on Randman-shaped
      input (T ticks, 50 units; temporal: one spike per unit at a uniform tick; rate: ⌊yT⌋+1 distinct
      ticks), and with --evsnn-configs A.json,B.json the same for `evsnn train` on each config changed to
      the same ticks (resample off, no evaluation, no alignment, 2 epochs; epoch 2's samples/s from
      log.csv, so no data generation is timed), each timing under `flock /tmp/evsnn-build.lock`.

Usage (Debian: apt-get install python3-torch python3-numpy; use /usr/bin/python3):
  /usr/bin/python3 tools/compare/bptt_tick_torch.py --check-gradient examples/train/t_randman_bptt.json
  /usr/bin/python3 tools/compare/bptt_tick_torch.py --bench --ticks 50 \
      --evsnn-configs examples/train/t_randman_bptt.json,examples/train/t_randman_otpe.json
"""
import argparse
import copy
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


# ---- the network ------------------------------------------------------------------------------------

class tick_net:
    """A feed-forward lif_tick chain as evsnn reads it: sizes, λ, θ and bias per layer, weights [pre, post]."""

    def __init__(self, sizes, leak, theta, bias, weights):
        self.sizes, self.leak, self.theta, self.bias, self.weights = sizes, leak, theta, bias, weights


def load_network(path, seed=1, init_scale=1.0):
    """Reads an evsnn-network/1 chain: input spike_source, then lif_tick layers linked by dense projections.
    Weights from {"csv": file} (or dense rows); {"init": ...} weights are drawn here (LeCun normal, float32),
    since evsnn's random stream is not reproduced."""
    doc = json.load(open(path))
    base = os.path.dirname(os.path.abspath(path))
    pops = doc["populations"]
    index = {p["name"]: k for k, p in enumerate(pops)}
    sizes = [pops[0]["size"]]
    leak, theta, bias, weights = [], [], [], []
    rng = np.random.default_rng(seed)
    for k, proj in enumerate(doc["projections"]):
        pre, post = pops[index[proj["pre"]]], pops[index[proj["post"]]]
        if index[proj["pre"]] != k or index[proj["post"]] != k + 1 or post["model"] != "lif_tick":
            sys.exit(f"{path}: projection {k}: expected a chain of lif_tick layers in population order")
        n_in, n = pre["size"], post["size"]
        p = post.get("params", {})
        lam = p["leak"] if "leak" in p else 1.0 / (1.0 + math.exp(-p.get("tau_param", 3.0)))
        th = p.get("threshold", 1.0)
        b = p.get("bias", 0.0)
        if p.get("reset", "subtract") != "subtract":
            sys.exit(f"{path}: population {post['name']}: only reset 'subtract' is modelled")
        w = proj["weights"]
        if isinstance(w, dict) and "csv" in w:
            m = np.loadtxt(os.path.join(base, w["csv"]), delimiter=",", dtype=np.float64, ndmin=2)
        elif isinstance(w, list):
            m = np.array(w, dtype=np.float64)
        else:
            m = rng.normal(0.0, init_scale / math.sqrt(n_in), size=(n_in, n))
        m = m.astype(np.float32).astype(np.float64)  # evsnn stores weights as float32
        if m.shape != (n_in, n):
            sys.exit(f"{path}: projection {k}: weights of shape {m.shape}, expected {(n_in, n)}")
        sizes.append(n)
        leak.append(lam)
        theta.append(np.broadcast_to(np.asarray(th, dtype=np.float64), (n,)).copy())
        bias.append(np.broadcast_to(np.asarray(b, dtype=np.float64), (n,)).copy())
        weights.append(m)
    return doc, tick_net(sizes, leak, theta, bias, weights)


def write_network(doc, net, folder):
    """The network document with its weights in weights_<l>.csv (float32, 9 significant digits: exact)."""
    out = copy.deepcopy(doc)
    for l, m in enumerate(net.weights):
        name = f"weights_{l}.csv"
        np.savetxt(os.path.join(folder, name), m.astype(np.float32), delimiter=",", fmt="%.9g")
        out["projections"][l]["weights"] = {"csv": name}
    path = os.path.join(folder, "network.json")
    json.dump(out, open(path, "w"), indent=1)
    return path


# ---- the model in torch -----------------------------------------------------------------------------

class spike_fn(torch.autograd.Function):
    """H(v) forward (v >= 0 spikes, as evsnn's Ũ >= θ), fast-sigmoid surrogate 1/(slope|v| + 1)^2 backward."""

    @staticmethod
    def forward(ctx, v, slope):
        ctx.save_for_backward(v)
        ctx.slope = slope
        return (v >= 0).to(v.dtype)

    @staticmethod
    def backward(ctx, grad):
        (v,) = ctx.saved_tensors
        return grad / (ctx.slope * v.abs() + 1.0) ** 2, None


def forward(x, ws, net, slope=25.0, record=None):
    """x: [T, B, n_in] input (grades per step); ws: weight tensors [pre, post]. Returns output spikes [T, B, n_out].
    Layer-major (layer l over all ticks, then l + 1): the same values as evsnn's tick-major unroll, as no layer
    feeds back. record (a list) receives the spikes of every layer."""
    T, B, _ = x.shape
    s = x
    for l, w in enumerate(ws):
        n = w.shape[1]
        lam = net.leak[l]
        theta = torch.as_tensor(net.theta[l], dtype=x.dtype)
        b = torch.as_tensor(net.bias[l], dtype=x.dtype)
        cur = (s @ w).unbind(0)  # all ticks' input currents at once; unbind keeps backward cheap
        u = torch.zeros(B, n, dtype=x.dtype)
        out = []
        for k in range(T):
            ut = lam * u + cur[k] + b
            z = spike_fn.apply(ut - theta, slope)
            u = ut - theta * z  # subtractive reset, gradient not detached
            out.append(z)
        s = torch.stack(out)
        if record is not None:
            record.append(s.detach())
    return s


def tick_ce(s_out, y):
    """Mean over ticks and samples of softmax CE with the raw output spikes as logits (evsnn's tick_ce)."""
    T, B, C = s_out.shape
    return torch.nn.functional.cross_entropy(s_out.reshape(T * B, C), y.repeat(T))


# ---- evsnn files --------------------------------------------------------------------------------------

def read_checkpoint(path):
    """EVSNN-CHECKPOINT/2: magic line, u64 header length, JSON header, blocks (f32 / f64, little-endian), checksum."""
    data = open(path, "rb").read()
    magic = b"EVSNN-CHECKPOINT/2\n"
    if not data.startswith(magic):
        sys.exit(f"{path}: not an EVSNN-CHECKPOINT/2 file")
    pos = len(magic)
    (hlen,) = struct.unpack_from("<Q", data, pos)
    pos += 8
    header = json.loads(data[pos:pos + hlen])
    pos += hlen
    blocks = {}
    for blk in header["blocks"]:
        dt = {"f32": "<f4", "f64": "<f8"}[blk["type"]]
        n = blk["size"]
        a = np.frombuffer(data, dtype=dt, count=n, offset=pos)
        pos += n * a.itemsize
        blocks[blk["name"]] = a.astype(np.float64)
    return header, blocks


def read_sample(evsnn, spec_path, index, draw, T, tick_ms, n_in):
    """One training sample as evsnn's BPTT worker bins it: step = ceil(t / tick − 1e-9), grades summed."""
    r = subprocess.run([evsnn, "data", "show", spec_path, "--index", str(index), "--draw", str(draw), "--json"],
                       check=True, capture_output=True, text=True)
    j = json.loads(r.stdout)
    x = np.zeros((T, n_in))
    for t_ms, ch, grade in j.get("events", []):
        k = max(0, math.ceil(t_ms / tick_ms - 1e-9))
        if k < T:
            x[k, ch] += grade
    return x, j["label"], j["duration_ms"]


def run_evsnn(cmd, lock):
    if lock:
        cmd = ["flock", lock] + cmd
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r


def config_network_path(cfg, cfg_path):
    n = cfg["network"]
    if not isinstance(n, str):
        sys.exit(f"{cfg_path}: an inline network is not supported here; give it as a file")
    return n if os.path.isabs(n) else os.path.join(os.path.dirname(os.path.abspath(cfg_path)), n)


# ---- --check-gradient ---------------------------------------------------------------------------------

def check_gradient(a):
    torch.set_default_dtype(torch.float64)
    cfg = json.load(open(a.check_gradient))
    doc, net = load_network(a.network or config_network_path(cfg, a.check_gradient), a.seed, a.init_scale)
    rule = cfg.get("rule")
    rule_type = rule if isinstance(rule, str) else rule.get("type")
    if rule_type != "bptt" or cfg.get("loss") != "tick_ce":
        sys.exit(f"{a.check_gradient}: expected rule bptt and loss tick_ce")
    slope = rule.get("surrogate_slope", 25.0) if isinstance(rule, dict) else 25.0
    if isinstance(rule, dict) and rule.get("loss_on", "spikes") != "spikes":
        sys.exit("only loss_on \"spikes\" is modelled")
    work = a.keep or tempfile.mkdtemp(prefix="bptt_tick_check_")
    os.makedirs(work, exist_ok=True)
    if a.bias_std > 0:
        rng = np.random.default_rng(a.seed + 1)
        for l in range(len(net.weights)):
            net.bias[l] = rng.normal(0.0, a.bias_std, net.sizes[l + 1])
            doc["populations"][l + 1].setdefault("params", {})["bias"] = [float(v) for v in net.bias[l]]
    net_path = write_network(doc, net, work)
    ds = copy.deepcopy(cfg["dataset"])
    if not isinstance(ds, dict):
        sys.exit(f"{a.check_gradient}: give the dataset as a spec object")
    ds["limit"] = a.samples
    if a.samples_per_class:
        ds["samples_per_class"] = a.samples_per_class
    if ds.get("test_samples_per_class"):  # a separate test population, generated when the set opens: keep it
        ds["test_samples_per_class"] = 1  # small (the training split does not depend on it)
    for k in ("path", "train", "test"):  # relative data paths resolve against the original config
        if isinstance(ds.get(k), str) and not os.path.isabs(ds[k]):
            ds[k] = os.path.join(os.path.dirname(os.path.abspath(a.check_gradient)), ds[k])
    c = copy.deepcopy(cfg)
    c.update({"network": net_path, "dataset": ds, "epochs": 1, "batch_size": a.samples, "threads": a.threads,
              "optimizer": {"type": "sgd", "lr": a.lr, "momentum": 0.5},
              "evaluation": {"every_epochs": 1, "test": False, "validation": False}})
    c.pop("alignment", None)
    c.pop("output_dir", None)
    cpath = os.path.join(work, "check.json")
    spath = os.path.join(work, "dataset.json")
    json.dump(c, open(cpath, "w"), indent=1)
    json.dump(ds, open(spath, "w"), indent=1)
    out = os.path.join(work, "out")
    t0 = time.perf_counter()
    run_evsnn([a.evsnn, "train", cpath, "--out", out, "--quiet"], a.lock)
    t_train = time.perf_counter() - t0
    header, blocks = read_checkpoint(os.path.join(out, "checkpoint.evsnn"))
    L = len(net.weights)
    g_ev = [blocks[f"optimizer/{l}"].reshape(net.weights[l].shape) for l in range(L)]
    w_after = [blocks[f"weights/{l}"].reshape(net.weights[l].shape) for l in range(L)]

    # The same samples, as evsnn's first training epoch sees them: draw = epoch + 1 = 2 (epochs count from 1).
    tick_ms = ds.get("tick_ms", 1.0)
    T = None
    xs, ys = [], []
    t0 = time.perf_counter()
    for i in range(a.samples):
        if T is None:
            _, _, dur = read_sample(a.evsnn, spath, i, 2, 1, tick_ms, net.sizes[0])
            T = max(0, math.ceil(dur / tick_ms - 1e-9))
        x, y, _ = read_sample(a.evsnn, spath, i, 2, T, tick_ms, net.sizes[0])
        xs.append(x)
        ys.append(y)
    t_data = time.perf_counter() - t0
    x = torch.tensor(np.stack(xs, axis=1))  # [T, B, n_in]
    y = torch.tensor(ys, dtype=torch.int64)
    ws = [torch.tensor(m, requires_grad=True) for m in net.weights]
    rec = []
    loss = tick_ce(forward(x, ws, net, slope, rec), y)
    loss.backward()
    spikes = [float(r.sum()) / a.samples for r in rec]
    print(f"{a.check_gradient}: {a.samples} samples ({T} ticks), one batch; evsnn train {t_train:.1f} s, "
          f"data show {t_data:.1f} s; work folder {work}")
    print(f"torch {torch.__version__} float64: loss {loss.item():.12g}; spikes per sample by layer: "
          + ", ".join(f"{s:.1f}" for s in spikes) + f"; input events per sample {float(x.sum()) / a.samples:.1f}")
    log = json.load(open(os.path.join(out, "log.json")))["epochs"][-1]
    print(f"evsnn loss (log.json) {log['loss']:.12g}")
    bound = 2.0 ** -33  # each sample's gradient is rounded to a multiple of 2^-32 in the sum, then divided by N
    print(f"{'layer':>5} {'shape':>10} {'max|g_torch|':>12} {'max|diff|':>9} {'max rel':>8} {'cosine':>17} "
          f"{'sgd-step rel':>12}")
    worst_rel, worst_excess = 0.0, 0.0
    for l in range(L):
        gt = ws[l].grad.numpy()
        d = np.abs(g_ev[l] - gt).max()
        scale = np.abs(gt).max()
        rel = d / scale if scale > 0 else (0.0 if d == 0 else math.inf)
        cos = float((g_ev[l] * gt).sum() / (np.linalg.norm(g_ev[l]) * np.linalg.norm(gt) or 1.0))
        # The brief's route, for the convention (batch mean, sign): -(w_after - w_before) / lr, float32-limited.
        step = (net.weights[l] - w_after[l]) / a.lr
        step_rel = np.abs(step - gt).max() / scale if scale > 0 else math.inf
        worst_rel = max(worst_rel, rel)
        worst_excess = max(worst_excess, d / (bound + a.tolerance * scale))
        print(f"{l + 1:>5} {str(gt.shape):>10} {scale:>12.4e} {d:>9.2e} {rel:>8.1e} {cos:>17.14f} {step_rel:>12.1e}")
    print(f"max relative error {worst_rel:.2e}; evsnn's fixed-point rounding alone allows max|diff| <= 2^-33 = "
          f"{bound:.2e} per element")
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    if worst_excess > 1.0:
        sys.exit(f"FAIL: some |diff| exceeds 2^-33 + {a.tolerance:g} max|g| (by x{worst_excess:.2f})")
    print(f"OK: every |diff| <= 2^-33 + {a.tolerance:g} max|g| (largest at {worst_excess:.2f} of that bound)")


# ---- --bench ------------------------------------------------------------------------------------------

def randman_like(rng, B, T, n_in, mode):
    """Input of Randman's shape and density: y ~ U(0, 1) per (sample, unit); temporal: one spike at ⌊yT⌋; rate:
    ⌊yT⌋ + 1 distinct uniformly chosen ticks."""
    y = rng.random((B, n_in))
    x = np.zeros((T, B, n_in), dtype=np.float32)
    k = np.minimum((y * T).astype(np.int64), T - 1)
    if mode == "temporal":
        b, c = np.indices((B, n_in))
        x[k, b, c] = 1.0
    else:
        order = np.argsort(rng.random((B, n_in, T)), axis=2)
        mask = order <= k[:, :, None]
        x[:] = np.transpose(mask, (2, 0, 1))
    return torch.from_numpy(x)


def bench_torch(a, net):
    dtype = torch.float64 if a.float64 else torch.float32
    torch.set_default_dtype(dtype)
    torch.set_num_threads(a.threads)
    ws = [torch.nn.Parameter(torch.tensor(m, dtype=dtype)) for m in net.weights]
    opt = torch.optim.Adamax(ws, lr=a.lr_bench)
    rng = np.random.default_rng(a.seed)
    B, T = a.batch_size, a.ticks
    batches = [(randman_like(rng, B, T, net.sizes[0], a.mode).to(dtype),
                torch.from_numpy(rng.integers(0, net.sizes[-1], B))) for _ in range(min(a.batches, 8))]

    def step(b):
        x, y = batches[b % len(batches)]
        loss = tick_ce(forward(x, ws, net), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    for b in range(a.warmup):
        step(b)
    t0 = time.perf_counter()
    for b in range(a.batches):
        loss = step(b)
    wall = time.perf_counter() - t0
    n = a.batches * B
    return n / wall, wall, loss


def bench_evsnn(a, cfg_path, work):
    cfg = json.load(open(cfg_path))
    c = copy.deepcopy(cfg)
    c["network"] = config_network_path(cfg, cfg_path)
    ds = c["dataset"]
    ds["ticks"] = a.ticks
    ds["resample"] = False
    if a.evsnn_samples:
        ds["limit"] = a.evsnn_samples
    c.update({"epochs": 2, "threads": a.threads, "batch_size": a.batch_size,
              "evaluation": {"every_epochs": 1, "test": False, "validation": False}})
    c.pop("alignment", None)
    c.pop("output_dir", None)
    name = os.path.splitext(os.path.basename(cfg_path))[0]
    p = os.path.join(work, f"{name}_T{a.ticks}.json")
    json.dump(c, open(p, "w"), indent=1)
    out = os.path.join(work, f"{name}_T{a.ticks}")
    run_evsnn([a.evsnn, "train", p, "--out", out, "--quiet"], a.lock)
    rows = json.load(open(os.path.join(out, "log.json")))["epochs"]
    return rows[-1]["samples_per_s"], [r["samples_per_s"] for r in rows if r.get("samples_per_s")]


def bench(a):
    net_path = a.network or os.path.join(ROOT, "examples", "train", "randman_50_128_128_10.json")
    _, net = load_network(net_path, a.seed, a.init_scale)
    results = []
    work = a.keep or tempfile.mkdtemp(prefix="bptt_tick_bench_")
    os.makedirs(work, exist_ok=True)
    if a.lock:  # nothing else heavy (no build) while torch is timed
        import fcntl
        lockf = open(a.lock, "w")
        fcntl.flock(lockf, fcntl.LOCK_EX)
    sps, wall, loss = bench_torch(a, net)
    if a.lock:
        fcntl.flock(lockf, fcntl.LOCK_UN)
        lockf.close()
    prec = "float64" if a.float64 else "float32"
    results.append(("torch bptt", sps))
    print(f"torch {torch.__version__} BPTT ({prec}, {a.threads} threads, batch {a.batch_size}, T = {a.ticks}, "
          f"{a.mode} input): {a.batches * a.batch_size} samples in {wall:.2f} s = {sps:.1f} samples/s "
          f"(last loss {loss:.3f})", flush=True)
    for cfg in [c for c in (a.evsnn_configs or "").split(",") if c]:
        s, all_epochs = bench_evsnn(a, cfg, work)
        results.append((f"evsnn {os.path.basename(cfg)}", s))
        print(f"evsnn train {cfg} (T = {a.ticks}, {a.threads} threads, batch {a.batch_size}): epoch 2 {s:.1f} "
              f"samples/s (epochs: {', '.join(f'{v:.1f}' for v in all_epochs)}); x torch: {s / sps:.2f}", flush=True)
    if a.json:
        json.dump({"ticks": a.ticks, "threads": a.threads, "batch_size": a.batch_size, "torch_precision": prec,
                   "samples_per_s": dict(results)}, open(a.json, "w"), indent=1)
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check-gradient", metavar="CONFIG", help="a bptt training config (e.g. t_randman_bptt.json)")
    ap.add_argument("--bench", action="store_true", help="training throughput")
    ap.add_argument("--network", help="evsnn network (default: the config's; weights from CSV, else drawn here)")
    ap.add_argument("--evsnn", default=os.path.join(ROOT, "build", "evsnn"))
    ap.add_argument("--lock", default="/tmp/evsnn-build.lock", help="flock this file around evsnn runs and "
                    "torch timing ('' for none)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--init-scale", type=float, default=1.0, help="drawn weights: std = scale / sqrt(fan_in)")
    ap.add_argument("--keep", metavar="DIR", help="work in DIR and keep its files")
    # check
    ap.add_argument("--samples", type=int, default=16, help="check: samples in the batch")
    ap.add_argument("--samples-per-class", type=int, default=0, help="check: override the data set's (faster)")
    ap.add_argument("--lr", type=float, default=1.0, help="check: SGD learning rate of evsnn's one step")
    ap.add_argument("--tolerance", type=float, default=1e-9,
                    help="check: allowed |diff| beyond evsnn's 2^-33 rounding, relative to the layer's max |g|")
    ap.add_argument("--bias-std", type=float, default=0.0,
                    help="check: give every lif_tick neuron a bias drawn from N(0, std) (exercises the bias path)")
    # bench
    ap.add_argument("--ticks", type=int, default=50)
    ap.add_argument("--mode", choices=["temporal", "rate"], default="temporal", help="bench: torch input")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--batches", type=int, default=20, help="bench: timed torch batches")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--lr-bench", type=float, default=0.01)
    ap.add_argument("--float64", action="store_true", help="bench: torch in float64 (default float32)")
    ap.add_argument("--evsnn-configs", help="bench: comma-separated evsnn training configs to time too")
    ap.add_argument("--evsnn-samples", type=int, default=0, help="bench: evsnn data set limit (0: all)")
    ap.add_argument("--json", help="bench: write the results here")
    a = ap.parse_args()
    if not a.lock:
        a.lock = None
    if bool(a.check_gradient) == a.bench:
        ap.error("give --check-gradient CONFIG or --bench")
    if a.check_gradient:
        check_gradient(a)
    else:
        bench(a)


if __name__ == "__main__":
    main()
