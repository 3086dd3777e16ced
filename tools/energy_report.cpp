#include <cstdlib>
#include "tools/energy_report.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/svg_writer.hpp"

namespace evsnn::cli {

std::vector<std::filesystem::path> profile_dirs(const std::filesystem::path& from) {
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv("EVSNN_PROFILE_DIR"); env && *env) dirs.emplace_back(env);
  std::error_code ec;
  std::filesystem::path dir = from;
  if (dir.empty()) dir = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
  if (!ec) {
    dirs.push_back(dir.parent_path() / "tools" / "profiles");
    dirs.push_back(dir / "tools" / "profiles");
  }
  return dirs;
}


namespace {

constexpr std::array<const char*, op_kind_count> kind_labels = {
    "synaptic AC (spike)", "synaptic MAC (graded)", "dense MAC",   "neuron update", "neuron-step", "active neuron-step", "spike",
    "crossing prediction", "queue push/pop",        "trace update", "weight update", "other rule op"};
constexpr std::array<const char*, op_kind_count> kind_colors = {"#4e79a7", "#76b7b2", "#e15759", "#f28e2b",
                                                                "#edc948", "#8c6d31", "#59a14f", "#b07aa1",
                                                                "#ff9da7", "#9c755f", "#bab0ac", "#17becf"};

nlohmann::json op_counts_json(const op_counts& c) {
  nlohmann::json j = nlohmann::json::object();
  for (std::size_t k = 0; k < op_kind_count; ++k) j[op_kind_names[k]] = c[k];
  return j;
}

nlohmann::json population_json(const population_counters& pc) {
  return {{"spikes", pc.spikes},
          {"neuron_updates", pc.neuron_updates},
          {"crossing_predictions", pc.crossing_predictions},
          {"wakeups_scheduled", pc.wakeups_scheduled},
          {"stale_wakeups", pc.stale_wakeups},
          {"dropped_inputs", pc.dropped_inputs}};
}

nlohmann::json projection_json(const projection& pr, const network& net, const projection_counters& pc) {
  return {{"name", pr.name()},
          {"pre", net.pop(pr.pre_population()).name()},
          {"post", net.pop(pr.post_population()).name()},
          {"synapses", pr.synapse_count()},
          {"delay_ms", pr.delay_ms()},
          {"graded", pr.graded()},
          {"spikes_in", pc.spikes_in},
          {"synaptic_events", pc.synaptic_events},
          {"graded_events", pc.graded_events},
          {"trace_updates", pc.trace_updates},
          {"weight_updates", pc.weight_updates},
          {"rule_ops", pc.rule_ops}};
}

nlohmann::json totals_json(const run_counters& c) {
  std::uint64_t ac = 0, mac = 0, tr = 0, wu = 0, ro = 0, cp = 0, stale = 0, dropped = 0;
  for (const auto& p : c.projections) {
    ac += p.synaptic_events;
    mac += p.graded_events;
    tr += p.trace_updates;
    wu += p.weight_updates;
    ro += p.rule_ops;
  }
  for (const auto& p : c.populations) {
    cp += p.crossing_predictions;
    stale += p.stale_wakeups;
    dropped += p.dropped_inputs;
  }
  return {{"spikes", c.total_spikes()},         {"synaptic_events", ac},      {"graded_events", mac},
          {"neuron_updates", c.total_neuron_updates()}, {"crossing_predictions", cp}, {"queue_pushes", c.queue_pushes},
          {"queue_pops", c.queue_pops},         {"stale_wakeups", stale},     {"dropped_inputs", dropped},
          {"events", c.events},                 {"ticks", c.ticks},           {"trace_updates", tr},
          {"weight_updates", wu},               {"rule_ops", ro}};
}

// "11.0", "714", "0.0235": three significant digits, never an exponent.
std::string format_ratio(double r) {
  if (r >= 99.95) return fmt::format("{:.0f}", r);
  if (r >= 9.995) return fmt::format("{:.1f}", r);
  if (r >= 0.9995) return fmt::format("{:.2f}", r);
  return fmt::format("{:.3g}", r);
}

// 10^d pJ as "1 pJ", "10 nJ", "100 µJ", ...
std::string format_decade(int d) {
  static constexpr std::array<const char*, 6> units = {"pJ", "nJ", "µJ", "mJ", "J", "kJ"};
  const int u = std::clamp(d >= 0 ? d / 3 : -((2 - d) / 3), 0, 5);
  const double v = std::pow(10.0, d - 3 * u);
  return fmt::format("{:g} {}", v, units[static_cast<std::size_t>(u)]);
}

}  // namespace

