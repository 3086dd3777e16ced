#!/usr/bin/python3
"""Side-by-side speed comparison of evsnn with Brian2 on the same networks.

Usage (Debian's Brian2 lives in the system interpreter, so call it explicitly):

    /usr/bin/python3 tools/compare/brian2_compare.py NETS_DIR [--json OUT.json]

NETS_DIR holds evsnn network JSON files (e.g. from `evsnn bench --export NETS_DIR`). Every network is
built in Brian2 (clock-driven, dt = 0.1 ms by default) with the same model, sizes, connection
probabilities, weight distributions, delays and Poisson rates, and run for the network's
duration_ms in
  * cpp_standalone mode (generated C++ compiled by g++); the time reported is Brian2's own
    measurement of the simulation loop (Network::run in the generated code, written to
    results/last_run_info.txt, read back as device._last_run_time); the wall time of the whole
    binary (process start, building the synapses, loading/writing arrays) is reported beside it;
  * runtime mode (cython code generation, numpy if cython does not work); the time reported is the
    wall time of Network.run for the simulated span, after a warm-up run that generated and compiled
    the code (so compilation is excluded; Brian2's per-run preparation is included).
evsnn is timed with `evsnn bench --json --repeat N` (for the bench_<name>.json networks; the time of
simulator::run only) and its spike counts come from `evsnn run NET --json`.

Synaptic events are counted exactly for both simulators: for Brian2, sum over presynaptic neurons of
(spike count x number of outgoing synapses), from the spike monitors (record=False: counts only) and
the synapses' presynaptic indices after the run; for evsnn, its own synaptic_events counter.

Each Brian2 build runs in a child process of this script (--worker), so every build has a fresh
Brian2 device.
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time

import network_arrays

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

SPIKING_MODELS = ("lif_alpha", "cuba_lif")


# --------------------------------------------------------------------------------------------------
# Brian2 side (runs in a worker process)
# --------------------------------------------------------------------------------------------------

def _neuron_params(pop):
    """tau_mem, tau_syn, threshold (scalar or list), reset, refractory for a lif_alpha/cuba_lif population."""
    p = dict(pop.get("params", {}))
    tau_mem = float(p["tau_mem_ms"])
    if pop["model"] == "lif_alpha":
        tau_syn = float(p.get("tau_syn_ms", tau_mem / 2.0))
    else:
        tau_syn = float(p["tau_syn_ms"])
    theta = p.get("threshold", 1.0)
    reset = p.get("reset", "subtract")
    refractory = float(p.get("refractory_ms", 0.0))
    return tau_mem, tau_syn, theta, reset, refractory


def build_brian2(net, dt_ms, duration_ms, folder, record_spikes=False):
    """Builds net (an evsnn-network/1 dict) with brian2 objects; returns (objects, info)."""
    import numpy as np
    import brian2 as b2
    from brian2 import ms, Hz

    objects = []
    dropped = {}
    groups = {}
    monitors = {}
    sizes = {}
    for pop in net["populations"]:
        name, model, size = pop["name"], pop["model"], int(pop["size"])
        sizes[name] = size
        bname = "pop_" + re.sub(r"\W", "_", name)
        if model == "spike_source":
            params = pop.get("params", {})
            if "rate_hz" in params:
                g = b2.PoissonGroup(size, rates=float(params["rate_hz"]) * Hz, name=bname)
            else:
                times, channels = network_arrays.replayed_spikes(params, folder)
                # Brian2 allows one spike per neuron and time step: keep the first (counted as dropped).
                bins = np.floor((times + 1e-3 * dt_ms) / dt_ms).astype(np.int64)
                order = np.lexsort((times, bins, channels))
                keep = np.ones(len(order), dtype=bool)
                keep[1:] = (np.diff(channels[order]) != 0) | (np.diff(bins[order]) != 0)
                kept = np.sort(order[keep])
                dropped[name] = int(len(times) - len(kept))
                g = b2.SpikeGeneratorGroup(size, channels[kept].astype(np.int32), times[kept] * ms, name=bname)
        elif model in SPIKING_MODELS:
            tau_mem, tau_syn, theta, reset, refractory = _neuron_params(pop)
            # tau_m du/dt = -u + I, tau_s dI/dt = -I. With I jumping by w*(tau_m - tau_s)/tau_s * c, where
            # evsnn's c = tau_s/(tau_m - tau_s), i.e. by exactly w, the response to one input is
            # w * c * (exp(-s/tau_m) - exp(-s/tau_s)) -- evsnn's PSP (c = 1 for lif_alpha).
            hold = " (unless refractory)" if (reset == "zero" and refractory > 0) else ""
            eqs = f"""
            du/dt = (-u + I) / tau_m : 1{hold}
            dI/dt = -I / tau_s : 1
            theta : 1 (constant)
            tau_m : second (constant)
            tau_s : second (constant)
            """
            kw = {}
            if refractory > 0:
                kw["refractory"] = refractory * ms
            g = b2.NeuronGroup(size, eqs, threshold="u >= theta",
                               reset="u -= theta" if reset == "subtract" else "u = 0",
                               method="exact", name=bname, **kw)
            g.tau_m = tau_mem * ms
            g.tau_s = tau_syn * ms
            g.theta = np.asarray(theta, dtype=float) if isinstance(theta, list) else float(theta)
        else:
            raise NotImplementedError(f"population {name}: model '{model}' is not supported by this script")
        groups[name] = g
        objects.append(g)
        m = b2.SpikeMonitor(g, record=record_spikes, name="mon_" + bname[4:])
        monitors[name] = m
        objects.append(m)

    synapses = []
    for k, pr in enumerate(net.get("projections", [])):
        if pr.get("graded", False):
            raise NotImplementedError(f"projection {k}: graded spikes are not supported")
        pre, post = pr["pre"], pr["post"]
        delay = float(pr.get("delay_ms", 0.0))
        kw = {"delay": delay * ms} if delay > 0 else {}
        s = b2.Synapses(groups[pre], groups[post], "w : 1", on_pre="I_post += w", name=f"syn{k}", **kw)
        w = pr["weights"]
        recurrent = pre == post
        if isinstance(w, dict) and "init" in w:
            p = float(w.get("p_connect", 1.0))
            cond = "i != j" if (recurrent and not w.get("self_connections", True)) else None
            if p >= 1.0:
                s.connect(condition=cond) if cond else s.connect()
            else:
                s.connect(condition=cond, p=p) if cond else s.connect(p=p)
            if w["init"] == "normal":
                s.w = f"{float(w.get('mean', 0.0))!r} + {float(w['std'])!r} * randn()"
            elif w["init"] == "uniform":
                lo, hi = float(w["low"]), float(w["high"])
                s.w = f"{lo!r} + {hi - lo!r} * rand()"
            else:
                s.w = float(w["value"])
        elif isinstance(w, dict) and "pre" in w:
            s.connect(i=network_arrays.array(w["pre"], folder).astype(np.int32),
                      j=network_arrays.array(w["post"], folder).astype(np.int32))
            s.w = network_arrays.array(w["w"], folder).astype(float)
        elif isinstance(w, list) or (isinstance(w, dict) and set(w) in ({"npy"}, {"csv"})):
            rows = network_arrays.array(w, folder).astype(float)
            ii, jj = np.meshgrid(np.arange(rows.shape[0]), np.arange(rows.shape[1]), indexing="ij")
            s.connect(i=ii.ravel().astype(np.int32), j=jj.ravel().astype(np.int32))
            s.w = rows.ravel()
        else:
            raise NotImplementedError(f"projection {k}: weights given as {list(w)[:3]} are not supported")
        synapses.append((pre, s))
        objects.append(s)
    return objects, {"groups": groups, "monitors": monitors, "synapses": synapses, "sizes": sizes,
                     "dropped_input_spikes": dropped}


def brian2_counts(info):
    """Spikes per population and exact synaptic events (sum of spike count x out-degree)."""
    import numpy as np
    spikes = {name: int(m.num_spikes) for name, m in info["monitors"].items()}
    events = 0
    n_syn = 0
    for pre, s in info["synapses"]:
        pre_idx = np.asarray(s.i[:])
        n_syn += len(pre_idx)
        outdeg = np.bincount(pre_idx, minlength=info["sizes"][pre])
        count = np.asarray(info["monitors"][pre].count[:])
        events += int(np.dot(count.astype(np.int64), outdeg.astype(np.int64)))
    return spikes, events, n_syn


def worker(args):
    import brian2 as b2
    from brian2 import ms

    with open(args.net) as f:
        net = json.load(f)
    duration_ms = args.duration_ms or float(net.get("duration_ms", 1000.0))
    seed = int(net.get("seed", 1))
    out = {"brian2_version": b2.__version__, "mode": args.worker, "dt_ms": args.dt_ms, "duration_ms": duration_ms}
    b2.prefs.logging.std_redirection = False
    if args.worker == "standalone":
        build_dir = args.build_dir
        b2.set_device("cpp_standalone", directory=build_dir, build_on_run=False)
        b2.prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{args.jobs}"]
        b2.defaultclock.dt = args.dt_ms * ms
        b2.seed(seed)
        objects, info = build_brian2(net, args.dt_ms, duration_ms, os.path.dirname(os.path.abspath(args.net)),
                                     record_spikes=args.whole_process)
        network = b2.Network(*objects)
        network.run(duration_ms * ms)
        t0 = time.perf_counter()
        b2.device.build(directory=build_dir, compile=True, run=False, clean=True)
        out["codegen_compile_s"] = time.perf_counter() - t0
        loops, binaries = [], []
        for _ in range(args.repeat):
            b2.device.run(build_dir, with_output=False, run_args=[])
            loops.append(float(b2.device._last_run_time))
            binaries.append(float(b2.device.timers["run_binary"]))
        if args.whole_process:
            # The whole binary as a user runs it (process start, arrays read, synapses built, the loop, spike
            # times and every array written), timed like evsnn's whole process: a child process, wall clock.
            wholes = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                subprocess.run([os.path.join(build_dir, "main")], cwd=build_dir, check=True,
                               stdout=subprocess.DEVNULL)
                wholes.append(time.perf_counter() - t0)
            out["whole_s_all"] = wholes
            out["whole_s"] = min(wholes)
        out["run_loop_s_all"] = loops
        out["binary_wall_s_all"] = binaries
        out["sim_s"] = min(loops)
        out["binary_wall_s"] = min(binaries)
        out["measured"] = ("Network::run loop inside the compiled binary (Brian2's own std::clock timer, "
                           "device._last_run_time), best of %d runs" % args.repeat)
        out["compile_flags"] = " ".join(b2.prefs.codegen.cpp.extra_compile_args_gcc)
    else:
        targets = [args.runtime_target] if args.runtime_target != "auto" else ["cython", "numpy"]
        last_err = None
        for target in targets:
            try:
                b2.prefs.codegen.target = target
                b2.defaultclock.dt = args.dt_ms * ms
                b2.seed(seed)
                objects, info = build_brian2(net, args.dt_ms, duration_ms,
                                             os.path.dirname(os.path.abspath(args.net)))
                network = b2.Network(*objects)
                network.store("init")
                t0 = time.perf_counter()
                network.run(args.dt_ms * 10 * ms)  # warm-up: generates and compiles all code objects
                out["warmup_s"] = time.perf_counter() - t0
                walls = []
                for _ in range(args.runtime_repeat):
                    network.restore("init")
                    t0 = time.perf_counter()
                    network.run(duration_ms * ms)
                    walls.append(time.perf_counter() - t0)
                out["target"] = target
                out["sim_s"] = min(walls)
                out["run_wall_s_all"] = walls
                out["measured"] = ("wall time of Network.run(%g ms) after a warm-up run (code generation and "
                                   "compilation excluded), best of %d" % (duration_ms, args.runtime_repeat))
                break
            except Exception as e:  # noqa: BLE001 - fall back to the next code generation target
                last_err = f"{target}: {type(e).__name__}: {e}"
                out.setdefault("failed_targets", []).append(last_err[:2000])
                b2.start_scope()
        else:
            raise RuntimeError(last_err)
    spikes, events, n_syn = brian2_counts(info)
    out.update(spikes=spikes, synaptic_events=events, synapses=n_syn)
    if info["dropped_input_spikes"]:
        out["dropped_input_spikes"] = info["dropped_input_spikes"]
    with open(args.out, "w") as f:
        json.dump(out, f, indent=2)


# --------------------------------------------------------------------------------------------------
# driver
# --------------------------------------------------------------------------------------------------

def run_worker(mode, net_path, args, build_root):
    with tempfile.NamedTemporaryFile("r", suffix=".json", delete=False) as tmp:
        out_path = tmp.name
    base = os.path.splitext(os.path.basename(net_path))[0]
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", mode, "--net", net_path, "--out", out_path,
           "--dt-ms", repr(args.dt_ms), "--repeat", str(args.repeat), "--runtime-repeat", str(args.runtime_repeat),
           "--runtime-target", args.runtime_target, "--jobs", str(args.jobs),
           "--build-dir", os.path.join(build_root, base)]
    if args.whole_process:
        cmd.append("--whole-process")
    if args.duration_ms:
        cmd += ["--duration-ms", repr(args.duration_ms)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    total = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr)[-3000:]
        os.unlink(out_path)
        return {"error": f"Brian2 {mode} failed (exit {proc.returncode}):\n{tail}"}
    with open(out_path) as f:
        res = json.load(f)
    os.unlink(out_path)
    res["worker_total_s"] = total
    return res


def time_process(cmd, repeat):
    """Best wall time of `repeat` runs of cmd as a child process."""
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - t0)
    return best


def run_evsnn(evsnn, net_path, repeat, whole_process=False):
    run = json.loads(subprocess.run([evsnn, "run", net_path, "--json"], check=True, capture_output=True,
                                    text=True).stdout)
    res = {"spikes": {p["name"]: int(p["spikes"]) for p in run["populations"]},
           "synaptic_events": int(run["synaptic_events"]),
           "synapses": sum(int(p["synapses"]) for p in run["projections"])}
    m = re.fullmatch(r"bench_(\w+)\.json", os.path.basename(net_path))
    bench = None
    if m:
        proc = subprocess.run([evsnn, "bench", "--json", "--repeat", str(repeat), m.group(1)],
                              capture_output=True, text=True)
        if proc.returncode == 0:
            bench = json.loads(proc.stdout)[0]
    if bench is not None and int(bench["synaptic_events"]) == res["synaptic_events"]:
        res["sim_s"] = float(bench["best_wall_s"])
        res["measured"] = f"simulator::run in `evsnn bench --json --repeat {repeat} {m.group(1)}`, best of {repeat}"
    else:
        # Not a built-in benchmark network (or it differs from the file): time `evsnn run` instead
        # (its wall_time_s includes spike recording).
        best = float(run["wall_time_s"])
        for _ in range(repeat - 1):
            r = json.loads(subprocess.run([evsnn, "run", net_path, "--json"], check=True, capture_output=True,
                                          text=True).stdout)
            best = min(best, float(r["wall_time_s"]))
        res["sim_s"] = best
        res["measured"] = f"wall_time_s of `evsnn run --json` (spikes recorded), best of {repeat}"
    if whole_process:
        with tempfile.TemporaryDirectory(prefix="evsnn_whole_") as out:
            res["whole_s"] = time_process([evsnn, "run", net_path, "--out", os.path.join(out, "csv")], repeat)
            res["whole_npy_s"] = time_process([evsnn, "run", net_path, "--out", os.path.join(out, "npy"),
                                               "--spikes-format", "npy"], repeat)
    return res


def fmt_spikes(spikes):
    return " ".join(f"{k}={v}" for k, v in spikes.items())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder", nargs="?", help="folder with evsnn network JSON files (e.g. from evsnn bench --export)")
    ap.add_argument("--json", help="also write the table as JSON to this path")
    ap.add_argument("--evsnn", default=os.path.join(REPO, "build-cmp", "evsnn"), help="evsnn binary")
    ap.add_argument("--modes", default="standalone,runtime", help="Brian2 modes: standalone,runtime")
    ap.add_argument("--runtime-target", default="auto", choices=["auto", "cython", "numpy"],
                    help="code generation target for runtime mode (auto: cython, else numpy)")
    ap.add_argument("--dt-ms", type=float, default=0.1)
    ap.add_argument("--duration-ms", type=float, default=None, help="override the networks' duration_ms")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs of evsnn and of the standalone binary")
    ap.add_argument("--runtime-repeat", type=int, default=1, help="timed runs in runtime mode")
    ap.add_argument("--jobs", type=int, default=2, help="make -j for the standalone build")
    ap.add_argument("--build-dir", default=None, help="where Brian2 standalone projects go (default: a temp dir)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per Brian2 build+run")
    ap.add_argument("--whole-process", action="store_true",
                    help="also time whole processes: `evsnn run NET --out DIR` (spikes.csv, and spikes.npy) against "
                         "the standalone binary with every spike time recorded (runtime mode is not run)")
    # internal: one Brian2 build in a fresh process
    ap.add_argument("--worker", choices=["standalone", "runtime"], help=argparse.SUPPRESS)
    ap.add_argument("--net", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker:
        worker(args)
        return
    if not args.folder:
        ap.error("the folder of network JSON files is required")

    nets = sorted(os.path.join(args.folder, f) for f in os.listdir(args.folder) if f.endswith(".json"))
    if not nets:
        sys.exit(f"no .json networks in {args.folder}")
    build_root = args.build_dir or tempfile.mkdtemp(prefix="evsnn_brian2_")
    os.makedirs(build_root, exist_ok=True)
    modes = [m for m in args.modes.split(",") if m and not (args.whole_process and m == "runtime")]

    try:
        import brian2
        brian2_version = brian2.__version__
    except Exception as e:  # noqa: BLE001
        brian2_version = None
        print(f"Brian2 not importable with {sys.executable}: {e}; only evsnn is timed", file=sys.stderr)

    rows = []
    for path in nets:
        name = os.path.splitext(os.path.basename(path))[0]
        name = name[len("bench_"):] if name.startswith("bench_") else name
        print(f"[{name}] evsnn ...", file=sys.stderr, flush=True)
        ev = run_evsnn(args.evsnn, path, args.repeat, args.whole_process)
        rows.append({"network": name, "simulator": "evsnn", "mode": "event-driven (exact)", **ev})
        for mode in modes if brian2_version else []:
            print(f"[{name}] Brian2 {mode} ...", file=sys.stderr, flush=True)
            res = run_worker(mode, path, args, build_root)
            label = "cpp_standalone" if mode == "standalone" else f"runtime ({res.get('target', args.runtime_target)})"
            row = {"network": name, "simulator": f"Brian2 {brian2_version}", **res, "mode": label}
            if "error" in res:
                print(res["error"], file=sys.stderr)
            rows.append(row)

    for r in rows:
        if "sim_s" in r:
            r["synaptic_events_per_s"] = r["synaptic_events"] / r["sim_s"] if r["sim_s"] > 0 else math.inf
    ref = {r["network"]: r["sim_s"] for r in rows if r["simulator"] == "evsnn"}
    for r in rows:
        if "sim_s" in r and r["network"] in ref:
            r["time_vs_evsnn"] = r["sim_s"] / ref[r["network"]]

    hdr = f"{'network':<10} {'simulator':<12} {'mode':<20} {'sim wall s':>10} {'x evsnn':>8} {'syn.events':>11} {'M ev/s':>8}  spikes per population"
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        if "sim_s" not in r:
            print(f"{r['network']:<10} {r['simulator']:<12} {r['mode']:<20} {'failed':>10}")
            continue
        print(f"{r['network']:<10} {r['simulator']:<12} {r['mode']:<20} {r['sim_s']:>10.4f} {r['time_vs_evsnn']:>8.1f} "
              f"{r['synaptic_events']:>11} {r['synaptic_events_per_s'] / 1e6:>8.2f}  {fmt_spikes(r['spikes'])}")
    print()
    print(f"dt = {args.dt_ms} ms (Brian2); synaptic events counted exactly (spike count x out-degree) for both.")
    for r in rows:
        extra = ""
        if "binary_wall_s" in r:
            extra = (f"; whole binary {r['binary_wall_s']:.3f} s (incl. synapse creation, I/O); "
                     f"code generation + compilation {r['codegen_compile_s']:.1f} s")
        if "warmup_s" in r:
            extra = f"; warm-up run incl. code generation/compilation {r['warmup_s']:.1f} s"
        if "measured" in r:
            print(f"  {r['network']}/{r['simulator']}/{r['mode']}: {r['measured']}{extra}")

    if args.whole_process:
        print()
        print("Whole process (start, read, build, simulate, write every spike time), best of %d:" % args.repeat)
        whole = {r["network"]: r for r in rows if r["simulator"] == "evsnn"}
        print(f"{'network':<22} {'evsnn csv s':>11} {'evsnn npy s':>11} {'Brian2 s':>9} {'Brian2/evsnn csv':>17} "
              f"{'Brian2/evsnn npy':>17}")
        for r in rows:
            if r["simulator"] == "evsnn" or "whole_s" not in r:
                continue
            e = whole[r["network"]]
            r["whole_vs_evsnn_csv"] = r["whole_s"] / e["whole_s"]
            r["whole_vs_evsnn_npy"] = r["whole_s"] / e["whole_npy_s"]
            print(f"{r['network']:<22} {e['whole_s']:>11.3f} {e['whole_npy_s']:>11.3f} {r['whole_s']:>9.3f} "
                  f"{r['whole_vs_evsnn_csv']:>17.2f} {r['whole_vs_evsnn_npy']:>17.2f}")
            if r.get("dropped_input_spikes"):
                print(f"  (Brian2 dropped input spikes sharing a neuron's time step: {r['dropped_input_spikes']})")

    if args.json:
        doc = {"dt_ms": args.dt_ms, "python": sys.executable, "evsnn": os.path.abspath(args.evsnn),
               "brian2_version": brian2_version, "rows": rows}
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
