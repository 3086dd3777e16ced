// evsnn check NET.json [--json]: validate a network file and describe it.
#include <fmt/format.h>

#include "engine/network_loader.hpp"
#include "models/builtin_models.hpp"
#include "rules/plasticity_rules.hpp"
#include "tools/command.hpp"

namespace evsnn::cli {

namespace {
void check_command(const std::string& path, bool json) {
  const model_registry models = builtin_model_registry();
  const plasticity_registry rules = rules::builtin_plasticity_registry();
  auto net = load_network(path, models, &rules);
  net->finalize();
  nlohmann::json j;
  j["file"] = path;
  j["seed"] = net->seed;
  j["duration_ms"] = net->duration_ms;
  j["neurons"] = net->neuron_count();
  j["synapses"] = net->synapse_count();
  for (std::uint32_t p = 0; p < net->population_count(); ++p) {
    const population& pop = net->pop(p);
    j["populations"].push_back({{"name", pop.name()}, {"model", pop.model()}, {"size", pop.size()}});
  }
  for (std::uint32_t p = 0; p < net->projection_count(); ++p) {
    const projection& pr = net->proj(p);
    j["projections"].push_back({{"name", pr.name()},
                                {"pre", net->pop(pr.pre_population()).name()},
                                {"post", net->pop(pr.post_population()).name()},
                                {"synapses", pr.synapse_count()},
                                {"delay_ms", pr.delay_ms()},
                                {"dense", pr.dense()},
                                {"graded", pr.graded()}});
  }
  for (std::size_t r = 0; r < net->plasticity_count(); ++r)
    j["projections"][net->plastic(r).projection()]["plasticity"] = net->plastic(r).describe();
  if (json) {
    fmt::print("{}\n", j.dump(2));
    return;
  }
  fmt::print("{}: valid ({} neurons, {} synapses, seed {}, duration {} ms)\n", path, net->neuron_count(),
             net->synapse_count(), net->seed, net->duration_ms);
  fmt::print("{:<16} {:<13} {:>9}\n", "population", "model", "size");
  for (const auto& p : j["populations"])
    fmt::print("{:<16} {:<13} {:>9}\n", p["name"].get<std::string>(), p["model"].get<std::string>(), p["size"].get<std::uint32_t>());
  if (j.contains("projections")) {
    fmt::print("{:<24} {:>10} {:>10} {:>6} {:>7}  {}\n", "projection", "synapses", "delay_ms", "dense", "graded",
               "plasticity");
    for (const auto& p : j["projections"])
      fmt::print("{:<24} {:>10} {:>10} {:>6} {:>7}  {}\n", p["name"].get<std::string>(), p["synapses"].get<std::size_t>(),
                 p["delay_ms"].get<double>(), p["dense"].get<bool>() ? "yes" : "no", p["graded"].get<bool>() ? "yes" : "no",
                 p.contains("plasticity") ? p["plasticity"]["rule"].get<std::string>() : "-");
  }
}
}  // namespace

void add_check_command(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("check", "Validate a network JSON file and print what it describes");
  cmd->add_option("network", *path, "Network JSON file")->required();
  cmd->add_flag("--json", *json, "Print the description as JSON");
  cmd->callback([path, json] { check_command(*path, *json); });
}

}  // namespace evsnn::cli
