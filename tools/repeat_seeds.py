#!/usr/bin/env python3
"""repeat_seeds: run one training config with several seeds and summarise the spread.

For each seed s the config is copied with its network inlined and both the network's `seed` (initial
weights) and the config's `seed` (shuffling, the rule's own randomness) set to s; a seed written inside a
projection (e.g. its weights' own `seed`, which the network's seed does not reach) is moved by 1000 (s - s0),
s0 being the network's seed in the config, so seed s0 reproduces the config itself. The data set is left as
it is (the same task for every seed). Each run goes to OUT/seed_<s>/ through `evsnn train`; a finished run
(its log has the requested number of epochs) is not run again, and an interrupted one continues from its
checkpoint (`--resume`). The summary prints, over the seeds, the mean
± sample standard deviation of the best and the final test accuracy, of the model-wide and per-layer update
cosines (each run's mean over its epochs), and of the training samples/s, and writes it to OUT/summary.json.

Usage: tools/repeat_seeds.py CONFIG --seeds 1,2,3 --epochs 5 --out DIR [--threads 2] [--evsnn build/evsnn]
       [--lock FILE]   (each run holds an flock on FILE, so that builds and timings do not overlap it)
"""
import argparse
import csv
import json
import math
import os
import subprocess
import sys


def mean_std(values):
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    m = sum(values) / len(values)
    if len(values) < 2:
        return m, 0.0
    return m, math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1))


def read_log(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def number(row, key):
    value = row.get(key, "")
    return float(value) if value not in ("", None) else None


def run_summary(rows):
    tests = [number(r, "test_accuracy") for r in rows]
    tests = [t for t in tests if t is not None]
    out = {
        "best_test": max(tests) if tests else None,
        "final_test": tests[-1] if tests else None,
        "samples_per_s": mean_std([number(r, "samples_per_s") for r in rows])[0],
        "epochs": len(rows),
    }
    for key in rows[0].keys() if rows else []:
        if key == "model_cosine" or key.startswith("update_cosine_"):
            out[key] = mean_std([number(r, key) for r in rows])[0]
    return out


def shift_seeds(value, shift):
    """A copy of a projection's JSON with every integer `seed` in it moved by shift."""
    if isinstance(value, dict):
        return {k: (v + shift if k == "seed" and isinstance(v, int) and not isinstance(v, bool) else
                    shift_seeds(v, shift)) for k, v in value.items()}
    if isinstance(value, list):
        return [shift_seeds(v, shift) for v in value]
    return value


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("config")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--epochs", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--evsnn", default="build/evsnn")
    ap.add_argument("--lock", default="")
    args = ap.parse_args()
    try:
        seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    except ValueError:
        sys.exit(f"repeat_seeds: --seeds: expected a comma-separated list of integers, got '{args.seeds}'")
    if not seeds or any(s < 0 for s in seeds):
        sys.exit("repeat_seeds: --seeds: give at least one non-negative seed")
    if args.epochs < 1:
        sys.exit("repeat_seeds: --epochs must be >= 1")
    with open(args.config) as f:
        config = json.load(f)
    base = os.path.dirname(os.path.abspath(args.config))
    network = config["network"]
    if isinstance(network, str):
        with open(os.path.join(base, network)) as f:
            network = json.load(f)
    runs = {}
    for s in seeds:
        folder = os.path.join(args.out, f"seed_{s}")
        os.makedirs(folder, exist_ok=True)
        log = os.path.join(folder, "log.csv")
        if not (os.path.exists(log) and len(read_log(log)) >= args.epochs):
            variant = dict(config)
            shift = 1000 * (s - network.get("seed", 0))
            variant["network"] = dict(network, seed=s)
            if "projections" in network:
                variant["network"]["projections"] = [shift_seeds(p, shift) for p in network["projections"]]
            variant["seed"] = s
            # Relative data paths stay relative to the original config's folder.
            variant_path = os.path.join(folder, "config.json")
            with open(variant_path, "w") as f:
                json.dump(variant, f, indent=1)
            command = [args.evsnn, "train", variant_path, "--epochs", str(args.epochs), "--out", folder, "--quiet"]
            if os.path.exists(os.path.join(folder, "checkpoint.evsnn")):
                command.append("--resume")
            if args.threads:
                command += ["--threads", str(args.threads)]
            if args.lock:
                command = ["flock", args.lock] + command
            print("+", " ".join(command), flush=True)
            subprocess.run(command, check=True)
        runs[s] = run_summary(read_log(log))
    keys = sorted({k for r in runs.values() for k in r if k != "epochs"})
    summary = {"config": args.config, "seeds": seeds, "epochs": args.epochs, "runs": runs, "mean": {}, "std": {}}
    for k in keys:
        summary["mean"][k], summary["std"][k] = mean_std([runs[s].get(k) for s in seeds])
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    for k in keys:
        m, sd = summary["mean"][k], summary["std"][k]
        if m is not None:
            scale = 100.0 if k.endswith("_test") else 1.0
            print(f"{k:>16}: {m * scale:.4g} ± {sd * scale:.2g}  (" +
                  ", ".join(f"{runs[s][k] * scale:.4g}" if runs[s].get(k) is not None else "-" for s in seeds) + ")")


if __name__ == "__main__":
    main()
