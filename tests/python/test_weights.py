"""Network.weights / set_weights: shapes, exact round trips, float32 rounding, errors, effect on spikes."""
import json

import numpy as np
import pytest

import evsnn
from conftest import SMALL, read_spikes_csv, run_cli, small_doc


def test_dense_and_sparse_shapes():
    net = evsnn.Network.load(SMALL)
    w = net.weights("input->hidden")
    assert w.shape == (20, 10) and w.dtype == np.float64
    assert w[0, :3].tolist() == [0.4551, 0.2735, 0.6721]  # weights_in.csv, row 0
    s = net.weights("hidden->output")
    assert isinstance(s, evsnn.SparseWeights) and isinstance(s, tuple)
    assert s.pre.dtype == np.uint32 and s.post.dtype == np.uint32 and s.w.dtype == np.float64
    doc = small_doc()["projections"][2]["weights"]
    assert s.pre.tolist() == doc["pre"] and s.post.tolist() == doc["post"] and s.w.tolist() == doc["w"]
    t = net.weights("input->hidden", sparse=True)
    assert len(t.w) == 200 and np.array_equal(t.w, w.ravel())
    assert np.array_equal(t.pre, np.repeat(np.arange(20), 10)) and np.array_equal(t.post, np.tile(np.arange(10), 20))
    rec = net.weights("hidden_recurrent")
    assert isinstance(rec, evsnn.SparseWeights) and np.all(rec.pre != rec.post)  # no self connections


def test_round_trip_is_exact():
    net = evsnn.Network.load(SMALL)
    rng = np.random.default_rng(5)
    w = rng.normal(size=(20, 10)) / 3
    net.set_weights("input->hidden", w)
    assert net.weights("input->hidden").tobytes() == w.tobytes()
    rec = net.weights("hidden_recurrent")
    new = rec.w * np.pi
    net.set_weights("hidden_recurrent", new)  # 1-D, synapse order
    assert net.weights("hidden_recurrent").w.tobytes() == new.tobytes()
    net.set_weights("hidden_recurrent", evsnn.SparseWeights(rec.pre, rec.post, rec.w))
    assert net.weights("hidden_recurrent").w.tobytes() == rec.w.tobytes()
    net.set_weights("output->readout", np.eye(3, dtype=np.float32) * 2)
    assert net.weights("output->readout").tolist() == (np.eye(3) * 2).tolist()


def test_float32_projections_round_as_the_engine_does():
    doc = small_doc()
    doc["projections"][0]["weight_precision"] = "float32"
    net = evsnn.Network.from_dict(doc, base_dir=SMALL.parent)
    assert net.projections[0]["weight_precision"] == "float32"
    loaded = net.weights("input->hidden")
    assert np.array_equal(loaded, loaded.astype(np.float32).astype(np.float64))  # rounded on load
    w = np.full((20, 10), 0.1)
    net.set_weights("input->hidden", w)
    assert np.array_equal(net.weights("input->hidden"), np.full((20, 10), float(np.float32(0.1))))
    # The same weights written into the document load to the same values.
    doc["projections"][0]["weights"] = w
    assert np.array_equal(evsnn.Network.from_dict(doc, base_dir=SMALL.parent).weights("input->hidden"),
                          net.weights("input->hidden"))


def test_errors_change_nothing():
    net = evsnn.Network.load(SMALL)
    before = net.weights("input->hidden")
    with pytest.raises(evsnn.InputError, match=r"shape \(10, 20\), expected \(20, 10\)"):
        net.set_weights("input->hidden", np.zeros((10, 20)))
    bad = before.copy()
    bad[19, 9] = np.inf
    with pytest.raises(evsnn.InputError, match=r"set_weights\('input->hidden'\): element 199: weight inf"):
        net.set_weights("input->hidden", bad)
    with pytest.raises(evsnn.InputError, match=r"no projection named 'nope' \(projections: 'input->hidden', "):
        net.weights("nope")
    with pytest.raises(evsnn.InputError, match="not dense"):
        net.set_weights("hidden->output", np.zeros((10, 3)))
    s = net.weights("hidden->output")
    with pytest.raises(evsnn.InputError, match="changes weights, not connections"):
        net.set_weights("hidden->output", evsnn.SparseWeights(s.post, s.pre, s.w))
    with pytest.raises(evsnn.InputError, match="dtype"):
        net.set_weights("hidden->output", np.array(["a"] * 10))
    assert net.weights("input->hidden").tobytes() == before.tobytes()


def test_set_weights_changes_spikes_as_the_cli_runs_them(tmp_path):
    net = evsnn.Network.load(SMALL)
    w = net.weights("input->hidden") * 1.7 + 0.05
    net.set_weights("input->hidden", w)
    r = net.run(energy=False)
    # The same weights in a network file, run by the command line: the same spikes, bit for bit.
    doc = small_doc()
    doc["projections"][0]["weights"] = w.tolist()  # json writes repr(): the exact doubles
    doc["populations"][0]["params"]["spikes_csv"] = str(SMALL.parent / "input.csv")
    (tmp_path / "net.json").write_text(json.dumps(doc))
    run_cli("run", tmp_path / "net.json", "--out", tmp_path / "out")
    _, times, pops, neurons = read_spikes_csv(tmp_path / "out" / "spikes.csv")
    assert r.spikes.time_ms.tobytes() == times.tobytes() and np.array_equal(r.spikes.neuron, neurons)
    before = evsnn.Network.load(SMALL).run(energy=False)
    assert r.counters["populations"][1]["spikes"] > before.counters["populations"][1]["spikes"]
    # No input weight: only the input population spikes.
    net.set_weights("input->hidden", np.zeros((20, 10)))
    silent = net.run(energy=False)
    assert set(silent.spikes.population.tolist()) == {0} and len(silent.spikes) == 80
