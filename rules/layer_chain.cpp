#include "rules/layer_chain.hpp"

#include <fmt/format.h>

#include "engine/error.hpp"

namespace evsnn::rules {

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
      throw input_error(fmt::format("{}: projection '{}': population '{}' feeds {} projections; this rule trains a "
                                    "feed-forward chain (one projection per layer)",
                                    file, net.proj(out[1]).name(), net.pop(prev).name(), out.size()));
    const projection& pr = net.proj(out[0]);
    const std::uint32_t post = pr.post_population();
    const population& pop = net.pop(post);
    if (seen[post])
      throw input_error(fmt::format("{}: projection '{}' loops back to '{}'; this rule trains a feed-forward chain "
                                    "(no recurrent projections)",
                                    file, pr.name(), pop.name()));
    if (net.incoming(post).size() != 1) {
      std::uint32_t other = net.incoming(post)[0] == out[0] ? net.incoming(post)[1] : net.incoming(post)[0];
      throw input_error(fmt::format("{}: projection '{}': population '{}' has {} incoming projections; this rule "
                                    "trains exactly one per layer",
                                    file, net.proj(other).name(), pop.name(), net.incoming(post).size()));
    }
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
    const membrane_view* m = pop.membrane();
    if (m == nullptr ||
        (m->tick() == nullptr && (m->thresholds().empty() ? false : m->kernel().inv_tau_syn <= 0.0)))
      throw input_error(fmt::format("{}: projection '{}': population '{}' is {}; trained layers need an exact "
                                    "current-based neuron with a synaptic filter (lif_alpha, cuba_lif), a "
                                    "discrete-tick neuron (lif_tick) or a readout (li) as the last layer",
                                    file, pr.name(), pop.name(), pop.model()));
    l.kernel = m->kernel();
    l.membrane = m;
    l.tick = m->tick();
    if (m->thresholds().empty()) {
      l.readout = true;
    } else {
      l.threshold = m->thresholds().data();
      if (m->spike_reset() != reset_kind::subtract)
        throw input_error(fmt::format("{}: projection '{}': population '{}': trained layers need \"reset\": "
                                      "\"subtract\"",
                                      file, pr.name(), pop.name()));
      if (m->refractory_ms() != 0.0)
        throw input_error(fmt::format("{}: projection '{}': population '{}': trained layers need \"refractory_ms\": 0",
                                      file, pr.name(), pop.name()));
    }
    chain.layers.push_back(l);
    prev = post;
  }
  if (chain.layers.empty())
    throw input_error(fmt::format("{}: the input population '{}' feeds no projection; nothing to train", file,
                                  net.pop(chain.input).name()));
  const bool ticked = chain.layers.front().tick != nullptr;
  for (const layer_info& l : chain.layers)
    if ((l.tick != nullptr) != ticked)
      throw input_error(fmt::format("{}: layer '{}' is {} but layer '{}' is {}; a chain is all discrete-tick "
                                    "(lif_tick) or all continuous-time",
                                    file, l.name, l.tick ? "discrete-tick" : "continuous-time",
                                    chain.layers.front().name, ticked ? "discrete-tick" : "continuous-time"));
  for (std::uint32_t p = 0; p < net.population_count(); ++p)
    if (!seen[p])
      throw input_error(fmt::format("{}: population '{}' is not part of the feed-forward chain from the input", file,
                                    net.pop(p).name()));
  return chain;
}

void require_continuous(const layer_chain& chain, const char* rule) {
  if (chain.layers.front().tick != nullptr)
    throw input_error(fmt::format("rule {}: layer '{}' is a discrete-tick neuron (lif_tick); this rule trains "
                                  "continuous-time layers (lif_alpha, cuba_lif, li); use ottt, ostl, otpe, "
                                  "approx_otpe, f_otpe, f_approx_otpe or bptt",
                                  rule, chain.layers.front().name));
}

void require_tick(const layer_chain& chain, const char* rule) {
  for (const layer_info& l : chain.layers)
    if (l.tick == nullptr)
      throw input_error(fmt::format("rule {}: layer '{}' is not a discrete-tick neuron; this rule trains lif_tick "
                                    "layers",
                                    rule, l.name));
}

}  // namespace evsnn::rules
