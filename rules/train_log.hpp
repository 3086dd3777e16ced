#pragma once
// train_log: the per-epoch log of a training run and its schema, defined once. train_log_columns() is
// the one table of columns (name, the epoch_metrics field it reads, how figures show it); the CSV
// writer, the JSON writer, the JSON reader (checkpoints, --resume) and `evsnn plot` all go through it,
// so a new column is one line of the table. A per-layer column (update_cosine, feedback_cosine,
// silent_hidden) is a vector field: it becomes the CSV columns <name>_0, <name>_1, ... and a JSON array.
// Invariants: epochs[k].epoch == k + 1 for a run's own log; initial, when present, is epoch 0 (the
// evaluation before training). NaN means "not measured": an empty CSV cell, a JSON null.
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace evsnn::rules {

inline constexpr double not_measured = std::numeric_limits<double>::quiet_NaN();

struct epoch_metrics {
  std::uint64_t epoch = 0;
  double loss = not_measured;            // mean training loss over the epoch (weights changing)
  double train_accuracy = not_measured;  // running accuracy on the training samples of the epoch
  double test_accuracy = not_measured;
  double validation_accuracy = not_measured;
  double spikes_per_sample = not_measured;             // on the test (or validation) pass
  double synaptic_events_per_sample = not_measured;
  double energy_per_sample_uj = not_measured;
  // The training pass per training sample (every pass, the rule's own operations included):
  double train_learning_ops_per_sample = not_measured;   // trace + weight updates + rule operations
  double train_energy_per_sample_uj = not_measured;      // event-driven, the config's profile
  double train_energy_stepped_per_sample_uj = not_measured;  // time-stepped estimate of the same work
  double wall_time_s = 0.0;              // training pass of the epoch
  double samples_per_s = not_measured;   // training samples per second
  double lr = not_measured;
  double model_cosine = not_measured;    // cos(rule update, reference gradient) over all layers at once, mean over measured batches
  double silent_outputs = not_measured;  // spiking output neurons that spiked in none of the epoch's training samples
  std::vector<std::uint32_t> silent_output_neurons;  // which (not a column: for messages; empty when read back)
  std::vector<double> update_cosine;     // per layer: cos(rule update, reference gradient), mean over measured batches
  std::vector<double> feedback_cosine;   // per hidden layer: cos(B^l, effective output weights)
  std::vector<double> silent_hidden;     // per hidden layer: neurons silent in every training sample of the epoch
};

// How a figure reads a column: lower is better (loss), a fraction shown in % (accuracy), or neither.
enum class column_kind { loss, accuracy, other };

struct train_log_column {
  std::string_view name;
  double epoch_metrics::*value = nullptr;                   // a scalar column, or
  std::vector<double> epoch_metrics::*per_layer = nullptr;  // a per-layer column (<name>_<l>)
  column_kind kind = column_kind::other;
  bool trained_only = false;  // blank for epoch 0 (no training pass); a blank reads back as 0
  std::string_view title;     // figure panel title
  std::string_view axis;      // figure y-axis label
  std::string_view legend;    // figure series name
};

// Every column but "epoch", in the order the CSV writes them (per-layer columns last).
std::span<const train_log_column> train_log_columns();
// The column called name: a scalar column's own name, or "<per-layer name>_<l>". nullptr if none.
const train_log_column* find_train_log_column(std::string_view name);

struct train_log {
  std::optional<epoch_metrics> initial;  // epoch 0, when evaluated before training
  std::vector<epoch_metrics> epochs;     // epochs 1, 2, ...

  // "epoch,loss,...": one header line, then one row per epoch (initial first).
  std::string csv() const;
  // {"format": "evsnn-train-log/1", "epochs": [{...}, ...]}.
  nlohmann::json json() const;
  // The inverse of json(); errors are input_error naming where (a file and a JSON path).
  static train_log from_json(const nlohmann::json& doc, const std::string& where);
};

inline constexpr const char* train_log_format = "evsnn-train-log/1";

}  // namespace evsnn::rules
