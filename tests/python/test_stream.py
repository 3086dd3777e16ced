"""evsnn.stream: the Python client of `evsnn serve` gets exactly the spikes of `evsnn run` for the same events;
counters, weights, plasticity, paced "now" events, and server errors as StreamError."""

import json
import pathlib
import subprocess

import numpy as np
import pytest

from conftest import EVSNN_BIN, REPO
from evsnn.stream import StreamClient, StreamError

SMALL = REPO / "examples" / "small"


@pytest.fixture()
def served(tmp_path):
    doc = json.loads((SMALL / "net.json").read_text())
    doc["projections"][0]["weights"] = {"csv": str(SMALL / "weights_in.csv")}
    doc["projections"][0]["plasticity"] = {"rule": "stdp", "a_plus": 0.01, "a_minus": 0.012, "w_min": -5, "w_max": 5}
    doc["populations"][0]["params"] = {"spikes_csv": str(SMALL / "input.csv")}
    (tmp_path / "run.json").write_text(json.dumps(doc))
    doc["populations"][0]["params"] = {"external": True}
    (tmp_path / "served.json").write_text(json.dumps(doc))
    p = subprocess.Popen([str(EVSNN_BIN), "serve", str(tmp_path / "served.json"), "--port", "0", "--quiet"],
                         stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    port = int(line.split("127.0.0.1:")[1].split()[0])
    yield tmp_path, port
    p.terminate()
    assert p.wait(20) == 0


def read_spikes_csv(path, names):
    rows = [line.split(",") for line in pathlib.Path(path).read_text().splitlines()[1:]]
    return (np.array([float(r[0]) for r in rows]), np.array([names.index(r[1]) for r in rows]),
            np.array([int(r[2]) for r in rows]))


def test_the_spikes_of_evsnn_run(served):
    tmp, port = served
    subprocess.run([str(EVSNN_BIN), "run", str(tmp / "run.json"), "--out", str(tmp / "run")], check=True,
                   capture_output=True)
    events = np.loadtxt(SMALL / "input.csv", delimiter=",", comments="#", skiprows=1, ndmin=2)
    with StreamClient(port=port) as c:
        assert c.info["input"] == {"population": "input", "size": 20}
        half = len(events) // 2
        c.send_events(events[:half, 0], events[:half, 1].astype(np.uint32))
        c.send_events(events[half:, 0], events[half:, 1].astype(np.uint32))
        c.advance(120.0)
        t, pop, neuron = c.take_spikes()
        w_before = c.read_weights("input->hidden")
        counters = c.read_counters()
    want_t, want_pop, want_neuron = read_spikes_csv(tmp / "run" / "spikes.csv", c.populations)
    assert len(t) == len(want_t) > 100
    assert np.array_equal(t, want_t)  # bit for bit
    assert np.array_equal(pop, want_pop) and np.array_equal(neuron, want_neuron)
    assert counters["session"]["spikes_sent"] == len(t)
    assert counters["session"]["input_events"] == len(events)
    assert len(w_before[0]) == 200
    # The same learning as evsnn run's: its final weights of the plastic projection.
    learned = np.loadtxt(tmp / "run" / "weights_input-_hidden.csv", delimiter=",", comments="#", ndmin=2)
    assert np.array_equal(w_before[2].reshape(20, 10), learned)
    assert c.summary["spikes_sent"] == len(t)


def test_plasticity_reset_and_errors(served):
    _, port = served
    with StreamClient(port=port) as c:
        c.set_plasticity(False)
        w0 = c.read_weights("input->hidden")[2]
        c.send_events([1.0, 2.0, 3.0], [0, 1, 2])
        c.advance(50.0)
        assert np.array_equal(c.read_weights("input->hidden")[2], w0)  # frozen
        c.reset()
        c.send_events([1.0], [0])
        c.advance(10.0)
        t, pop, _ = c.take_spikes()
        assert t[pop == 0].tolist()[-1] == 1.0
    c = StreamClient(port=port)
    c.send_events([5.0], [0])
    c.advance(10.0)
    with pytest.raises(StreamError) as e:
        c.send_events([4.0], [0])
        c.advance(20.0)
    assert e.value.code == 5 and "not after 10 ms" in e.value.message
    with pytest.raises(StreamError) as e:
        StreamClient(port=port).read_weights("nope")
    assert e.value.code == 8


def test_paced_now_events(served):
    _, port = served
    with StreamClient(port=port, paced=True, factor=1.0) as c:
        c.send_now(np.arange(20, dtype=np.uint32))
        counters = None
        for _ in range(200):
            counters = c.read_counters()
            if counters["session"]["spikes_sent"] >= 20:
                break
        t, pop, _ = c.take_spikes()
    assert (pop == 0).sum() == 20
    assert np.all(t[pop == 0] == t[pop == 0][0])  # one instant: the clock's when they arrived
