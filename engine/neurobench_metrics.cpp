#include "engine/neurobench_metrics.hpp"

#include <algorithm>

namespace evsnn {

neurobench_metrics neurobench_metrics::of(const stepped_simulator& sim) {
  neurobench_metrics m;
  const network& net = sim.net();
  m.steps = sim.steps();
  std::uint64_t spiking_neurons = 0, spikes = 0;
  for (std::uint32_t p = 0; p < net.population_count(); ++p) {
    const stepped_population& sp = sim.pop(p);
    m.neuron_state_bytes += sp.state_bytes();
    if (sp.is_source()) continue;
    m.membrane_updates += sim.membrane_updates(p);
    if (!sp.spiking()) continue;
    spiking_neurons += sp.size();
    spikes += sim.counters().populations[p].spikes;
  }
  const double outputs = static_cast<double>(spiking_neurons) * static_cast<double>(m.steps);
  m.activation_sparsity = outputs > 0 ? 1.0 - static_cast<double>(spikes) / outputs : 1.0;
  std::uint64_t pairs = 0, nonzero = 0;
  for (std::uint32_t p = 0; p < net.projection_count(); ++p) {
    const projection& pr = net.proj(p);
    m.dense_synops += sim.dense_macs(p);
    (pr.graded() ? m.effective_macs : m.effective_acs) += sim.effective_ops(p);
    pairs += static_cast<std::uint64_t>(pr.n_pre()) * pr.n_post();
    nonzero += static_cast<std::uint64_t>(std::count_if(pr.weights().begin(), pr.weights().end(), [](double w) { return w != 0.0; }));
    m.weight_bytes += pr.synapse_count() * sizeof(double);
    m.index_bytes += pr.synapse_count() * sizeof(std::uint32_t) + (pr.n_pre() + 1) * sizeof(std::uint32_t);
  }
  m.footprint_bytes = m.weight_bytes + m.index_bytes + m.neuron_state_bytes;
  m.connection_sparsity = pairs > 0 ? static_cast<double>(pairs - std::min(pairs, nonzero)) / static_cast<double>(pairs) : 0.0;
  return m;
}

nlohmann::json neurobench_metrics::to_json() const {
  nlohmann::json j;
  j["source"] = "NeuroBench (github.com/NeuroBench/neurobench) metric definitions, on the time-stepped run, one sample";
  j["activation_sparsity"] = {{"value", activation_sparsity},
                              {"definition", "zero outputs / all outputs of spiking neurons over all steps: 1 - spikes / (spiking neurons x steps)"}};
  j["synaptic_operations"] = {
      {"dense", dense_synops},
      {"effective_macs", effective_macs},
      {"effective_acs", effective_acs},
      {"definition", "dense: every (pre, post) pair of every projection every step (inputs and weights set to 1); "
                     "effective: synaptic events through a nonzero weight, ACs for binary spikes, MACs for graded ones"}};
  j["membrane_updates"] = {{"value", membrane_updates},
                           {"definition", "every stepped neuron once in the first step, then (neuron, step) pairs whose membrane potential changed"}};
  j["model_footprint"] = {{"bytes", footprint_bytes},
                          {"weight_bytes", weight_bytes},
                          {"index_bytes", index_bytes},
                          {"neuron_state_bytes", neuron_state_bytes},
                          {"definition", "bytes of parameters and buffers: float64 weights, CSR indices, per-neuron parameters and state"}};
  j["connection_sparsity"] = {{"value", connection_sparsity},
                              {"definition", "zero weights / all weights of the dense n_pre x n_post matrices (absent synapses are zeros)"}};
  j["steps"] = steps;
  return j;
}

}  // namespace evsnn
