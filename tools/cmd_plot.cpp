// evsnn plot LOG --svg FILE [--metrics a,b,...] [--title T]
// Draws the per-epoch training log of `evsnn train` (CSV, or the .json variant) as an SVG figure: by
// default loss and train / test / validation accuracy vs epoch side by side; --metrics picks the
// columns (one panel each, accuracies together). The SVG is written atomically; one line says what.
#include <memory>

#include <fmt/format.h>

#include "engine/atomic_file.hpp"
#include "tools/command.hpp"
#include "tools/training_plot.hpp"

namespace evsnn::cli {

namespace {

struct plot_cli_options {
  std::string log_path;
  std::string svg_path;
  std::vector<std::string> metrics;
  std::string title;
};

void plot_command(const plot_cli_options& o) {
  const training_log log = load_training_log(o.log_path);
  const std::vector<plot_panel> panels = plan_panels(log, plot_options{o.metrics, o.title});
  write_file_atomic(o.svg_path, training_plot_svg(log, panels, o.title));
  std::string what;
  for (const auto& p : panels) {
    if (!what.empty()) what += "; ";
    what += p.accuracy ? "accuracy (" : "";
    for (std::size_t i = 0; i < p.columns.size(); ++i) what += (i ? ", " : "") + p.columns[i];
    what += p.accuracy ? ")" : "";
  }
  const double lo = log.epochs.front(), hi = log.epochs.back();
  const std::string span = lo == hi ? fmt::format("epoch {:.0f}", lo) : fmt::format("epochs {:.0f}-{:.0f}", lo, hi);
  fmt::print("wrote {}: {} panel{} ({}), {} row{}, {} of {}\n", o.svg_path, panels.size(), panels.size() == 1 ? "" : "s",
             what, log.epochs.size(), log.epochs.size() == 1 ? "" : "s", span, o.log_path);
}

}  // namespace

void add_plot_command(CLI::App& app) {
  auto o = std::make_shared<plot_cli_options>();
  CLI::App* cmd = app.add_subcommand("plot", "Draw a training log (loss, accuracies, ... per epoch) as an SVG figure");
  cmd->add_option("log", o->log_path, "Per-epoch log written by evsnn train: CSV with a header, or the .json variant")
      ->required();
  cmd->add_option("--svg", o->svg_path, "SVG file to write")->required();
  cmd->add_option("--metrics", o->metrics,
                  "Comma-separated columns to draw, one panel each (accuracies share one panel; 'accuracy' = all "
                  "of them); default: loss and accuracy")
      ->delimiter(',');
  cmd->add_option("--title", o->title, "Figure title (default: the log's file name)");
  cmd->callback([o] { plot_command(*o); });
}

}  // namespace evsnn::cli
