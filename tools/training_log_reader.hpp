#pragma once
// training_log_reader: reads the per-epoch log `evsnn train` writes (CSV with a header, or the JSON
// variant {"format": "evsnn-train-log/1", "epochs": [{...}, ...]}) for `evsnn plot`. The columns it
// knows, and which are accuracies, come from the log's one schema (rules/train_log.hpp); a per-layer
// JSON array (update_cosine: [...]) becomes the columns update_cosine_0, update_cosine_1, ... as in the CSV.
// Invariants of a parsed training_log:
//   - epochs is non-empty, sorted ascending (stable: rows of equal epochs keep file order), each a
//     whole number >= 0 (epoch 0 is the evaluation before training);
//   - every column holds exactly epochs.size() values, row-aligned with epochs; NaN means "not
//     measured" (an empty CSV cell, a JSON null or a missing key) and is never drawn; every other
//     value is finite, and accuracies are fractions in [0, 1];
//   - a column whose cells are not all numbers (an extra column the schema does not know) is kept with
//     numeric == false and the one-line error naming its first bad cell, raised only if it is plotted.
// Columns are found by name, so their order and extra columns do not matter; only `epoch` is required.
// Every error is an input_error of one line naming the file and the line:column (CSV) or the JSON
// pointer (JSON) of the problem.
#include <string>
#include <string_view>
#include <vector>

#include "rules/train_log.hpp"

namespace evsnn::cli {

struct training_column {
  std::string name;
  std::vector<double> values;  // one per epoch, NaN = not measured
  bool numeric = true;
  std::string error;  // why the column is not numeric (when numeric == false)

  // Number of measured (non-NaN) values.
  std::size_t measured() const;
};

struct training_log {
  std::string file;
  std::vector<double> epochs;
  std::vector<training_column> columns;  // every column but epoch, in file order

  // The column called name, or nullptr.
  const training_column* find(std::string_view name) const;
};

// Parsers of the two variants; file names the source in messages.
training_log parse_training_log_csv(std::string_view text, const std::string& file);
training_log parse_training_log_json(std::string_view text, const std::string& file);
// Reads path; a name ending in .json (any case) is the JSON variant, anything else CSV.
training_log load_training_log(const std::string& path);

// The schema's column called name (rules/train_log.hpp), or nullptr for a column it does not know.
const rules::train_log_column* known_column(std::string_view name);
// Whether name is one of the schema's accuracy columns.
bool is_accuracy(std::string_view name);

// The metric names a log offers for --metrics: its columns in file order, then "accuracy" (every
// accuracy column in one panel) when the log has an accuracy column.
std::vector<std::string> available_metrics(const training_log& log);

// ", "-joined names (messages).
std::string join_names(const std::vector<std::string>& names);

}  // namespace evsnn::cli
