// evsnn run NET.json [--duration-ms T] [--out DIR] [--json]
//                    [--data SPEC [--data-dir D] [--input POP] [--samples N] [--carry [--gap-ms G]]]
// Simulate a network event by event: for its own duration (sources replay or fire Poisson), or on
// the samples of a data set fed through the presenter into an external input population.
#include <chrono>
#include <filesystem>

#include <fmt/format.h>

#include "datasets/dataset_spec.hpp"
#include "engine/atomic_file.hpp"
#include "engine/error.hpp"
#include "engine/network_loader.hpp"
#include "engine/presenter.hpp"
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
  std::string data;
  std::string data_dir;
  std::string input;
  std::size_t samples = 0;
  bool carry = false;
  double gap_ms = 0.0;
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
    total += s.duration_ms;
    sample_ends.push_back(sim.spikes().size());
    labels.push_back(s.label);
  }
  return total;
}

void run_command(const run_options& o) {
  const model_registry models = builtin_model_registry();
  auto net = load_network(o.net_path, models);
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
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::json summary = run_summary(sim, *net, duration, wall);
  if (!sample_ends.empty()) summary["samples"] = sample_ends.size();
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
                  "Folder for spikes.csv, summary.json, readout.csv (li populations) and samples.csv (--data)");
  cmd->add_flag("--json", o->json, "Print the summary as JSON");
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
      ->check(CLI::NonNegativeNumber)
      ->needs(data);
  cmd->callback([o] { run_command(*o); });
}

}  // namespace evsnn::cli
