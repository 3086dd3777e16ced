// evsnn bench [NAME...] [--repeat N] [--json] [--export DIR]: time the standard networks.
#include <algorithm>
#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "engine/atomic_file.hpp"
#include "engine/network_loader.hpp"
#include "engine/simulator.hpp"
#include "models/builtin_models.hpp"
#include "tools/bench_networks.hpp"
#include "tools/command.hpp"

namespace evsnn::cli {

namespace {
struct bench_options {
  std::vector<std::string> names;
  int repeat = 5;
  bool json = false;
  std::string export_dir;
};

void bench_command(const bench_options& o) {
  const model_registry models = builtin_model_registry();
  std::vector<std::string> names = o.names.empty() ? bench_network_names() : o.names;
  if (!o.export_dir.empty()) {
    std::filesystem::create_directories(o.export_dir);
    for (const auto& n : names)
      write_file_atomic(std::filesystem::path(o.export_dir) / ("bench_" + n + ".json"), bench_network(n).dump(2) + "\n");
    return;
  }
  nlohmann::json results = nlohmann::json::array();
  if (!o.json)
    fmt::print("{:<10} {:>9} {:>10} {:>12} {:>10} {:>11} {:>12}\n", "network", "neurons", "synapses", "syn.events",
               "spikes", "best ms", "M syn.ev/s");
  for (const auto& name : names) {
    auto net = build_network(bench_network(name), "bench:" + name, ".", models);
    double best = 1e300;
    run_counters c;
    for (int r = 0; r < std::max(1, o.repeat); ++r) {
      // A fresh simulator per repetition: every run simulates the identical sample.
      simulator sim(*net, net->seed);
      sim.record_spikes(false);
      const auto t0 = std::chrono::steady_clock::now();
      sim.run(net->duration_ms);
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      c = sim.counters();
    }
    const double rate = static_cast<double>(c.total_synaptic_events()) / best;
    results.push_back({{"network", name},
                       {"neurons", net->neuron_count()},
                       {"synapses", net->synapse_count()},
                       {"synaptic_events", c.total_synaptic_events()},
                       {"spikes", c.total_spikes()},
                       {"queue_pushes", c.queue_pushes},
                       {"best_wall_s", best},
                       {"synaptic_events_per_s", rate}});
    if (!o.json)
      fmt::print("{:<10} {:>9} {:>10} {:>12} {:>10} {:>11.2f} {:>12.1f}\n", name, net->neuron_count(),
                 net->synapse_count(), c.total_synaptic_events(), c.total_spikes(), best * 1e3, rate * 1e-6);
  }
  if (o.json) fmt::print("{}\n", results.dump(2));
}
}  // namespace

void add_bench_command(CLI::App& app) {
  auto o = std::make_shared<bench_options>();
  CLI::App* cmd = app.add_subcommand("bench", "Time the standard benchmark networks (synaptic events per second)");
  cmd->add_option("networks", o->names, "Networks to run: ff, recurrent (default: all)");
  cmd->add_option("--repeat", o->repeat, "Runs per network; the best time is reported")->check(positive());
  cmd->add_flag("--json", o->json, "Print results as JSON");
  cmd->add_option("--export", o->export_dir, "Write the networks as JSON files into this folder instead of running");
  cmd->callback([o] { bench_command(*o); });
}

}  // namespace evsnn::cli
