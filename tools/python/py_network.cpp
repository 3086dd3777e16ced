#include "tools/python/py_network.hpp"

#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "engine/energy_profile.hpp"
#include "engine/error.hpp"
#include "engine/json_node.hpp"
#include "engine/network_loader.hpp"
#include "engine/simulator.hpp"
#include "engine/stepped_simulator.hpp"
#include "models/builtin_models.hpp"
#include "rules/plasticity_rules.hpp"
#include "tools/command.hpp"
#include "tools/data_run.hpp"
#include "tools/energy_report.hpp"
#include "tools/plastic_output.hpp"
#include "tools/python/py_convert.hpp"
#include "tools/run_output.hpp"

namespace evsnn::py {

namespace {

const model_registry& models() {
  static const model_registry r = builtin_model_registry();
  return r;
}
const plasticity_registry& plastic_rules() {
  static const plasticity_registry r = rules::builtin_plasticity_registry();
  return r;
}

// Keeps every spike in memory as columns (the arrays Python gets, in spikes.csv order), with the sample of a
// data set run.
class spike_columns final : public cli::spike_file_writer {
 public:
  explicit spike_columns(run_outcome& out) : out_(out) {}
  void commit() override { flush_instant(); }

 private:
  void write_spike(const spike_record& s) override {
    out_.time_ms.push_back(s.time_ms);
    out_.population.push_back(static_cast<std::int32_t>(s.population));
    out_.neuron.push_back(s.neuron);
    if (out_.with_data) out_.sample.push_back(static_cast<std::int64_t>(sample_));
  }
  run_outcome& out_;
};

}  // namespace

py_network::py_network(std::unique_ptr<network> net, std::string file, std::filesystem::path base_dir,
                       std::string description)
    : net_(std::move(net)), file_(std::move(file)), base_dir_(std::move(base_dir)), description_(std::move(description)) {}

std::unique_ptr<py_network> py_network::build(const nlohmann::json& doc, const std::string& name,
                                              const std::filesystem::path& base_dir) {
  auto net = build_network(doc, name, base_dir, models(), &plastic_rules());
  std::string description;
  if (doc.is_object() && doc.contains("description") && doc["description"].is_string())
    description = doc["description"].get<std::string>();
  return std::unique_ptr<py_network>(new py_network(std::move(net), name, base_dir, std::move(description)));
}

std::unique_ptr<py_network> py_network::load(const std::string& path) {
  return build(parse_json_file(path), path, network_dir(path));
}

std::uint32_t py_network::projection_id(const std::string& name) const {
  if (const auto id = net_->find_projection(name)) return *id;
  std::string names;
  for (std::uint32_t p = 0; p < net_->projection_count(); ++p) names += (p == 0 ? "'" : ", '") + net_->proj(p).name() + "'";
  throw input_error(fmt::format("{}: no projection named '{}' (projections: {})", file_, name,
                                names.empty() ? "none" : names));
}

py_network::busy_guard::busy_guard(py_network& n) : n_(n) {
  if (n_.busy_.exchange(true))
    throw std::runtime_error(fmt::format("{}: the network is in use by another thread (one call at a time)", n_.file_));
}

run_outcome run_network(py_network& n, const run_request& r, const std::function<bool()>& poll) {
  network& net = n.net();
  run_outcome out;
  out.with_data = !r.data.empty();
  for (std::uint32_t p = 0; p < net.population_count(); ++p) out.population_names.push_back(net.pop(p).name());
  // Per run without data, per sample with it (0 with data: each sample's own, then drained).
  const double duration = r.duration_ms ? *r.duration_ms : net.duration_ms;
  if (r.duration_ms && !(*r.duration_ms > 0 && *r.duration_ms <= max_time_ms))
    throw input_error(fmt::format("duration_ms: must be > 0 and <= 1e12 ms, got {}", *r.duration_ms));
  if (!out.with_data && !(duration > 0))
    throw input_error(fmt::format("{}: /duration_ms: missing; give it in the file or as duration_ms", n.file()));
  const std::uint64_t seed = r.seed ? *r.seed : net.seed;

  // The energy report (evsnn energy): the time-stepped twin first, on the weights before plasticity
  // changes them, on the same input.
  std::vector<energy_profile> profiles;
  std::unique_ptr<stepped_simulator> stepped;
  double stepped_wall = 0.0;
  if (r.energy && !out.with_data) {
    cli::check_step_count(duration, r.dt_ms);
    const auto dirs = module_profile_dirs();
    for (const std::string& p : r.profiles) profiles.push_back(energy_profile::load(find_profile(p, dirs).string()));
    stepped = std::make_unique<stepped_simulator>(net, r.dt_ms, seed);
    stepped->record_spikes(false);
    const auto t0 = std::chrono::steady_clock::now();
    stepped->run(duration);
    stepped_wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  simulator sim(net, seed);
  sim.record_spikes(false);
  spike_columns spikes(out);
  sim.set_spike_sink(&spikes);
  sim.set_limits(r.max_events, r.max_spikes);
  if (poll) sim.set_stop_poll(poll, std::uint64_t{1} << 16);
  cli::data_pass pass;
  const auto t0 = std::chrono::steady_clock::now();
  double simulated = duration;
  if (out.with_data) {
    std::size_t current = 0, count = 0;
    const std::string data_dir = r.data_dir.empty() ? module_data_dir().string() : r.data_dir;
    cli::run_on_data({n.file(), r.data, data_dir, r.input, r.samples, r.carry, r.gap_ms}, net, sim, duration, &spikes,
                     nullptr, current, count, pass);
    simulated = pass.total_ms;
  } else {
    sim.run(duration);
    if (sim.stopped() != stop_reason::none) simulated = sim.now();
  }
  spikes.commit();
  sim.settle();
  out.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.simulated_ms = simulated;

  const stop_reason stop = sim.stopped();
  nlohmann::json status = {{"status", stop == stop_reason::none        ? "complete"
                                      : stop == stop_reason::requested ? "interrupted"
                                                                       : "stopped"}};
  out.status = status["status"].get<std::string>();
  if (stop != stop_reason::none) {
    out.stopped_at_ms = sim.now();
    out.stop_reason = stop == stop_reason::max_spikes   ? fmt::format("max_spikes={}", r.max_spikes)
                      : stop == stop_reason::max_events ? fmt::format("max_events={}", r.max_events)
                      : stop == stop_reason::max_pending ? sim.pending_stop_text()
                                                        : std::string("KeyboardInterrupt");
    status["stopped_at_ms"] = out.stopped_at_ms;
    status["stop_reason"] = out.stop_reason;
  }
  // summary.json and counters.json of `evsnn run --out`, as it writes them.
  out.summary = cli::run_summary(sim, net, simulated, out.wall_time_s);
  out.summary.update(status);
  if (out.with_data) out.summary["samples"] = pass.spikes.size();
  if (net.plasticity_count() > 0) out.summary["plasticity"] = cli::plasticity_summary(sim, net);
  out.counters = cli::event_driven_counters_json(sim.counters(), net, simulated);
  out.counters.update(status);
  // Readout values at the end (readout.csv).
  for (std::uint32_t p = 0; p < net.population_count(); ++p) {
    const population& pop = net.pop(p);
    if (pop.spiking()) continue;
    std::vector<double> v(pop.size());
    for (std::uint32_t i = 0; i < pop.size(); ++i) v[i] = pop.potential(i, sim.now());
    out.readout.emplace_back(pop.name(), std::move(v));
  }
  out.sample_spikes = std::move(pass.spikes);
  out.sample_labels = std::move(pass.labels);
  out.sample_durations_ms = std::move(pass.durations_ms);
  // Both runs cover the same input only when the event-driven one ran to its end.
  if (stepped && stop == stop_reason::none) {
    const cli::energy_report report(n.file(), net, duration, sim.counters(), *stepped, std::move(profiles),
                                    {out.wall_time_s, stepped_wall});
    out.energy = report.to_json();
  }
  return out;
}

}  // namespace evsnn::py
