#!/usr/bin/env python3
"""Model of the trainer's batch dispatch: the speed-up a batch's samples allow on T threads (issue 12, item 4).

The trainer hands a batch's samples to its threads one at a time, each to the first thread that is free, and
waits for the whole batch before the optimizer step. With one sample as the unit of work, the batch takes as
long as its busiest thread. This script draws random batches of Fashion-MNIST training images, prices each
sample by its TTFS input spikes (the image's non-zero pixels), and prints sum(costs) / makespan on T threads
for that dispatch and for a longest-first order. A sample's cost is `share` x its input spikes plus
(1 - share) x the mean. Nothing else is modelled: no per-batch phases (merge, optimizer step), no memory
bandwidth, no difference between threads. It bounds what the per-sample unit of work allows, nothing more.

  /usr/bin/python3 tools/compare/dispatch_model.py --threads 2,8,16 --batch 50 --shares 1,0.5

With --costs, the batches are drawn from measured samples instead: a CSV with a header and the columns
sample, time_us (the sample's measured time) and predictor (what the trainer orders by: the sample's
synaptic events when it last ran). It prints first-free in batch order, the trainer's longest-first by
the predictor, and longest-first by the measured time itself (the best a predictor could do).

  /usr/bin/python3 tools/compare/dispatch_model.py --costs sample_costs.csv --threads 2,8,16
"""
import argparse
import gzip
import heapq
import os
import random
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def input_spikes(path):
    """Non-zero pixels of every image of an IDX3 file (gzip or plain)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 16 or int.from_bytes(data[0:4], "big") != 0x803:
        sys.exit(f"{path}: not an IDX3 image file (magic 0x00000803)")
    n, rows, cols = (int.from_bytes(data[k:k + 4], "big") for k in (4, 8, 12))
    size = rows * cols
    if len(data) != 16 + n * size:
        sys.exit(f"{path}: {len(data)} bytes, the header says {16 + n * size}")
    return [size - data[16 + i * size:16 + (i + 1) * size].count(0) for i in range(n)]


def makespan(costs, threads):
    free = [0.0] * threads
    for c in costs:
        heapq.heappush(free, heapq.heappop(free) + c)
    return max(free)


def read_costs(path):
    """(time, predictor) per measured sample, from --costs's CSV."""
    rows = []
    with open(path) as f:
        header = f.readline()
        for number, line in enumerate(f, start=2):
            fields = line.strip().split(",")
            try:
                time, predictor = float(fields[1]), float(fields[2])
            except (IndexError, ValueError):
                sys.exit(f"{path}:{number}: expected sample,time_us,predictor")
            if not time > 0:
                sys.exit(f"{path}:{number}: time_us must be > 0")
            rows.append((time, predictor))
    if not header or not rows:
        sys.exit(f"{path}: no samples")
    return rows


def measured(args):
    rows = read_costs(args.costs)
    if args.batch < 1 or args.batch > len(rows):
        sys.exit(f"--batch: 1 to {len(rows)}")
    times = sorted(t for t, _ in rows)
    mean = sum(times) / len(times)
    sd = (sum((t - mean) ** 2 for t in times) / len(times)) ** 0.5
    print(f"{len(rows)} measured samples: time median {times[len(times) // 2]:.0f} us, 1 % "
          f"{times[len(times) // 100]:.0f}, 99 % {times[-len(times) // 100]:.0f}, coefficient of variation "
          f"{sd / mean:.2f}")
    for threads in (int(t) for t in args.threads.split(",")):
        rng = random.Random(args.seed)
        work = first_free = by_predictor = by_time = 0.0
        for _ in range(args.batches):
            batch = rng.sample(rows, args.batch)
            costs = [t for t, _ in batch]
            work += sum(costs)
            first_free += makespan(costs, threads)
            by_predictor += makespan([t for t, _ in sorted(batch, key=lambda r: -r[1])], threads)
            by_time += makespan(sorted(costs, reverse=True), threads)
        print(f"threads {threads:3d}, batch {args.batch}: first free thread {work / first_free:.2f}x, "
              f"longest first by predictor {work / by_predictor:.2f}x, by measured time {work / by_time:.2f}x")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--images", default=os.path.join(REPO, "data", "fashion-mnist", "train-images-idx3-ubyte.gz"))
    ap.add_argument("--threads", default="2,8,16", help="comma-separated thread counts")
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--batches", type=int, default=400, help="random batches drawn per setting")
    ap.add_argument("--shares", default="1,0.5",
                    help="comma-separated: share of a sample's cost that follows its input spikes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--costs", help="CSV of measured samples: sample,time_us,predictor (see above)")
    args = ap.parse_args()
    if args.costs:
        return measured(args)
    counts = input_spikes(args.images)
    if args.batch < 1 or args.batch > len(counts):
        sys.exit(f"--batch: 1 to {len(counts)}")
    mean = sum(counts) / len(counts)
    ordered = sorted(counts)
    print(f"{len(counts)} images: input spikes min {ordered[0]}, 1 % {ordered[len(counts) // 100]}, "
          f"median {ordered[len(counts) // 2]}, 99 % {ordered[-len(counts) // 100]}, max {ordered[-1]}")
    for threads in (int(t) for t in args.threads.split(",")):
        for share in (float(s) for s in args.shares.split(",")):
            rng = random.Random(args.seed)
            work = first_free = longest_first = 0.0
            for _ in range(args.batches):
                costs = [share * counts[i] + (1 - share) * mean for i in rng.sample(range(len(counts)), args.batch)]
                work += sum(costs)
                first_free += makespan(costs, threads)
                longest_first += makespan(sorted(costs, reverse=True), threads)
            print(f"threads {threads:3d}, batch {args.batch}, share {share:g}: first free thread "
                  f"{work / first_free:.2f}x, longest first {work / longest_first:.2f}x")


if __name__ == "__main__":
    main()
