#pragma once
// train_setup: a trainer as `evsnn train`, `eval` and `attack` make it from a config and their overrides
// (epochs, threads, output folder, data folder), with the config's energy profiles looked up in
// profile_dirs; and the --resume step. The Python module's evsnn.train calls the same code.
// Errors are input_error naming the config (or the option).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "rules/train_config.hpp"
#include "rules/trainer.hpp"

namespace evsnn::cli {

struct train_overrides {
  std::string config;          // the config's path (messages)
  std::uint64_t epochs = 0;    // 0: the config's
  unsigned threads = 0;        // 0: the config's
  std::string out_dir;         // "": the config's output_dir
  std::string data_dir;        // "": data::find_data_dir()
};

// Applies the overrides to cfg and builds the trainer (the event-driven profile prices evaluation and
// training passes, the time-stepped one the clocked estimate of training).
rules::trainer make_trainer(const train_overrides& o, rules::train_config& cfg,
                            const std::vector<std::filesystem::path>& profile_dirs);
// --resume: restores the output folder's checkpoint.evsnn; an error when there is none or nothing is left
// to train.
void resume_training(rules::trainer& tr, const std::string& config);

}  // namespace evsnn::cli
