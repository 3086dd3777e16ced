#pragma once
// train_config: a training run as the user writes it ("evsnn-train/1" JSON), checked in full before
// anything runs. Errors are input_error "<file>: <JSON pointer>: <problem>".
//   { "format": "evsnn-train/1",
//     "network": "net.json" | { evsnn-network/1 object },   the layer chain to train
//     "dataset": { dataset spec } | "fashion-mnist",        train/validation/test splits from the spec
//     "encoder": { ... },                                    optional: sets dataset.encoder
//     "rule": "sfdfa" | {"type": "sfdfa", ...},             sfdfa, dfa, bp_exact
//     "loss": "count_mse" | {"type": ...},                  see rules/loss.hpp
//     "optimizer": {"type": "adam", "lr": 0.003, ...},      see rules/optimizer.hpp
//     "epochs": 30, "batch_size": 50, "seed": 1, "threads": 0 (0 = every core),
//     "train_bias": false,                                   also train each layer's bias (lif_tick chains)
//     "evaluation": {"every_epochs": 1, "test": true, "validation": true, "before_training": false,
//                    "limit": 0 (0 = whole split)},
//     "checkpoint": {"every_epochs": 1},
//     "alignment": {"every_batches": 0,                     > 0: cosine of the update with the reference
//                   "reference": "bp_exact"},             rule's gradient (a rule name or object)
//     "energy": {"profile": "loihi", "dt_ms": 1,             event-driven profile, energy clock
//                "stepped_profile": "horowitz45_fp32"},   time-stepped estimate of training ("": none)
//     "active_outputs": {"samples": 200,                   before training from the initial weights: every
//                        "min_fraction": 0.05,             output neuron must fire on this fraction of the first
//                        "redraws": 20},                   training samples; those that do not have their
//                                                            incoming weights redrawn (rules/trainer.hpp)
//     "output_dir": "results/NAME" }                        relative to the working directory
#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace evsnn::rules {

// More training threads than this is a mistake (each holds a copy of the network); the trainer also uses
// at most 4 per core (at least 8), which gives the same results: they do not depend on the thread count.
inline constexpr unsigned max_threads = 1024;

struct train_config {
  std::string file;                       // the config's path (messages)
  std::filesystem::path base_dir;         // relative paths in the config resolve here
  nlohmann::json doc;                     // the whole config as read
  nlohmann::json network;                 // the network document
  std::string network_file;               // its file name for messages
  std::filesystem::path network_dir;      // base folder of its relative paths
  nlohmann::json dataset;                 // the dataset spec (encoder merged in)
  nlohmann::json rule, loss, optimizer;   // specs as given
  std::uint64_t epochs = 1;
  std::size_t batch_size = 50;
  std::uint64_t seed = 1;
  unsigned threads = 0;  // <= max_threads
  std::uint64_t eval_every = 1;
  bool eval_test = true, eval_validation = true, eval_before = false;
  std::size_t eval_limit = 0;
  std::uint64_t checkpoint_every = 1;
  bool train_bias = false;  // also train every layer's bias (discrete-tick chains, the seed-004 rules)
  std::uint64_t alignment_every = 0;
  nlohmann::json alignment_reference = "bp_exact";  // the rule spec alignment compares against
  std::string energy_profile = "loihi";
  std::string energy_stepped_profile = "horowitz45_fp32";
  double energy_dt_ms = 1.0;
  // /active_outputs (samples 0: not asked).
  std::size_t active_samples = 0;
  double active_min_fraction = 0.05;
  unsigned active_redraws = 20;
  std::filesystem::path output_dir;
};

train_config load_train_config(const std::string& path);
train_config parse_train_config(const nlohmann::json& doc, const std::string& file, const std::filesystem::path& base_dir);

}  // namespace evsnn::rules
