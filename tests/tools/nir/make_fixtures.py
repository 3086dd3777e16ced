"""Writes the NIR test fixtures of tests/tools/test_nir_import.cpp with the NIR project's own writer.

Run with the `nir` package (github.com/neuromorphs/NIR, not in Debian) and numpy importable:
    PYTHONPATH=/path/to/NIR python3 tests/tools/nir/make_fixtures.py tests/tools/nir
The .nir files are committed; CI does not run this script. Parameters are float32, as most exporters write them.
"""
import sys

import numpy as np
import nir

if not hasattr(nir, "version"):  # a source checkout, not an installed package
    nir.version = "1.0.8"

out = sys.argv[1] if len(sys.argv) > 1 else "."
f32 = lambda *v: np.array(v, dtype=np.float32)

# Input(3) -> Affine(3->2, zero bias) -> CubaLIF(2) -> Output: per-neuron r and w_in, tau in seconds.
nir.write(f"{out}/cuba_chain.nir", nir.NIRGraph(nodes={
    "input": nir.Input(input_type={"input": np.array([3])}),
    "fc": nir.Affine(weight=f32([0.5, 1.0, -0.25], [2.0, 0.0, 0.75]), bias=f32(0.0, 0.0)),
    "lif": nir.CubaLIF(tau_syn=f32(0.005, 0.005), tau_mem=f32(0.02, 0.02), r=f32(2.0, 1.0),
                       v_leak=f32(0.0, 0.0), v_threshold=f32(1.0, 0.5), w_in=f32(0.5, 3.0)),
    "output": nir.Output(output_type={"output": np.array([2])})},
    edges=[("input", "fc"), ("fc", "lif"), ("lif", "output")]))

# Input(2) -> Linear -> Scale -> Delay (2 ms) -> LIF (v_leak -0.5 = v_reset) -> Linear -> LI -> Output,
# and a second path Input -> CubaLI (identity edge) -> Output.
nir.write(f"{out}/lif_li.nir", nir.NIRGraph(nodes={
    "in": nir.Input(input_type={"input": np.array([2])}),
    "w1": nir.Linear(weight=f32([1.0, 0.5], [-0.5, 2.0])),
    "gain": nir.Scale(scale=f32(2.0, 0.5)),
    "d": nir.Delay(delay=f32(0.002, 0.002)),
    "lif": nir.LIF(tau=f32(0.01, 0.01), r=f32(1.0, 4.0), v_leak=f32(-0.5, -0.5), v_threshold=f32(0.25, 0.5),
                   v_reset=f32(-0.5, -0.5)),
    "w2": nir.Linear(weight=f32([0.3, 0.7])),
    "li": nir.LI(tau=f32(0.05), r=f32(1.0), v_leak=f32(0.0)),
    "cli": nir.CubaLI(tau_syn=f32(0.002, 0.002), tau_mem=f32(0.008, 0.008), r=f32(1.0, 1.0), v_leak=f32(0.0, 0.0),
                      w_in=f32(1.0, 2.0)),
    "out": nir.Output(output_type={"output": np.array([1])}),
    "out2": nir.Output(output_type={"output": np.array([2])})},
    edges=[("in", "w1"), ("w1", "gain"), ("gain", "d"), ("d", "lif"), ("lif", "w2"), ("w2", "li"), ("li", "out"),
           ("in", "cli"), ("cli", "out2")]))

# A nested graph and a recurrent loop: Input -> Affine -> sub{Input -> CubaLIF -> Output} -> Output,
# sub.lif -> rec -> sub.lif inside the subgraph.
sub = nir.NIRGraph(nodes={
    "i": nir.Input(input_type={"input": np.array([2])}),
    "lif": nir.CubaLIF(tau_syn=f32(0.004, 0.004), tau_mem=f32(0.01, 0.01), r=f32(1.0, 1.0), v_leak=f32(0.0, 0.0),
                       v_threshold=f32(0.1, 0.1), w_in=f32(1.0, 1.0)),
    "rec": nir.Linear(weight=f32([0.0, 0.02], [0.02, 0.0])),
    "o": nir.Output(output_type={"output": np.array([2])})},
    edges=[("i", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "o")])
nir.write(f"{out}/nested.nir", nir.NIRGraph(nodes={
    "input": nir.Input(input_type={"input": np.array([2])}),
    "fc": nir.Affine(weight=f32([0.3, 0.0], [0.0, 0.3]), bias=f32(0.0, 0.0)),
    "sub": sub,
    "output": nir.Output(output_type={"output": np.array([2])})},
    edges=[("input", "fc"), ("fc", "sub"), ("sub", "output")]))

# Refused: an IF neuron, and an Affine with a bias.
nir.write(f"{out}/if_node.nir", nir.NIRGraph(nodes={
    "input": nir.Input(input_type={"input": np.array([1])}),
    "w": nir.Linear(weight=f32([1.0])),
    "if1": nir.IF(r=f32(1.0), v_threshold=f32(1.0), v_reset=f32(0.0)),
    "output": nir.Output(output_type={"output": np.array([1])})},
    edges=[("input", "w"), ("w", "if1"), ("if1", "output")]))
nir.write(f"{out}/bias.nir", nir.NIRGraph(nodes={
    "input": nir.Input(input_type={"input": np.array([1])}),
    "fc": nir.Affine(weight=f32([1.0]), bias=f32(0.25)),
    "lif": nir.LIF(tau=f32(0.01), r=f32(1.0), v_leak=f32(0.0), v_threshold=f32(1.0), v_reset=f32(0.0)),
    "output": nir.Output(output_type={"output": np.array([1])})},
    edges=[("input", "fc"), ("fc", "lif"), ("lif", "output")]))
