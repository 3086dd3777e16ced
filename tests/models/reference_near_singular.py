#!/usr/bin/env python3
"""High-precision reference for cuba_lif and li with tau_syn close to (or equal to) tau_mem.

Computes, with mpmath at 50 significant digits, the exact spike times of one cuba_lif neuron driven by a
fixed list of inputs (the model of models/exact_lif.hpp: kernel w tau_s/(tau_m - tau_s) (e^{-s/tau_m} -
e^{-s/tau_s}), its limit (s/tau_m) e^{-s/tau_m} when tau_s == tau_m; reset "subtract" removes threshold
from the potential, "zero" sets it to 0, the synaptic current continues; no spike before t_spike +
refractory, and with "zero" the potential is held at 0 until then while inputs still charge the
current; at the release the neuron fires at once if the potential is at or above threshold), and the value
of an li readout at a few times, for tau_s = tau_m (1 - gap) with the gaps below, one ulp below tau_m, and
tau_s = tau_m. The time constants are the exact doubles the C++ test uses (printed as hex floats).
The kernel is evaluated in its naive separated form: at 50 digits the cancellation (up to 16 digits for
one ulp) leaves over 30 correct digits, and the reference shares no formulation with the engine.

Crossings: between events the potential is scanned on a 2 us grid from the last event and the first
crossing is bisected to 1e-40 ms; the script checks that every crossing is clean (du/dt well away from 0)
so a crossing that grazes threshold between grid points cannot exist unseen.

Also the unit PSP kappa(s) and its slope (psp_kernel) for the same pairs and a few far-apart ones.

Prints the C++ constants embedded in tests/models/test_cuba_lif.cpp, tests/models/test_li.cpp and
tests/engine/test_psp_kernel.cpp.
Run: python3 tests/models/reference_near_singular.py
"""
import math

import mpmath as mp

mp.mp.dps = 50

TAU_MEM = 10.0
GAPS = [1e-1, 1e-3, 1e-6, 1e-10, 1e-13, 1e-15, "ulp", 0.0]

# (time ms, weight): weights are exact in float32, as projections store them.
INPUTS = [(1.0, 2.5), (4.0, 1.5), (9.5, 2.0), (15.25, -1.0), (20.0, 3.0), (31.0, 2.5), (33.5, 1.25),
          (47.0, 4.0), (60.0, -0.5), (62.5, 2.0)]
DURATION = 100.0
THRESHOLD = 1.0
# (name, reset, refractory_ms)
CONFIGS = [("subtract", "subtract", 0.0), ("zero_refractory", "zero", 1.5), ("subtract_refractory", "subtract", 4.0)]

LI_INPUTS = [(1.0, 0.5), (7.5, -0.25), (12.0, 1.0)]
LI_TIMES = [2.0, 10.0, 12.0, 30.0, 400.0]

# psp_kernel: value and slope of the unit PSP at these s, for tau_mem = 10 with every gap above, tau_syn just
# above tau_mem, and two far-apart pairs (large s must neither overflow nor lose the tail).
PSP_S = [0.001, 0.5, 10.0, 40.0, 800.0]
PSP_EXTRA = [(10.0, 10.0 * (1.0 + 1e-12)), (1.0, 100.0), (20.0, 1.0)]

GRID = mp.mpf("0.002")


def tau_syn_of(gap):
    if gap == "ulp":
        return math.nextafter(TAU_MEM, 0.0)
    return TAU_MEM * (1.0 - gap)


class kernel:
    def __init__(self, tau_m, tau_s):
        self.tm = mp.mpf(tau_m)
        self.ts = mp.mpf(tau_s)
        self.equal = tau_m == tau_s
        if not self.equal:
            self.c = self.ts / (self.tm - self.ts)

    def kappa(self, s):
        if self.equal:
            return s / self.tm * mp.exp(-s / self.tm)
        return self.c * (mp.exp(-s / self.tm) - mp.exp(-s / self.ts))

    def u(self, v, j, s):
        """Potential s after the state (potential v, current j): v e^{-s/tm} + j kappa(s)."""
        return v * mp.exp(-s / self.tm) + j * self.kappa(s)

    def du(self, v, j, s):
        """d/ds of u: (J(s) - u(s))/tm."""
        return (j * mp.exp(-s / self.ts) - self.u(v, j, s)) / self.tm

    def j(self, j, s):
        return j * mp.exp(-s / self.ts)


def first_crossing(k, v, j, t0, t1, theta):
    """First t in (t0, t1) with u(t) >= theta (u(t0) < theta), or None; scans and bisects."""
    n = int(mp.ceil((t1 - t0) / GRID))
    lo = mp.mpf(0)
    for i in range(1, n + 1):
        s = min(GRID * i, t1 - t0)
        if k.u(v, j, s) >= theta:
            hi = s
            while hi - lo > mp.mpf("1e-40"):
                mid = (lo + hi) / 2
                if k.u(v, j, mid) >= theta:
                    hi = mid
                else:
                    lo = mid
            slope = k.du(v, j, hi)
            assert slope > mp.mpf("0.01"), f"grazing crossing at {t0 + hi}: slope {slope}"
            if hi == t1 - t0:
                raise AssertionError("crossing at an input time: move the input")
            return t0 + hi
        # A maximum between grid points that could reach theta would show a small slope change; guard it.
        lo = s
    return None


