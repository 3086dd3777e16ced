// evsnn: the command-line entry point. Subcommands live in tools/cmd_*.cpp.
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "tools/command.hpp"
#include "tools/stop_signals.hpp"

int main(int argc, char** argv) {
  CLI::App app{"evsnn: exact discrete-event simulator for spiking neural networks that learn online"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "evsnn 0.1.0");
  evsnn::cli::add_run_command(app);
  evsnn::cli::add_check_command(app);
  evsnn::cli::add_bench_command(app);
  evsnn::cli::add_data_command(app);
  evsnn::cli::add_energy_command(app);
  evsnn::cli::add_train_command(app);
  evsnn::cli::add_plot_command(app);
  evsnn::cli::add_nir_command(app);
  evsnn::cli::add_serve_command(app);
  evsnn::cli::add_stream_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Bad command line: one line and exit 2, like every other input error.
    std::string what = e.what();
    for (char& c : what)
      if (c == '\n') c = ' ';
    fmt::print(stderr, "evsnn: error: {} (see --help)\n", what);
    return 2;
  } catch (const evsnn::input_error& e) {
    fmt::print(stderr, "evsnn: error: {}\n", e.what());
    return 2;
  } catch (const evsnn::cli::exit_status& e) {
    // A command that stopped on request (a signal): its own line and status.
    if (*e.what() != '\0') fmt::print(stderr, "{}\n", e.what());
    return e.status();
  } catch (const std::filesystem::filesystem_error& e) {
    // The file system refused (no space, no permission, a path under a file): the user's to fix.
    if (e.path1().empty())
      fmt::print(stderr, "evsnn: error: {}\n", e.code().message());
    else
      fmt::print(stderr, "evsnn: error: {}: {}\n", e.path1().string(), e.code().message());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "evsnn: internal error: {}\n", e.what());
    return 3;
  }
  return 0;
}
