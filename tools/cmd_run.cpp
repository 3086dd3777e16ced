// evsnn run NET.json [--duration-ms T] [--out DIR] [--json] [--weights-svg FILE]
//                    [--data SPEC [--data-dir D] [--input POP] [--samples N] [--carry [--gap-ms G]]]
//                    [--stepped [--dt-ms DT]]
// Simulate a network event by event: for its own duration (sources replay or fire Poisson), or on
// the samples of a data set fed through the presenter into an external input population. With
// --stepped, run its time-stepped twin at step DT instead (same input). --out also gets counters.json,
// the full per-population and per-projection counters. Plasticity declared on the network's projections
// runs online (also across --data samples and --carry streams); --out then also gets the final weights
// of every plastic projection (weights_<name>.csv) and network.json, the network with those weights.
#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "datasets/dataset_spec.hpp"
#include "engine/atomic_file.hpp"
#include "engine/error.hpp"
#include "engine/network_loader.hpp"
#include "engine/presenter.hpp"
#include "engine/simulator.hpp"
#include "engine/stepped_simulator.hpp"
#include "models/builtin_models.hpp"
#include "rules/plasticity_rules.hpp"
#include "tools/command.hpp"
#include "tools/energy_report.hpp"
#include "tools/plastic_output.hpp"
#include "tools/run_output.hpp"

namespace evsnn::cli {

namespace {
struct run_options {
  std::string net_path;
  double duration_ms = 0.0;
  std::string out_dir;
  std::string weights_svg;
  bool json = false;
  std::string data;
  std::string data_dir;
  std::string input;
  std::size_t samples = 0;
  bool carry = false;
  double gap_ms = 0.0;
  bool stepped = false;
  double dt_ms = 0.1;
};

std::uint32_t input_population(network& net, const std::string& name, const std::string& file) {
  if (!name.empty()) {
    const auto id = net.find_population(name);
    if (!id) throw input_error(fmt::format("{}: --input: no population named '{}'", file, name));
    return *id;
  }
  std::vector<std::uint32_t> found;
  for (std::uint32_t p = 0; p < net.population_count(); ++p)
    if (net.pop(p).accepts_input()) found.push_back(p);
  if (found.size() != 1)
    throw input_error(fmt::format("{}: {} populations take presented input (spike_source with \"external\": true); "
                                  "name one with --input",
                                  file, found.size()));
  return found[0];
}

// Presents data set samples; returns the total simulated time. sample_ends[k] is the number of
// spikes recorded when sample k ended.
double run_on_data(const run_options& o, network& net, simulator& sim, std::vector<std::size_t>& sample_ends,
                   std::vector<std::uint32_t>& labels) {
  data::dataset_context ctx;
  ctx.file = "--data";
  ctx.data_dir = o.data_dir.empty() ? data::find_data_dir() : std::filesystem::path(o.data_dir);
  const nlohmann::json spec = data::parse_dataset_arg(o.data, ctx);
  const auto ds = data::open_dataset(spec, ctx);
  const std::uint32_t input = input_population(net, o.input, o.net_path);
  if (ds->channels() > net.pop(input).size())
    throw input_error(fmt::format("{}: data set has {} channels but input population '{}' has {} neurons", o.net_path,
                                  ds->channels(), net.pop(input).name(), net.pop(input).size()));
  presenter pr(sim, input, o.carry ? state_policy::carry : state_policy::reset, o.gap_ms);
  const std::size_t n = o.samples > 0 ? std::min(o.samples, ds->size()) : ds->size();
  data::sample s;
  double total = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    ds->load(i, s, 0);
    pr.present(s.events, s.duration_ms);
    sim.report_outcome({sim.sample_index() - 1, static_cast<std::int64_t>(s.label)});  // no loss here
    total += s.duration_ms;
    sample_ends.push_back(sim.spikes().size());
    labels.push_back(s.label);
  }
  return total;
}

std::filesystem::path make_out_dir(const std::string& out_dir) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) throw input_error(fmt::format("{}: cannot create output folder: {}", out_dir, ec.message()));
  return out_dir;
}

