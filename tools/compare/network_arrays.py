"""network_arrays: the arrays an evsnn-network/1 file names, read with NumPy, for the comparison scripts
(brian2_compare.py, exact_reference.py): weights and index lists (inline, {"npy"}, {"csv"}, {"hdf5"} through h5py)
and a replaying spike_source's input spikes (spikes_npy, spikes_csv, spikes_hdf5, inline spikes). Anything else
raises NotImplementedError."""
import os

import numpy as np


def array(value, folder):
    """A JSON list, {"npy": file}, {"csv": file} or {"hdf5": file, "dataset": path} (files relative to the network's
    folder) as a NumPy array."""
    if isinstance(value, dict) and set(value) == {"npy"}:
        return np.load(os.path.join(folder, value["npy"]))
    if isinstance(value, dict) and set(value) == {"csv"}:
        return np.loadtxt(os.path.join(folder, value["csv"]), delimiter=",", comments="#", ndmin=2)
    if isinstance(value, dict) and set(value) == {"hdf5", "dataset"}:
        import h5py  # only where a network names an HDF5 file
        with h5py.File(os.path.join(folder, value["hdf5"]), "r") as f:
            return np.asarray(f[value["dataset"]][()])
    if isinstance(value, dict):
        raise NotImplementedError(f"arrays given as {list(value)} are not supported")
    return np.asarray(value)


def csv_header_lines(path):
    """1 when the CSV file's first line is a header (not all numbers), else 0."""
    with open(path) as f:
        first = f.readline()
    try:
        [float(x) for x in first.split(",")]
        return 0
    except ValueError:
        return 1


def replayed_spikes(params, folder, with_grades=False):
    """(times_ms, channels) of a replaying spike_source: spikes_npy, spikes_csv, spikes_hdf5 or inline spikes; with
    with_grades, (times_ms, channels, grades): the third column as float32 (evsnn's payload), 1 where there is none.
    Without it, graded input raises NotImplementedError."""
    if "spikes_npy" in params:
        rows = np.load(os.path.join(folder, params["spikes_npy"]))
    elif "spikes_csv" in params:
        path = os.path.join(folder, params["spikes_csv"])
        rows = np.loadtxt(path, delimiter=",", comments="#", skiprows=csv_header_lines(path), ndmin=2)
    elif "spikes_hdf5" in params:
        rows = array({"hdf5": params["spikes_hdf5"]["file"], "dataset": params["spikes_hdf5"]["dataset"]}, folder)
    elif "spikes" in params:
        width = max((len(r) for r in params["spikes"]), default=2)
        rows = np.asarray([list(r) + [1.0] * (width - len(r)) for r in params["spikes"]], dtype=float)
        rows = rows.reshape(-1, width)
    else:
        raise NotImplementedError(f"spike_source params {list(params)} are not supported")
    if rows.ndim != 2 or rows.shape[1] not in (2, 3) or (rows.shape[1] == 3 and not with_grades):
        raise NotImplementedError("graded input spikes are not supported")
    t, ch = rows[:, 0].astype(float), rows[:, 1].astype(np.int64)
    if not with_grades:
        return t, ch
    return t, ch, (rows[:, 2] if rows.shape[1] == 3 else np.ones(len(t))).astype(np.float32)
