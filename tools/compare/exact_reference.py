#!/usr/bin/env python3
"""exact_reference: an independent double-precision reference for evsnn's lif_alpha / cuba_lif networks.

Simulates an evsnn-network/1 file with NumPy only, sharing no code or state layout with evsnn, and
compares every spike time with what `evsnn run` wrote (spikes.csv or spikes.npy):

- each neuron keeps its potential V and synaptic current J at its own last update time t_ref (evsnn keeps
  p, q relative to a grid time shared by the population): tau_mem du/dt = -u + J, tau_syn dJ/dt = -J, an
  input w adds w to J, so u(t_ref + s) = V e^{-s/tau_mem} + J (s/tau_mem) e^{-s/tau_mem} E(-s delta) with
  E(x) = expm1(x)/x and delta = 1/tau_syn - 1/tau_mem: no cancelling coefficient, whatever the gap between the
  time constants (equal ones included); a spike subtracts the threshold from V ("subtract") or sets V = 0
  ("zero", held at 0 until the refractory period ends);
- u has at most one extremum after a state, a maximum where tau_mem u' = J(s) - u(s) vanishes (in closed
  form, in long double): a crossing exists iff u rises now and its maximum reaches the threshold, and it is
  then bisected in [0, s*], where u rises, to the last representable value;
- the neurons' state and the crossing search are in long double (64-bit mantissa on x86), so the
  reference's own rounding is far below evsnn's; times are doubles, as evsnn's (a spike at the double
  nearest the crossing, arriving at t + delay rounded to double);
- events run in time order: a predicted crossing before an arrival at the same time (evsnn's order),
  arrivals in the order their spikes were emitted.

Supported: spike_source populations replaying spikes (spikes_npy, spikes_csv, spikes_hdf5, inline spikes; with
grades, which a "graded" projection multiplies its weights by; not rate_hz),
lif_alpha and cuba_lif populations (threshold scalar or per neuron, reset, refractory_ms; not max_spikes),
projections with explicit weights (dense lists, {"npy"}, {"csv"}, {"hdf5"}, sparse pre/post/w lists, .npy or HDF5),
one delay each. Anything else is refused (random weights are drawn by evsnn's own generator).

  exact_reference.py NET.json EVSNN_OUT_DIR [--tolerance-ms 1e-9] [--json OUT.json]
                     [--write-spikes DIR] [--perturb-weights REL]

How far double precision can be held to: where a network amplifies differences (recurrent loops, grazing
crossings, a "zero" reset that starts each spike from the last one's time), one rounding anywhere grows along
the run, for any simulator that computes in doubles. To measure a network's own amplification, write the
reference's spikes (--write-spikes DIR) and compare a second reference run whose weights are all scaled by
1 + 2.2e-16 (--perturb-weights 2.2e-16, one rounding of a double) against DIR.

Exit status 0 when every spike matches (same count per neuron, every time within the tolerance), 1 when not.
"""
import argparse
import heapq
import json
import os
import sys

import numpy as np

import network_arrays

LD = np.longdouble  # the state, the crossing search and the weights; times stay doubles, as evsnn's


