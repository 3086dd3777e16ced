#pragma once
// layer_chain: the feed-forward structure gradient-based rules train, found in a loaded network:
// one input population (a spike_source with "external": true), then layers 0..L-1, each fed by
// exactly one projection from the layer before (layer 0 from the input). Hidden layers and a spiking
// output are exact current-based neurons (today lif_alpha or cuba_lif) with reset by subtraction and
// no refractory period (the conditions under which spike times are differentiable as the SFDFA paper
// derives them); the output may instead be a readout (li). Projections are dense (synapse id
// = pre * n_post + post) and ungraded but for the input projection of a discrete-tick chain, whose grades are
// the inputs the tick rules read (elsewhere grades ride
// on the spikes for the rules to read, they do not scale the input).
// Layers see their model only through engine/membrane_view.hpp (kernel, thresholds, reset, exact
// synaptic current), so any model that offers a membrane view with a subtractive reset and no
// refractory period can be trained; a readout is a membrane without thresholds. Discrete-tick layers
// (membrane_view::tick() non-null, the seed-004 neuron) are accepted too; a chain is all discrete-tick
// or all continuous-time, and each rule refuses the kind it cannot train (require_continuous/require_tick).
// A discrete-tick chain may end in a readout (li) too: rules that read it at the tick (eprop) accept it,
// the others refuse it through require_tick.
// Recurrence: a hidden layer may also have one projection from itself onto itself (dense or sparse, any
// delay), layer_info::recurrent. Only rules that train recurrent weights accept such a chain (make_rule
// refuses it for the others, naming the projection).
// Trained blocks: one per trained projection — the layers' feed-forward projections first (block l =
// layer l), then the recurrent ones in layer order — and, when biases are trained (find_layer_chain's
// train_bias), one bias block per layer last, in layer order (its values: the layer's per-neuron bias,
// through engine/trainable_bias.hpp). The trainer keeps one weight array and one gradient per block; a
// projection block's values are in its projection's synapse order (pre-major; dense: pre * n_post + post).
// Invariants: layers.size() >= 1; layers[l].fan_in == size of layer l-1 (input for l = 0);
// projections are distinct; only the last layer may be a readout; blocks.size() == layers.size() + the
// number of layers with a recurrent projection (+ layers.size() bias blocks when biases are trained).
#include <cstdint>
#include <string>
#include <vector>

#include "engine/membrane_view.hpp"
#include "engine/network.hpp"
#include "engine/psp_kernel.hpp"

namespace evsnn::rules {

using evsnn::psp_kernel;

struct layer_info {
  std::uint32_t population = 0;
  std::uint32_t projection = 0;
  std::uint32_t size = 0;
  std::uint32_t fan_in = 0;
  bool readout = false;  // li output (no spikes)
  psp_kernel kernel;
  std::string name;
  // Spiking layers: thresholds (size entries) and the synaptic current I_i(t) of the population
  // (tau_mem du/dt = -u + I). Valid while the network lives.
  const double* threshold = nullptr;
  const membrane_view* membrane = nullptr;
  // Discrete-tick layers (lif_tick): the tick view (leak, bias, Ũ per step); null for continuous-time layers.
  const tick_membrane* tick = nullptr;
  // The layer's projection onto itself, or no_projection.
  std::uint32_t recurrent = no_projection;
  // The block of the layer's trained bias, or no_projection (biases not trained).
  std::uint32_t bias_block = no_projection;
  static constexpr std::uint32_t no_projection = 0xffffffffu;
  double current(std::uint32_t i, double t_ms) const { return membrane->synaptic_current(i, t_ms); }
};

struct trained_block {
  std::uint32_t projection = 0;
  std::uint32_t layer = 0;  // the post-synaptic layer
  bool recurrent = false;
  bool dense = true;
  std::uint32_t n_pre = 0, n_post = 0;
  std::size_t synapses = 0;
  std::string name;  // the projection's ("<layer>.bias" for a bias block)
  bool bias = false;  // a bias block: projection unused, n_pre 1, n_post = synapses = the layer's size
};

struct layer_chain {
  std::uint32_t input = 0;
  std::uint32_t input_size = 0;
  std::vector<layer_info> layers;
  std::vector<trained_block> blocks;
  const layer_info& output() const { return layers.back(); }
  bool recurrent() const {
    for (const trained_block& b : blocks)
      if (b.recurrent) return true;
    return false;
  }
  bool trains_bias() const { return !blocks.empty() && blocks.back().bias; }
  std::uint64_t neuron_count() const {  // of the trained layers
    std::uint64_t n = 0;
    for (const layer_info& l : layers) n += l.size;
    return n;
  }
};

// Finds and checks the chain; input_error "<file>: <what is wrong>" otherwise. train_bias: every layer's bias
// is trained too (one bias block per layer; the layers' models must offer population::trainable(), and
// adaptive thresholds are refused).
layer_chain find_layer_chain(network& net, const std::string& file, bool train_bias = false);

// input_error "<rule>: ..." when the chain's layers are not of the kind the rule trains.
void require_continuous(const layer_chain& chain, const char* rule);
void require_tick(const layer_chain& chain, const char* rule);
// input_error naming the first recurrent projection, for rules that train feed-forward chains only.
void require_feed_forward(const layer_chain& chain, const char* rule);
// input_error "<file>: /train_bias: ..." for rules that do not train biases, when the chain's are to be trained
// (file: the training config's).
void require_no_bias(const layer_chain& chain, const char* rule, const std::string& file);

}  // namespace evsnn::rules