// The time-stepped twin: spikes.csv (spikes at step ends; input spikes at their own times),
// summary.json, counters.json, readout.csv (values at the end of the last step).
void run_stepped(const run_options& o, network& net) {
  if (net.plasticity_count() > 0)
    throw input_error(fmt::format("{}: projection '{}' is plastic; the time-stepped twin (--stepped) runs fixed "
                                  "weights only",
                                  o.net_path, net.proj(net.plastic(0).projection()).name()));
  if (!o.data.empty())
    throw input_error("--stepped: presenting a data set (--data) runs event-driven only; run the network's own input");
  const double duration = o.duration_ms > 0 ? o.duration_ms : net.duration_ms;
  if (!(duration > 0))
    throw input_error(fmt::format("{}: /duration_ms: missing; give it in the file or with --duration-ms", o.net_path));
  if (duration / o.dt_ms > 1e9)
    throw input_error(fmt::format("--dt-ms {}: {} ms would take more than 1e9 steps", o.dt_ms, duration));
  stepped_simulator sim(net, o.dt_ms, net.seed);
  sim.record_spikes(true);
  const auto t0 = std::chrono::steady_clock::now();
  sim.run(duration);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::json counters = time_stepped_counters_json(sim, duration);
  nlohmann::json summary = counters;
  summary["format"] = "evsnn-summary/1";
  summary["wall_time_s"] = wall;
  for (auto& p : summary["populations"])
    p["rate_hz"] = static_cast<double>(p["spikes"].get<std::uint64_t>()) / p["size"].get<double>() / (duration * 1e-3);
  if (!o.out_dir.empty()) {
    const std::filesystem::path dir = make_out_dir(o.out_dir);
    fmt::memory_buffer buf;
    fmt::format_to(std::back_inserter(buf), "time_ms,population,neuron\n");
    for (const spike_record& s : sim.spikes())
      fmt::format_to(std::back_inserter(buf), "{:.17g},{},{}\n", s.time_ms, net.pop(s.population).name(), s.neuron);
    write_file_atomic(dir / "spikes.csv", {buf.data(), buf.size()});
    bool has_readout = false;
    for (std::uint32_t p = 0; p < net.population_count(); ++p) has_readout |= !net.pop(p).spiking();
    if (has_readout) {
      fmt::memory_buffer r;
      fmt::format_to(std::back_inserter(r), "population,neuron,value\n");
      for (std::uint32_t p = 0; p < net.population_count(); ++p) {
        if (net.pop(p).spiking()) continue;
        for (std::uint32_t i = 0; i < sim.pop(p).size(); ++i)
          fmt::format_to(std::back_inserter(r), "{},{},{:.17g}\n", net.pop(p).name(), i, sim.pop(p).value(i));
      }
      write_file_atomic(dir / "readout.csv", {r.data(), r.size()});
    }
    write_file_atomic(dir / "summary.json", summary.dump(2) + "\n");
    write_file_atomic(dir / "counters.json", counters.dump(2) + "\n");
  }
  if (o.json) {
    fmt::print("{}\n", summary.dump(2));
    return;
  }
  fmt::print("simulated {} ms time-stepped at dt = {} ms ({} steps) in {:.3f} s wall\n", duration, o.dt_ms, sim.steps(), wall);
  fmt::print("{:<16} {:<13} {:>9} {:>11} {:>10}\n", "population", "model", "size", "spikes", "rate (Hz)");
  for (const auto& p : summary["populations"])
    fmt::print("{:<16} {:<13} {:>9} {:>11} {:>10.2f}\n", p["name"].get<std::string>(), p["model"].get<std::string>(),
               p["size"].get<std::uint64_t>(), p["spikes"].get<std::uint64_t>(), p["rate_hz"].get<double>());
  const auto& t = summary["totals"];
  fmt::print("synaptic events {}  neuron updates {} ({} neurons x {} steps)  dense MACs {}\n",
             t["synaptic_events"].get<std::uint64_t>() + t["graded_events"].get<std::uint64_t>(),
             t["neuron_updates"].get<std::uint64_t>(), sim.stepped_neurons(), sim.steps(), t["dense_macs"].get<std::uint64_t>());
}

