#pragma once
// training_plot: draws a training log (tools/training_log_reader) as an SVG figure for `evsnn plot`:
// by default loss vs epoch on the left and train / test / validation accuracy (in %) on the right; with
// a metric list one panel per metric, the accuracies grouped in one panel. Titles, axis labels and
// legends come from the log's schema (rules/train_log.hpp); drawing goes through engine/svg_writer.
#include <string>
#include <vector>

#include "engine/svg_writer.hpp"
#include "tools/training_log_reader.hpp"

namespace evsnn::cli {

using evsnn::axis_scale;
using evsnn::format_tick;
using evsnn::nice_axis;

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
