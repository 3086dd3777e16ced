#!/usr/bin/python3
"""Peak memory (whole-process maximum RSS, /usr/bin/time -v) of `evsnn train` per rule against the number of
classes C and the batch size B, on T-Randman networks 50-H-H-C (issue 14: traces propagation's claim that it
beats rules with per-layer feedback matrices once the classes exceed the batch).

Each run: examples/train/randman_<rule>.json with both hidden layers `width` wide and C outputs (uniform init
scaled by 1/sqrt(fan_in), as the shipped networks), the data set cut to about 2 B training samples (at least
one per class), test_samples_per_class 1, batch B, 1 thread, 1 epoch, no evaluation; each under flock
--lock. The rule's own state that grows with C is printed next to it: feedback matrices (C x H per hidden
layer, float) for dfa / sfdfa, the label layer S (C x H, float) for tp, the critics (C x H per hidden layer)
for anp.

Usage: /usr/bin/python3 tools/compare/rule_memory_sweep.py [--rules tp,dfa,sfdfa,anp] [--classes 10,100,1000]
       [--batches 32,128] [--width 256] [--evsnn build/evsnn] [--out /tmp/rule_memory]
Prints a Markdown table (one row per C and B, one column per rule) and writes results.json in --out.
"""
import argparse
import copy
import json
import os

from peak_rss import train_peak_rss

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def network(cfg_path, width, classes):
    cfg = json.load(open(cfg_path))
    doc = json.load(open(os.path.join(os.path.dirname(cfg_path), cfg["network"])))
    pops = doc["populations"]
    pops[1]["size"] = pops[2]["size"] = width
    pops[3]["size"] = classes
    for proj in doc["projections"]:
        fan_in = next(p["size"] for p in pops if p["name"] == proj["pre"])
        w = proj["weights"]
        scale = (128 if proj["pre"] != pops[0]["name"] else fan_in) / fan_in  # shipped: sized for width 128
        if w.get("init") == "uniform":
            w["low"], w["high"] = round(w["low"] * scale ** 0.5, 6), round(w["high"] * scale ** 0.5, 6)
    doc["description"] = f"T-Randman network 50-{width}-{width}-{classes} (memory sweep)"
    return doc


def run(evsnn, rule, width, classes, batch, out, lock):
    cfg_path = os.path.join(ROOT, "examples", "train", f"randman_{rule}.json")
    c = copy.deepcopy(json.load(open(cfg_path)))
    tag = f"{rule}_C{classes}_B{batch}"
    net_path = os.path.join(out, f"net_{rule}_C{classes}.json")
    json.dump(network(cfg_path, width, classes), open(net_path, "w"), indent=1)
    c["network"] = net_path
    per_class = max(1, -(-2 * batch // classes))
    c["dataset"].update({"classes": classes, "samples_per_class": per_class, "test_samples_per_class": 1})
    c.update({"epochs": 1, "batch_size": batch, "threads": 1,
              "evaluation": {"every_epochs": 1, "test": False, "validation": False}})
    c.pop("alignment", None)
    c.pop("output_dir", None)
    cpath = os.path.join(out, f"{tag}.json")
    json.dump(c, open(cpath, "w"), indent=1)
    return train_peak_rss(evsnn, cpath, os.path.join(out, tag), lock)[0]


def grows_with_c(rule, width, classes):
    """Bytes of the rule's own state that grows with C (besides the output layer, which every rule has)."""
    if rule in ("dfa", "sfdfa"):
        return 2 * classes * width * 4  # one float feedback matrix per hidden layer
    if rule == "tp":
        return classes * width * 4  # the frozen label layer S
    if rule == "anp":
        return 2 * (classes * width + classes) * 4  # one critic (U, c) per hidden layer
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rules", default="tp,dfa,sfdfa,anp")
    ap.add_argument("--classes", default="10,100,1000")
    ap.add_argument("--batches", default="32,128")
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--evsnn", default=os.path.join(ROOT, "build", "evsnn"))
    ap.add_argument("--out", default="/tmp/rule_memory")
    ap.add_argument("--lock", default="/tmp/evsnn-build.lock", help="flocked around each run; '' for none")
    a = ap.parse_args()
    a.out = os.path.abspath(a.out)  # the configs name the network by this path
    os.makedirs(a.out, exist_ok=True)
    rules = a.rules.split(",")
    results = []
    print(f"hidden width {a.width}; cells: peak RSS (of which the rule's C-dependent state)")
    print("| classes C | batch B | " + " | ".join(rules) + " |")
    print("|---|---|" + "---|" * len(rules))
    for classes in [int(v) for v in a.classes.split(",")]:
        for batch in [int(v) for v in a.batches.split(",")]:
            cells = []
            for rule in rules:
                kb = run(a.evsnn, rule, a.width, classes, batch, a.out, a.lock)
                own = grows_with_c(rule, a.width, classes)
                results.append({"rule": rule, "classes": classes, "batch": batch, "width": a.width,
                                "max_rss_kb": kb, "rule_state_bytes": own})
                cells.append(f"{kb / 1024:.1f} MB ({own / 1e6:.2f} MB)")
            print(f"| {classes} | {batch} | " + " | ".join(cells) + " |", flush=True)
    json.dump(results, open(os.path.join(a.out, "results.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
