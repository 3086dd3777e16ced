#!/usr/bin/python3
"""Time-stepped BPTT baseline for `evsnn train`: the same 784-400-400-10 current-based LIF network as
examples/train/fmnist_sfdfa.json, trained with surrogate-gradient backpropagation through time in
PyTorch (Debian's python3-torch) on the same Fashion-MNIST TTFS input, so that training throughput
(samples per second) can be compared on the same machine.

Model: evsnn's lif_alpha on a clock of step dt (its time-stepped twin): u = b_m - b_s with both terms
decaying exactly per step (tau_mem, tau_syn = tau_mem / 2), an input spike of weight w adding w to both,
spikes at step ends, reset by subtraction; the surrogate derivative is the fast sigmoid
1/(k|u - theta| + 1)^2, k = 25 (snnTorch's default).
Loss: spike-count MSE with targets 10 / 3 (the SFDFA paper's); Adam lr 3e-3; batch 50.

Usage: /usr/bin/python3 tools/compare/bptt_torch.py (Debian: apt-get install python3-torch python3-numpy)
       [--data data/fashion-mnist] [--batches 20] [--threads 2]
       [--dt-ms 1] [--epochs 0]
Prints samples/s of the training loop (after one warm-up batch), and with --epochs N the test accuracy.
"""
import argparse
import gzip
import math
import os
import struct
import time

import numpy as np
import torch


def read_idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def ttfs_steps(images, t_max_ms, window_ms, dt_ms):
    """[T, B, 784] spikes: pixel x > 0 fires once at t = t_max (1 - x), binned to the step that contains it."""
    x = images.reshape(images.shape[0], -1).astype(np.float32) / 255.0
    steps = int(round(window_ms / dt_ms))
    out = np.zeros((steps, x.shape[0], x.shape[1]), dtype=np.float32)
    b, c = np.nonzero(x > 0)
    t = np.floor(t_max_ms * (1.0 - x[b, c]) / dt_ms).astype(np.int64)
    out[np.minimum(t, steps - 1), b, c] = 1.0
    return torch.from_numpy(out)


class spike_fn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, v):
        ctx.save_for_backward(v)
        return (v >= 0).to(v.dtype)

    @staticmethod
    def backward(ctx, grad):
        (v,) = ctx.saved_tensors
        return grad / (25.0 * v.abs() + 1.0) ** 2


class lif_net(torch.nn.Module):
    def __init__(self, sizes, thresholds, tau_mem_ms, dt_ms, seed):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.w = torch.nn.ParameterList(
            [torch.nn.Parameter(torch.rand(sizes[k], sizes[k + 1], generator=g) * 2 - 1) for k in range(len(sizes) - 1)])
        self.theta = thresholds
        tau_syn = tau_mem_ms / 2
        # Exact propagator of u = b e^{-t/tau_m} - a e^{-t/tau_s} per step: a unit input adds 1 to both terms.
        self.dm = math.exp(-dt_ms / tau_mem_ms)
        self.ds = math.exp(-dt_ms / tau_syn)

    def forward(self, s_in):
        T, B, _ = s_in.shape
        s = s_in
        for k, w in enumerate(self.w):
            n = w.shape[1]
            bm = torch.zeros(B, n)
            bs = torch.zeros(B, n)
            out = []
            # Input currents of every step at once; unbind (not x[t]) so that backward does not
            # build a full-size gradient per step.
            x = (s @ w).unbind(0)
            for t in range(T):
                bm = self.dm * bm + x[t]
                bs = self.ds * bs + x[t]
                u = bm - bs
                z = spike_fn.apply(u - self.theta[k])
                bm = bm - z * self.theta[k]  # reset by subtraction (on the membrane term)
                out.append(z)
            s = torch.stack(out)
        return s.sum(0)  # output spike counts [B, 10]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "data", "fashion-mnist"))
    ap.add_argument("--batches", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dt-ms", type=float, default=1.0)
    ap.add_argument("--epochs", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    xs = read_idx(os.path.join(a.data, "train-images-idx3-ubyte.gz"))
    ys = torch.from_numpy(read_idx(os.path.join(a.data, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    th = [0.2 / 0.26, 0.2 / 0.26, 0.7 / 0.26]
    net = lif_net([784, 400, 400, 10], th, 260.0, a.dt_ms, 1)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)

    def step(idx):
        s = ttfs_steps(xs[idx], 100.0, 200.0, a.dt_ms)
        target = torch.full((len(idx), 10), 3.0)
        target[torch.arange(len(idx)), ys[idx]] = 10.0
        counts = net(s)
        loss = 0.5 * ((counts - target) ** 2).sum(1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    order = np.random.default_rng(1).permutation(len(xs))
    B = a.batch_size
    step(order[:B])  # warm-up
    t0 = time.perf_counter()
    for b in range(1, a.batches + 1):
        loss = step(order[b * B:(b + 1) * B])
    wall = time.perf_counter() - t0
    n = a.batches * B
    print(f"torch {torch.__version__}, {a.threads} threads, dt {a.dt_ms} ms ({int(200 / a.dt_ms)} steps): "
          f"{n} samples in {wall:.2f} s = {n / wall:.1f} samples/s (last loss {loss:.3f})")


if __name__ == "__main__":
    main()
