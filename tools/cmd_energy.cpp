// evsnn energy NET.json [--profile P ...] [--dt-ms DT] [--duration-ms T] [--out DIR] [--svg FILE] [--json]
// Runs the network event-driven (exact) and on its time-stepped twin at dt with the same input, counts
// every operation of both, and prices the event-driven counts with the event-driven profiles and the
// stepped counts with the time-stepped profiles: a side-by-side table (or JSON), energy.json and an
// SVG bar chart. Profiles are files, or names looked up in $EVSNN_PROFILE_DIR and in tools/profiles
// next to the executable's folder (build/evsnn -> tools/profiles).
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "engine/atomic_file.hpp"
#include "engine/error.hpp"
#include "engine/network_loader.hpp"
#include "engine/simulator.hpp"
#include "engine/stepped_simulator.hpp"
#include "models/builtin_models.hpp"
#include "rules/plasticity_rules.hpp"
#include "tools/command.hpp"
#include "tools/energy_report.hpp"
#include "tools/output_folder.hpp"

namespace evsnn::cli {

namespace {

struct energy_options {
  std::string net_path;
  std::vector<std::string> profiles{"loihi", "horowitz45_fp32"};
  double dt_ms = 1.0;
  double duration_ms = 0.0;
  std::string out_dir;
  std::string svg_path;
  bool json = false;
};

void energy_command(const energy_options& o) {
  std::vector<energy_profile> profiles;
  const auto dirs = profile_dirs();
  for (const std::string& p : o.profiles) profiles.push_back(energy_profile::load(find_profile(p, dirs).string()));
  const model_registry models = builtin_model_registry();
  const plasticity_registry rules = rules::builtin_plasticity_registry();
  auto net = load_network(o.net_path, models, &rules);
  const double duration = o.duration_ms > 0 ? o.duration_ms : net->duration_ms;
  if (!(duration > 0))
    throw input_error(fmt::format("{}: /duration_ms: missing; give it in the file or with --duration-ms", o.net_path));
  check_step_count(duration, o.dt_ms);

  // The folder first: an unwritable one fails before the runs.
  std::unique_ptr<output_folder> out;
  if (!o.out_dir.empty())
    out = std::make_unique<output_folder>(
        o.out_dir, "energy",
        std::vector<std::string>{"energy.json", "energy.svg", "counters_event_driven.json", "counters_time_stepped.json"},
        "energy.json");

  // The time-stepped twin runs first, on the initial weights: plasticity (event-driven only, its trace
  // and weight updates priced in the event-driven column) changes them during the event-driven run.
  energy_report::timing wall;
  stepped_simulator ts(*net, o.dt_ms, net->seed);
  ts.record_spikes(false);
  auto t0 = std::chrono::steady_clock::now();
  ts.run(duration);
  wall.time_stepped_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  simulator ed(*net, net->seed);
  ed.record_spikes(false);
  t0 = std::chrono::steady_clock::now();
  ed.run(duration);
  ed.settle();
  wall.event_driven_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  const energy_report report(o.net_path, *net, duration, ed.counters(), ts, std::move(profiles), wall);
  const nlohmann::json j = report.to_json();
  if (out != nullptr) {
    out->write("energy.svg", report.svg());
    out->write("counters_event_driven.json", event_driven_counters_json(ed.counters(), *net, duration).dump(2) + "\n");
    out->write("counters_time_stepped.json", time_stepped_counters_json(ts, duration).dump(2) + "\n");
    out->write("energy.json", j.dump(2) + "\n");
    out->commit();
  }
  if (!o.svg_path.empty()) write_file_atomic(o.svg_path, report.svg());
  if (o.json)
    fmt::print("{}\n", j.dump(2));
  else
    fmt::print("{}", report.table());
}

}  // namespace

void add_energy_command(CLI::App& app) {
  auto o = std::make_shared<energy_options>();
  CLI::App* cmd = app.add_subcommand(
      "energy", "Count every operation event-driven and time-stepped on the same input, and price both with energy profiles");
  cmd->add_option("network", o->net_path, "Network JSON file (format evsnn-network/1)")->required();
  cmd->add_option("--profile", o->profiles,
                  "Energy profile: a file or a name in tools/profiles (loihi, spinnaker1, spinnaker1_sharp2012, "
                  "spinnaker2_proto, truenorth, horowitz45_fp32, horowitz45_fp32_ac, horowitz45_int8, gpu_degnan, "
                  "cpu_degnan); repeatable (default: loihi horowitz45_fp32)")
      ->take_all();
  cmd->add_option("--dt-ms", o->dt_ms, "Step of the time-stepped twin and hardware timestep in ms (default 1)")
      ->check(positive());
  cmd->add_option("--duration-ms", o->duration_ms, "Simulated time in ms (default: the file's duration_ms)")
      ->check(time_ms(false));
  cmd->add_option("--out", o->out_dir,
                  "Folder for energy.json, energy.svg, counters_event_driven.json and counters_time_stepped.json");
  cmd->add_option("--svg", o->svg_path, "Write the bar chart to this SVG file");
  cmd->add_flag("--json", o->json, "Print the report as JSON instead of the table");
  cmd->callback([o] { energy_command(*o); });
}

}  // namespace evsnn::cli
