#pragma once
// hidden_spike_counter: a hook that counts, for every neuron of a layer chain's hidden layers (all layers
// but the output), its spikes since the counter was last cleared, over any number of samples. The trainer
// reads it to name hidden neurons that never spike: such a neuron passes nothing on, and the rules that
// follow spike times (bp_exact, dfa, sfdfa) give its incoming weights no gradient either.
// Invariants: after bind(), counts() has one entry per hidden neuron, layer after layer (hidden layer l's
// neurons at [offset_[l], offset_[l + 1])); a spike is counted once, through its layer's feed-forward
// projection (never through a recurrent one).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "engine/hook.hpp"
#include "engine/simulator.hpp"
#include "rules/layer_chain.hpp"

namespace evsnn::rules {

class hidden_spike_counter final : public hook {
 public:
  // Subscribes to sim (whose network holds chain); no subscription when the chain has no hidden layer.
  void bind(simulator& sim, const layer_chain& chain);
  void on_post(const post_context& ctx) override { ++counts_[base_[ctx.projection_id] + ctx.post]; }
  void clear();
  std::span<const std::uint64_t> counts() const { return counts_; }
  std::size_t layers() const { return offset_.size() - 1; }
  // Per hidden layer, how many of its neurons have a count of 0 in counts (counts() or a sum of them, in this
  // order).
  std::vector<double> silent(std::span<const std::uint64_t> counts) const;

 private:
  std::vector<std::uint64_t> counts_;
  std::vector<std::size_t> offset_{0};  // per hidden layer, then the total
  std::vector<std::size_t> base_;       // by projection id: its layer's offset
};

}  // namespace evsnn::rules
