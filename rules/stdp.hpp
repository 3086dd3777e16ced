#pragma once
// stdp: spike-timing-dependent plasticity at exact spike times, a plastic rule declared on a projection
// ("plasticity": {"rule": "stdp" | "stdp_triplet", ...}; README "Plasticity" lists the parameters).
// One class for both: the pair rule is the triplet rule with A3+ = A3- = 0 (as NEST's
// stdp_triplet_synapse). Traces (rules-spec §7): presynaptic r1 (tau_plus), r2 (tau_x); postsynaptic
// o1 (tau_minus), o2 (tau_y); +1 per spike (all-to-all) or set to 1 (nearest spike).
//   at a presynaptic spike seen by the synapse:  w -= F-(w) o1 (A2- + A3- r2(t-)),  then r1, r2 bump
//   at a postsynaptic spike seen by the synapse: w += F+(w) r1 (A2+ + A3+ o2(t-)),  then o1, o2 bump
// Weight dependence: F+(w) = ((w_max - w)/(w_max - w_min))^mu_plus, F-(w) = ((w - w_min)/(w_max -
// w_min))^mu_minus (additive: both 0; multiplicative: both 1; van Rossum: 0 and 1; Gutig: both mu),
// then w is clipped to [w_min, w_max].
// Delays, as NEST's stdp_synapse: of the projection's delay d, d_dend (default all of it) is dendritic
// and the rest axonal. The synapse sees a presynaptic spike at t_pre + d - d_dend and a postsynaptic
// spike at t_post + d_dend. Shifted by d_dend, that is the arrival time t_pre + d (on_pre) and
// t_post + 2 d_dend: post spikes wait in a time-ordered FIFO until then (bounded by the spikes of a
// 2 d_dend window) and are applied before any later event, so every pair uses its exact Δt and no
// update waits for a later presynaptic spike. Pairs with Δt = 0 at the synapse count the post spike first.
// Invariants: weights of the projection stay in [w_min, w_max]; the FIFO holds post spikes whose
// synapse time is later than the last event the rule saw, in time order.
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/json_node.hpp"
#include "engine/network.hpp"
#include "engine/plasticity.hpp"
#include "engine/trace_bank.hpp"

namespace evsnn::rules {

struct stdp_params {
  bool triplet = false;
  bool nearest = false;  // nearest-spike interactions (traces set to 1 instead of += 1)
  double tau_plus_ms = 20.0, tau_minus_ms = 20.0, tau_x_ms = 101.0, tau_y_ms = 125.0;
  double a2_plus = 0.0, a2_minus = 0.0, a3_plus = 0.0, a3_minus = 0.0;
  std::string weight_dependence = "additive";
  double mu_plus = 0.0, mu_minus = 0.0;
  double w_min = 0.0, w_max = 0.0;
  bool bounded_above = false;  // w_max given (required by weight-dependent updates)
  double dendritic_delay_ms = 0.0;
};

class stdp final : public plasticity {
 public:
  stdp(network& net, std::uint32_t projection, stdp_params p);

  const char* rule() const override { return p_.triplet ? "stdp_triplet" : "stdp"; }
  hook_subscription subscription() const override;
  nlohmann::json describe() const override;
  void settle(double t_ms) override;

  void on_pre(const pre_context& ctx) override;
  void on_post(const post_context& ctx) override;
  void on_reset(double t_ms) override;

 private:
  struct pending_post {
    double t_ms;  // when the synapse sees it, shifted by d_dend: t_post + 2 d_dend
    std::uint32_t neuron;
  };
  void mature(double t_ms, projection_counters& c);
  void potentiate(std::uint32_t post, double t_ms, projection_counters& c);
  // The spike's own trace increments (+1, or set to 1 for nearest spike): r1/r2 or o1/o2.
  void bump(trace_bank& fast, trace_bank& slow, std::uint32_t neuron, const trace_bank::at_time& fast_at,
            const trace_bank::at_time& slow_at, projection_counters& c, std::uint32_t counted);
  double clip(double w) const;

  network& net_;
  stdp_params p_;
  trace_bank r1_, r2_, o1_, o2_;
  std::vector<pending_post> fifo_;
  std::size_t fifo_head_ = 0;
};

// Factories for the registry: "stdp" (pair) and "stdp_triplet".
std::unique_ptr<plasticity> make_stdp(const json_node& params, network& net, std::uint32_t projection);
std::unique_ptr<plasticity> make_stdp_triplet(const json_node& params, network& net, std::uint32_t projection);

}  // namespace evsnn::rules