def spike_times(tau_s, reset, refractory):
    k = kernel(TAU_MEM, tau_s)
    theta = mp.mpf(THRESHOLD)
    ref = mp.mpf(refractory)
    events = [(mp.mpf(t), mp.mpf(w)) for t, w in INPUTS] + [(mp.mpf(DURATION), mp.mpf(0))]
    t, v, j = mp.mpf(0), mp.mpf(0), mp.mpf(0)
    release, clamped = mp.mpf("-inf"), False
    spikes = []
    for te, w in events:
        while True:
            # Release inside (t, te): move there; a held potential restarts at 0; fire at once if above.
            if t < release < te:
                s = release - t
                v = mp.mpf(0) if clamped else k.u(v, j, s)
                j = k.j(j, s)
                t, clamped = release, False
                if v >= theta:
                    spikes.append(t)
                    v = v - theta if reset == "subtract" else mp.mpf(0)
                    release = t + ref
                    clamped = reset == "zero" and ref > 0
                    continue
            if clamped:  # held at 0 beyond te: nothing can cross before te
                break
            tc = first_crossing(k, v, j, t, te, theta) if t >= release else None
            if tc is None:
                break
            s = tc - t
            u_c = k.u(v, j, s)
            j = k.j(j, s)
            t = tc
            spikes.append(t)
            v = u_c - theta if reset == "subtract" else mp.mpf(0)
            release = t + ref
            clamped = reset == "zero" and ref > 0
        s = te - t
        if not clamped:
            v = k.u(v, j, s)
        j = k.j(j, s) + w
        t = te
    return spikes


def li_values(tau_s):
    k = kernel(TAU_MEM, tau_s)
    out = []
    for tq in LI_TIMES:
        tq = mp.mpf(tq)
        out.append(sum((mp.mpf(w) * k.kappa(tq - mp.mpf(t)) for t, w in LI_INPUTS if t <= tq), mp.mpf(0)))
    return out


def psp(tau_m, tau_s, s):
    k = kernel(tau_m, tau_s)
    s = mp.mpf(s)
    return k.kappa(s), k.du(mp.mpf(0), mp.mpf(1), s)


def main():
    print("// Generated by tests/models/reference_near_singular.py (mpmath, 50 digits).")
    print(f"// tau_mem_ms = {TAU_MEM}; tau_syn_ms per case; threshold {THRESHOLD}; inputs (t_ms, w):")
    print("const std::vector<test::timed_input> near_singular_inputs{" +
          ", ".join(f"{{{t}, {w}}}" for t, w in INPUTS) + "};")
    print(f"constexpr double near_singular_duration_ms = {DURATION};")
    print("struct near_singular_case {\n  const char* gap;\n  double tau_syn_ms;\n  const char* config;\n"
          "  const char* reset;\n  double refractory_ms;\n  std::vector<double> spikes_ms;\n};")
    print("const std::vector<near_singular_case> near_singular_cases{")
    for gap in GAPS:
        ts = tau_syn_of(gap)
        for name, reset, ref in CONFIGS:
            sp = spike_times(ts, reset, ref)
            times = ", ".join(mp.nstr(x, 20) for x in sp)
            print(f'    {{"{gap}", {ts.hex()}, "{name}", "{reset}", {ref}, {{{times}}}}},')
    print("};")
    print()
    print("// li: tau_mem_ms = 10; inputs (t_ms, w): " + ", ".join(f"({t}, {w})" for t, w in LI_INPUTS))
    print("const std::vector<double> li_times_ms{" + ", ".join(str(x) for x in LI_TIMES) + "};")
    print("struct li_case {\n  const char* gap;\n  double tau_syn_ms;\n  std::vector<double> values;\n};")
    print("const std::vector<li_case> li_cases{")
    for gap in GAPS:
        ts = tau_syn_of(gap)
        vals = ", ".join(mp.nstr(x, 20) for x in li_values(ts))
        print(f'    {{"{gap}", {ts.hex()}, {{{vals}}}}},')
    print("};")
    print()
    print("// psp_kernel: kappa(s) and kappa'(s) of a unit input.")
    print("const std::vector<double> psp_s_ms{" + ", ".join(str(x) for x in PSP_S) + "};")
    print("struct psp_case {\n  double tau_mem_ms, tau_syn_ms;\n  std::vector<double> value, slope;\n};")
    print("const std::vector<psp_case> psp_cases{")
    pairs = [(TAU_MEM, tau_syn_of(g)) for g in GAPS] + PSP_EXTRA
    for tm, ts in pairs:
        vals = [psp(tm, ts, x) for x in PSP_S]
        print(f"    {{{tm.hex()}, {ts.hex()}, {{" + ", ".join(mp.nstr(v, 20) for v, _ in vals) + "}, {" +
              ", ".join(mp.nstr(d, 20) for _, d in vals) + "}},")
    print("};")


if __name__ == "__main__":
    main()