std::string format_energy(double pj) {
  if (pj == 0.0) return "0";
  static constexpr std::array<const char*, 5> units = {"pJ", "nJ", "µJ", "mJ", "J"};
  std::size_t u = 0;
  double v = pj;
  while (std::fabs(v) >= 999.5 && u + 1 < units.size()) {
    v /= 1000.0;
    ++u;
  }
  const double a = std::fabs(v);
  const int decimals = a >= 99.95 ? 0 : (a >= 9.995 ? 1 : 2);
  return fmt::format("{:.{}f} {}", v, decimals, units[u]);
}

nlohmann::json event_driven_counters_json(const run_counters& c, const network& net, double duration_ms) {
  nlohmann::json j;
  j["format"] = "evsnn-counters/1";
  j["execution"] = "event_driven";
  j["duration_ms"] = duration_ms;
  j["totals"] = totals_json(c);
  nlohmann::json pops = nlohmann::json::array();
  for (std::uint32_t p = 0; p < net.population_count(); ++p) {
    nlohmann::json e = {{"name", net.pop(p).name()}, {"model", net.pop(p).model()}, {"size", net.global_size(p)}};
    e.update(population_json(c.populations[p]));
    pops.push_back(std::move(e));
  }
  j["populations"] = std::move(pops);
  nlohmann::json projs = nlohmann::json::array();
  for (std::uint32_t p = 0; p < net.projection_count(); ++p) projs.push_back(projection_json(net.proj(p), net, c.projections[p]));
  j["projections"] = std::move(projs);
  return j;
}

nlohmann::json time_stepped_counters_json(const stepped_simulator& sim, double duration_ms) {
  const network& net = sim.net();
  const run_counters& c = sim.counters();
  nlohmann::json j;
  j["format"] = "evsnn-counters/1";
  j["execution"] = "time_stepped";
  j["duration_ms"] = duration_ms;
  j["dt_ms"] = sim.dt_ms();
  j["steps"] = sim.steps();
  j["stepped_neurons"] = sim.stepped_neurons();
  nlohmann::json totals = totals_json(c);
  totals["dense_macs"] = sim.total_dense_macs();
  j["totals"] = std::move(totals);
  nlohmann::json pops = nlohmann::json::array();
  for (std::uint32_t p = 0; p < net.population_count(); ++p) {
    nlohmann::json e = {{"name", net.pop(p).name()}, {"model", net.pop(p).model()}, {"size", net.global_size(p)},
                        {"stepped", !sim.pop(p).is_source()}};
    e.update(population_json(c.populations[p]));
    e["membrane_updates"] = sim.membrane_updates(p);
    e["active_neuron_steps"] = sim.active_neuron_steps(p);
    pops.push_back(std::move(e));
  }
  j["populations"] = std::move(pops);
  nlohmann::json projs = nlohmann::json::array();
  for (std::uint32_t p = 0; p < net.projection_count(); ++p) {
    nlohmann::json e = projection_json(net.proj(p), net, c.projections[p]);
    e["delay_steps"] = sim.delay_steps(net.proj(p).delay_ms());
    e["dense_macs"] = sim.dense_macs(p);
    e["effective_ops"] = sim.effective_ops(p);
    projs.push_back(std::move(e));
  }
  j["projections"] = std::move(projs);
  return j;
}

energy_report::energy_report(std::string network_file, const network& net, double duration_ms,
                             const run_counters& event_driven, const stepped_simulator& stepped,
                             std::vector<energy_profile> profiles, timing wall)
    : file_(std::move(network_file)),
      duration_ms_(duration_ms),
      dt_ms_(stepped.dt_ms()),
      steps_(stepped.steps()),
      neurons_(net.neuron_count()),
      stepped_neurons_(stepped.stepped_neurons()),
      synapses_(net.synapse_count()),
      ed_spikes_(event_driven.total_spikes()),
      ts_spikes_(stepped.counters().total_spikes()),
      ed_(event_driven_op_counts(event_driven, stepped.stepped_neurons() * stepped.steps(),
                                 stepped.total_active_neuron_steps())),
      ts_(time_stepped_op_counts(stepped.counters(), stepped.total_dense_macs(), stepped.stepped_neurons() * stepped.steps(),
                                 stepped.total_active_neuron_steps())),
      profiles_(std::move(profiles)),
      nb_(neurobench_metrics::of(stepped)),
      wall_(wall) {}

