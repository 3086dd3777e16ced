#!/usr/bin/env python3
"""Training samples/s against threads (and MPI ranks) for one training config: issue 12 item 4 and issue 17 item 4.

Runs `evsnn train CONFIG --epochs 1` once per setting on a copy of the config whose training split is cut to
--limit samples (the data set's `limit`, a seeded subset) with evaluation off, so that only the training pass is
timed. Each setting is "T" (one process, T threads) or "RxT" (mpirun -np R, T threads per rank). Prints samples/s
from log.json (the epoch's training pass), the speed-up against the first setting, the whole process's wall time,
and checks that every setting wrote the same trained network, network.json and its weight files (bit-identical
training whatever the threads and ranks).

  /usr/bin/python3 tools/compare/train_scaling.py examples/train/fmnist_sfdfa.json --settings 1,2,4,8,16,2x8 \\
      --limit 6000 --json /tmp/scaling.json
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("config", help="training config (evsnn-train/1)")
    ap.add_argument("--settings", default="1,2", help="comma-separated: T (threads) or RxT (MPI ranks x threads)")
    ap.add_argument("--limit", type=int, default=2000, help="training samples (the data set's limit)")
    ap.add_argument("--evsnn", default=os.path.join(REPO, "build", "evsnn"))
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--json", help="also write the rows as JSON here")
    args = ap.parse_args()

    cfg_path = os.path.abspath(args.config)
    cfg = json.load(open(cfg_path))
    ds = cfg["dataset"]
    if isinstance(ds, str):
        sys.exit("train_scaling: the config's dataset must be an object (a spec) to set its limit")
    ds["limit"] = args.limit
    cfg["epochs"] = 1
    cfg["evaluation"] = {"every_epochs": 1, "test": False, "validation": False}
    cfg.pop("alignment", None)
    work = tempfile.mkdtemp(prefix="evsnn_scaling_")
    # Relative paths (the network file) resolve against the config's folder: write the copy there.
    tmp_cfg = os.path.join(os.path.dirname(cfg_path), ".scaling_%d.json" % os.getpid())
    json.dump(cfg, open(tmp_cfg, "w"))
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    rows = []
    try:
        for setting in args.settings.split(","):
            ranks, threads = (setting.split("x") + [None])[:2] if "x" in setting else ("1", setting)
            ranks, threads = int(ranks), int(threads)
            out = os.path.join(work, setting)
            cmd = [args.evsnn, "train", tmp_cfg, "--quiet", "--threads", str(threads), "--out", out]
            if args.data_dir:
                cmd += ["--data-dir", args.data_dir]
            if ranks > 1:
                cmd = ["mpirun", "--oversubscribe", "-np", str(ranks)] + cmd
            t0 = time.perf_counter()
            r = subprocess.run(cmd, env=env, capture_output=True, text=True)
            wall = time.perf_counter() - t0
            if r.returncode != 0:
                sys.exit("train_scaling: %s failed (%d): %s" % (" ".join(cmd), r.returncode, r.stderr.strip()))
            log = json.load(open(os.path.join(out, "log.json")))
            sps = log["epochs"][-1]["samples_per_s"]
            # The trained network: network.json and the weight files it names (weights_*.csv), byte for byte.
            h = hashlib.sha256()
            for name in sorted(os.listdir(out)):
                if name == "network.json" or name.startswith("weights_"):
                    h.update(name.encode() + b"\0" + open(os.path.join(out, name), "rb").read())
            digest = h.hexdigest()[:16]
            rows.append({"setting": setting, "ranks": ranks, "threads": threads, "samples_per_s": sps,
                         "process_wall_s": wall, "network_sha256": digest})
            print("%-8s %10.1f samples/s  x%5.2f  %7.1f s whole process  network %s" %
                  (setting, sps, sps / rows[0]["samples_per_s"], wall, digest), flush=True)
    finally:
        os.remove(tmp_cfg)
        shutil.rmtree(work, ignore_errors=True)
    same = len({r["network_sha256"] for r in rows}) == 1
    print("same trained network (network.json and weight files) in every setting: %s" % ("yes" if same else "NO"))
    if args.json:
        json.dump({"config": args.config, "limit": args.limit, "rows": rows, "same_network": same},
                  open(args.json, "w"), indent=1)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
