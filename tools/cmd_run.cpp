// evsnn run NET.json [--duration-ms T] [--out DIR] [--json] [--weights-svg FILE] [--svg FILE] [--max-spikes N] [--max-events N]
//                    [--max-pending N]
//                    [--data SPEC [--data-dir D] [--input POP] [--samples N] [--carry [--gap-ms G]]]
//                    [--stepped [--dt-ms DT]]
// Simulate a network event by event: for its own duration (sources replay or fire Poisson), or on
// the samples of a data set fed through the presenter into an external input population. With
// --stepped, run its time-stepped twin at step DT instead (same input). --out also gets counters.json,
// the full per-population and per-projection counters. Plasticity declared on the network's projections
// runs online (also across --data samples and --carry streams); --out then also gets the final weights
// of every plastic projection (weights_<name>.csv) and network.json, the network with those weights.
// Spikes stream into DIR/.evsnn-tmp-<pid>/spikes.csv as they happen (memory does not grow with the
// run); the files replace the folder's previous run as a set (output_folder). SIGINT/SIGTERM stop the
// simulation at the next event boundary: the outputs then hold the run so far, marked interrupted,
// and the exit status is 128 + the signal. --max-spikes / --max-events stop it likewise, exit 2, and so does
// the simulator's bound on pending events (a runaway network; default simulator::default_pending_limit,
// --max-pending N sets it, 0 lifts it).
// With --data, each sample lasts --duration-ms, else the network's duration_ms, else its own duration
// (at least its last input) and then on until no event is pending (presenter::present_drained; tools/data_run).
// --svg FILE draws a spike raster of the run (tools/spike_raster: spikes binned as they stream, memory
// bounded by the figure); with --data the samples are overlaid in sample time, with --carry continuous.
// Under mpirun (several ranks) the network is dealt over the ranks (tools/run_partitioned, --partition).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
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
#include "tools/data_run.hpp"
#include "tools/energy_report.hpp"
#include "tools/output_folder.hpp"
#include "tools/plastic_output.hpp"
#include "tools/run_output.hpp"
#include "tools/run_partitioned.hpp"
#include "tools/spike_raster.hpp"
#include "tools/stop_signals.hpp"

