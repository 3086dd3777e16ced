"""evsnn.Network: loading, building from dicts (NumPy arrays inside, exactly), JSON text, errors, help."""
import json
import math

import numpy as np
import pytest

import evsnn
from conftest import REPO, SMALL, small_doc


def small_inputs():
    """examples/small's input spikes and input weights as NumPy arrays (the files' exact doubles)."""
    spikes = np.loadtxt(REPO / "examples/small/input.csv", delimiter=",", skiprows=1)
    weights = np.loadtxt(REPO / "examples/small/weights_in.csv", delimiter=",", comments="#")
    return spikes, weights


def all_weights(net):
    return {p["name"]: net.weights(p["name"], sparse=True) for p in net.projections}


def same_weights(a, b):
    assert a.keys() == b.keys()
    for name in a:
        for x, y in zip(a[name], b[name]):
            assert x.dtype == y.dtype and np.array_equal(x, y), name


def test_load_describes_the_network():
    net = evsnn.Network.load(SMALL)  # os.PathLike works as well as str
    assert [(p["name"], p["model"], p["size"]) for p in net.populations] == [
        ("input", "spike_source", 20), ("hidden", "cuba_lif", 10), ("output", "lif_alpha", 3), ("readout", "li", 3)]
    assert [p["spiking"] for p in net.populations] == [True, True, True, False]
    projs = {p["name"]: p for p in net.projections}
    assert list(projs) == ["input->hidden", "hidden_recurrent", "hidden->output", "output->readout"]
    assert projs["input->hidden"]["dense"] and projs["input->hidden"]["synapses"] == 200
    assert projs["hidden->output"]["synapses"] == 10 and not projs["hidden->output"]["dense"]
    assert projs["hidden_recurrent"]["delay_ms"] == 2.5
    assert projs["input->hidden"]["weight_precision"] == "float64" and projs["input->hidden"]["plasticity"] is None
    assert net.seed == 3 and net.duration_ms == 120.0
    assert net.file == str(SMALL) and "Small demo" in net.description
    assert "4 populations (36 neurons)" in repr(net)


def test_from_dict_with_numpy_arrays_equals_json_lists():
    spikes, weights = small_inputs()
    lists = small_doc()
    lists["populations"][0]["params"] = {"spikes": spikes.tolist()}
    lists["projections"][0]["weights"] = weights.tolist()
    arrays = small_doc()
    arrays["populations"][0]["params"] = {"spikes": spikes}  # (n, 2) float64
    arrays["projections"][0]["weights"] = weights  # (20, 10) float64
    sparse = arrays["projections"][2]["weights"]
    sparse["pre"] = np.array(sparse["pre"], dtype=np.int64)
    sparse["post"] = np.array(sparse["post"], dtype=np.uint32)
    sparse["w"] = np.array(sparse["w"], dtype=np.float64)
    arrays["projections"][3]["weights"] = np.eye(3, dtype=np.int32)
    arrays["populations"][2]["params"]["threshold"] = np.array([0.3, 0.35, 0.4])
    from_lists = evsnn.Network.from_dict(lists)
    from_arrays = evsnn.Network.from_dict(arrays)
    from_file = evsnn.Network.load(SMALL)
    same_weights(all_weights(from_lists), all_weights(from_arrays))
    same_weights(all_weights(from_file), all_weights(from_arrays))
    a, b, c = (n.run(energy=False).spikes for n in (from_lists, from_arrays, from_file))
    for x in (b, c):
        assert np.array_equal(a.time_ms, x.time_ms) and np.array_equal(a.neuron, x.neuron)
        assert np.array_equal(a.population, x.population)


def test_from_dict_relative_files_and_json_text():
    by_dir = evsnn.Network.from_dict(small_doc(), base_dir=REPO / "examples/small")
    by_text = evsnn.Network.from_dict(SMALL.read_text(), base_dir=str(REPO / "examples/small"))
    same_weights(all_weights(by_dir), all_weights(by_text))
    assert np.array_equal(by_dir.run(energy=False).spikes.time_ms, by_text.run(energy=False).spikes.time_ms)


def test_float32_arrays_widen_exactly_and_values_pass_bit_exact():
    w32 = np.array([[0.1, -0.7], [1e-8, 3.3]], dtype=np.float32)
    w64 = np.array([[0.1, 1 / 3], [math.pi, -2.0 ** -40]])
    doc = {"format": "evsnn-network/1", "populations": [
        {"name": "a", "model": "spike_source", "size": 2, "params": {"spikes": [[1.0, 0], [2.0, 1]]}},
        {"name": "b", "model": "lif_delta", "size": 2, "params": {"tau_mem_ms": 10.0, "threshold": 1.0}}],
        "projections": [{"name": "p32", "pre": "a", "post": "b", "weights": w32},
                        {"name": "p64", "pre": "a", "post": "b", "weights": w64}]}
    net = evsnn.Network.from_dict(doc)
    assert np.array_equal(net.weights("p32"), w32.astype(np.float64))
    assert net.weights("p64").tobytes() == w64.tobytes()


def test_errors_name_the_file_and_json_path(tmp_path):
    assert issubclass(evsnn.InputError, ValueError)
    with pytest.raises(evsnn.InputError, match=r"nope\.json"):
        evsnn.Network.load(tmp_path / "nope.json")
    doc = small_doc()
    doc["populations"][1]["size"] = 0
    with pytest.raises(evsnn.InputError, match=r"^<dict>: /populations/1/size: must be in \[1, 2\^30\], got 0$"):
        evsnn.Network.from_dict(doc, base_dir=REPO / "examples/small")
    doc = small_doc()
    doc["projections"][0]["weights"] = np.ones((19, 10))
    with pytest.raises(ValueError, match=r"^mine\.json: /projections/0/weights: "):
        evsnn.Network.from_dict(doc, base_dir=REPO / "examples/small", name="mine.json")
    bad = np.ones((20, 10))
    bad[3, 4] = np.nan
    doc["projections"][0]["weights"] = bad
    with pytest.raises(evsnn.InputError, match=r"^<dict>: /projections/0/weights/3/4: nan is not a finite number"):
        evsnn.Network.from_dict(doc)
    with pytest.raises(evsnn.InputError, match=r"^<dict>: /populations: key 3 is not a string"):
        evsnn.Network.from_dict({"format": "evsnn-network/1", "populations": {3: 1}})
    path = tmp_path / "net.json"
    path.write_text(json.dumps({"format": "evsnn-network/1", "populations": [
        {"name": "a", "model": "no_such_model", "size": 1}]}))
    with pytest.raises(evsnn.InputError, match=r"net\.json: /populations/0/model: .*no_such_model"):
        evsnn.Network.load(str(path))
    with pytest.raises(evsnn.InputError, match=r"^<dict>: byte \d+: parse error"):
        evsnn.Network.from_dict('{"format": ')


def test_every_function_has_a_docstring():
    assert evsnn.__version__ and evsnn.__doc__
    for obj in (evsnn.Network, evsnn.RunResult, evsnn.Spikes, evsnn.SparseWeights, evsnn.InputError, evsnn.train):
        assert obj.__doc__ and len(obj.__doc__) > 40, obj
    for name in ("load", "from_dict", "run", "weights", "set_weights"):
        doc = getattr(evsnn.Network, name).__doc__
        assert doc and name + "(" in doc and len(doc) > 200, name
