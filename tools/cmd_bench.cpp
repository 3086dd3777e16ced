// evsnn bench [NAME...] [--repeat N] [--json] [--export DIR] [--plasticity stdp|stdp_triplet]
// [--refractory-ms MS] [--reset zero|subtract]: time the standard networks. --plasticity puts that rule on
// every excitatory projection (all but those from the recurrent network's inhibitory population; small
// updates, weights bounded to [-1, 1]: the cost of learning, not a learning experiment); each repetition
// starts from the initial weights. --refractory-ms and --reset set those parameters of every spiking neuron
// population (the usual recurrent benchmarks hold neurons at rest for a refractory period).
#include <algorithm>
#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "engine/network_loader.hpp"
#include "engine/simulator.hpp"
#include "models/builtin_models.hpp"
#include "rules/plasticity_rules.hpp"
#include "tools/bench_networks.hpp"
#include "tools/command.hpp"
#include "tools/output_folder.hpp"

namespace evsnn::cli {

namespace {
struct bench_options {
  std::vector<std::string> names;
  int repeat = 5;
  bool json = false;
  std::string export_dir;
  std::string plasticity;
  double refractory_ms = -1.0;  // < 0: as the network has it
  std::string reset;            // empty: as the network has it
};

// The network with --refractory-ms and --reset applied to every population that is not a spike source.
nlohmann::json with_neuron_options(nlohmann::json net, const bench_options& o) {
  if (o.refractory_ms < 0.0 && o.reset.empty()) return net;
  std::string what;
  for (auto& pop : net["populations"]) {
    if (pop["model"] == "spike_source") continue;
    if (o.refractory_ms >= 0.0) pop["params"]["refractory_ms"] = o.refractory_ms;
    if (!o.reset.empty()) pop["params"]["reset"] = o.reset;
  }
  if (o.refractory_ms >= 0.0) what += fmt::format(", refractory {} ms", o.refractory_ms);
  if (!o.reset.empty()) what += ", reset " + o.reset;
  net["description"] = net["description"].get<std::string>() + what;
  return net;
}

nlohmann::json with_plasticity(nlohmann::json net, const std::string& rule) {
  if (rule.empty()) return net;
  nlohmann::json p = {{"rule", rule}, {"w_min", -1.0}, {"w_max", 1.0}};
  if (rule == "stdp") {
    p["a_plus"] = 1e-4;
    p["a_minus"] = 1.05e-4;
  } else {  // the visual-cortex set scaled down 1e4x: the weights barely move, so the cost is measured on
            // the same activity as without plasticity (the recurrent network runs away at full scale)
    p["preset"] = "visual_cortex_all_to_all";
    p["a2_plus"] = 7.5e-14;
    p["a3_plus"] = 9.3e-7;
    p["a2_minus"] = 7e-7;
    p["a3_minus"] = 2.3e-8;
  }
  for (auto& pr : net["projections"])
    if (pr["pre"] != "inh") pr["plasticity"] = p;
  net["description"] = net["description"].get<std::string>() + ", " + rule + " on every excitatory projection";
  return net;
}

std::uint64_t weight_updates(const run_counters& c) {
  std::uint64_t n = 0;
  for (const auto& p : c.projections) n += p.weight_updates;
  return n;
}

void bench_command(const bench_options& o) {
  const model_registry models = builtin_model_registry();
  const plasticity_registry rules = rules::builtin_plasticity_registry();
  std::vector<std::string> names = o.names.empty() ? bench_network_names() : o.names;
  // Every document first, as run and exported: an unknown name is an error before any output.
  std::vector<nlohmann::json> docs;
  for (const auto& n : names) docs.push_back(with_neuron_options(with_plasticity(bench_network(n), o.plasticity), o));
  if (!o.export_dir.empty()) {
    std::vector<std::string> files;
    for (const auto& n : bench_network_names()) files.push_back("bench_" + n + ".json");
    output_folder out(o.export_dir, "bench-export", files, "");
    for (std::size_t k = 0; k < names.size(); ++k) out.write("bench_" + names[k] + ".json", docs[k].dump(2) + "\n");
    out.commit();
    return;
  }
  nlohmann::json results = nlohmann::json::array();
  if (!o.json)
    fmt::print("{:<14} {:>9} {:>10} {:>12} {:>10} {:>11} {:>12}\n", "network", "neurons", "synapses", "syn.events",
               "spikes", "best ms", "M syn.ev/s");
  for (std::size_t k = 0; k < names.size(); ++k) {
    const std::string& name = names[k];
    const nlohmann::json& doc = docs[k];
    auto net = build_network(doc, "bench:" + name, ".", models, &rules);
    double best = 1e300;
    run_counters c;
    for (int r = 0; r < std::max(1, o.repeat); ++r) {
      // A fresh simulator per repetition: every run simulates the identical sample (and a plastic
      // network starts again from its initial weights).
      if (r > 0 && net->plasticity_count() > 0) net = build_network(doc, "bench:" + name, ".", models, &rules);
      simulator sim(*net, net->seed);
      sim.record_spikes(false);
      const auto t0 = std::chrono::steady_clock::now();
      sim.run(net->duration_ms);
      sim.settle();
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
                       {"plasticity", o.plasticity.empty() ? "none" : o.plasticity},
                       {"refractory_ms", o.refractory_ms >= 0.0 ? nlohmann::json(o.refractory_ms) : nlohmann::json()},
                       {"reset", o.reset.empty() ? nlohmann::json() : nlohmann::json(o.reset)},
                       {"weight_updates", weight_updates(c)},
                       {"best_wall_s", best},
                       {"synaptic_events_per_s", rate}});
    if (!o.json)
      fmt::print("{:<14} {:>9} {:>10} {:>12} {:>10} {:>11.2f} {:>12.1f}\n", name, net->neuron_count(),
                 net->synapse_count(), c.total_synaptic_events(), c.total_spikes(), best * 1e3, rate * 1e-6);
  }
  if (o.json) fmt::print("{}\n", results.dump(2));
}
}  // namespace

void add_bench_command(CLI::App& app) {
  auto o = std::make_shared<bench_options>();
  CLI::App* cmd = app.add_subcommand("bench", "Time the standard benchmark networks (synaptic events per second)");
  cmd->add_option("networks", o->names, "Networks to run: ff, recurrent, recurrent_cuba (default: all)");
  cmd->add_option("--repeat", o->repeat, "Runs per network; the best time is reported")->check(positive());
  cmd->add_flag("--json", o->json, "Print results as JSON");
  cmd->add_option("--export", o->export_dir, "Write the networks as JSON files into this folder instead of running");
  cmd->add_option("--plasticity", o->plasticity, "Put this plastic rule on every excitatory projection (cost of online learning)")
      ->check(CLI::IsMember({"stdp", "stdp_triplet"}));
  cmd->add_option("--refractory-ms", o->refractory_ms, "Refractory period of every spiking neuron (ms)")
      ->check(time_ms(true));
  cmd->add_option("--reset", o->reset, "Reset of every spiking neuron: zero (held at rest when refractory) or subtract")
      ->check(CLI::IsMember({"zero", "subtract"}));
  cmd->callback([o] { bench_command(*o); });
}

}  // namespace evsnn::cli
