#!/usr/bin/env python3
"""random_networks: evsnn against exact_reference.py on random small networks (a differential check).

Network k (seed k) has 1-3 layers of 3-40 lif_alpha / cuba_lif neurons fed by 5-60 replayed Poisson inputs
(a third of them on a 0.1 ms grid, so that many arrivals share an instant), 50, 200 or 1000 ms long: random time
constants (a third of the cuba_lif layers within 1e-6 to 1e-2 of tau_syn == tau_mem), thresholds per
population or per neuron, "subtract" / "zero" resets, refractory periods, delays of 0-3 ms, recurrent
projections in 40 % of the layers, dense .npy or sparse inline weights. Each is run by `evsnn run` and then by
the reference; a network whose evsnn run has more than --max-spikes spikes (a runaway the reference would
take hours over) is skipped and counted.

  random_networks.py OUT --first 0 --count 100 [--evsnn build/evsnn] [--max-spikes 200000]

Prints one line per network and a summary; exit 1 if any network differs.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

from poisson_input import poisson_trains

HERE = os.path.dirname(os.path.abspath(__file__))


def generate(seed, folder):
    r = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    n_in = int(r.integers(5, 60))
    duration = float(r.choice([50.0, 200.0, 1000.0]))
    t, ch = poisson_trains(r, n_in, r.uniform(5, 80), duration)
    if r.random() < 0.3:  # on a 0.1 ms grid: many arrivals share an instant
        t = np.round(t, 1)
        order = np.lexsort((ch, t))
        t, ch = t[order], ch[order]
    np.save(os.path.join(folder, "in.npy"), np.stack([t, ch.astype(float)], axis=1))
    pops = [{"name": "in", "model": "spike_source", "size": n_in, "params": {"spikes_npy": "in.npy"}}]
    projs = []
    prev_name, prev_size = "in", n_in
    for layer in range(int(r.integers(1, 4))):
        n, name = int(r.integers(3, 40)), f"p{layer}"
        model = str(r.choice(["lif_alpha", "cuba_lif"]))
        tau_mem = float(r.uniform(2, 40))
        params = {"tau_mem_ms": tau_mem}
        if model == "cuba_lif":
            if r.random() < 0.7:
                params["tau_syn_ms"] = tau_mem * float(r.uniform(0.05, 3.0))
            else:
                params["tau_syn_ms"] = tau_mem * (1 + float(r.choice([-1, 1])) * 10 ** float(r.uniform(-6, -2)))
        theta = float(r.uniform(0.3, 2.0))
        params["threshold"] = theta if r.random() < 0.6 else r.uniform(0.3, 2.0, size=n).tolist()
        if r.random() < 0.4:
            params["reset"] = "zero"
        if r.random() < 0.4:
            params["refractory_ms"] = float(r.uniform(0.1, 5.0))
        pops.append({"name": name, "model": model, "size": n, "params": params})
        scale = theta / max(prev_size * 0.03 * 5, 1e-3)
        w = r.normal(float(r.uniform(0.2, 1.0)) * scale, scale, size=(prev_size, n))
        delay = float(r.choice([0.0, 0.5, 1.0, float(r.uniform(0.1, 3.0))]))
        if prev_name != "in" and delay == 0.0 and r.random() < 0.5:
            delay = 0.3
        if r.random() < 0.5:
            np.save(os.path.join(folder, f"w{layer}.npy"), w)
            weights = {"npy": f"w{layer}.npy"}
        else:
            mask = r.random(w.shape) < 0.5
            i, j = np.nonzero(mask)
            weights = {"pre": i.tolist(), "post": j.tolist(), "w": w[mask].tolist()}
        projs.append({"pre": prev_name, "post": name, "delay_ms": delay, "weights": weights})
        if r.random() < 0.4:
            k = int(r.integers(1, 3 * n))
            i, j = r.integers(0, n, k), r.integers(0, n, k)
            projs.append({"pre": name, "post": name, "delay_ms": float(r.uniform(0.2, 3.0)),
                          "weights": {"pre": i.tolist(), "post": j.tolist(),
                                      "w": r.normal(0, theta * 0.5, k).tolist()}})
        prev_name, prev_size = name, n
    net = {"format": "evsnn-network/1", "duration_ms": duration, "populations": pops, "projections": projs}
    with open(os.path.join(folder, "net.json"), "w") as f:
        json.dump(net, f)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--evsnn", default=os.path.join(HERE, "..", "..", "build", "evsnn"))
    ap.add_argument("--max-spikes", type=int, default=200000)
    args = ap.parse_args()
    bad, skipped, worst, spikes = [], [], 0.0, 0
    for seed in range(args.first, args.first + args.count):
        folder = os.path.join(args.out, f"net_{seed}")
        generate(seed, folder)
        p = subprocess.run([args.evsnn, "run", os.path.join(folder, "net.json"), "--out", os.path.join(folder, "out"),
                            "--json"], capture_output=True, text=True)
        if p.returncode != 0:
            print(f"{seed}: evsnn failed: {p.stderr.strip()[:200]}")
            bad.append(seed)
            continue
        with open(os.path.join(folder, "out", "counters.json")) as f:
            emitted = sum(pop["spikes"] for pop in json.load(f)["populations"] if pop["model"] != "spike_source")
        if emitted > args.max_spikes:
            print(f"{seed}: skipped, {emitted} spikes")
            skipped.append(seed)
            continue
        report = os.path.join(folder, "report.json")
        q = subprocess.run([sys.executable, os.path.join(HERE, "exact_reference.py"), os.path.join(folder, "net.json"),
                            os.path.join(folder, "out"), "--json", report], capture_output=True, text=True)
        if not os.path.exists(report):
            print(f"{seed}: the reference failed: {q.stderr.strip()[-300:]}")
            bad.append(seed)
            continue
        with open(report) as f:
            rep = json.load(f)
        worst = max(worst, rep["max_abs_diff_ms"])
        spikes += rep["compared"]
        print(f"{seed}: {'match' if rep['match'] else 'MISMATCH'}, {rep['compared']} spikes, largest difference "
              f"{rep['max_abs_diff_ms']:.1e} ms, {rep['count_mismatches']} neurons with another count", flush=True)
        if not rep["match"]:
            bad.append(seed)
    print(f"{args.count - len(skipped)} networks compared ({spikes} spikes), largest difference {worst:.1e} ms; "
          f"differing: {bad or 'none'}; skipped (over {args.max_spikes} spikes): {skipped or 'none'}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
