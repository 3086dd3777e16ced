#!/usr/bin/env python3
"""Writes a feed-forward network whose input spikes fall on a time grid (many at one instant), as TTFS-encoded
images or clock-quantised sensor events do: the benchmark for same-time rows (docs/benchmarks.md, "Same-time
rows to one population re-predicted once").

300 inputs with 3,000 spikes drawn on a --grid-ms grid (default 0.5 ms) over 200 ms (duplicates dropped) drive
200 lif_alpha neurons (tau_mem 20 ms, threshold 1; dense weights N(0.02, 0.1), delay 1 ms) and 100 cuba_lif
neurons (tau_mem 10 ms, tau_syn 3 ms, threshold 1, 1 ms refractory with reset zero; dense weights from the inputs
N(0.02, 0.1), delay 0.5 ms, and from the lif_alpha layer N(0.02, 0.2), delay 1 ms). At one instant the arrivals
thus reach the lif_alpha layer from 1 ms ago and the cuba_lif layer from 0.5 ms ago.

  make_grid_input.py OUT [--seed S] [--grid-ms G]

OUT/net.json, OUT/input.csv (time_ms,channel, sorted). Needs NumPy only.
"""
import argparse
import json
import os

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--grid-ms", type=float, default=0.5)
    args = ap.parse_args()
    if not args.grid_ms > 0.0:
        ap.error("--grid-ms must be > 0")
    os.makedirs(args.out, exist_ok=True)
    r = np.random.default_rng(args.seed)
    n_in, n1, n2 = 300, 200, 100
    steps = max(1, int(200.0 / args.grid_ms))
    events = sorted({(args.grid_ms * int(r.integers(0, steps)), int(r.integers(0, n_in))) for _ in range(3000)})
    with open(os.path.join(args.out, "input.csv"), "w") as f:
        f.write("time_ms,channel\n")
        for t, c in events:
            f.write(f"{t!r},{c}\n")

    def dense(a, b, mu, sd):
        return [[float(x) for x in row] for row in r.normal(mu, sd, (a, b))]

    net = {
        "format": "evsnn-network/1",
        "description": f"feed-forward, {len(events)} input spikes on a {args.grid_ms} ms grid (make_grid_input.py)",
        "seed": 1,
        "duration_ms": 210.0,
        "populations": [
            {"name": "input", "model": "spike_source", "size": n_in, "params": {"spikes_csv": "input.csv"}},
            {"name": "h1", "model": "lif_alpha", "size": n1, "params": {"tau_mem_ms": 20.0, "threshold": 1.0}},
            {"name": "h2", "model": "cuba_lif", "size": n2,
             "params": {"tau_mem_ms": 10.0, "tau_syn_ms": 3.0, "threshold": 1.0, "refractory_ms": 1.0,
                        "reset": "zero"}},
        ],
        "projections": [
            {"name": "in_h1", "pre": "input", "post": "h1", "delay_ms": 1.0, "weights": dense(n_in, n1, 0.02, 0.1)},
            {"name": "in_h2", "pre": "input", "post": "h2", "delay_ms": 0.5, "weights": dense(n_in, n2, 0.02, 0.1)},
            {"name": "h1_h2", "pre": "h1", "post": "h2", "delay_ms": 1.0, "weights": dense(n1, n2, 0.02, 0.2)},
        ],
    }
    with open(os.path.join(args.out, "net.json"), "w") as f:
        json.dump(net, f)


if __name__ == "__main__":
    main()
