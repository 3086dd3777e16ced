#include "rules/layer_chain.hpp"

#include <fmt/format.h>

#include "engine/error.hpp"

namespace evsnn::rules {

layer_chain find_layer_chain(network& net, const std::string& file, bool train_bias) {
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
      if (net.proj(j).pre_population() == prev && net.proj(j).post_population() != prev) out.push_back(j);
    if (out.empty()) break;
    if (out.size() > 1)
      throw input_error(fmt::format("{}: projection '{}': population '{}' feeds {} projections; this rule trains a "
                                    "feed-forward chain (one projection per layer)",
                                    file, net.proj(out[1]).name(), net.pop(prev).name(), out.size()));
    const projection& pr = net.proj(out[0]);
    const std::uint32_t post = pr.post_population();
    const population& pop = net.pop(post);
    if (seen[post])
      throw input_error(fmt::format("{}: projection '{}' loops back to '{}'; a trained chain is feed-forward "
                                    "but for a layer's own recurrent projection (onto itself)",
                                    file, pr.name(), pop.name()));
    std::uint32_t self = layer_info::no_projection;
    for (std::uint32_t other : net.incoming(post)) {
      if (other == out[0]) continue;
      if (net.proj(other).pre_population() == post && self == layer_info::no_projection) {
        self = other;
        continue;
      }
      throw input_error(fmt::format("{}: projection '{}': population '{}' has {} incoming projections; a trained "
                                    "layer has one from the layer below and at most one from itself (recurrent)",
                                    file, net.proj(other).name(), pop.name(), net.incoming(post).size()));
    }
    if (self != layer_info::no_projection) {
      if (net.proj(self).graded())
        throw input_error(fmt::format("{}: projection '{}' is graded; trained projections must be ungraded", file,
                                      net.proj(self).name()));
      if (pop.membrane() == nullptr || pop.membrane()->thresholds().empty())
        throw input_error(fmt::format("{}: projection '{}': the readout '{}' cannot have a recurrent projection",
                                      file, net.proj(self).name(), pop.name()));
    }
    // A graded input projection (binned event counts as grades) is the input x of a discrete-tick layer, which
    // the tick rules read from the grade; continuous-time rules differentiate ungraded synapses only.
    const bool tick_input = chain.layers.empty() && pop.membrane() != nullptr && pop.membrane()->tick() != nullptr;
    if (pr.graded() && !tick_input)
      throw input_error(fmt::format("{}: projection '{}' is graded; trained projections must be ungraded (but for the "
                                    "input projection of a discrete-tick chain, whose grades are the inputs)",
                                    file, pr.name()));
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
    l.recurrent = self;
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
    if ((l.tick != nullptr) != ticked && !(ticked && l.readout))
      throw input_error(fmt::format("{}: layer '{}' is {} but layer '{}' is {}; a chain is all discrete-tick "
                                    "(lif_tick, possibly ending in a readout) or all continuous-time",
                                    file, l.name, l.tick ? "discrete-tick" : "continuous-time",
                                    chain.layers.front().name, ticked ? "discrete-tick" : "continuous-time"));
  for (std::uint32_t p = 0; p < net.population_count(); ++p)
    if (!seen[p])
      throw input_error(fmt::format("{}: population '{}' is not part of the feed-forward chain from the input", file,
                                    net.pop(p).name()));
  for (std::uint32_t l = 0; l < chain.layers.size(); ++l) {
    const projection& pr = net.proj(chain.layers[l].projection);
    chain.blocks.push_back({chain.layers[l].projection, l, false, true, pr.n_pre(), pr.n_post(), pr.synapse_count(),
                            pr.name()});
  }
  for (std::uint32_t l = 0; l < chain.layers.size(); ++l)
    if (chain.layers[l].recurrent != layer_info::no_projection) {
      const projection& pr = net.proj(chain.layers[l].recurrent);
      chain.blocks.push_back({chain.layers[l].recurrent, l, true, pr.dense(), pr.n_pre(), pr.n_post(),
                              pr.synapse_count(), pr.name()});
    }
  if (train_bias)
    for (std::uint32_t l = 0; l < chain.layers.size(); ++l) {
      layer_info& li = chain.layers[l];
      population& pop = net.pop(li.population);
      if (pop.trainable() == nullptr)
        throw input_error(fmt::format("{}: layer '{}' ({}) has no trainable bias (\"train_bias\": true trains the "
                                      "biases of discrete-tick layers, lif_tick)",
                                      file, li.name, pop.model()));
      if (li.tick != nullptr && li.tick->adapt_beta() > 0.0)
        throw input_error(fmt::format("{}: layer '{}' has an adaptive threshold (adapt_beta > 0); its bias cannot be "
                                      "trained (\"train_bias\")",
                                      file, li.name));
      li.bias_block = static_cast<std::uint32_t>(chain.blocks.size());
      chain.blocks.push_back({layer_info::no_projection, l, false, true, 1, li.size, li.size, li.name + ".bias", true});
    }
  return chain;
}

void require_no_bias(const layer_chain& chain, const char* rule, const std::string& file) {
  if (chain.trains_bias())
    throw input_error(fmt::format("{}: /train_bias: rule {} does not train biases; rules that do: ottt, ostl, otpe, "
                                  "approx_otpe, f_otpe, f_approx_otpe, bptt (discrete-tick chains)",
                                  file, rule));
}

void require_feed_forward(const layer_chain& chain, const char* rule) {
  for (const trained_block& b : chain.blocks)
    if (b.recurrent)
      throw input_error(fmt::format("rule {}: projection '{}' is recurrent (layer '{}' onto itself); this rule trains "
                                    "feed-forward chains; rules that train recurrent weights: eprop, bptt, tp, local (plasticity)",
                                    rule, b.name, chain.layers[b.layer].name));
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
