#include "tools/run_partitioned.hpp"

#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "engine/network_loader.hpp"
#include "engine/partitioned_run.hpp"
#include "models/builtin_models.hpp"
#include "rules/plasticity_rules.hpp"
#include "tools/energy_report.hpp"
#include "tools/output_folder.hpp"
#include "tools/plastic_output.hpp"
#include "tools/run_output.hpp"
#include "tools/spike_raster.hpp"
#include "tools/stop_signals.hpp"

namespace evsnn::cli {

namespace {

using clock = std::chrono::steady_clock;
double since(clock::time_point t) { return std::chrono::duration<double>(clock::now() - t).count(); }

// Every plastic projection's synapses of this rank as (pre, global post, weight), in synapse order.
std::vector<std::byte> local_plastic_synapses(network& net) {
  std::vector<std::byte> out;
  for (std::size_t r = 0; r < net.plasticity_count(); ++r) {
    projection& pr = net.proj(net.plastic(r).projection());
    for (std::uint32_t i = 0; i < pr.n_pre(); ++i) {
      const projection::row_view row = pr.row(i);
      for (std::size_t k = 0; k < row.post.size(); ++k) {
        const std::uint32_t post = net.part().global_index(pr.post_population(), row.post[k]);
        const std::size_t at = out.size();
        out.resize(at + 16);
        std::memcpy(out.data() + at, &i, 4);
        std::memcpy(out.data() + at + 4, &post, 4);
        std::memcpy(out.data() + at + 8, &row.weights[k], 8);
      }
    }
  }
  return out;
}

// Rank 0: the whole network with the learned weights of every plastic projection put back from the ranks
// (each rank's synapses of a projection are the whole projection's synapses onto its neurons, in order).
std::unique_ptr<network> gathered_network(const nlohmann::json& doc, const partitioned_options& o,
                                          const partition& part, const std::vector<std::byte>& all,
                                          const std::vector<std::size_t>& counts) {
  const model_registry models = builtin_model_registry();
  const plasticity_registry rules = rules::builtin_plasticity_registry();
  auto whole = build_network(doc, o.net_path, network_dir(o.net_path), models, &rules);
  std::vector<std::size_t> cursor(counts.size(), 0);
  for (std::size_t r = 1; r < counts.size(); ++r) cursor[r] = cursor[r - 1] + counts[r - 1];
  for (std::size_t r = 0; r < whole->plasticity_count(); ++r) {
    projection& pr = whole->proj(whole->plastic(r).projection());
    const std::uint32_t post_pop = pr.post_population();
    for (std::uint32_t i = 0; i < pr.n_pre(); ++i) {
      const projection::row_view row = pr.row(i);
      for (std::size_t k = 0; k < row.post.size(); ++k) {
        const auto owner = static_cast<std::size_t>(part.dealt(post_pop) ? row.post[k] % static_cast<std::uint32_t>(part.ranks())
                                                                           : static_cast<std::uint32_t>(part.owner(post_pop)));
        std::uint32_t pre = 0, post = 0;
        double w = 0.0;
        std::memcpy(&pre, all.data() + cursor[owner], 4);
        std::memcpy(&post, all.data() + cursor[owner] + 4, 4);
        std::memcpy(&w, all.data() + cursor[owner] + 8, 8);
        if (pre != i || post != row.post[k]) throw std::logic_error("run_partitioned: the ranks' synapses do not match");
        cursor[owner] += 16;
        row.weights[k] = w;
      }
    }
  }
  return whole;
}

}  // namespace

void run_partitioned(const partitioned_options& o, communicator& comm) {
  const bool root = comm.rank() == 0;
  const auto t_parse = clock::now();
  const nlohmann::json doc = parse_json_file(o.net_path);
  const double parse_s = since(t_parse);
  const auto t_build = clock::now();
  const model_registry models = builtin_model_registry();
  const plasticity_registry rules = rules::builtin_plasticity_registry();
  const partition_request request{comm.rank(), comm.size(), o.mode};
  auto net = build_network(doc, o.net_path, network_dir(o.net_path), models, &rules, &request);
  const double build_s = since(t_build);
  const double duration = o.duration_ms > 0 ? o.duration_ms : net->duration_ms;
  if (!(duration > 0))
    throw input_error(fmt::format("{}: /duration_ms: missing; give it in the file or with --duration-ms", o.net_path));
  if (root && !o.svg.empty()) check_figure_path(o.svg, "--svg");
  const std::unique_ptr<output_folder> out = root && !o.out_dir.empty() ? open_run_folder(o.out_dir) : nullptr;
  simulator sim(*net, net->seed);
  sim.record_spikes(false);
  std::unique_ptr<spike_file_writer> spikes;
  if (out != nullptr) spikes = make_spike_writer(o.spikes_format, out->path(spike_file_name(o.spikes_format)), *net, false);
  std::unique_ptr<spike_raster> raster;
  if (root && !o.svg.empty()) raster = std::make_unique<spike_raster>(*net, duration);
  spike_fanout sinks;
  sinks.add(spikes.get());
  sinks.add(raster.get());
  const stop_signals signals;
  sim.set_stop_poll([&] { return signals.received() != 0; });
  partitioned_run run(sim, comm);
  const auto t0 = clock::now();
  const bool complete = run.run(duration, sinks.empty() ? nullptr : &sinks);
  sim.settle();
  const double wall = since(t0);
  // Counters and synapse counts summed over the ranks; learned weights gathered on rank 0.
  sim.counters().sum_over_ranks(comm, net->population_count(), net->projection_count());
  std::vector<std::uint64_t> synapses(net->projection_count());
  for (std::uint32_t k = 0; k < net->projection_count(); ++k) synapses[k] = net->proj(k).synapse_count();
  comm.sum(synapses);
  std::unique_ptr<network> whole;
  if (net->plasticity_count() > 0) {
    std::vector<std::byte> all;
    std::vector<std::size_t> counts;
    comm.gather_varied(local_plastic_synapses(*net), all, counts);
    if (root) whole = gathered_network(doc, o, net->part(), all, counts);
  }
  const partitioned_run::stats& traffic = run.traffic();
  // totals[2]: the ranks that stopped at their bound on pending events (a runaway network), not on a signal.
  std::vector<std::uint64_t> totals{traffic.spikes_sent, traffic.bytes_received,
                                    sim.stopped() == stop_reason::max_pending ? 1u : 0u};
  comm.sum(totals);
  const bool runaway = totals[2] > 0;
  if (!root) return;

  const double simulated = complete ? duration : sim.now();
  nlohmann::json summary = run_summary(sim, *net, simulated, wall);
  for (std::uint32_t k = 0; k < net->projection_count(); ++k) summary["projections"][k]["synapses"] = synapses[k];
  nlohmann::json status = {{"status", complete ? "complete" : runaway ? "stopped" : "interrupted"}};
  if (!complete) {
    status["stopped_at_ms"] = sim.now();
    status["stop_reason"] = runaway ? "pending events over the limit" : stop_signals::name(signals.received());
  }
  summary.update(status);
  std::vector<std::string> names;
  for (std::uint32_t p = 0; p < net->population_count(); ++p) names.push_back(net->pop(p).name());
  summary["partition"] = {{"ranks", comm.size()},
                          {"mode", o.mode == partition_mode::neurons ? "neurons" : "populations"},
                          {"placement", net->part().describe(names)},
                          {"window_ms", net->part().window_ms()},
                          {"windows", traffic.windows},
                          {"spikes_exchanged", totals[0]},
                          {"bytes_received", totals[1]},
                          {"exchange_s_rank0", traffic.exchange_s}};
  summary["time_s"] = {{"parse", parse_s}, {"build", build_s}, {"simulate", wall}};
  const auto t_write = clock::now();
  if (whole != nullptr) summary["plasticity"] = plasticity_summary(sim, *whole);
  if (out != nullptr) {
    spikes->commit();
    bool has_readout = false;
    for (std::uint32_t p = 0; p < net->population_count(); ++p) has_readout |= !net->pop(p).spiking();
    if (has_readout) write_readout_csv(out->path("readout.csv"), *net, sim.now());
    if (whole != nullptr) write_plastic_outputs(*out, *whole, doc, network_dir(o.net_path));
    nlohmann::json counters = event_driven_counters_json(sim.counters(), *net, simulated);
    for (std::uint32_t k = 0; k < net->projection_count(); ++k) counters["projections"][k]["synapses"] = synapses[k];
    counters.update(status);
    out->write("counters.json", counters.dump(2) + "\n");
    out->write("summary.json", summary.dump(2) + "\n");
    out->commit();
  }
  if (raster != nullptr) {
    raster_labels labels;
    labels.title = fmt::format("Spike raster: {}", std::filesystem::path(o.net_path).filename().string());
    labels.rate_ms = simulated;
    labels.end_ms = duration;
    labels.notes.push_back(fmt::format("event-driven run of {:g} ms over {} MPI ranks (exact spike times)", duration, comm.size()));
    write_file_atomic(o.svg, raster->svg(labels));
  }
  summary["time_s"]["write"] = since(t_write);
  if (o.json)
    fmt::print("{}\n", summary.dump(2));
  else
    fmt::print("{}partition: {} ranks ({}), window {} ms, {} windows, {} spikes exchanged ({:.1f} MB), {:.3f} s in the "
               "swaps on rank 0\n",
               format_summary(summary), comm.size(), net->part().describe(names), net->part().window_ms(),
               traffic.windows, totals[0], static_cast<double>(totals[1]) / 1e6, traffic.exchange_s);
  if (runaway)
    throw input_error(fmt::format("{}: run stopped at t = {} ms: on {} of {} ranks more events were pending than the "
                                  "limit of {}: {}",
                                  o.net_path, sim.now(), totals[2], comm.size(), sim.pending_limit(),
                                  simulator::runaway_cause()));
  if (!complete)
    throw exit_status(128 + signals.received(), fmt::format("evsnn: interrupted ({}) at t = {} ms", stop_signals::name(signals.received()), sim.now()));
}

}  // namespace evsnn::cli
