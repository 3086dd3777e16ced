#!/usr/bin/env python3
"""Writes two networks that no part of evsnn was tuned on, for the whole-process check against Brian2.

The benchmark networks (`evsnn bench --export`, make_input_heavy.py) have guided every speed change; these
two differ from them in model, time constants, sizes, rates, connectivity law, file formats and reset:

ff/net.json   feed-forward 1000 -> 600 cuba_lif -> 200 lif_alpha -> 40 lif_alpha, dense weights as .npy
              (float64, N(mean, std) per layer, w1.npy w2.npy w3.npy), 1000 inputs replaying independent
              Poisson trains (ff/in.npy, (n, 2) float64 rows time_ms, channel), delays 1 / 0.5 / 2 ms,
              the second layer resets to zero with a 1 ms refractory period.
rec/net.json  recurrent 5000 cuba_lif (tau_mem 12 ms, tau_syn 2.5 ms), Bernoulli connectivity (p = 0.02, no
              self-connections, 100 inputs per neuron on average), 80 % excitatory and 20 % inhibitory
              presynaptic neurons, as sparse .npy arrays (pre.npy, post.npy int32, w.npy float64), delay 0.8 ms,
              each neuron driven one to one (in_pre.npy int64, in_w.npy) by a private Poisson input replayed from
              rec/in.csv.

  make_untuned.py OUT [--seed S] [--ff-rate-hz R] [--rec-rate-hz R] [--duration-ms T]

Needs NumPy only. The spike trains are drawn as a count per channel and uniform times (a Poisson process).
"""
import argparse
import json
import os

import numpy as np

from poisson_input import poisson_trains


def feed_forward(rng, folder, rate_hz, duration_ms):
    os.makedirs(folder, exist_ok=True)
    sizes = [1000, 600, 200, 40]
    times, channels = poisson_trains(rng, sizes[0], rate_hz, duration_ms)
    np.save(os.path.join(folder, "in.npy"), np.stack([times, channels.astype(float)], axis=1))
    scale = [(0.018, 0.03), (0.009, 0.05), (0.03, 0.12)]
    for k in range(3):
        mean, std = scale[k]
        np.save(os.path.join(folder, f"w{k + 1}.npy"), rng.normal(mean, std, size=(sizes[k], sizes[k + 1])))
    net = {
        "format": "evsnn-network/1",
        "description": "untuned feed-forward: 1000 Poisson inputs -> 600 cuba_lif -> 200 lif_alpha -> 40 lif_alpha",
        "seed": 7,
        "duration_ms": duration_ms,
        "populations": [
            {"name": "in", "model": "spike_source", "size": sizes[0], "params": {"spikes_npy": "in.npy"}},
            {"name": "h1", "model": "cuba_lif", "size": sizes[1],
             "params": {"tau_mem_ms": 15.0, "tau_syn_ms": 3.0, "threshold": 1.0}},
            {"name": "h2", "model": "lif_alpha", "size": sizes[2],
             "params": {"tau_mem_ms": 8.0, "threshold": 0.8, "reset": "zero", "refractory_ms": 1.0}},
            {"name": "out", "model": "lif_alpha", "size": sizes[3], "params": {"tau_mem_ms": 12.0, "threshold": 1.2}},
        ],
        "projections": [
            {"pre": "in", "post": "h1", "delay_ms": 1.0, "weights": {"npy": "w1.npy"}},
            {"pre": "h1", "post": "h2", "delay_ms": 0.5, "weights": {"npy": "w2.npy"}},
            {"pre": "h2", "post": "out", "delay_ms": 2.0, "weights": {"npy": "w3.npy"}},
        ],
    }
    with open(os.path.join(folder, "net.json"), "w") as f:
        json.dump(net, f, indent=1)
    return times.size


def recurrent(rng, folder, rate_hz, duration_ms):
    os.makedirs(folder, exist_ok=True)
    n, p = 5000, 0.02
    times, channels = poisson_trains(rng, n, rate_hz, duration_ms)
    with open(os.path.join(folder, "in.csv"), "w") as f:
        f.write("time_ms,channel\n")
        f.writelines(f"{t!r},{c}\n" for t, c in zip(times.tolist(), channels.tolist()))
    pre_list, post_list = [], []
    for j in range(n):
        cand = np.flatnonzero(rng.random(n) < p)
        cand = cand[cand != j]
        pre_list.append(cand)
        post_list.append(np.full(cand.size, j))
    pre = np.concatenate(pre_list).astype(np.int32)
    post = np.concatenate(post_list).astype(np.int32)
    inhibitory = pre >= int(0.8 * n)
    w = np.where(inhibitory, -rng.uniform(0.4, 0.8, size=pre.size), rng.uniform(0.0, 0.3, size=pre.size))
    np.save(os.path.join(folder, "in_pre.npy"), np.arange(n, dtype=np.int64))  # one to one
    np.save(os.path.join(folder, "in_w.npy"), np.full(n, 5.0))
    np.save(os.path.join(folder, "pre.npy"), pre)
    np.save(os.path.join(folder, "post.npy"), post)
    np.save(os.path.join(folder, "w.npy"), w)
    net = {
        "format": "evsnn-network/1",
        "description": "untuned recurrent: 5000 cuba_lif, Bernoulli p=0.02, 80/20 E/I, private Poisson inputs",
        "seed": 11,
        "duration_ms": duration_ms,
        "populations": [
            {"name": "in", "model": "spike_source", "size": n, "params": {"spikes_csv": "in.csv"}},
            {"name": "net", "model": "cuba_lif", "size": n,
             "params": {"tau_mem_ms": 12.0, "tau_syn_ms": 2.5, "threshold": 1.0}},
        ],
        "projections": [
            {"pre": "in", "post": "net", "delay_ms": 0.5,
             "weights": {"pre": {"npy": "in_pre.npy"}, "post": {"npy": "in_pre.npy"}, "w": {"npy": "in_w.npy"}}},
            {"pre": "net", "post": "net", "delay_ms": 0.8,
             "weights": {"pre": {"npy": "pre.npy"}, "post": {"npy": "post.npy"}, "w": {"npy": "w.npy"}}},
        ],
    }
    with open(os.path.join(folder, "net.json"), "w") as f:
        json.dump(net, f, indent=1)
    return times.size, pre.size


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--ff-rate-hz", type=float, default=20.0)
    ap.add_argument("--rec-rate-hz", type=float, default=25.0)
    ap.add_argument("--duration-ms", type=float, default=1000.0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    n_ff = feed_forward(rng, os.path.join(args.out, "ff"), args.ff_rate_hz, args.duration_ms)
    n_rec, n_syn = recurrent(rng, os.path.join(args.out, "rec"), args.rec_rate_hz, args.duration_ms)
    print(f"ff: {n_ff} input spikes; rec: {n_rec} input spikes, {n_syn} recurrent synapses")


if __name__ == "__main__":
    main()
