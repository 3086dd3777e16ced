"""evsnn: exact event-driven spiking neural networks, from Python.

The same core as the `evsnn` command line (built with it, into build/python): networks are loaded
and built by evsnn's loader, simulated by its event-driven simulator, presented data sets through its
presenter, priced by its energy reports and trained by its trainer. Nothing is re-implemented here.

    import evsnn
    net = evsnn.Network.load("examples/small/net.json")      # or evsnn.Network.from_dict(doc)
    r = net.run()                                             # RunResult
    r.spikes.time_ms, r.spikes.population, r.spikes.neuron   # numpy arrays, exact
    r.counters["totals"]["spikes"], r.energy["profiles"][0]["total_pj"]
    w = net.weights("input->hidden")                          # (n_pre, n_post) float64
    net.set_weights("input->hidden", 2 * w)
    evsnn.train("examples/train/quick.json", epochs=1, callback=lambda epoch, m: print(epoch, m["loss"]))

Contents: Network, RunResult, Spikes, SparseWeights, InputError (a ValueError carrying evsnn's
one-line message: file and JSON path), train, __version__. See help() of each, and README "Python".
"""

from ._core import (  # noqa: F401
    InputError,
    Network,
    RunResult,
    SparseWeights,
    Spikes,
    __version__,
    train,
)

for _obj in (InputError, Network, RunResult, SparseWeights, Spikes, train):
    _obj.__module__ = __name__  # shown as evsnn.Network, evsnn.InputError, ... (they live in evsnn._core)
del _obj

__all__ = ["InputError", "Network", "RunResult", "SparseWeights", "Spikes", "train", "__version__"]