double energy_report::total_pj(std::size_t i) const { return profiles_[i].total_pj(counts_for(profiles_[i])); }

nlohmann::json energy_report::to_json() const {
  nlohmann::json j;
  j["format"] = "evsnn-energy/1";
  j["network"] = file_;
  j["duration_ms"] = duration_ms_;
  j["dt_ms"] = dt_ms_;
  j["steps"] = steps_;
  j["neurons"] = neurons_;
  j["stepped_neurons"] = stepped_neurons_;
  j["synapses"] = synapses_;
  j["input"] = "the same input spikes in both runs: replay lists copied, Poisson trains regenerated from the same per-sample seeds";
  j["counts"] = {{"event_driven", op_counts_json(ed_)}, {"time_stepped", op_counts_json(ts_)}};
  j["wall_time_s"] = {{"event_driven", wall_.event_driven_s}, {"time_stepped", wall_.time_stepped_s}};
  nlohmann::json profs = nlohmann::json::array();
  for (std::size_t i = 0; i < profiles_.size(); ++i) {
    const energy_profile& p = profiles_[i];
    const op_energies e = p.energy_pj(counts_for(p));
    nlohmann::json per_op = nlohmann::json::object(), energy = nlohmann::json::object();
    for (std::size_t k = 0; k < op_kind_count; ++k) {
      per_op[op_kind_names[k]] = {{"energy_pj", p.figure(k).energy_pj}, {"status", p.figure(k).status}, {"source", p.figure(k).source}};
      energy[op_kind_names[k]] = e[k];
    }
    profs.push_back({{"name", p.name()},
                     {"title", p.title()},
                     {"file", p.file()},
                     {"execution", p.execution()},
                     {"prices", p.event_driven() ? "counts.event_driven" : "counts.time_stepped"},
                     {"per_op", per_op},
                     {"energy_pj", energy},
                     {"total_pj", total_pj(i)}});
  }
  j["profiles"] = std::move(profs);
  nlohmann::json ratios = nlohmann::json::array();
  for (std::size_t t = 0; t < profiles_.size(); ++t) {
    if (profiles_[t].event_driven()) continue;
    for (std::size_t e = 0; e < profiles_.size(); ++e) {
      if (!profiles_[e].event_driven()) continue;
      const double ed = total_pj(e);
      ratios.push_back({{"time_stepped", profiles_[t].name()},
                        {"event_driven", profiles_[e].name()},
                        {"ratio", ed > 0 ? nlohmann::json(total_pj(t) / ed) : nlohmann::json(nullptr)}});
    }
  }
  j["ratios"] = std::move(ratios);
  j["spikes"] = {{"event_driven", ed_spikes_}, {"time_stepped", ts_spikes_}};
  j["neurobench"] = nb_.to_json();
  return j;
}

