// evsnn run NET.json [--duration-ms T] [--out DIR] [--json]: simulate a network event by event.
#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "engine/atomic_file.hpp"
#include "engine/error.hpp"
#include "engine/network_loader.hpp"
#include "engine/simulator.hpp"
#include "models/builtin_models.hpp"
#include "tools/command.hpp"
#include "tools/run_output.hpp"

namespace evsnn::cli {

namespace {
struct run_options {
  std::string net_path;
  double duration_ms = 0.0;
  std::string out_dir;
  bool json = false;
};

void run_command(const run_options& o) {
  const model_registry models = builtin_model_registry();
  auto net = load_network(o.net_path, models);
  const double duration = o.duration_ms > 0 ? o.duration_ms : net->duration_ms;
  if (!(duration > 0))
    throw input_error(fmt::format("{}: /duration_ms: missing; give it in the file or with --duration-ms", o.net_path));
  simulator sim(*net, net->seed);
  sim.record_spikes(true);
  const auto t0 = std::chrono::steady_clock::now();
  sim.run(duration);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const nlohmann::json summary = run_summary(sim, *net, duration, wall);
  if (!o.out_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.out_dir, ec);
    if (ec) throw input_error(fmt::format("{}: cannot create output folder: {}", o.out_dir, ec.message()));
    const std::filesystem::path dir(o.out_dir);
    write_spikes_csv(dir / "spikes.csv", sim, *net);
    bool has_readout = false;
    for (std::uint32_t p = 0; p < net->population_count(); ++p) has_readout |= !net->pop(p).spiking();
    if (has_readout) write_readout_csv(dir / "readout.csv", *net, duration);
    write_file_atomic(dir / "summary.json", summary.dump(2) + "\n");
  }
  if (o.json)
    fmt::print("{}\n", summary.dump(2));
  else
    fmt::print("{}", format_summary(summary));
}
}  // namespace

void add_run_command(CLI::App& app) {
  auto o = std::make_shared<run_options>();
  CLI::App* cmd = app.add_subcommand("run", "Simulate a network (event-driven, exact) and write its spikes");
  cmd->add_option("network", o->net_path, "Network JSON file (format evsnn-network/1)")->required();
  cmd->add_option("--duration-ms", o->duration_ms, "Simulated time in ms (default: the file's duration_ms)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--out", o->out_dir,
                  "Folder for spikes.csv (time_ms,population,neuron), summary.json and readout.csv");
  cmd->add_flag("--json", o->json, "Print the summary as JSON");
  cmd->callback([o] { run_command(*o); });
}

}  // namespace evsnn::cli
