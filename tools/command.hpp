#pragma once
// Each evsnn subcommand is one file pair in tools/ that adds itself to the CLI11 app.
// A command's callback throws input_error for bad input; main() prints it as one line, exit 2.
#include <CLI/CLI.hpp>

namespace evsnn::cli {

void add_run_command(CLI::App& app);
void add_check_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_data_command(CLI::App& app);
void add_energy_command(CLI::App& app);

}  // namespace evsnn::cli
