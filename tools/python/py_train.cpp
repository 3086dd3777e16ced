// evsnn.train: `evsnn train` from Python — the same config loading, overrides and trainer
// (tools/train_setup, rules/trainer), with a Python callback after every epoch. The GIL is released while
// the trainer works and taken again for the callback and, once per batch, to look for a signal (Ctrl-C).
#include <exception>
#include <optional>

#include <fmt/format.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "engine/error.hpp"
#include "rules/train_config.hpp"
#include "rules/train_log.hpp"
#include "rules/trainer.hpp"
#include "tools/python/py_convert.hpp"
#include "tools/train_setup.hpp"

namespace evsnn::py {

namespace {

// Thrown through the trainer when Python raised (a signal between batches): training ends where it is.
struct python_stop {};

// One row of log.json (the columns of rules/train_log; None where not measured).
nlohmann::json log_row(const rules::epoch_metrics& m) {
  rules::train_log one;
  if (m.epoch == 0)
    one.initial = m;
  else
    one.epochs.push_back(m);
  return one.json()["epochs"][0];
}

pyb::dict train(pyb::object config, std::optional<std::uint64_t> epochs, std::optional<unsigned> threads,
                pyb::object out_dir, bool resume, pyb::object callback, pyb::object data_dir) {
  cli::train_overrides o;
  std::optional<nlohmann::json> doc;
  if (PyDict_Check(config.ptr())) {
    o.config = "<config>";
    doc = to_json(config, o.config);
  } else {
    o.config = path_arg(config, "config");
  }
  if (epochs && *epochs == 0) throw input_error("epochs: must be >= 1 (None: the config's)");
  o.epochs = epochs.value_or(0);
  o.threads = threads.value_or(0);
  if (!out_dir.is_none()) o.out_dir = path_arg(out_dir, "out_dir");
  o.data_dir = data_dir.is_none() ? module_data_dir().string() : path_arg(data_dir, "data_dir");
  if (!callback.is_none() && !PyCallable_Check(callback.ptr()))
    throw pyb::type_error("callback: expected a callable callback(epoch, metrics) or None");

  std::exception_ptr py_error;  // raised by the callback or a signal: re-raised once training has stopped
  auto check_signals = [&] {
    pyb::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) {
      py_error = std::make_exception_ptr(pyb::error_already_set());
      throw python_stop{};
    }
  };
  auto go_on = [&](const rules::epoch_metrics& m) {
    pyb::gil_scoped_acquire gil;
    if (callback.is_none()) return true;
    try {
      const pyb::object r = callback(m.epoch, from_json(log_row(m)));
      return !r.is(pyb::bool_(false));
    } catch (pyb::error_already_set&) {
      py_error = std::current_exception();
      return false;
    }
  };
  nlohmann::json log;
  std::string output_dir;
  std::uint64_t done = 0, planned = 0;
  bool finished = false;
  try {
    pyb::gil_scoped_release release;
    rules::train_config cfg = doc ? rules::parse_train_config(*doc, o.config, ".") : rules::load_train_config(o.config);
    rules::trainer tr = cli::make_trainer(o, cfg, module_profile_dirs());
    if (resume) cli::resume_training(tr, o.config);
    finished = tr.train_while([&](std::uint64_t, std::size_t, std::size_t, double, double) { check_signals(); }, go_on);
    rules::train_log l;
    l.initial = tr.initial();
    l.epochs = tr.log();
    log = l.json()["epochs"];
    output_dir = tr.config().output_dir.string();
    done = tr.epochs_done();
    planned = tr.config().epochs;
  } catch (const python_stop&) {
  }
  if (py_error) std::rethrow_exception(py_error);
  pyb::dict result;
  result["log"] = from_json(log);
  result["output_dir"] = output_dir;
  result["epochs_done"] = done;
  result["epochs"] = planned;
  result["stopped"] = !finished;
  return result;
}

}  // namespace

void add_train(pyb::module_& m) {
  using pyb::arg;
  m.def("train", &train, arg("config"), pyb::kw_only(), arg("epochs") = pyb::none(), arg("threads") = pyb::none(),
        arg("out_dir") = pyb::none(), arg("resume") = false, arg("callback") = pyb::none(),
        arg("data_dir") = pyb::none(),
        R"(train(config, *, epochs=None, threads=None, out_dir=None, resume=False, callback=None, data_dir=None) -> dict

Train a network as `evsnn train CONFIG.json` does: the same config ("evsnn-train/1"), the same
trainer (rules/trainer), the same files in the output folder (log.csv, log.json, checkpoint.evsnn,
network.json) and bit-identical results for the same config and seed, whatever the thread count.

config    path of a training config (str or os.PathLike), or the config as a dict (relative paths in
          it then resolve against the working directory; errors name it "<config>").
epochs    train up to this many epochs (None: the config's), as --epochs.
threads   worker threads (None or 0: the config's), as --threads.
out_dir   output folder (None: the config's output_dir), as --out.
resume    continue from the output folder's checkpoint.evsnn, as --resume.
callback  callback(epoch: int, metrics: dict), called after every epoch (and after the evaluation
          before training, epoch 0, when the config asks for it) with that epoch's row of log.json:
          loss, train_accuracy, test_accuracy, validation_accuracy, spikes_per_sample,
          synaptic_events_per_sample, energy_per_sample_uj, train_learning_ops_per_sample,
          train_energy_per_sample_uj, train_energy_stepped_per_sample_uj, wall_time_s, samples_per_s,
          lr, model_cosine, silent_outputs, update_cosine (list), feedback_cosine (list), silent_hidden
          (list); None where not measured.
          Returning False stops training after that epoch: its log, network and checkpoint are
          written, so resume=True continues from it. An exception raised by the callback stops
          training the same way and is then re-raised. Ctrl-C stops training at the next batch
          (the last finished epoch's files stay) and raises KeyboardInterrupt.
data_dir  data folder (None: $EVSNN_DATA_DIR, else the data/ folder of the source tree).

Returns {"log": [row, ...] (every epoch of the run, as log.json, resumed epochs included),
"output_dir": str, "epochs_done": int, "epochs": int (the config's, after overrides),
"stopped": bool (True when the callback stopped training before the last epoch)}.
The GIL is released while training; the callback runs with it held, on the calling thread.
Errors in the config or data set raise evsnn.InputError (a ValueError) with evsnn's one-line message.)");
}

}  // namespace evsnn::py