class reference:
    def __init__(self, net, folder, weight_scale=1.0):
        self.duration = float(net["duration_ms"])
        self.pops = {}            # name -> (offset into the neuron arrays, size, model)
        self.sources = []         # (name, times, channels)
        tm, ts, theta, zero, refr = [], [], [], [], []
        offset = 0
        for pop in net["populations"]:
            name, model, size = pop["name"], pop["model"], int(pop["size"])
            p = pop.get("params", {})
            if model == "spike_source":
                t, ch, g = network_arrays.replayed_spikes(p, folder, with_grades=True)
                self.sources.append((name, t, ch, g))
                self.pops[name] = (-1, size, model)
                continue
            if model not in ("lif_alpha", "cuba_lif") or "max_spikes" in p:
                raise SystemExit(f"exact_reference: population {name}: model {model} is not supported")
            m = float(p["tau_mem_ms"])
            s = float(p.get("tau_syn_ms", m / 2.0))
            th = p.get("threshold", 1.0)
            theta.append(np.asarray(th, dtype=float) * np.ones(size))
            tm.append(np.full(size, m))
            ts.append(np.full(size, s))
            zero.append(np.full(size, p.get("reset", "subtract") == "zero"))
            refr.append(np.full(size, float(p.get("refractory_ms", 0.0))))
            self.pops[name] = (offset, size, model)
            offset += size
        n = offset
        self.tm, self.ts = np.concatenate(tm).astype(LD), np.concatenate(ts).astype(LD)
        self.delta = 1.0 / self.ts - 1.0 / self.tm
        self.theta, self.zero, self.refr = np.concatenate(theta).astype(LD), np.concatenate(zero), np.concatenate(refr)
        self.V, self.J, self.tref = np.zeros(n, LD), np.zeros(n, LD), np.zeros(n, LD)
        self.pred = np.full(n, np.inf, LD)
        self.held_until = np.full(n, -np.inf)
        self.names = [None] * n
        for name, (off, size, model) in self.pops.items():
            if off >= 0:
                for i in range(size):
                    self.names[off + i] = (name, i)
        # Outgoing rows per presynaptic population: list of (delay, rows) with rows[pre] = (targets, weights).
        self.out = {}
        for k, pr in enumerate(net.get("projections", [])):
            pre, post = pr["pre"], pr["post"]
            off, size, _ = self.pops[post]
            if off < 0:
                raise SystemExit(f"exact_reference: projection {k}: a spike source cannot be a target")
            n_pre = self.pops[pre][1]
            w = pr["weights"]
            if isinstance(w, dict) and "pre" in w:
                i = network_arrays.array(w["pre"], folder).astype(np.int64).ravel()
                j = network_arrays.array(w["post"], folder).astype(np.int64).ravel()
                v = network_arrays.array(w["w"], folder).astype(float).ravel()
            elif isinstance(w, list) or (isinstance(w, dict) and set(w) in ({"npy"}, {"csv"}, {"hdf5", "dataset"})):
                dense = network_arrays.array(w, folder).astype(float).reshape(n_pre, size)
                i, j = np.divmod(np.arange(dense.size), size)
                v = dense.ravel()
            else:
                raise SystemExit(f"exact_reference: projection {k}: weights {sorted(w)} are not supported")
            order = np.argsort(i, kind="stable")
            i, j, v = i[order], j[order] + off, v[order]
            bounds = np.searchsorted(i, np.arange(n_pre + 1))
            v = v.astype(LD) * LD(weight_scale)
            rows = [(j[bounds[a]:bounds[a + 1]], v[bounds[a]:bounds[a + 1]]) for a in range(n_pre)]
            self.out.setdefault(pre, []).append((float(pr.get("delay_ms", 0.0)), rows, bool(pr.get("graded", False))))

    def potential(self, idx, s, V=None, J=None):
        """u at tref + s (s >= 0, an array like idx) of the neurons idx, or of the states V, J given."""
        V = self.V[idx] if V is None else V
        J = self.J[idx] if J is None else J
        tm, x = self.tm[idx], -s * self.delta[idx]
        E = np.where(x == 0, LD(1), np.expm1(x) / np.where(x == 0, LD(1), x))
        em = np.exp(-s / tm)
        return V * em + J * (s / tm) * em * E

    def advance(self, idx, t):
        dt = np.asarray(t - self.tref[idx], dtype=LD)
        self.V[idx] = self.potential(idx, dt)
        self.J[idx] *= np.exp(-dt / self.ts[idx])
        self.tref[idx] = t

    def predict(self, idx):
        """Sets pred[idx]: the first time u >= theta after tref, or inf (neurons not held)."""
        V, J, tm, ts, th = self.V[idx], self.J[idx], self.tm[idx], self.ts[idx], self.theta[idx]
        pred = np.full(idx.size, np.inf, LD)
        now = V >= th
        pred[now] = self.tref[idx][now]
        cand = ~now & (J > V) & (J > 0)  # rising now; with J <= 0 u never rises above max(V, 0) < theta
        if cand.any():
            sub, Vc, Jc = idx[cand], V[cand], J[cand]
            # The maximum, where tau_mem u' = J e^{-s/tau_syn} - u vanishes: s* = tau_mem log1p(z)/eps with
            # eps = tau_mem delta, D = J + eps V, z = eps (J - V)/D (tau_mem (J - V)/D at eps = 0); none if D <= 0.
            eps = tm[cand] * self.delta[sub]
            D = Jc + eps * Vc
            has_max = D > 0
            Dsafe = np.where(has_max, D, LD(1))
            z = eps * (Jc - Vc) / Dsafe
            small = eps == 0
            s_star = tm[cand] * np.where(small, (Jc - Vc) / Dsafe, np.log1p(z) / np.where(small, LD(1), eps))
            has_max &= np.isfinite(s_star) & (s_star > 0)
            s_star = np.where(has_max, s_star, LD(0))
            reach = has_max & (self.potential(sub, s_star, Vc, Jc) >= th[cand])
            cross = np.full(sub.size, np.inf, LD)
            if reach.any():
                r = reach
                lo, hi = np.zeros(int(r.sum()), LD), s_star[r].copy()
                Vr, Jr, thr, subr = Vc[r], Jc[r], th[cand][r], sub[r]
                for _ in range(1100):  # stops once every bracket is two adjacent values
                    mid = 0.5 * (lo + hi)
                    moving = (mid > lo) & (mid < hi)
                    if not moving.any():
                        break
                    up = self.potential(subr, mid, Vr, Jr) >= thr
                    hi, lo = np.where(moving & up, mid, hi), np.where(moving & ~up, mid, lo)
                cross[r] = self.tref[subr] + hi
            pred[cand] = cross
        self.pred[idx] = pred

    def run(self):
        # (time, rank, seq, kind, payload), rank at one time: release 0, arrival 1, a source's spike 2 (it
        # fans out through its projections, arriving at t + delay). seq keeps emission order among equals.
        events, seq = [], 0
        for name, times, channels, grades in self.sources:
            for t, ch, g in zip(times.tolist(), channels.tolist(), grades.tolist()):
                events.append((t, 2, seq, "src", (name, ch, g)))
                seq += 1
        heapq.heapify(events)
        spikes = []
        while True:
            t_ev = events[0][0] if events else np.inf
            i = int(np.argmin(self.pred)) if self.pred.size else 0
            t_cross = self.pred[i] if self.pred.size else np.inf
            if min(t_ev, t_cross) > self.duration:
                break
            if t_cross <= t_ev:
                t = float(t_cross)  # evsnn's spike times are doubles: the nearest one to the crossing
                idx = np.array([i])
                self.advance(idx, t)
                name, local = self.names[i]
                slope = (self.J[i] - self.V[i]) / self.tm[i]  # du/dt at the crossing
                spikes.append((t, name, local, slope))
                if self.zero[i]:
                    self.V[i] = 0
                else:
                    self.V[i] -= self.theta[i]
                if self.refr[i] > 0:
                    self.held_until[i] = t + float(self.refr[i])
                    self.pred[i] = np.inf
                    heapq.heappush(events, (t + float(self.refr[i]), 0, seq, "release", i))
                    seq += 1
                else:
                    self.predict(idx)
                    if self.pred[i] <= t:  # evsnn: at most once per instant, again at the next double
                        self.pred[i] = np.nextafter(t, np.inf)
                for delay, rows, _ in self.out.get(name, []):  # a neuron's spike has grade 1
                    heapq.heappush(events, (t + delay, 1, seq, "arrive", rows[local]))
                    seq += 1
                continue
            t, _, _, kind, payload = heapq.heappop(events)
            if kind == "src":
                name, ch, grade = payload
                for delay, rows, graded in self.out.get(name, []):
                    targets, weights = rows[ch]
                    if graded and grade != 1.0:  # the weight times the spike's float32 grade
                        weights = weights * LD(grade)
                    heapq.heappush(events, (t + delay, 1, seq, "arrive", (targets, weights)))
                    seq += 1
            elif kind == "release":
                i = payload
                idx = np.array([i])
                self.advance(idx, t)
                if self.zero[i]:
                    self.V[i] = 0  # held at 0 until now
                self.predict(idx)
            else:
                targets, weights = payload
                if targets.size == 0:
                    continue
                uniq = np.unique(targets)
                self.advance(uniq, t)
                np.add.at(self.J, targets, weights)
                refractory = self.held_until[uniq] > t
                clamped = uniq[refractory & self.zero[uniq]]
                self.V[clamped] = 0  # "zero": the membrane stays at 0, the current charges
                self.predict(uniq[~refractory])
        return spikes


