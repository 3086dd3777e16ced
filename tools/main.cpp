// evsnn: the command-line entry point. Subcommands live in tools/cmd_*.cpp. Started by mpirun with several
// ranks, train and eval share their work over the ranks (tools/mpi_communicator) and run deals the network over
// them (tools/run_partitioned); every other command runs
// as one process and is refused there. A rank that fails ends every rank (no rank is left waiting); its error
// line names the rank.
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "tools/command.hpp"
#include "tools/mpi_communicator.hpp"
#include "tools/process_memory.hpp"
#include "tools/stop_signals.hpp"

namespace {

// Parses and runs the command; an error becomes `message` (without its newline) and a non-zero status.
int run_command(CLI::App& app, int argc, char** argv, evsnn::communicator& comm, std::string& message) {
  try {
    if (comm.size() > 1) {
      std::string_view command;
      for (int i = 1; i < argc && command.empty(); ++i)
        if (argv[i][0] != '-') command = argv[i];
      if (command != "train" && command != "eval" && command != "run")
        throw evsnn::input_error(fmt::format("evsnn {} runs as one process: under mpirun (here {} ranks) only evsnn "
                                             "run, train and eval share their work over ranks",
                                             command.empty() ? std::string_view("without a command") : command,
                                             comm.size()));
    }
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
    message = fmt::format("evsnn: error: {} (see --help)", what);
    return 2;
  } catch (const evsnn::input_error& e) {
    message = fmt::format("evsnn: error: {}", e.what());
    return 2;
  } catch (const evsnn::cli::exit_status& e) {
    // A command that stopped on request (a signal): its own line and status.
    message = e.what();
    return e.status();
  } catch (const std::filesystem::filesystem_error& e) {
    // The file system refused (no space, no permission, a path under a file): the user's to fix.
    message = e.path1().empty() ? fmt::format("evsnn: error: {}", e.code().message())
                                : fmt::format("evsnn: error: {}: {}", e.path1().string(), e.code().message());
    return 2;
  } catch (const std::exception& e) {
    message = fmt::format("evsnn: internal error: {}", e.what());
    return 3;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  evsnn::cli::tune_process_memory();  // before anything allocates much (tools/process_memory.hpp)
  std::unique_ptr<evsnn::communicator> comm;
  try {
    comm = evsnn::cli::launch_communicator(argc, argv);
  } catch (const evsnn::input_error& e) {
    fmt::print(stderr, "evsnn: error: {}\n", e.what());
    return 2;
  }
  CLI::App app{"evsnn: exact discrete-event simulator for spiking neural networks that learn online"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "evsnn 0.1.0");
  evsnn::cli::add_run_command(app, *comm);
  evsnn::cli::add_check_command(app);
  evsnn::cli::add_bench_command(app);
  evsnn::cli::add_data_command(app);
  evsnn::cli::add_energy_command(app);
  evsnn::cli::add_train_command(app, *comm);
  evsnn::cli::add_plot_command(app);
  evsnn::cli::add_nir_command(app);
  evsnn::cli::add_serve_command(app);
  evsnn::cli::add_stream_command(app);
  std::string message;
  const int status = run_command(app, argc, argv, *comm, message);
  if (comm->size() > 1 && status != 0) {
    // Every rank may have failed alike (a bad config): rank 0 speaks first and its abort ends the others
    // before they repeat it; a rank that failed alone says so and ends the ranks waiting for it.
    if (comm->rank() != 0) std::this_thread::sleep_for(std::chrono::milliseconds(500));
    if (!message.empty())
      fmt::print(stderr, "{}\n", comm->rank() == 0 ? message : fmt::format("rank {}: {}", comm->rank(), message));
    std::fflush(stderr);
    comm->abort(status);
  }
  if (!message.empty()) fmt::print(stderr, "{}\n", message);
  return status;
}