namespace evsnn::cli {

namespace {
struct run_options {
  std::string net_path;
  double duration_ms = 0.0;
  std::string out_dir;
  std::string weights_svg;
  std::string svg;  // --svg: the spike raster
  bool json = false;
  std::string data;
  std::string data_dir;
  std::string input;
  std::size_t samples = 0;
  bool carry = false;
  double gap_ms = 0.0;
  bool stepped = false;
  double dt_ms = 0.1;
  std::uint64_t max_spikes = 0;
  std::uint64_t max_events = 0;
  std::int64_t max_pending = -1;  // -1: the simulator's default; 0: no limit
  std::string spikes_format = "csv";
  std::string partition = "neurons";  // under mpirun
};

std::unique_ptr<output_folder> open_out(const run_options& o) {
  if (o.out_dir.empty()) return nullptr;
  return open_run_folder(o.out_dir);
}

// One line on a terminal, rewritten at most every 0.25 s: simulated time, samples and spikes so far.
class progress_line {
 public:
  progress_line() : on_(isatty(fileno(stderr)) != 0), last_(std::chrono::steady_clock::now()) {}
  void update(double t_ms, double end_ms, std::uint64_t spikes, std::size_t sample, std::size_t samples) {
    if (!on_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    shown_ = true;
    if (samples > 0)
      fmt::print(stderr, "\rsample {}/{}  t = {:.1f} ms  {} spikes\x1b[K", sample + 1, samples, t_ms, spikes);
    else
      fmt::print(stderr, "\rt = {:.1f} / {} ms  {} spikes\x1b[K", t_ms, end_ms, spikes);
    std::fflush(stderr);
  }
  // Erases the line (before the summary is printed).
  void clear() {
    if (shown_) fmt::print(stderr, "\r\x1b[K");
    shown_ = false;
  }
  ~progress_line() { clear(); }

 private:
  bool on_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_;
};

// Where a run ended, if before its end: the reason as the summary and messages say it.
std::string stop_reason_text(stop_reason r, const run_options& o, int signal) {
  switch (r) {
    case stop_reason::requested: return stop_signals::name(signal);
    case stop_reason::max_spikes: return fmt::format("--max-spikes {}", o.max_spikes);
    case stop_reason::max_events: return fmt::format("--max-events {}", o.max_events);
    case stop_reason::max_pending: return "pending events over --max-pending";
    case stop_reason::none: break;
  }
  return {};
}

// Writes the --svg raster (atomically), titled with the network file and the run's notes.
void write_raster(const run_options& o, const spike_raster& raster, raster_labels labels) {
  labels.title = fmt::format("Spike raster: {}", std::filesystem::path(o.net_path).filename().string());
  write_file_atomic(o.svg, raster.svg(labels));
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
  if (o.max_spikes > 0 || o.max_events > 0 || o.max_pending >= 0)
    throw input_error("--stepped: --max-spikes, --max-events and --max-pending guard event-driven runs only");
  const double duration = o.duration_ms > 0 ? o.duration_ms : net.duration_ms;
  if (!(duration > 0))
    throw input_error(fmt::format("{}: /duration_ms: missing; give it in the file or with --duration-ms", o.net_path));
  check_step_count(duration, o.dt_ms);
  const std::unique_ptr<output_folder> out = open_out(o);
  stepped_simulator sim(net, o.dt_ms, net.seed);
  sim.record_spikes(out != nullptr);
  // Spike times are step ends: the last steps end at ceil(duration / dt) dt.
  const double stepped_end = std::ceil(duration / o.dt_ms - 1e-9) * o.dt_ms;
  std::unique_ptr<spike_raster> raster;
  if (!o.svg.empty()) {
    raster = std::make_unique<spike_raster>(net, stepped_end);
    sim.set_spike_sink(raster.get());
  }
  const auto t0 = std::chrono::steady_clock::now();
  sim.run(duration);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  nlohmann::json counters = time_stepped_counters_json(sim, duration);
  nlohmann::json summary = counters;
  summary["format"] = "evsnn-summary/1";
  summary["status"] = "complete";
  summary["wall_time_s"] = wall;
  for (auto& p : summary["populations"])
    p["rate_hz"] = static_cast<double>(p["spikes"].get<std::uint64_t>()) / p["size"].get<double>() / (duration * 1e-3);
  if (out != nullptr) {
    const auto spikes = make_spike_writer(o.spikes_format, out->path(spike_file_name(o.spikes_format)), net, false);
    for (const spike_record& s : sim.spikes()) spikes->on_spike(s);
    spikes->commit();
    bool has_readout = false;
    for (std::uint32_t p = 0; p < net.population_count(); ++p) has_readout |= !net.pop(p).spiking();
    if (has_readout) {
      fmt::memory_buffer r;
      fmt::format_to(std::back_inserter(r), "population,neuron,value\n");
      for (std::uint32_t p = 0; p < net.population_count(); ++p) {
        if (net.pop(p).spiking()) continue;
        for (std::uint32_t i = 0; i < sim.pop(p).size(); ++i)
          fmt::format_to(std::back_inserter(r), "{},{},{}\n", net.pop(p).name(), i, sim.pop(p).value(i));
      }
      out->write("readout.csv", {r.data(), r.size()});
    }
    out->write("counters.json", counters.dump(2) + "\n");
    out->write("summary.json", summary.dump(2) + "\n");
    out->commit();
  }
  if (raster != nullptr)
    write_raster(o, *raster,
                 {"", {fmt::format("{:g} ms simulated time-stepped at dt = {:g} ms: spikes at step ends", duration, o.dt_ms)},
                  "time (ms)", stepped_end, duration});
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
  using clock = std::chrono::steady_clock;
  const auto since = [](clock::time_point t) { return std::chrono::duration<double>(clock::now() - t).count(); };
  const auto t_parse = clock::now();
  const nlohmann::json doc = parse_json_file(o.net_path);  // kept: network.json is written from it
  const double parse_s = since(t_parse);
  const auto t_build = clock::now();
  const std::filesystem::path base = network_dir(o.net_path);
  auto net = build_network(doc, o.net_path, base, models, &rules);
  const double build_s = since(t_build);
  if (!o.svg.empty()) check_figure_path(o.svg, "--svg");
  if (o.stepped) {
    run_stepped(o, *net);
    return;
  }
  if (!o.weights_svg.empty() && net->plasticity_count() == 0)
    throw input_error(fmt::format("--weights-svg: {} declares no plasticity; there are no learned weights to draw",
                                  o.net_path));
  if (!o.weights_svg.empty()) check_figure_path(o.weights_svg, "--weights-svg");
  // Per run without --data, per sample with it (0 with --data: each sample's own, then drained).
  const double duration = o.duration_ms > 0 ? o.duration_ms : net->duration_ms;
  if (o.data.empty() && !(duration > 0))
    throw input_error(fmt::format("{}: /duration_ms: missing; give it in the file or with --duration-ms", o.net_path));
  const std::vector<std::vector<double>> initial_weights =
      o.weights_svg.empty() ? std::vector<std::vector<double>>{} : plastic_weights(*net);
  // The folder first: an unwritable one fails before the run, and spikes stream into it.
  const std::unique_ptr<output_folder> out = open_out(o);
  simulator sim(*net, net->seed);
  sim.record_spikes(false);
  std::unique_ptr<spike_file_writer> spikes;
  if (out != nullptr)
    spikes = make_spike_writer(o.spikes_format, out->path(spike_file_name(o.spikes_format)), *net, !o.data.empty());
  // The raster's bins span the run (--data: a sample; --carry or drained samples: grown as spikes come).
  std::unique_ptr<spike_raster> raster;
  if (!o.svg.empty()) raster = std::make_unique<spike_raster>(*net, o.carry ? 0.0 : duration);
  spike_fanout sinks;
  sinks.add(spikes.get());
  sinks.add(raster.get());
  if (!sinks.empty()) sim.set_spike_sink(&sinks);
  sim.set_limits(o.max_events, o.max_spikes);
  if (o.max_pending >= 0) sim.set_pending_limit(static_cast<std::uint64_t>(o.max_pending));
  const stop_signals signals;
  progress_line progress;
  std::size_t sample = 0, samples = 0;
  sim.set_stop_poll([&] {
    progress.update(sim.now(), duration, sim.spikes_emitted(), sample, samples);
    return signals.received() != 0;
  });
  data_pass pass;
  const auto t0 = clock::now();
  double simulated = duration;
  if (!o.data.empty()) {
    run_on_data({o.net_path, o.data, o.data_dir, o.input, o.samples, o.carry, o.gap_ms}, *net, sim, duration, spikes.get(),
                raster.get(), sample, samples, pass);
    simulated = pass.total_ms;
  } else {
    sim.run(duration);
    if (sim.stopped() != stop_reason::none) simulated = sim.now();
  }
  progress.clear();
  sim.settle();
  const double wall = since(t0);
  const stop_reason stop = sim.stopped();
  const std::string reason = stop_reason_text(stop, o, signals.received());
  nlohmann::json summary = run_summary(sim, *net, simulated, wall);
  nlohmann::json status = {{"status", stop == stop_reason::none ? "complete"
                                      : stop == stop_reason::requested ? "interrupted" : "stopped"}};
  if (stop != stop_reason::none) {
    status["stopped_at_ms"] = sim.now();
    status["stop_reason"] = reason;
  }
  summary.update(status);
  if (!o.data.empty()) summary["samples"] = pass.spikes.size();
  // Where the process's time went (write: the outputs after the run; spikes.csv streams during simulate).
  summary["time_s"] = {{"parse", parse_s}, {"build", build_s}, {"simulate", wall}};
  const auto t_write = clock::now();
  if (net->plasticity_count() > 0) summary["plasticity"] = plasticity_summary(sim, *net);
  if (out != nullptr) {
    spikes->commit();
    if (!o.data.empty()) write_samples_csv(out->path("samples.csv"), pass.spikes, pass.labels, pass.durations_ms);
    bool has_readout = false;
    for (std::uint32_t p = 0; p < net->population_count(); ++p) has_readout |= !net->pop(p).spiking();
    if (has_readout) write_readout_csv(out->path("readout.csv"), *net, sim.now());
    if (net->plasticity_count() > 0) write_plastic_outputs(*out, *net, doc, base);
    nlohmann::json counters = event_driven_counters_json(sim.counters(), *net, simulated);
    counters.update(status);
    out->write("counters.json", counters.dump(2) + "\n");
    out->write("summary.json", summary.dump(2) + "\n");
    out->commit();
  }
  if (!o.weights_svg.empty())
    write_file_atomic(o.weights_svg, weight_histogram_svg(*net, initial_weights, std::filesystem::path(o.net_path).filename().string()));
  if (raster != nullptr) {
    raster_labels labels;
    const double n = static_cast<double>(pass.spikes.size());
    labels.rate_ms = simulated;
    if (o.data.empty()) {
      labels.notes.push_back(fmt::format("event-driven run of {:g} ms (exact spike times)", duration));
      labels.end_ms = duration;
    } else if (o.carry) {
      labels.notes.push_back(fmt::format("{} samples streamed (--carry{}): continuous time; rates over the {:g} ms of the samples",
                                         pass.spikes.size(), o.gap_ms > 0 ? fmt::format(", gaps of {:g} ms", o.gap_ms) : "",
                                         simulated));
      labels.end_ms = duration > 0 ? n * duration + (n - 1) * o.gap_ms : sim.now();
    } else {
      labels.notes.push_back(fmt::format("{} sample{} overlaid, time from each sample's start; rates over the {:g} ms of "
                                         "all samples", pass.spikes.size(), pass.spikes.size() == 1 ? "" : "s", simulated));
      labels.time_label = "time in sample (ms)";
      labels.end_ms = duration > 0 ? duration : 0.0;
      for (double d : pass.durations_ms) labels.end_ms = std::max(labels.end_ms, d);
    }
    if (stop != stop_reason::none) {
      const std::string in_sample = o.data.empty() || o.carry ? "" : fmt::format(" of sample index {}", sample);
      labels.notes.push_back(fmt::format("{} at t = {:g} ms{} ({}): the run so far{}", status["status"].get<std::string>(),
                                         sim.now(), in_sample, reason,
                                         o.data.empty() ? fmt::format("; rates over the {:g} ms simulated", simulated) : ""));
      if (o.data.empty() || o.carry) labels.stopped_at_ms = sim.now();
    }
    write_raster(o, *raster, labels);
  }
  summary["time_s"]["write"] = since(t_write);
  if (o.json)
    fmt::print("{}\n", summary.dump(2));
  else
    fmt::print("{}", format_summary(summary));
  std::fflush(stdout);
  const std::string where = out != nullptr ? fmt::format("; {} holds the run so far", o.out_dir) : "";
  if (stop == stop_reason::requested)
    throw exit_status(128 + signals.received(),
                      fmt::format("evsnn: interrupted ({}) at t = {} ms{}", reason, sim.now(), where));
  if (stop == stop_reason::max_spikes)
    throw input_error(fmt::format("run stopped after {} spikes ({}) at t = {} ms{}", sim.spikes_emitted(), reason,
                                  sim.now(), where));
  if (stop == stop_reason::max_events)
    throw input_error(fmt::format("run stopped after {} events ({}) at t = {} ms{}", sim.events_processed(), reason,
                                  sim.now(), where));
  if (stop == stop_reason::max_pending)
    throw input_error(fmt::format("{}: run stopped: {}; --max-pending N sets the limit (0: none){}", o.net_path,
                                  sim.pending_stop_text(), where));
}
}  // namespace

// Over several MPI ranks: the network dealt over them (tools/run_partitioned).
void run_dealt(const run_options& o, communicator& comm) {
  std::string alone;
  if (!o.data.empty()) alone = "--data";
  if (o.stepped) alone = "--stepped";
  if (o.max_spikes > 0 || o.max_events > 0 || o.max_pending >= 0) alone = "--max-spikes / --max-events / --max-pending";
  if (!o.weights_svg.empty()) alone = "--weights-svg";
  if (!alone.empty())
    throw input_error(fmt::format("evsnn run {} runs as one process; under mpirun (here {} ranks) evsnn run deals the "
                                  "network's own run over the ranks",
                                  alone, comm.size()));
  run_partitioned({o.net_path, o.duration_ms, o.out_dir, o.json, o.spikes_format, o.svg,
                   o.partition == "populations" ? partition_mode::populations : partition_mode::neurons},
                  comm);
}

void add_run_command(CLI::App& app, communicator& comm) {
  auto o = std::make_shared<run_options>();
  CLI::App* cmd = app.add_subcommand("run", "Simulate a network (event-driven, exact) and write its spikes");
  cmd->add_option("network", o->net_path, "Network JSON file (format evsnn-network/1)")->required();
  cmd->add_option("--duration-ms", o->duration_ms,
                  "Simulated time in ms (default: the file's duration_ms); with --data, of every sample (default: the "
                  "file's duration_ms, else the sample's own, then until no spike is in flight)")
      ->check(time_ms(false));
  cmd->add_option("--out", o->out_dir,
                  "Folder for spikes.csv, summary.json, counters.json, readout.csv (li populations) and samples.csv "
                  "(--data)");
  cmd->add_flag("--json", o->json, "Print the summary as JSON");
  cmd->add_option("--spikes-format", o->spikes_format,
                  "With --out: spikes.csv (csv, default) or spikes.npy (npy: float64 rows time_ms, population index, "
                  "neuron; the sample first with --data)")
      ->check(CLI::IsMember({"csv", "npy"}));
  cmd->add_option("--max-spikes", o->max_spikes,
                  "Stop the run (exit 2, outputs so far marked stopped) once more than N spikes were emitted")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-events", o->max_events, "Stop the run (exit 2, outputs so far marked stopped) after N events")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-pending", o->max_pending,
                  "Stop the run (exit 2, outputs so far marked stopped) once more than N events are pending (spikes in "
                  "flight): a runaway network's memory bound. Default: 64 per neuron and fan-out group, at least "
                  "1048576; 0: no limit")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--weights-svg", o->weights_svg,
                  "Draw the weight histogram of every plastic projection before and after the run (SVG)");
  cmd->add_option("--svg", o->svg,
                  "Draw a spike raster of the run (SVG): a panel per spiking population (time x neuron) with each "
                  "row's rate in Hz; --data: samples overlaid in sample time");
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
      ->check(time_ms(true))
      ->needs(data);
  auto* stepped = cmd->add_flag("--stepped", o->stepped,
                                "Run the time-stepped twin instead: every neuron updated every step, inputs binned to "
                                "steps, spikes at step ends (same input)");
  cmd->add_option("--dt-ms", o->dt_ms, "Step of --stepped in ms (default 0.1)")->check(positive())->needs(stepped);
  cmd->add_option("--partition", o->partition,
                  "Under mpirun: deal neurons round-robin within populations (neurons, default) or whole populations "
                  "to ranks (populations)")
      ->check(CLI::IsMember({"neurons", "populations"}));
  cmd->callback([o, &comm] {
    if (comm.size() > 1)
      run_dealt(*o, comm);
    else
      run_command(*o);
  });
}

}  // namespace evsnn::cli
