#!/usr/bin/env python3
"""random_networks: evsnn against exact_reference.py on random small networks (a differential check).

Network k (seed k) has 1-3 layers of 3-40 lif_alpha / cuba_lif neurons fed by 5-60 replayed Poisson inputs
(a third of them on a 0.1 ms grid, so that many arrivals share an instant), 50, 200 or 1000 ms long: random time
constants (a third of the cuba_lif layers within 1e-6 to 1e-2 of tau_syn == tau_mem), thresholds per
population or per neuron, "subtract" / "zero" resets, refractory periods, delays of 0-3 ms, recurrent
projections in 40 % of the layers, dense .npy or sparse inline weights. Each is run by `evsnn run` and then by
the reference; a network whose evsnn run has more than --max-spikes spikes (a runaway the reference would
take hours over), or that evsnn stops at its bound on pending events, is skipped and counted.

--kind graph draws other networks (network k of it is not network k above): 1-2 shared spike sources,
1-4 layers drawn as above, each fed by the one before and sometimes by an earlier population too (skip
projections), parallel projections of another delay, private one-to-one inputs, feedback projections to an
earlier layer and recurrence; weights dense inline, .npy (float64, float32 values, big-endian), CSV, HDF5
(h5py; .npy without it: the same numbers), sparse lists inline or as .npy files; inputs as .npy, CSV with or
without a header, HDF5 or inline; 40 % of the inputs graded (a float32 grade per spike), their projections
mostly "graded" (the weight times the grade).

Where evsnn differs by more than --sensitivity-above (1e-11 ms), the network's own amplification is measured
too: the reference again with every weight scaled by 1 + 2.2e-16 (one rounding of a double) against its own
spikes. Recurrent loops and "zero" resets carry one rounding forward and grow it, and a crossing the potential
barely reaches divides it by a small slope, so evsnn's difference is judged against what a rounding anywhere does
to that network: a network over the tolerance whose own amplification is at least evsnn's difference (or, for a
spike count, changes a count too) is ill-conditioned, listed apart and not counted as differing.

  random_networks.py OUT --first 0 --count 100 [--kind chain|graph] [--evsnn build/evsnn] [--max-spikes 200000]
                     [--sensitivity-above 1e-11]

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


def draw_trains(r, n, duration):
    """(times_ms, channels): n Poisson trains at one rate drawn in 5-80 Hz, a third of the time on a 0.1 ms grid
    (many arrivals share an instant)."""
    t, ch = poisson_trains(r, n, r.uniform(5, 80), duration)
    if r.random() < 0.3:
        t = np.round(t, 1)
        order = np.lexsort((ch, t))
        t, ch = t[order], ch[order]
    return t, ch


def draw_layer(r, name, n):
    """A lif_alpha or cuba_lif population of n neurons with random parameters, and its base threshold."""
    model = str(r.choice(["lif_alpha", "cuba_lif"]))
    tau_mem = float(r.uniform(2, 40))
    params = {"tau_mem_ms": tau_mem}
    if model == "cuba_lif":
        if r.random() < 0.7:
            params["tau_syn_ms"] = tau_mem * float(r.uniform(0.05, 3.0))
        else:  # next to tau_syn == tau_mem
            params["tau_syn_ms"] = tau_mem * (1 + float(r.choice([-1, 1])) * 10 ** float(r.uniform(-6, -2)))
    theta = float(r.uniform(0.3, 2.0))
    params["threshold"] = theta if r.random() < 0.6 else r.uniform(0.3, 2.0, size=n).tolist()
    if r.random() < 0.4:
        params["reset"] = "zero"
    if r.random() < 0.4:
        params["refractory_ms"] = float(r.uniform(0.1, 5.0))
    return {"name": name, "model": model, "size": n, "params": params}, theta


def generate(seed, folder):
    r = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    n_in = int(r.integers(5, 60))
    duration = float(r.choice([50.0, 200.0, 1000.0]))
    t, ch = draw_trains(r, n_in, duration)
    np.save(os.path.join(folder, "in.npy"), np.stack([t, ch.astype(float)], axis=1))
    pops = [{"name": "in", "model": "spike_source", "size": n_in, "params": {"spikes_npy": "in.npy"}}]
    projs = []
    prev_name, prev_size = "in", n_in
    for layer in range(int(r.integers(1, 4))):
        n, name = int(r.integers(3, 40)), f"p{layer}"
        pop, theta = draw_layer(r, name, n)
        pops.append(pop)
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


def write_weights(r, folder, tag, w, sparse_mask=None):
    """The weights w (n_pre x n_post) in one of evsnn's forms, drawn at random: dense inline, .npy (float64,
    float32 values, big-endian), CSV, HDF5 (h5py; .npy without it), or sparse lists inline / as .npy files."""
    form = str(r.choice(["inline", "npy", "npy_f32", "npy_be", "csv", "hdf5", "sparse", "sparse_npy"]))
    if form == "npy_f32":
        w = w.astype(np.float32).astype(float)  # float32 values, read exactly
    if form in ("sparse", "sparse_npy") or sparse_mask is not None:
        mask = sparse_mask if sparse_mask is not None else r.random(w.shape) < 0.5
        i, j = np.nonzero(mask)
        v = w[mask]
        if form == "sparse_npy":
            for name, a in (("pre", i.astype(np.int32)), ("post", j.astype(np.uint16)), ("w", v)):
                np.save(os.path.join(folder, f"{tag}_{name}.npy"), a)
            return {name: {"npy": f"{tag}_{name}.npy"} for name in ("pre", "post", "w")}
        return {"pre": i.tolist(), "post": j.tolist(), "w": v.tolist()}
    if form == "inline":
        return w.tolist()
    if form == "csv":
        with open(os.path.join(folder, f"{tag}.csv"), "w") as f:
            f.write("# weights\n")
            for row in w:
                f.write(",".join(repr(float(x)) for x in row) + "\n")
        return {"csv": f"{tag}.csv"}
    if form == "hdf5":
        try:
            import h5py
            with h5py.File(os.path.join(folder, f"{tag}.h5"), "w") as f:
                f.create_dataset("/net/w", data=w, chunks=True, compression="gzip")
            return {"hdf5": f"{tag}.h5", "dataset": "/net/w"}
        except ImportError:
            pass
    np.save(os.path.join(folder, f"{tag}.npy"), w.astype(">f8") if form == "npy_be" else w)
    return {"npy": f"{tag}.npy"}


def write_input(r, folder, tag, n, duration, g):
    """A replaying spike_source's params: Poisson trains as .npy, CSV (with or without a header), HDF5 (h5py; .npy
    without it) or inline; 40 % of them graded (a float32 grade in 0.2-2 per spike, drawn from g). Returns the
    params and whether the spikes carry grades."""
    t, ch = draw_trains(r, n, duration)
    form = str(r.choice(["npy", "csv", "hdf5", "inline"]))
    cols = [t, ch.astype(float)]
    if g.random() < 0.4:
        cols.append(g.uniform(0.2, 2.0, size=t.size).astype(np.float32).astype(float))
    rows = np.stack(cols, axis=1)
    if form == "hdf5":
        try:
            import h5py
            with h5py.File(os.path.join(folder, f"{tag}.h5"), "w") as f:
                f.create_dataset("/spikes", data=rows)
            return {"spikes_hdf5": {"file": f"{tag}.h5", "dataset": "/spikes"}}, len(cols) == 3
        except ImportError:
            form = "npy"
    if form == "npy":
        np.save(os.path.join(folder, f"{tag}.npy"), rows)
        return {"spikes_npy": f"{tag}.npy"}, len(cols) == 3
    if form == "csv":
        with open(os.path.join(folder, f"{tag}.csv"), "w") as f:
            if r.random() < 0.5:
                f.write("time_ms,channel" + (",grade" if len(cols) == 3 else "") + "\n")
            f.writelines(",".join([repr(float(row[0])), str(int(row[1]))] + [repr(x) for x in row[2:]]) + "\n"
                         for row in rows.tolist())
        return {"spikes_csv": f"{tag}.csv"}, len(cols) == 3
    return {"spikes": [[row[0], int(row[1])] + row[2:] for row in rows.tolist()]}, len(cols) == 3


def generate_graph(seed, folder):
    """Network `seed` of --kind graph: populations wired beyond a chain. 1-2 shared spike sources and private
    one-to-one inputs, 1-4 lif_alpha / cuba_lif layers (parameters drawn as in a chain), each fed by the one
    before, with skip projections from any earlier population, parallel projections of another delay,
    feedback projections to an earlier layer (delay > 0) and recurrence; weights and inputs in every form
    the loader reads; graded inputs, whose projections are mostly "graded" (drawn from a stream of their own)."""
    r = np.random.default_rng([seed, 1])
    g = np.random.default_rng([seed, 2])
    graded_sources = set()
    os.makedirs(folder, exist_ok=True)
    duration = float(r.choice([50.0, 200.0, 1000.0]))
    pops, projs, made = [], [], []  # made: (name, size, theta or None for a source)
    for s in range(1 + int(r.random() < 0.5)):
        n_in = int(r.integers(5, 60))
        params, graded = write_input(r, folder, f"in{s}", n_in, duration, g)
        pops.append({"name": f"in{s}", "model": "spike_source", "size": n_in, "params": params})
        if graded:
            graded_sources.add(f"in{s}")
        made.append((f"in{s}", n_in, None))
    n_layers = int(r.integers(1, 5))
    for layer in range(n_layers):
        n, name = int(r.integers(3, 40)), f"p{layer}"
        pop, theta = draw_layer(r, name, n)
        pops.append(pop)
        # Feeds: the population before, sometimes an earlier one too; their drive shares the excitation.
        feeds = [made[-1]]
        if len(made) > 1 and r.random() < 0.4:
            feeds.append(made[int(r.integers(0, len(made) - 1))])
        for k, (pre, n_pre, _) in enumerate(feeds):
            scale = theta / max(n_pre * 0.03 * 5 * len(feeds), 1e-3)
            w = r.normal(float(r.uniform(0.2, 1.0)) * scale, scale, size=(n_pre, n))
            delay = float(r.choice([0.0, 0.5, 1.0, float(r.uniform(0.1, 3.0))]))
            tag = f"w_{pre}_{name}"
            projs.append({"pre": pre, "post": name, "delay_ms": delay, "weights": write_weights(r, folder, tag, w)})
            if pre in graded_sources:
                projs[-1]["graded"] = bool(g.random() < 0.7)
            if r.random() < 0.25:  # a parallel projection of another delay between the same populations
                w2 = r.normal(0.0, scale, size=(n_pre, n))
                projs.append({"pre": pre, "post": name, "delay_ms": delay + float(r.uniform(0.1, 2.0)),
                              "name": f"{pre}->{name} late", "weights": write_weights(r, folder, tag + "_late", w2)})
        if r.random() < 0.25:  # a private input per neuron, one-to-one
            params, graded = write_input(r, folder, f"private{layer}", n, duration, g)
            pops.append({"name": f"private{layer}", "model": "spike_source", "size": n, "params": params})
            w = np.diag(r.uniform(0.2, 0.8, size=n) * theta)
            weights = write_weights(r, folder, f"w_private{layer}", w, sparse_mask=np.eye(n, dtype=bool))
            projs.append({"pre": f"private{layer}", "post": name, "delay_ms": float(r.choice([0.0, 0.7])),
                          "weights": weights, "graded": graded and bool(g.random() < 0.7)})
        if r.random() < 0.4:  # recurrence
            k = int(r.integers(1, 3 * n))
            i, j, v = r.integers(0, n, k), r.integers(0, n, k), r.normal(0, theta * 0.5, k)
            projs.append({"pre": name, "post": name, "delay_ms": float(r.uniform(0.2, 3.0)),
                          "weights": {"pre": i.tolist(), "post": j.tolist(), "w": v.tolist()}})
        spiking = [m for m in made if m[2] is not None]
        if spiking and r.random() < 0.3:  # feedback to an earlier layer, mostly inhibitory
            post, n_post, theta_post = spiking[int(r.integers(0, len(spiking)))]
            w = r.normal(-0.3 * theta_post, 0.5 * theta_post, size=(n, n_post)) / max(n * 0.1, 1.0)
            projs.append({"pre": name, "post": post, "delay_ms": float(r.uniform(0.2, 3.0)),
                          "weights": write_weights(r, folder, f"w_{name}_{post}_back", w)})
        made.append((name, n, theta))
    net = {"format": "evsnn-network/1", "duration_ms": duration, "populations": pops, "projections": projs}
    with open(os.path.join(folder, "net.json"), "w") as f:
        json.dump(net, f)


def sensitivity(folder):
    """How far the reference moves the network's spikes when every weight is scaled by 1 + 2.2e-16 (one
    rounding of a double): the largest difference from the reference's own spikes (in folder/reference), in ms
    (inf: a spike count changed)."""
    report = os.path.join(folder, "sensitivity.json")
    subprocess.run([sys.executable, os.path.join(HERE, "exact_reference.py"), os.path.join(folder, "net.json"),
                    os.path.join(folder, "reference"), "--perturb-weights", "2.2e-16", "--json", report],
                   capture_output=True, text=True)
    with open(report) as f:
        rep = json.load(f)
    return rep["max_abs_diff_ms"] if rep["count_mismatches"] == 0 else float("inf")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--evsnn", default=os.path.join(HERE, "..", "..", "build", "evsnn"))
    ap.add_argument("--max-spikes", type=int, default=200000)
    ap.add_argument("--sensitivity-above", type=float, default=1e-11, metavar="MS",
                    help="where evsnn differs from the reference by more than MS, measure how far the network itself "
                         "moves its spikes when every weight moves by one rounding (two more reference runs)")
    ap.add_argument("--kind", choices=("chain", "graph"), default="chain",
                    help="chain: the layered networks above; graph: skip, parallel, feedback and private projections "
                         "and every weight and input form")
    args = ap.parse_args()
    bad, skipped, worst, spikes, sensitive, ill_conditioned = [], [], 0.0, 0, [], []
    for seed in range(args.first, args.first + args.count):
        folder = os.path.join(args.out, f"net_{seed}")
        (generate if args.kind == "chain" else generate_graph)(seed, folder)
        p = subprocess.run([args.evsnn, "run", os.path.join(folder, "net.json"), "--out", os.path.join(folder, "out"),
                            "--json"], capture_output=True, text=True)
        if p.returncode != 0 and "events pending" in p.stderr:  # evsnn's bound on a runaway (exit 2)
            print(f"{seed}: skipped, a runaway: {p.stderr.strip()[-160:]}")
            skipped.append(seed)
            continue
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
                            os.path.join(folder, "out"), "--json", report, "--write-spikes",
                            os.path.join(folder, "reference")], capture_output=True, text=True)
        if not os.path.exists(report):
            print(f"{seed}: the reference failed: {q.stderr.strip()[-300:]}")
            bad.append(seed)
            continue
        with open(report) as f:
            rep = json.load(f)
        spikes += rep["compared"]
        own = None
        if rep["max_abs_diff_ms"] > args.sensitivity_above or not rep["match"]:
            own = sensitivity(folder)
            sensitive.append((seed, rep["max_abs_diff_ms"], own))
        # Ill-conditioned: over the tolerance, but no further from the reference than one rounding of the weights
        # takes the network itself (a spike count included), which no simulator computing in doubles can avoid.
        ill = not rep["match"] and own is not None and (
            own == float("inf") if rep["count_mismatches"] else own >= rep["max_abs_diff_ms"])
        status = "match" if rep["match"] else "ill-conditioned" if ill else "MISMATCH"
        line = (f"{seed}: {status}, {rep['compared']} spikes, largest difference {rep['max_abs_diff_ms']:.1e} ms, "
                f"{rep['count_mismatches']} neurons with another count")
        if own is not None:
            line += f"; the network itself, every weight moved by one rounding: {own:.1e} ms"
        print(line, flush=True)
        if ill:
            ill_conditioned.append(seed)
        else:
            worst = max(worst, rep["max_abs_diff_ms"])
            if not rep["match"]:
                bad.append(seed)
    print(f"{args.count - len(skipped)} networks compared ({spikes} spikes), largest difference {worst:.1e} ms "
          f"(ill-conditioned ones aside); differing: {bad or 'none'}; ill-conditioned (over the tolerance, but within "
          f"what one rounding of the weights does to the network): {ill_conditioned or 'none'}; skipped (over "
          f"{args.max_spikes} spikes or stopped as a runaway): {skipped or 'none'}")
    if sensitive:
        print(f"over {args.sensitivity_above:.0e} ms, evsnn's difference / the network's own (one rounding): "
              + ", ".join(f"{seed}: {d:.1e} / {own:.1e}" for seed, d, own in sensitive))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