def read_evsnn(folder):
    npy = os.path.join(folder, "spikes.npy")
    rows = {}
    if os.path.exists(os.path.join(folder, "spikes.csv")):
        with open(os.path.join(folder, "spikes.csv")) as f:
            next(f)
            for line in f:
                t, pop, i = line.rstrip("\n").split(",")
                rows.setdefault((pop, int(i)), []).append(float(t))
    elif os.path.exists(npy):
        raise SystemExit("exact_reference: read spikes.csv (run evsnn with the default --spikes-format csv)")
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("net")
    ap.add_argument("evsnn_out")
    ap.add_argument("--tolerance-ms", type=float, default=1e-9)
    ap.add_argument("--json")
    ap.add_argument("--perturb-weights", type=float, default=0.0, metavar="REL",
                    help="simulate every weight times (1 + REL), in long double (2.2e-16: one rounding of a double)")
    ap.add_argument("--write-spikes", metavar="DIR", help="also write the reference's spikes as DIR/spikes.csv")
    args = ap.parse_args()
    with open(args.net) as f:
        net = json.load(f)
    try:
        ref = reference(net, os.path.dirname(os.path.abspath(args.net)), 1.0 + LD(args.perturb_weights))
    except NotImplementedError as e:
        raise SystemExit(f"exact_reference: {args.net}: {e}")
    spikes = ref.run()
    if args.write_spikes:
        os.makedirs(args.write_spikes, exist_ok=True)
        with open(os.path.join(args.write_spikes, "spikes.csv"), "w") as f:
            f.write("time_ms,population,neuron\n")
            f.writelines(f"{t!r},{name},{i}\n" for t, name, i, _ in spikes)
    mine, slopes = {}, {}
    for t, name, i, slope in spikes:
        mine.setdefault((name, i), []).append(t)
        slopes.setdefault((name, i), []).append(slope)
    theirs = {k: v for k, v in read_evsnn(args.evsnn_out).items() if ref.pops[k[0]][0] >= 0}
    worst, count_mismatch, compared, worst_pop, diffs, worst_slope = 0.0, [], 0, {}, [], None
    for key in sorted(set(mine) | set(theirs)):
        a, b = mine.get(key, []), theirs.get(key, [])
        if len(a) != len(b):
            count_mismatch.append((key, len(a), len(b)))
            continue
        if a:
            d = np.abs(np.asarray(a) - np.asarray(b))
            diffs.append(d)
            k = int(np.argmax(d))
            if worst_slope is None or d[k] > worst:
                worst_slope = slopes[key][k]
            worst = max(worst, float(d.max()))
            worst_pop[key[0]] = max(worst_pop.get(key[0], 0.0), float(d.max()))
            compared += len(a)
    per_pop = {}
    for (name, _), v in mine.items():
        per_pop[name] = per_pop.get(name, 0) + len(v)
    ok = not count_mismatch and worst <= args.tolerance_ms
    print(f"reference spikes per population: {per_pop}")
    print(f"compared {compared} spike times; largest difference {worst:.3e} ms; "
          f"neurons with another spike count: {len(count_mismatch)}" + (f" (first: {count_mismatch[:3]})"
                                                                          if count_mismatch else ""))
    if diffs:
        d = np.concatenate(diffs)
        print("largest difference per population (ms): " + ", ".join(f"{k} {v:.1e}" for k, v in worst_pop.items())
              + f"; median {np.median(d):.1e}, 99th percentile {np.percentile(d, 99):.1e}; the largest is at a "
              f"crossing where du/dt = {worst_slope:.2e} per ms (a rounding of 1e-16 in u moves it by "
              f"{1e-16 / abs(worst_slope):.1e} ms)")
    print("match" if ok else "MISMATCH")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"spikes": per_pop, "compared": compared, "max_abs_diff_ms": worst,
                       "max_abs_diff_ms_per_population": worst_pop, "count_mismatches": len(count_mismatch),
                       "match": ok}, f, indent=1)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
