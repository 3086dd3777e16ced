#!/usr/bin/python3
"""Peak memory (whole-process maximum RSS, /usr/bin/time -v) of `evsnn train` on the seed-004 T-Randman network
against hidden width and sample length, for the shipped t_randman_<rule>.json configs.

Each run: the config with both hidden layers `width` wide (LeCun-normal init, std 1/sqrt(fan_in)), `ticks` T,
samples_per_class 20 (200 training samples), test_samples_per_class 1 (no 10,000-sample test population in
memory), batch 20, 1 thread, 1 epoch, no evaluation, no alignment; each under flock /tmp/evsnn-build.lock.

Usage: /usr/bin/python3 tools/compare/tick_memory_sweep.py [--rules otpe,bptt] [--widths 128,256,512]
       [--ticks 50,500] [--evsnn build/evsnn] [--out /tmp/tick_memory]
Prints a Markdown table (one row per T and width, one column per rule) and writes results.json in --out.
"""
import argparse
import copy
import json
import os

from peak_rss import train_peak_rss

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def network(width):
    doc = json.load(open(os.path.join(ROOT, "examples", "train", "randman_50_128_128_10.json")))
    pops = doc["populations"]
    pops[1]["size"] = pops[2]["size"] = width
    for proj in doc["projections"]:
        fan_in = next(p["size"] for p in pops if p["name"] == proj["pre"])
        proj["weights"]["std"] = round(fan_in ** -0.5, 6)
    doc["description"] = f"seed 004 Randman network, hidden width {width} (memory sweep)"
    return doc


def run(evsnn, rule, width, ticks, out, lock):
    cfg = json.load(open(os.path.join(ROOT, "examples", "train", f"t_randman_{rule}.json")))
    c = copy.deepcopy(cfg)
    tag = f"{rule}_w{width}_T{ticks}"
    net_path = os.path.join(out, f"net_w{width}.json")
    json.dump(network(width), open(net_path, "w"), indent=1)
    c["network"] = net_path
    c["dataset"].update({"ticks": ticks, "samples_per_class": 20, "test_samples_per_class": 1})
    c.update({"epochs": 1, "batch_size": 20, "threads": 1,
              "evaluation": {"every_epochs": 1, "test": False, "validation": False}})
    c.pop("alignment", None)
    c.pop("output_dir", None)
    cpath = os.path.join(out, f"{tag}.json")
    json.dump(c, open(cpath, "w"), indent=1)
    return train_peak_rss(evsnn, cpath, os.path.join(out, tag), lock)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rules", default="otpe,bptt")
    ap.add_argument("--widths", default="128,256,512")
    ap.add_argument("--ticks", default="50,500")
    ap.add_argument("--evsnn", default=os.path.join(ROOT, "build", "evsnn"))
    ap.add_argument("--out", default="/tmp/tick_memory")
    ap.add_argument("--lock", default="/tmp/evsnn-build.lock", help="flocked around each run; '' for none (then "
                    "run the whole sweep under flock)")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rules = a.rules.split(",")
    results = []
    print("| T (ticks) | hidden width | " + " | ".join(rules) + " |")
    print("|---|---|" + "---|" * len(rules))
    for t in [int(v) for v in a.ticks.split(",")]:
        for w in [int(v) for v in a.widths.split(",")]:
            cells = []
            for rule in rules:
                kb, wall = run(a.evsnn, rule, w, t, a.out, a.lock)
                results.append({"rule": rule, "width": w, "ticks": t, "max_rss_kb": kb, "wall": wall})
                cells.append(f"{kb / 1024:.1f} MB")
            print(f"| {t} | {w} | " + " | ".join(cells) + " |", flush=True)
    json.dump(results, open(os.path.join(a.out, "results.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
