#include "tools/run_output.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>

#include <fmt/compile.h>
#include <fmt/format.h>

#include "engine/error.hpp"
#include "engine/spike_order.hpp"

namespace evsnn::cli {

namespace {
std::vector<std::string> population_names(const network& net) {
  std::vector<std::string> names;
  for (std::uint32_t p = 0; p < net.population_count(); ++p) names.push_back(net.pop(p).name());
  return names;
}
}  // namespace

spike_csv_writer::spike_csv_writer(const std::filesystem::path& path, const network& net, bool by_sample)
    : spike_csv_writer(path, population_names(net), by_sample) {}

spike_csv_writer::spike_csv_writer(const std::filesystem::path& path, std::vector<std::string> population_names,
                                   bool by_sample)
    : file_(path), names_(std::move(population_names)), by_sample_(by_sample) {
  buf_.reserve(flush_bytes + 256);
  fmt::format_to(std::back_inserter(buf_), "{}time_ms,population,neuron\n", by_sample ? "sample," : "");
}

void spike_file_writer::flush_instant() {
  // std::sort, not stable_sort: it does not allocate (the steady state must not), and records with equal
  // (population, neuron) in one instant write equal lines.
  if (instant_.size() > 1)
    std::sort(instant_.begin(), instant_.end(), spike_order);  // one instant: (population, neuron)
  for (const spike_record& s : instant_) write_spike(s);
  instant_.clear();
}

void spike_csv_writer::write_spike(const spike_record& s) {
  // Compiled formats: one line per spike is the hot loop of writing (shortest round-trip times either way).
  if (by_sample_) fmt::format_to(std::back_inserter(buf_), FMT_COMPILE("{},"), sample_);
  fmt::format_to(std::back_inserter(buf_), FMT_COMPILE("{},{},{}\n"), s.time_ms, names_[s.population], s.neuron);
  if (buf_.size() >= flush_bytes) {
    file_.write({buf_.data(), buf_.size()});
    buf_.clear();
  }
}

void spike_csv_writer::commit() {
  flush_instant();
  file_.write({buf_.data(), buf_.size()});
  buf_.clear();
  file_.commit();
}

spike_npy_writer::spike_npy_writer(const std::filesystem::path& path, bool by_sample)
    : file_(path), by_sample_(by_sample) {
  buf_.reserve(flush_bytes + 64);
  file_.write(header(0));
}

std::string spike_npy_writer::header(std::uint64_t rows) const {
  // The count is padded to 20 characters (any 64-bit count fits), so the header's length never changes.
  std::string dict = fmt::format("{{'descr': '<f8', 'fortran_order': False, 'shape': ({:>20}, {}), }}", rows,
                                 by_sample_ ? 4 : 3);
  const std::size_t prefix = 10;  // magic, version 1.0, 2-byte header length
  dict.append((64 - (prefix + dict.size() + 1) % 64) % 64, ' ');
  dict += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>(dict.size() >> 8);
  return out + dict;
}

void spike_npy_writer::write_spike(const spike_record& s) {
  auto put = [&](double v) {
    const auto bits = std::bit_cast<std::uint64_t>(v);
    char bytes[8];
    for (int b = 0; b < 8; ++b) bytes[b] = static_cast<char>((bits >> (8 * b)) & 0xff);  // little-endian on any host
    buf_.append(bytes, 8);
  };
  if (by_sample_) put(static_cast<double>(sample_));
  put(s.time_ms);
  put(static_cast<double>(s.population));
  put(static_cast<double>(s.neuron));
  ++rows_;
  if (buf_.size() >= flush_bytes) {
    file_.write(buf_);
    buf_.clear();
  }
}

void spike_npy_writer::commit() {
  flush_instant();
  file_.write(buf_);
  buf_.clear();
  std::FILE* f = file_.handle();
  const std::string h = header(rows_);
  if (std::fflush(f) != 0 || std::fseek(f, 0, SEEK_SET) != 0 || std::fwrite(h.data(), 1, h.size(), f) != h.size())
    throw input_error("spikes.npy: cannot write the header");
  file_.commit();
}

std::unique_ptr<spike_file_writer> make_spike_writer(const std::string& format, const std::filesystem::path& path,
                                                     const network& net, bool by_sample) {
  if (format == "npy") return std::make_unique<spike_npy_writer>(path, by_sample);
  return std::make_unique<spike_csv_writer>(path, net, by_sample);
}

std::unique_ptr<output_folder> open_run_folder(const std::filesystem::path& dir) {
  // Files `evsnn run` may write; the set a folder of an older evsnn (no manifest) is cleared of.
  static const std::vector<std::string> names{"spikes.csv",    "spikes.npy",    "samples.csv", "readout.csv",
                                              "network.json",  "counters.json", "summary.json"};
  return std::make_unique<output_folder>(dir, "run", names, "summary.json");
}

void write_samples_csv(const std::filesystem::path& path, const std::vector<std::uint64_t>& spikes,
                       const std::vector<std::uint32_t>& labels, const std::vector<double>& durations_ms) {
  fmt::memory_buffer buf;
  fmt::format_to(std::back_inserter(buf), "sample,label,spikes,duration_ms\n");
  for (std::size_t k = 0; k < spikes.size(); ++k)
    fmt::format_to(std::back_inserter(buf), "{},{},{},{}\n", k, labels[k], spikes[k], durations_ms[k]);
  write_file_atomic(path, {buf.data(), buf.size()});
}

void write_readout_csv(const std::filesystem::path& path, network& net, double t_ms) {
  fmt::memory_buffer buf;
  fmt::format_to(std::back_inserter(buf), "population,neuron,value\n");
  for (std::uint32_t p = 0; p < net.population_count(); ++p) {
    const population& pop = net.pop(p);
    if (pop.spiking()) continue;
    for (std::uint32_t i = 0; i < pop.size(); ++i)
      fmt::format_to(std::back_inserter(buf), "{},{},{}\n", pop.name(), i, pop.potential(i, t_ms));
  }
  write_file_atomic(path, {buf.data(), buf.size()});
}

nlohmann::json run_summary(const simulator& sim, network& net, double duration_ms, double wall_s) {
  const run_counters& c = sim.counters();
  nlohmann::json j;
  j["duration_ms"] = duration_ms;
  j["wall_time_s"] = wall_s;
  j["events"] = c.events;
  j["spikes"] = c.total_spikes();
  j["synaptic_events"] = c.total_synaptic_events();
  j["neuron_updates"] = c.total_neuron_updates();
  j["queue_pushes"] = c.queue_pushes;
  j["queue_pops"] = c.queue_pops;
  j["synaptic_events_per_s"] = wall_s > 0 ? static_cast<double>(c.total_synaptic_events()) / wall_s : 0.0;
  nlohmann::json pops = nlohmann::json::array();
  for (std::uint32_t p = 0; p < net.population_count(); ++p) {
    const population& pop = net.pop(p);
    const population_counters& pc = c.populations[p];
    pops.push_back({{"name", pop.name()},
                    {"model", pop.model()},
                    {"size", net.global_size(p)},
                    {"spikes", pc.spikes},
                    {"rate_hz", duration_ms > 0 ? static_cast<double>(pc.spikes) / net.global_size(p) / (duration_ms * 1e-3) : 0.0},
                    {"neuron_updates", pc.neuron_updates},
                    {"crossing_predictions", pc.crossing_predictions},
                    {"wakeups_scheduled", pc.wakeups_scheduled},
                    {"stale_wakeups", pc.stale_wakeups},
                    {"dropped_inputs", pc.dropped_inputs}});
  }
  j["populations"] = pops;
  nlohmann::json projs = nlohmann::json::array();
  for (std::uint32_t p = 0; p < net.projection_count(); ++p) {
    const projection& pr = net.proj(p);
    const projection_counters& pc = c.projections[p];
    projs.push_back({{"name", pr.name()},
                     {"synapses", pr.synapse_count()},
                     {"spikes_in", pc.spikes_in},
                     {"synaptic_events", pc.synaptic_events},
                     {"graded_events", pc.graded_events}});
  }
  j["projections"] = projs;
  return j;
}

std::string format_summary(const nlohmann::json& s) {
  std::string out;
  auto it = std::back_inserter(out);
  fmt::format_to(it, "simulated {} ms in {:.3f} s wall\n", s["duration_ms"].get<double>(), s["wall_time_s"].get<double>());
  if (s.contains("time_s")) {
    const auto& t = s["time_s"];
    fmt::format_to(it, "time: parse {:.3f} s, build {:.3f} s, simulate {:.3f} s (spikes.csv or spikes.npy streams here), write {:.3f} s\n",
                   t.value("parse", 0.0), t.value("build", 0.0), t.value("simulate", 0.0), t.value("write", 0.0));
  }
  if (s.contains("stopped_at_ms"))
    fmt::format_to(it, "{} at t = {} ms ({}): the outputs hold the run so far\n", s["status"].get<std::string>(),
                   s["stopped_at_ms"].get<double>(), s["stop_reason"].get<std::string>());
  fmt::format_to(it, "{:<16} {:<13} {:>9} {:>11} {:>10}\n", "population", "model", "size", "spikes", "rate (Hz)");
  for (const auto& p : s["populations"])
    fmt::format_to(it, "{:<16} {:<13} {:>9} {:>11} {:>10.2f}\n", p["name"].get<std::string>(), p["model"].get<std::string>(),
        p["size"].get<std::uint64_t>(), p["spikes"].get<std::uint64_t>(), p["rate_hz"].get<double>());
  fmt::format_to(it, "events {}  synaptic events {}  neuron updates {}  queue pushes {}\n", s["events"].get<std::uint64_t>(),
      s["synaptic_events"].get<std::uint64_t>(), s["neuron_updates"].get<std::uint64_t>(),
      s["queue_pushes"].get<std::uint64_t>());
  fmt::format_to(it, "{:.1f} M synaptic events/s\n", s["synaptic_events_per_s"].get<double>() * 1e-6);
  if (s.contains("plasticity")) {
    fmt::format_to(it, "{:<24} {:<13} {:>14} {:>13} {:>11} {:>11} {:>11}\n", "plastic projection", "rule",
                   "weight updates", "trace updates", "w mean", "w min", "w max");
    for (const auto& p : s["plasticity"])
      fmt::format_to(it, "{:<24} {:<13} {:>14} {:>13} {:>11.5g} {:>11.5g} {:>11.5g}\n", p["projection"].get<std::string>(),
                     p["rule"].get<std::string>(), p["weight_updates"].get<std::uint64_t>(),
                     p["trace_updates"].get<std::uint64_t>(), p["weight_mean"].get<double>(),
                     p["weight_min"].get<double>(), p["weight_max"].get<double>());
  }
  return out;
}

}  // namespace evsnn::cli