void run_command(const run_options& o) {
  const model_registry models = builtin_model_registry();
  const plasticity_registry rules = rules::builtin_plasticity_registry();
  const nlohmann::json doc = parse_json_file(o.net_path);  // kept: network.json is written from it
  const std::filesystem::path base = network_dir(o.net_path);
  auto net = build_network(doc, o.net_path, base, models, &rules);
  if (o.stepped) {
    run_stepped(o, *net);
    return;
  }
  if (!o.weights_svg.empty() && net->plasticity_count() == 0)
    throw input_error(fmt::format("--weights-svg: {} declares no plasticity; there are no learned weights to draw",
                                  o.net_path));
  const std::vector<std::vector<double>> initial_weights =
      o.weights_svg.empty() ? std::vector<std::vector<double>>{} : plastic_weights(*net);
  simulator sim(*net, net->seed);
  sim.record_spikes(true);
  std::vector<std::size_t> sample_ends;
  std::vector<std::uint32_t> labels;
  const auto t0 = std::chrono::steady_clock::now();
  double duration = 0.0;
  if (!o.data.empty()) {
    duration = run_on_data(o, *net, sim, sample_ends, labels);
  } else {
    duration = o.duration_ms > 0 ? o.duration_ms : net->duration_ms;
    if (!(duration > 0))
      throw input_error(fmt::format("{}: /duration_ms: missing; give it in the file or with --duration-ms", o.net_path));
    sim.run(duration);
  }
  sim.settle();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::json summary = run_summary(sim, *net, duration, wall);
  if (!sample_ends.empty()) summary["samples"] = sample_ends.size();
  if (net->plasticity_count() > 0) summary["plasticity"] = plasticity_summary(sim, *net);
  if (!o.out_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.out_dir, ec);
    if (ec) throw input_error(fmt::format("{}: cannot create output folder: {}", o.out_dir, ec.message()));
    const std::filesystem::path dir(o.out_dir);
    write_spikes_csv(dir / "spikes.csv", sim, *net, sample_ends);
    if (!sample_ends.empty()) write_samples_csv(dir / "samples.csv", sim, sample_ends, labels);
    bool has_readout = false;
    for (std::uint32_t p = 0; p < net->population_count(); ++p) has_readout |= !net->pop(p).spiking();
    if (has_readout) write_readout_csv(dir / "readout.csv", *net, sim.now());
    if (net->plasticity_count() > 0) write_plastic_outputs(dir, *net, doc, base);
    write_file_atomic(dir / "summary.json", summary.dump(2) + "\n");
    write_file_atomic(dir / "counters.json", event_driven_counters_json(sim.counters(), *net, duration).dump(2) + "\n");
  }
  if (!o.weights_svg.empty())
    write_file_atomic(o.weights_svg, weight_histogram_svg(*net, initial_weights, std::filesystem::path(o.net_path).filename().string()));
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
      ->check(positive());
  cmd->add_option("--out", o->out_dir,
                  "Folder for spikes.csv, summary.json, counters.json, readout.csv (li populations) and samples.csv "
                  "(--data)");
  cmd->add_flag("--json", o->json, "Print the summary as JSON");
  cmd->add_option("--weights-svg", o->weights_svg,
                  "Draw the weight histogram of every plastic projection before and after the run (SVG)");
  auto* data = cmd->add_option("--data", o->data,
                               "Present the samples of this data set (spec: JSON, file or NAME[:SPLIT][:K=V,...]) to "
                               "the external input population");
  cmd->add_option("--data-dir", o->data_dir, "Data folder (default $EVSNN_DATA_DIR or <repo>/data)")->needs(data);
  cmd->add_option("--input", o->input, "Input population for --data (default: the only external spike_source)")
      ->needs(data);
  cmd->add_option("--samples", o->samples, "Present only the first N samples")->needs(data);
  cmd->add_flag("--carry", o->carry, "Stream samples: carry state and time on instead of resetting per sample")
      ->needs(data);
  cmd->add_option("--gap-ms", o->gap_ms, "Pause between streamed samples (with --carry)")
      ->check(non_negative())
      ->needs(data);
  auto* stepped = cmd->add_flag("--stepped", o->stepped,
                                "Run the time-stepped twin instead: every neuron updated every step, inputs binned to "
                                "steps, spikes at step ends (same input)");
  cmd->add_option("--dt-ms", o->dt_ms, "Step of --stepped in ms (default 0.1)")->check(positive())->needs(stepped);
  cmd->callback([o] { run_command(*o); });
}

}  // namespace evsnn::cli
