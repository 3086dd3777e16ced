#!/usr/bin/env python3
"""Writes the input-heavy recurrent benchmark network of issue 12 (docs/benchmarks.md), in two forms.

4,000 private inputs, each an independent 60 Hz Poisson train over 1 s, drive 4,000 lif_alpha neurons
(tau_mem 20 ms, threshold 1) one to one (weight 0.8, delay 1 ms); the neurons are coupled with a fixed
in-degree of 80 (distinct presynaptic neurons, no self-connections), weights N(0.04, 0.05), delay 1.5 ms,
so that the network fires at about 3 Hz per neuron (12,500 spikes, 1.24 M synaptic events); --w-in 0.85
makes it about 7 Hz. --model cuba_lif builds the same network of cuba_lif neurons (exponential synaptic current,
--tau-syn-ms, default 5 ms; their crossings have no closed form).

  make_input_heavy.py OUT [--seed S] [--w-in W] [--model lif_alpha|cuba_lif] [--tau-syn-ms T]

OUT/input_heavy.json   one network JSON: inline sparse lists (pre, post, w), input spikes in in.csv
OUT/in.csv             time_ms,channel rows, sorted by time
OUT/npy/input_heavy_npy.json   the same network naming .npy arrays (pre.npy, post.npy int32, w.npy float64,
                       sp.npy (n, 2) float64 spikes), beside it in OUT/npy/

Both files describe bit-for-bit the same network (weights written with repr, which round-trips).
Needs NumPy only.
"""
import argparse
import json
import os

import numpy as np

from poisson_input import poisson_trains

N = 4000
IN_DEGREE = 80
RATE_HZ = 60.0
DURATION_MS = 1000.0


def build(seed):
    rng = np.random.default_rng(seed)
    times, channels = poisson_trains(rng, N, RATE_HZ, DURATION_MS)
    # Fixed in-degree: each post draws IN_DEGREE distinct pre != post.
    pre = np.empty(N * IN_DEGREE, dtype=np.int32)
    post = np.repeat(np.arange(N, dtype=np.int32), IN_DEGREE)
    for j in range(N):
        cand = rng.choice(N - 1, size=IN_DEGREE, replace=False)
        cand[cand >= j] += 1
        pre[j * IN_DEGREE:(j + 1) * IN_DEGREE] = np.sort(cand)
    w = rng.normal(0.04, 0.05, size=pre.size)
    return times, channels, pre, post, w


def network(source_params, rec_weights, w_in, model, tau_syn_ms):
    lif = {"tau_mem_ms": 20.0, "threshold": 1.0}
    if model == "cuba_lif":
        lif["tau_syn_ms"] = tau_syn_ms
    return {
        "format": "evsnn-network/1",
        "description": f"input-heavy recurrent network: 4000 private 60 Hz inputs into 4000 {model}, in-degree 80",
        "seed": 1,
        "duration_ms": DURATION_MS,
        "populations": [
            {"name": "input", "model": "spike_source", "size": N, "params": source_params},
            {"name": "exc", "model": model, "size": N, "params": lif},
        ],
        "projections": [
            {"pre": "input", "post": "exc", "delay_ms": 1.0,
             "weights": {"pre": list(range(N)), "post": list(range(N)), "w": [w_in] * N}},
            {"pre": "exc", "post": "exc", "delay_ms": 1.5, "weights": rec_weights},
        ],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--w-in", type=float, default=0.8, help="weight of each input onto its neuron")
    ap.add_argument("--model", choices=("lif_alpha", "cuba_lif"), default="lif_alpha")
    ap.add_argument("--tau-syn-ms", type=float, default=5.0, help="cuba_lif's synaptic time constant")
    args = ap.parse_args()
    times, channels, pre, post, w = build(args.seed)
    os.makedirs(os.path.join(args.out, "npy"), exist_ok=True)

    with open(os.path.join(args.out, "in.csv"), "w") as f:
        f.write("time_ms,channel\n")
        f.writelines(f"{t!r},{c}\n" for t, c in zip(times.tolist(), channels.tolist()))
    rec = {"pre": pre.tolist(), "post": post.tolist(), "w": w.tolist()}
    with open(os.path.join(args.out, "input_heavy.json"), "w") as f:
        json.dump(network({"spikes_csv": "in.csv"}, rec, args.w_in, args.model, args.tau_syn_ms), f)

    d = os.path.join(args.out, "npy")
    np.save(os.path.join(d, "pre.npy"), pre)
    np.save(os.path.join(d, "post.npy"), post)
    np.save(os.path.join(d, "w.npy"), w)
    np.save(os.path.join(d, "sp.npy"), np.stack([times, channels.astype(np.float64)], axis=1))
    rec_npy = {"pre": {"npy": "pre.npy"}, "post": {"npy": "post.npy"}, "w": {"npy": "w.npy"}}
    with open(os.path.join(d, "input_heavy_npy.json"), "w") as f:
        json.dump(network({"spikes_npy": "sp.npy"}, rec_npy, args.w_in, args.model, args.tau_syn_ms), f)
    print(f"{args.out}: {times.size} input spikes, {pre.size} recurrent synapses")


if __name__ == "__main__":
    main()
