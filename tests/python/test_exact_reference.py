"""tools/compare/exact_reference.py against `evsnn run`: an independent long-double reference of a small network
that has what the C++ reference tests do not combine (cuba_lif with "zero" reset and a refractory period, a
recurrent lif_alpha population with per-neuron thresholds, .npy and CSV inputs, dense and sparse weights), and
a check that the comparison fails when the network it simulates differs from the one evsnn ran; three of
random_networks.py's graph networks, which between them use every weight and input form the loader reads."""
import importlib.util
import json
import subprocess
import sys

import numpy as np

import pytest

from conftest import EVSNN_BIN, REPO, run_cli

REFERENCE = REPO / "tools" / "compare" / "exact_reference.py"
RANDOM = REPO / "tools" / "compare" / "random_networks.py"


def write_network(folder, w_scale=1.0):
    rng = np.random.default_rng(5)
    n_in, n_a, n_b, duration = 60, 40, 30, 300.0
    counts = rng.poisson(30.0 * duration / 1000.0, size=n_in)
    ch = np.repeat(np.arange(n_in), counts)
    t = rng.uniform(0.0, duration, size=ch.size)
    order = np.lexsort((ch, t))
    np.save(folder / "in.npy", np.stack([t[order], ch[order].astype(float)], axis=1))
    w_a = rng.normal(0.2, 0.1, size=(n_in, n_a)) * w_scale
    np.save(folder / "w_a.npy", w_a)
    pre = rng.integers(0, n_a, size=300)
    post = rng.integers(0, n_b, size=300)
    w_ab = rng.normal(0.8, 0.3, size=300)
    rec_pre = rng.integers(0, n_b, size=200)
    rec_post = rng.integers(0, n_b, size=200)
    rec_w = rng.normal(-0.05, 0.3, size=200)
    net = {
        "format": "evsnn-network/1", "duration_ms": duration,
        "populations": [
            {"name": "in", "model": "spike_source", "size": n_in, "params": {"spikes_npy": "in.npy"}},
            {"name": "a", "model": "cuba_lif", "size": n_a,
             "params": {"tau_mem_ms": 10.0, "tau_syn_ms": 3.0, "threshold": 1.0, "reset": "zero",
                        "refractory_ms": 1.5}},
            {"name": "b", "model": "lif_alpha", "size": n_b,
             "params": {"tau_mem_ms": 7.0, "threshold": rng.uniform(0.8, 1.2, size=n_b).tolist()}},
        ],
        "projections": [
            {"pre": "in", "post": "a", "delay_ms": 0.7, "weights": {"npy": "w_a.npy"}},
            {"pre": "a", "post": "b", "delay_ms": 1.1,
             "weights": {"pre": pre.tolist(), "post": post.tolist(), "w": w_ab.tolist()}},
            {"pre": "b", "post": "b", "delay_ms": 0.9,
             "weights": {"pre": rec_pre.tolist(), "post": rec_post.tolist(), "w": rec_w.tolist()}},
        ],
    }
    (folder / "net.json").write_text(json.dumps(net))
    return folder / "net.json"


def reference(net, out, tmp_path):
    report = tmp_path / "report.json"
    p = subprocess.run([sys.executable, str(REFERENCE), str(net), str(out), "--json", str(report)],
                       capture_output=True, text=True)
    return p, json.loads(report.read_text()) if report.exists() else None


def test_every_spike_matches_the_long_double_reference(tmp_path):
    net = write_network(tmp_path)
    run_cli("run", net, "--out", tmp_path / "out")
    p, report = reference(net, tmp_path / "out", tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert report["match"] and report["count_mismatches"] == 0
    assert report["spikes"]["a"] > 100 and report["spikes"]["b"] > 100  # both layers are active
    assert report["compared"] == report["spikes"]["a"] + report["spikes"]["b"]
    assert report["max_abs_diff_ms"] < 1e-9


def test_the_comparison_fails_for_another_network(tmp_path):
    net = write_network(tmp_path)
    run_cli("run", net, "--out", tmp_path / "out")
    write_network(tmp_path, w_scale=1.0 + 1e-7)  # every input weight moved by 1e-7 relative
    p, report = reference(net, tmp_path / "out", tmp_path)
    assert p.returncode == 1
    assert not report["match"]
    assert report["max_abs_diff_ms"] > 1e-9 or report["count_mismatches"] > 0


def test_its_own_spikes_and_perturbed_weights(tmp_path):
    net = write_network(tmp_path)
    run_cli("run", net, "--out", tmp_path / "out")
    p = subprocess.run([sys.executable, str(REFERENCE), str(net), str(tmp_path / "out"), "--write-spikes",
                        str(tmp_path / "ref")], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    p, report = reference(net, tmp_path / "ref", tmp_path)  # the reference against its own spikes: no difference
    assert p.returncode == 0 and report["max_abs_diff_ms"] == 0.0 and report["compared"] > 200
    report_path = tmp_path / "perturbed.json"
    p = subprocess.run([sys.executable, str(REFERENCE), str(net), str(tmp_path / "ref"), "--perturb-weights", "1e-7",
                        "--json", str(report_path)], capture_output=True, text=True)
    perturbed = json.loads(report_path.read_text())
    assert p.returncode == 1 and not perturbed["match"]


# Seeds 2, 19 and 31 of --kind graph use, between them, every weight form (dense inline, .npy, CSV, HDF5, sparse
# inline and .npy lists) and input form (.npy, CSV, HDF5, inline); 2 and 19 have graded inputs into "graded"
# projections. HDF5 files are written where h5py is installed.
@pytest.mark.parametrize("seed", [2, 19, 31])
def test_random_graph_networks_match(tmp_path, seed):
    p = subprocess.run([sys.executable, str(RANDOM), str(tmp_path), "--kind", "graph", "--first", str(seed),
                        "--count", "1", "--evsnn", str(EVSNN_BIN)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert f"{seed}: match" in p.stdout and "1 networks compared" in p.stdout and "differing: none" in p.stdout
    if importlib.util.find_spec("h5py"):  # tools/setup.sh installs it
        assert list((tmp_path / f"net_{seed}").glob("*.h5"))
