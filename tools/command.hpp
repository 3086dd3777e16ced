#pragma once
// Each evsnn subcommand is one file pair in tools/ that adds itself to the CLI11 app.
// A command's callback throws input_error for bad input; main() prints it as one line, exit 2.
#include <CLI/CLI.hpp>

#include <charconv>
#include <cmath>
#include <string>

namespace evsnn::cli {

// Option checks with short messages ("must be > 0, got -5"); CLI11's own range checks print the
// largest double in full.
inline CLI::Validator number_above(double min, bool inclusive) {
  return CLI::Validator(
      [min, inclusive](std::string& text) -> std::string {
        double v = 0;
        const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v))
          return "'" + text + "' is not a number";
        if (inclusive ? v >= min : v > min) return {};
        return std::string("must be ") + (inclusive ? ">= " : "> ") + CLI::detail::to_string(min) + ", got " + text;
      },
      inclusive ? "NUMBER >= 0" : "NUMBER > 0");
}
inline CLI::Validator positive() { return number_above(0.0, false); }
inline CLI::Validator non_negative() { return number_above(0.0, true); }

void add_run_command(CLI::App& app);
void add_check_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_data_command(CLI::App& app);
void add_energy_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_plot_command(CLI::App& app);

}  // namespace evsnn::cli
