#include "rules/training_energy.hpp"

#include <cmath>
#include <limits>

namespace evsnn::rules {

training_cost price_training(const run_counters& c, const network& net, std::uint64_t steps,
                             std::uint64_t trained_neurons, std::uint64_t samples, std::uint64_t optimizer_updates,
                             const energy_profile* event_driven, const energy_profile* time_stepped) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  training_cost r{nan, nan, nan};
  if (samples == 0) return r;
  const double n = static_cast<double>(samples);
  const std::uint64_t neuron_steps = steps * trained_neurons;
  op_counts ed = event_driven_op_counts(c, neuron_steps, 0);
  ed[static_cast<std::size_t>(op_kind::weight_update)] += optimizer_updates;
  const auto at = [](const op_counts& k, op_kind o) { return k[static_cast<std::size_t>(o)]; };
  const std::uint64_t learning = at(ed, op_kind::trace_update) + at(ed, op_kind::weight_update) + at(ed, op_kind::rule_op);
  r.learning_ops_per_sample = static_cast<double>(learning) / n;
  if (event_driven) r.event_driven_uj = event_driven->total_pj(ed) * 1e-6 / n;
  if (time_stepped) {
    std::uint64_t dense_per_step = 0;
    for (std::uint32_t p = 0; p < net.projection_count(); ++p)
      dense_per_step += static_cast<std::uint64_t>(net.proj(p).n_pre()) * net.proj(p).n_post();
    op_counts ts = time_stepped_op_counts(c, dense_per_step * steps, neuron_steps, 0);
    ts[static_cast<std::size_t>(op_kind::neuron_update)] = neuron_steps;  // a clocked neuron updates every step
    for (op_kind o : {op_kind::trace_update, op_kind::weight_update, op_kind::rule_op})
      ts[static_cast<std::size_t>(o)] = at(ed, o);
    r.time_stepped_uj = time_stepped->total_pj(ts) * 1e-6 / n;
  }
  return r;
}

}  // namespace evsnn::rules