std::string energy_report::table() const {
  std::string out;
  auto it = std::back_inserter(out);
  fmt::format_to(it, "{}: {} ms, same input in both runs; time-stepped at dt = {} ms ({} steps)\n", file_, duration_ms_,
                 dt_ms_, steps_);
  fmt::format_to(it, "{} neurons ({} updated every step), {} synapses\n\n", neurons_, stepped_neurons_, synapses_);
  std::vector<std::size_t> widths;
  for (const auto& p : profiles_) widths.push_back(std::max<std::size_t>(13, p.name().size() + 7));
  fmt::format_to(it, "{:<22}{:>14}{:>14}  |", "operation", "event-driven", "time-stepped");
  for (std::size_t i = 0; i < profiles_.size(); ++i)
    fmt::format_to(it, "{:>{}}", fmt::format("{} [{}]", profiles_[i].name(), profiles_[i].event_driven() ? "ED" : "TS"), widths[i]);
  fmt::format_to(it, "\n{:<22}{:>14}{:>14}  |", "", "count", "count");
  for (std::size_t i = 0; i < profiles_.size(); ++i) fmt::format_to(it, "{:>{}}", "energy", widths[i]);
  out += '\n';
  std::vector<op_energies> energies;
  for (const auto& p : profiles_) energies.push_back(p.energy_pj(counts_for(p)));
  for (std::size_t k = 0; k < op_kind_count; ++k) {
    fmt::format_to(it, "{:<22}{:>14}{:>14}  |", kind_labels[k], ed_[k], ts_[k]);
    for (std::size_t i = 0; i < profiles_.size(); ++i) fmt::format_to(it, "{:>{}}", format_energy(energies[i][k]), widths[i]);
    out += '\n';
  }
  fmt::format_to(it, "{:<22}{:>14}{:>14}  |", "total", "", "");
  for (std::size_t i = 0; i < profiles_.size(); ++i) fmt::format_to(it, "{:>{}}", format_energy(total_pj(i)), widths[i]);
  out += "\n\n";
  for (std::size_t t = 0; t < profiles_.size(); ++t) {
    if (profiles_[t].event_driven()) continue;
    for (std::size_t e = 0; e < profiles_.size(); ++e) {
      if (!profiles_[e].event_driven() || total_pj(e) <= 0) continue;
      fmt::format_to(it, "time-stepped {} / event-driven {}: {}x the energy\n", profiles_[t].name(), profiles_[e].name(),
                     format_ratio(total_pj(t) / total_pj(e)));
    }
  }
  fmt::format_to(it, "spikes: event-driven {}, time-stepped {}\n", ed_spikes_, ts_spikes_);
  fmt::format_to(it, "\nNeuroBench metrics (time-stepped run, one sample):\n");
  fmt::format_to(it, "  activation sparsity   {:.4f}   (1 - spikes / (spiking neurons x steps))\n", nb_.activation_sparsity);
  fmt::format_to(it, "  synaptic operations   dense {}, effective MACs {}, effective ACs {}\n", nb_.dense_synops,
                 nb_.effective_macs, nb_.effective_acs);
  fmt::format_to(it, "  membrane updates      {}\n", nb_.membrane_updates);
  fmt::format_to(it, "  model footprint       {} bytes (weights {}, indices {}, neuron state {})\n", nb_.footprint_bytes,
                 nb_.weight_bytes, nb_.index_bytes, nb_.neuron_state_bytes);
  fmt::format_to(it, "  connection sparsity   {:.4f}   (zero weights / n_pre x n_post)\n", nb_.connection_sparsity);
  fmt::format_to(it, "wall time: event-driven {:.3f} s, time-stepped {:.3f} s\n", wall_.event_driven_s, wall_.time_stepped_s);
  return out;
}

