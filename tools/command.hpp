#pragma once
// Each evsnn subcommand is one file pair in tools/ that adds itself to the CLI11 app.
// A command's callback throws input_error for bad input; main() prints it as one line, exit 2.
#include <CLI/CLI.hpp>

#include <charconv>
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "engine/communicator.hpp"
#include "engine/error.hpp"
#include "engine/event.hpp"

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
// A time in ms: > 0 (or >= 0) and at most max_time_ms, the latest time evsnn simulates.
inline CLI::Validator time_ms(bool zero_allowed) {
  return number_above(0.0, zero_allowed) &
         CLI::Validator(
             [](std::string& text) -> std::string {
               double v = 0;
               std::from_chars(text.data(), text.data() + text.size(), v);
               return v <= max_time_ms ? std::string() : "must be <= 1e12 ms, got " + text;
             },
             "");
}
// A time-stepped run of duration_ms at dt_ms: at least one step and at most 1e9.
inline void check_step_count(double duration_ms, double dt_ms) {
  if (duration_ms / dt_ms > 1e9)
    throw input_error(fmt::format("--dt-ms {}: {} ms would take more than 1e9 steps", dt_ms, duration_ms));
  if (dt_ms > duration_ms)
    throw input_error(fmt::format("--dt-ms {}: longer than the run ({} ms): not one whole step", dt_ms, duration_ms));
}
inline CLI::Validator non_negative() { return number_above(0.0, true); }

// run deals a network over the ranks of comm (one process: single_process).
void add_run_command(CLI::App& app, communicator& comm);
void add_check_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_data_command(CLI::App& app);
void add_energy_command(CLI::App& app);
// train and eval share their work with the other ranks of comm (one process: single_process).
void add_train_command(CLI::App& app, communicator& comm);
void add_plot_command(CLI::App& app);
void add_nir_command(CLI::App& app);
void add_serve_command(CLI::App& app);
void add_stream_command(CLI::App& app);

}  // namespace evsnn::cli
