"""evsnn.train: the CLI's trainer from Python, with a per-epoch callback that can stop training."""
import csv
import json

import pytest

import evsnn
from conftest import DATA_DIR, needs_mnist, run_cli

pytestmark = needs_mnist
QUICK = "examples/train/quick.json"


@pytest.fixture(scope="module")
def cli_log(tmp_path_factory):
    """`evsnn train examples/train/quick.json --epochs 1`: log.json's rows and log.csv's rows."""
    out = tmp_path_factory.mktemp("cli_train")
    run_cli("train", QUICK, "--epochs", "1", "--threads", "2", "--quiet", "--out", out, "--data-dir", DATA_DIR)
    with open(out / "log.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return json.loads((out / "log.json").read_text())["epochs"], rows


def test_callback_gets_the_epoch_metrics_the_cli_logs(tmp_path, cli_log):
    seen = []
    result = evsnn.train(QUICK, epochs=1, threads=1, out_dir=tmp_path, data_dir=DATA_DIR,
                         callback=lambda epoch, metrics: seen.append((epoch, metrics)))
    rows, csv_rows = cli_log
    assert [e for e, _ in seen] == [1] and len(rows) == 1
    m = seen[0][1]
    assert m["epoch"] == 1
    # Bit-identical figures (other thread count, same results); timing columns differ.
    for key in ("loss", "train_accuracy", "test_accuracy", "spikes_per_sample", "synaptic_events_per_sample",
                "energy_per_sample_uj", "train_energy_per_sample_uj", "lr"):
        assert m[key] == rows[0][key], key
    assert m["validation_accuracy"] is None  # quick.json does not evaluate a validation split
    assert f"{m['loss']:.10g}" == csv_rows[0]["loss"] and float(csv_rows[0]["test_accuracy"]) == pytest.approx(
        m["test_accuracy"], rel=1e-9)
    assert result["log"] == [m] and result["epochs_done"] == 1 and result["stopped"] is False
    assert result["output_dir"] == str(tmp_path)
    assert json.loads((tmp_path / "log.json").read_text())["epochs"][0]["loss"] == m["loss"]
    assert (tmp_path / "checkpoint.evsnn").exists() and (tmp_path / "network.json").exists()


def test_callback_returning_false_stops_after_that_epoch(tmp_path, cli_log):
    epochs = []

    def stop_after_first(epoch, metrics):
        epochs.append(epoch)
        return False

    result = evsnn.train(QUICK, epochs=3, out_dir=tmp_path, data_dir=DATA_DIR, callback=stop_after_first)
    assert epochs == [1] and result["stopped"] is True and result["epochs_done"] == 1 and result["epochs"] == 3
    assert result["log"][0]["loss"] == cli_log[0][0]["loss"]
    assert len(json.loads((tmp_path / "log.json").read_text())["epochs"]) == 1
    assert (tmp_path / "checkpoint.evsnn").exists()


def test_callback_exception_stops_and_is_raised(tmp_path):
    def fail(epoch, metrics):
        raise KeyError("from the callback")

    with pytest.raises(KeyError, match="from the callback"):
        evsnn.train(QUICK, epochs=2, out_dir=tmp_path, data_dir=DATA_DIR, callback=fail)
    assert len(json.loads((tmp_path / "log.json").read_text())["epochs"]) == 1


def test_config_errors_raise_input_error(tmp_path):
    with pytest.raises(evsnn.InputError, match=r"^<config>: /format"):
        evsnn.train({"format": "nope"}, out_dir=tmp_path)
    with pytest.raises(evsnn.InputError, match="epochs"):
        evsnn.train(QUICK, epochs=0, out_dir=tmp_path)
    with pytest.raises(evsnn.InputError, match="--resume: no checkpoint"):
        evsnn.train(QUICK, resume=True, out_dir=tmp_path / "empty", data_dir=DATA_DIR)
    with pytest.raises(TypeError):
        evsnn.train(QUICK, callback=3)
