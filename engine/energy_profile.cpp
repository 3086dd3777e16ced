#include "engine/energy_profile.hpp"

#include <fmt/format.h>

#include "engine/error.hpp"
#include "engine/json_node.hpp"

namespace evsnn {

op_counts event_driven_op_counts(const run_counters& c, std::uint64_t neuron_steps, std::uint64_t active_neuron_steps) {
  op_counts n{};
  auto at = [&](op_kind k) -> std::uint64_t& { return n[static_cast<std::size_t>(k)]; };
  for (const projection_counters& p : c.projections) {
    at(op_kind::synaptic_ac) += p.synaptic_events;
    at(op_kind::synaptic_mac) += p.graded_events;
    at(op_kind::trace_update) += p.trace_updates;
    at(op_kind::weight_update) += p.weight_updates;
    at(op_kind::rule_op) += p.rule_ops;
  }
  for (const population_counters& p : c.populations) {
    at(op_kind::neuron_update) += p.neuron_updates;
    at(op_kind::spike) += p.spikes;
    at(op_kind::crossing_prediction) += p.crossing_predictions;
  }
  at(op_kind::neuron_step) = neuron_steps;
  at(op_kind::active_neuron_step) = active_neuron_steps;
  at(op_kind::queue_op) = c.queue_pushes + c.queue_pops;
  return n;
}

op_counts time_stepped_op_counts(const run_counters& c, std::uint64_t dense_macs, std::uint64_t neuron_steps,
                                 std::uint64_t active_neuron_steps) {
  op_counts n{};
  auto at = [&](op_kind k) -> std::uint64_t& { return n[static_cast<std::size_t>(k)]; };
  for (const projection_counters& p : c.projections) {
    at(op_kind::synaptic_ac) += p.synaptic_events;
    at(op_kind::synaptic_mac) += p.graded_events;
  }
  for (const population_counters& p : c.populations) {
    at(op_kind::neuron_update) += p.neuron_updates;
    at(op_kind::spike) += p.spikes;
  }
  at(op_kind::dense_mac) = dense_macs;
  at(op_kind::neuron_step) = neuron_steps;
  at(op_kind::active_neuron_step) = active_neuron_steps;
  return n;
}

energy_profile energy_profile::load(const std::string& path) { return parse(parse_json_file(path), path); }

energy_profile energy_profile::parse(const nlohmann::json& doc, const std::string& file) {
  const json_node root(doc, file);
  root.expect_object();
  energy_profile p;
  p.file_ = file;
  const json_node format = root.at("format");
  if (format.as_string() != "evsnn-energy-profile/1")
    format.fail(fmt::format("expected \"evsnn-energy-profile/1\", got \"{}\"", format.as_string()));
  p.name_ = root.at("name").as_string();
  if (p.name_.empty()) root.at("name").fail("must not be empty");
  p.title_ = root.at("title").as_string();
  p.event_driven_ = root.at("execution").as_choice({"event_driven", "time_stepped"}) == "event_driven";
  if (auto notes = root.get("notes")) p.notes_ = notes->as_string();
  const json_node per_op = root.at("per_op");
  per_op.expect_object();
  for (std::size_t k = 0; k < op_kind_count; ++k) {
    const json_node f = per_op.at(op_kind_names[k]);
    f.expect_object();
    energy_figure& fig = p.figures_[k];
    fig.energy_pj = f.at("energy_pj").as_nonnegative();
    fig.source = f.at("source").as_string();
    fig.status = f.at("status").as_choice({"confirmed", "unconfirmed", "derived", "not_charged"});
    if (fig.status == "not_charged" && fig.energy_pj != 0.0)
      f.at("energy_pj").fail(fmt::format("status \"not_charged\" needs energy_pj 0, got {}", fig.energy_pj));
    if (fig.status != "not_charged" && fig.energy_pj == 0.0)
      f.at("status").fail("energy_pj is 0: use status \"not_charged\"");
    if (fig.status != "not_charged" && fig.source.empty()) f.at("source").fail("a charged figure needs its source");
    f.finish();
  }
  per_op.finish();
  root.finish();
  return p;
}

op_energies energy_profile::energy_pj(const op_counts& counts) const {
  op_energies e{};
  for (std::size_t k = 0; k < op_kind_count; ++k) e[k] = static_cast<double>(counts[k]) * figures_[k].energy_pj;
  return e;
}

double energy_profile::total_pj(const op_counts& counts) const {
  double t = 0.0;
  for (double e : energy_pj(counts)) t += e;
  return t;
}

std::filesystem::path find_profile(const std::string& arg, const std::vector<std::filesystem::path>& dirs) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(arg, ec)) return arg;
  std::string looked;
  if (arg.find('/') == std::string::npos) {
    for (const auto& d : dirs) {
      const auto p = d / (arg + ".json");
      if (std::filesystem::is_regular_file(p, ec)) return p;
      looked += (looked.empty() ? "" : ", ") + d.string();
    }
  }
  throw input_error(fmt::format("--profile {}: no such file{}", arg,
                                looked.empty() ? std::string() : fmt::format(", and no {}.json in {}", arg, looked)));
}

}  // namespace evsnn
