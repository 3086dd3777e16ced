#include "tools/data_run.hpp"

#include <algorithm>
#include <filesystem>
#include <span>

#include <fmt/format.h>

#include "datasets/dataset_spec.hpp"
#include "engine/error.hpp"
#include "engine/event.hpp"
#include "engine/presenter.hpp"
#include "models/spike_source.hpp"

namespace evsnn::cli {

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

namespace {

// The network must fall quiet for a sample to drain: no Poisson source of its own.
void check_drains(const data_run_options& o, network& net) {
  for (std::uint32_t p = 0; p < net.population_count(); ++p) {
    const auto* src = dynamic_cast<const spike_source*>(&net.pop(p));
    if (src != nullptr && src->source_mode() == spike_source::mode::poisson)
      throw input_error(fmt::format("{}: population '{}' is a Poisson source, so the network never falls quiet and a "
                                    "sample cannot run until its spikes have drained; give --duration-ms or "
                                    "duration_ms",
                                    o.net_path, net.pop(p).name()));
  }
}

}  // namespace

void run_on_data(const data_run_options& o, network& net, simulator& sim, double duration, spike_file_writer* writer,
                 spike_raster* raster, std::size_t& current, std::size_t& count, data_pass& pass) {
  data::dataset_context ctx;
  ctx.file = "--data";
  ctx.data_dir = o.data_dir.empty() ? data::find_data_dir() : std::filesystem::path(o.data_dir);
  const nlohmann::json spec = data::parse_dataset_arg(o.data, ctx);
  const auto ds = data::open_dataset(spec, ctx);
  const std::uint32_t input = input_population(net, o.input, o.net_path);
  if (ds->channels() > net.pop(input).size())
    throw input_error(fmt::format("{}: data set has {} channels but input population '{}' has {} neurons", o.net_path,
                                  ds->channels(), net.pop(input).name(), net.pop(input).size()));
  if (duration <= 0) check_drains(o, net);
  presenter pr(sim, input, o.carry ? state_policy::carry : state_policy::reset, o.gap_ms);
  count = o.samples > 0 ? std::min(o.samples, ds->size()) : ds->size();
  // A --carry stream of fixed-length samples: the raster's time axis is the whole stream.
  if (raster != nullptr && o.carry && duration > 0)
    raster->set_span(static_cast<double>(count) * duration + (static_cast<double>(count) - 1) * o.gap_ms);
  data::sample s;
  for (std::size_t i = 0; i < count && sim.stopped() == stop_reason::none; ++i) {
    current = i;
    ds->load(i, s, 0);
    if (writer != nullptr) writer->set_sample(i);
    const std::uint64_t spikes_before = sim.spikes_emitted();
    if (duration > 0) {
      // A fixed duration: input events after it are not presented.
      const auto end = std::upper_bound(s.events.begin(), s.events.end(), duration,
                                        [](double t, const input_event& e) { return t < e.time_ms; });
      pr.present(std::span<const input_event>(s.events.data(), static_cast<std::size_t>(end - s.events.begin())),
                 duration);
    } else {
      pr.present_drained(s.events, s.duration_ms);
    }
    pass.spikes.push_back(sim.spikes_emitted() - spikes_before);
    pass.labels.push_back(s.label);
    pass.durations_ms.push_back(pr.last_duration_ms());
    pass.total_ms += pr.last_duration_ms();
    if (pr.next_begin_ms() > max_time_ms)
      throw input_error(fmt::format("--data: sample index {} would begin at t = {:g} ms, beyond the 1e12 ms evsnn simulates "
                                    "(lower --gap-ms or --samples)",
                                    i + 1, pr.next_begin_ms()));
    if (sim.stopped() == stop_reason::none)
      sim.report_outcome({sim.sample_index() - 1, static_cast<std::int64_t>(s.label)});  // no loss here
  }
}

}  // namespace evsnn::cli
