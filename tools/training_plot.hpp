#pragma once
// training_plot: reads the per-epoch log `evsnn train` writes (CSV with a header, or the JSON variant
// {"format": "evsnn-train-log/1", "epochs": [{...}, ...]}) and draws it as an SVG figure for
// `evsnn plot`: by default loss vs epoch on the left and train / test / validation accuracy (in %) on
// the right; with a metric list one panel per metric, the accuracies grouped in one panel.
// Invariants of a parsed training_log:
//   - epochs is non-empty, sorted ascending (stable: rows of equal epochs keep file order), each a
//     whole number >= 0 (epoch 0 is the evaluation before training);
//   - every column holds exactly epochs.size() values, row-aligned with epochs; NaN means "not
//     measured" (an empty CSV cell, a JSON null or a missing key) and is never drawn; every other
//     value is finite, and accuracies are fractions in [0, 1];
//   - a column whose cells are not all numbers (an extra column the plot does not know) is kept with
//     numeric == false and the one-line error naming its first bad cell, raised only if it is plotted.
// Columns are found by name, so their order and extra columns do not matter; only `epoch` is required.
// Every error is an input_error of one line naming the file and the line:column (CSV) or the JSON
// pointer (JSON) of the problem.
#include <string>
#include <string_view>
#include <vector>

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

// A linear axis with round ticks: step is 1, 2 or 5 times a power of ten, lo and hi are multiples of
// step with lo <= every value <= hi and lo < hi, and ticks run lo, lo + step, ..., hi.
struct axis_scale {
  double lo = 0.0;
  double hi = 1.0;
  double step = 1.0;
  std::vector<double> ticks;
};
// The scale covering [lo, hi] with about target intervals. A degenerate range (lo == hi, one point or a
// constant series) is widened around the value. min_step bounds the step from below (1 for epochs).
axis_scale nice_axis(double lo, double hi, int target = 5, double min_step = 0.0);
// A tick label with no more digits than the step needs: "0.25", "40", "1.5k", "2.5e-05".
std::string format_tick(double value, double step);

// The metric names a log offers for --metrics: its columns in file order, then "accuracy" (every
// accuracy column in one panel) when the log has an accuracy column.
std::vector<std::string> available_metrics(const training_log& log);

struct plot_options {
  std::vector<std::string> metrics;  // empty: loss and the accuracies that have values
  std::string title;                 // empty: the log's file name
};

// One panel of the figure: a y axis and the columns drawn on it.
struct plot_panel {
  std::string title;
  std::vector<std::string> columns;
  bool accuracy = false;  // values shown in % on a 0..100-bounded axis
};

// The panels the options select, in order. Throws input_error for an unknown metric (listing the
// available ones), a metric without numbers, or when nothing is left to draw.
std::vector<plot_panel> plan_panels(const training_log& log, const plot_options& options);
// The figure: one <polyline> per drawn series (with a circle per measured point), legends, round
// ticks, grid lines, axis labels and the escaped title.
std::string training_plot_svg(const training_log& log, const std::vector<plot_panel>& panels, const std::string& title);

}  // namespace evsnn::cli
