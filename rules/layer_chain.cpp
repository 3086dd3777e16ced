#include "rules/layer_chain.hpp"

#include <fmt/format.h>

#include "engine/error.hpp"
#include "models/alpha_kernel.hpp"
#include "models/exact_lif.hpp"
#include "models/exp_kernel.hpp"
#include "models/li.hpp"

namespace evsnn::rules {

namespace {

template <class Kernel>
double current_of(const population& pop, std::uint32_t i, double t_ms) {
  return static_cast<const exact_lif<Kernel>&>(pop).synaptic_current(i, t_ms);
}

template <class Kernel>
bool lif_kernel(const population& pop, layer_info& l, const spiking_params*& params) {
  const auto* p = dynamic_cast<const exact_lif<Kernel>*>(&pop);
  if (!p) return false;
  psp_kernel& k = l.kernel;
  l.pop = &pop;
  l.current_fn = &current_of<Kernel>;
  l.threshold = p->params().threshold.data();
  k.inv_tau_mem = p->kernel().inv_tau_mem;
  k.inv_tau_syn = p->kernel().inv_tau_syn;
  k.norm = p->kernel().norm;
  params = &p->params();
  return true;
}

}  // namespace

layer_chain find_layer_chain(network& net, const std::string& file) {
  layer_chain chain;
  std::vector<std::uint32_t> inputs;
  for (std::uint32_t p = 0; p < net.population_count(); ++p)
    if (net.pop(p).accepts_input()) inputs.push_back(p);
  if (inputs.size() != 1)
    throw input_error(fmt::format("{}: training needs exactly one input population (spike_source with \"external\": "
                                  "true), found {}",
                                  file, inputs.size()));
  chain.input = inputs[0];
  chain.input_size = net.pop(chain.input).size();
  std::vector<bool> seen(net.population_count(), false);
  seen[chain.input] = true;
  std::uint32_t prev = chain.input;
  while (true) {
    std::vector<std::uint32_t> out;
    for (std::uint32_t j = 0; j < net.projection_count(); ++j)
      if (net.proj(j).pre_population() == prev) out.push_back(j);
    if (out.empty()) break;
    if (out.size() > 1)
      throw input_error(fmt::format("{}: population '{}' feeds {} projections; training needs a feed-forward chain "
                                    "(one projection per layer)",
                                    file, net.pop(prev).name(), out.size()));
    const projection& pr = net.proj(out[0]);
    const std::uint32_t post = pr.post_population();
    const population& pop = net.pop(post);
    if (seen[post])
      throw input_error(fmt::format("{}: projection '{}' loops back to '{}'; training needs a feed-forward chain",
                                    file, pr.name(), pop.name()));
    if (net.incoming(post).size() != 1)
      throw input_error(fmt::format("{}: population '{}' has {} incoming projections; training needs exactly one", file,
                                    pop.name(), net.incoming(post).size()));
    if (pr.graded())
      throw input_error(fmt::format("{}: projection '{}' is graded; trained projections must be ungraded", file,
                                    pr.name()));
    if (!pr.dense())
      throw input_error(fmt::format("{}: projection '{}' is sparse; trained projections must be dense (every pre to every "
                                    "post neuron; weights may be 0)",
                                    file, pr.name()));
    if (!chain.layers.empty() && chain.layers.back().readout)
      throw input_error(fmt::format("{}: readout '{}' must be the last layer", file, chain.layers.back().name));
    seen[post] = true;
    layer_info l;
    l.population = post;
    l.projection = out[0];
    l.size = pop.size();
    l.fan_in = net.pop(prev).size();
    l.name = pop.name();
    const spiking_params* params = nullptr;
    if (const auto* r = dynamic_cast<const li*>(&pop)) {
      l.readout = true;
      l.kernel.inv_tau_mem = 1.0 / r->tau_mem_ms();
      l.kernel.inv_tau_syn = r->tau_syn_ms() > 0.0 ? 1.0 / r->tau_syn_ms() : 0.0;
      l.kernel.norm = r->tau_syn_ms() > 0.0 ? r->tau_syn_ms() / (r->tau_mem_ms() - r->tau_syn_ms()) : 1.0;
    } else if (!lif_kernel<alpha_kernel>(pop, l, params) && !lif_kernel<exp_kernel>(pop, l, params)) {
      throw input_error(fmt::format("{}: population '{}' is {}; trained layers must be lif_alpha or cuba_lif (or an li "
                                    "readout as the last layer)",
                                    file, pop.name(), pop.model()));
    }
    if (params) {
      if (params->reset != reset_mode::subtract)
        throw input_error(fmt::format("{}: population '{}': trained layers need \"reset\": \"subtract\"", file,
                                      pop.name()));
      if (params->refractory_ms != 0.0)
        throw input_error(fmt::format("{}: population '{}': trained layers need \"refractory_ms\": 0", file,
                                      pop.name()));
    }
    chain.layers.push_back(l);
    prev = post;
  }
  if (chain.layers.empty())
    throw input_error(fmt::format("{}: the input population '{}' feeds no projection; nothing to train", file,
                                  net.pop(chain.input).name()));
  for (std::uint32_t p = 0; p < net.population_count(); ++p)
    if (!seen[p])
      throw input_error(fmt::format("{}: population '{}' is not part of the feed-forward chain from the input", file,
                                    net.pop(p).name()));
  return chain;
}

}  // namespace evsnn::rules