std::string energy_report::svg() const {
  const std::size_t n = profiles_.size();
  const double W = 960, L = 250, R = 110, bar_h = 26, gap = 12;
  const double plot_w = W - L - R;
  // Which kinds carry energy anywhere: only those get a legend entry.
  std::vector<op_energies> energies;
  for (const auto& p : profiles_) energies.push_back(p.energy_pj(counts_for(p)));
  std::vector<std::size_t> used;
  for (std::size_t k = 0; k < op_kind_count; ++k)
    for (const auto& e : energies)
      if (e[k] > 0) {
        used.push_back(k);
        break;
      }
  const double y_title = 30, y_p1 = 96;
  const double p1_h = static_cast<double>(n) * (bar_h + gap);
  const double y_axis = y_p1 + p1_h + 4;
  const double y_ratio = y_axis + 40;
  std::size_t n_ratios = 0;
  for (std::size_t t = 0; t < n; ++t)
    if (!profiles_[t].event_driven())
      for (std::size_t e = 0; e < n; ++e) n_ratios += profiles_[e].event_driven() && total_pj(e) > 0;
  const double y_p2_title = y_ratio + 18.0 * static_cast<double>(std::min<std::size_t>(n_ratios, 6)) + 22;
  const double y_p2 = y_p2_title + 16;
  const double y_legend = y_p2 + p1_h + 14;
  const double legend_rows = std::ceil(static_cast<double>(used.size()) / 3.0);
  const double H = y_legend + legend_rows * 22 + 40;
  svg_writer svg(W, H);
  svg.text(20, y_title, "Energy of one run: event-driven vs time-stepped", "font-size=\"19\" font-weight=\"bold\"");
  svg.text(20, y_title + 22,
           fmt::format("{} · {} ms · {} neurons · {} synapses · stepped at dt = {} ms ({} steps) · same input", file_,
                       duration_ms_, neurons_, synapses_, dt_ms_, steps_),
           "font-size=\"13\" fill=\"#444\"");
  svg.text(20, y_p1 - 14, "Total energy (log scale)", "font-size=\"15\" font-weight=\"bold\"");
  // Log axis over whole decades covering every positive total.
  double lo = 0, hi = 1;
  bool any = false;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = total_pj(i);
    if (t <= 0) continue;
    const double l = std::log10(t);
    lo = any ? std::min(lo, std::floor(l)) : std::floor(l);
    hi = any ? std::max(hi, std::ceil(l)) : std::ceil(l);
    any = true;
  }
  if (hi <= lo) hi = lo + 1;
  auto x_of = [&](double pj) { return L + (std::log10(pj) - lo) / (hi - lo) * plot_w; };
  std::vector<svg_tick> decades;
  for (double d = lo; d <= hi + 1e-9; d += 1)
    decades.push_back({L + (d - lo) / (hi - lo) * plot_w, format_decade(static_cast<int>(d))});
  svg.x_ticks(decades, y_p1 - 4, y_axis, y_axis + 14, "stroke=\"#ddd\"", "font-size=\"11\" fill=\"#555\"");
  for (std::size_t i = 0; i < n; ++i) {
    const energy_profile& p = profiles_[i];
    const double y = y_p1 + static_cast<double>(i) * (bar_h + gap);
    const char* color = p.event_driven() ? "#2a9d8f" : "#e76f51";
    svg.text(L - 10, y + 12, p.name(), "font-size=\"13\" text-anchor=\"end\" font-weight=\"bold\"");
    svg.text(L - 10, y + 25, p.event_driven() ? "event-driven run" : "time-stepped run",
             fmt::format("font-size=\"11\" text-anchor=\"end\" fill=\"{}\"", color));
    const double t = total_pj(i);
    const double x1 = t > 0 ? x_of(t) : L;
    svg.rect(L, y, std::max(1.0, x1 - L), bar_h, fmt::format("fill=\"{}\"", color));
    svg.text(x1 + 6, y + 18, format_energy(t), "font-size=\"13\"");
  }
  std::size_t r = 0;
  for (std::size_t t = 0; t < n && r < 6; ++t) {
    if (profiles_[t].event_driven()) continue;
    for (std::size_t e = 0; e < n && r < 6; ++e) {
      if (!profiles_[e].event_driven() || total_pj(e) <= 0) continue;
      svg.text_markup(20, y_ratio + 18.0 * static_cast<double>(r),
                      fmt::format("time-stepped on <tspan font-weight=\"bold\">{}</tspan> uses <tspan "
                                  "font-weight=\"bold\">{}x</tspan> the energy of event-driven on <tspan "
                                  "font-weight=\"bold\">{}</tspan>",
                                  xml_escape(profiles_[t].name()), format_ratio(total_pj(t) / total_pj(e)),
                                  xml_escape(profiles_[e].name())),
                      "font-size=\"13\"");
      ++r;
    }
  }
  svg.text(20, y_p2_title, "Where the energy goes (share of each total)", "font-size=\"15\" font-weight=\"bold\"");
  for (std::size_t i = 0; i < n; ++i) {
    const double y = y_p2 + static_cast<double>(i) * (bar_h + gap);
    svg.text(L - 10, y + 18, profiles_[i].name(), "font-size=\"13\" text-anchor=\"end\"");
    const double t = total_pj(i);
    double x = L;
    if (t <= 0) {
      svg.text(L, y + 18, "no energy charged", "font-size=\"12\" fill=\"#777\"");
      continue;
    }
    for (std::size_t k = 0; k < op_kind_count; ++k) {
      const double w = energies[i][k] / t * plot_w;
      if (w <= 0) continue;
      svg.rect(x, y, w, bar_h, fmt::format("fill=\"{}\"", kind_colors[k]),
               fmt::format("{}: {}", kind_labels[k], format_energy(energies[i][k])));
      if (w >= 40)
        svg.text(x + w / 2, y + 18, fmt::format("{:.0f}%", 100.0 * energies[i][k] / t),
                 "font-size=\"12\" text-anchor=\"middle\" fill=\"white\"");
      x += w;
    }
  }
  for (std::size_t u = 0; u < used.size(); ++u) {
    const double x = 20 + static_cast<double>(u % 3) * 300;
    const double y = y_legend + std::floor(static_cast<double>(u) / 3.0) * 22;
    svg.rect(x, y, 14, 14, fmt::format("fill=\"{}\"", kind_colors[used[u]]));
    svg.text(x + 20, y + 12, kind_labels[used[u]], "font-size=\"13\"");
  }
  svg.text(20, H - 14,
           "Counts are exact; energies are estimates: per-operation figures and their sources are in each profile file "
           "(see energy.json).",
           "font-size=\"11\" fill=\"#666\"");
  return svg.finish();
}

}  // namespace evsnn::cli
