#pragma once
// tick_inputs: the inputs of a discrete-tick chain's layers bucketed by step, as lif_tick integrates them
// (an input at time t of a sample begun at t0 belongs to step ceil((t − t0)/tick − 1e-9)). A rule's hook
// records every arrival on the chain's projections (x = the grade on graded projections, else 1); take(k)
// then gives each layer's inputs of the steps up to k as a sparse list (pre, Σx), in first-arrival order.
// It also keeps the sample's step clock: the rule's learning clock ticks in the middle of every step
// (subscription()), and each_step_before(t) hands over, in order, every step that begins before t — at a
// mid-step tick all of that step's inputs and spikes are in and none of the next step's. Shared by the online
// family, BPTT and traces propagation.
// Bias inputs (configure's bias_inputs, for layers whose bias is trained): the layer gets one more input,
// pre = fan_in, x = 1 at every step — a bias is the weight of an input that is always on, so a learner sees
// its gradient as that row's.
// Invariants: take() is called with non-decreasing k within a sample; the lists hold each pre at most once;
// steady state allocates nothing (buffers keep their capacity).
#include <cstdint>
#include <span>
#include <vector>

#include "engine/hook.hpp"
#include "rules/layer_chain.hpp"
#include "rules/tick_learner.hpp"

namespace evsnn::rules {

class tick_inputs {
 public:
  // The chain's layers (by their projections); projection_count = the network's; bias_inputs: the layers with
  // a bias block get the always-on input fan_in.
  void configure(const layer_chain& chain, std::size_t projection_count, bool bias_inputs = false);
  void begin(double t0_ms, double tick_ms);
  // The hook subscription of a rule on this chain: arrivals on the chain's projections, mid-step ticks.
  static hook_subscription subscription(const layer_chain& chain, double tick_ms);
  // Calls handle(k) for every step k not handled yet that begins before t_ms (the rule's tick, or the
  // sample's end).
  template <class Handle>
  void each_step_before(double t_ms, Handle&& handle) {
    while (t0_ms_ + static_cast<double>(next_step_) * tick_ms_ < t_ms - 1e-9 * tick_ms_) handle(next_step_++);
  }
  void record(const pre_context& ctx);
  // Replaces every layer's list by its inputs of the steps <= k not taken yet.
  void take(std::uint64_t k);
  std::span<const tick_input> layer(std::size_t l) const { return x_[l]; }
  std::span<const double> dense(std::size_t l) const { return dense_[l]; }  // Σx per pre of the last take

 private:
  void clear_lists();

  struct record_entry {
    std::uint64_t step;
    std::uint32_t layer;
    std::uint32_t pre;
    double x;
  };
  std::vector<std::uint32_t> layer_of_;  // by projection id; UINT32_MAX for other projections
  std::vector<record_entry> records_;
  std::size_t head_ = 0;
  std::vector<std::vector<tick_input>> x_;
  std::vector<std::vector<double>> dense_;
  std::vector<std::uint32_t> bias_pre_;  // per layer: the bias input's pre (fan_in), or UINT32_MAX
  double t0_ms_ = 0.0, tick_ms_ = 1.0;
  std::uint64_t next_step_ = 0;
};

}  // namespace evsnn::rules
