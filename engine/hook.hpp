#pragma once
// hook: the interface through which learning rules (rules/) see a running network. The engine calls
// hooks without knowing any rule: one virtual call per (spike, projection, hook); the loop over a row
// or a column is the rule's. A hook says what it wants with a hook_subscription when it is added.
//  - on_pre: a presynaptic spike arrives through a subscribed projection, before its row is
//    delivered (weight changes made here apply to this spike).
//  - on_post: a neuron of the projection's postsynaptic population spiked (use proj.incoming(post)).
//    Called before the spike is sent on: a hook may set ctx.grade, the payload the spike carries to
//    its targets (graded spikes whose value a learning engine computes, as SFDFA's directional
//    derivatives). Several post hooks of one population see and may change the same grade in turn.
//  - on_tick: the hook's own learning clock, every tick_period_ms from sample begin (the first tick
//    one period, or tick_first_ms, after the reset that began the sample). A tick at t runs after the
//    wakeups and arrivals at t and before discrete-tick populations settle their step at t (event.hpp):
//    a tick at t0 + (k+1) tick_ms, or anywhere inside step k+1's interval, sees step k of every tick
//    population complete (tick_membrane::pre_reset_potential(i, k), spiked_at(i, k)).
//  - on_sample_begin / on_sample_end: the presenter's sample boundaries.
//  - on_sample_outcome: after a sample ended, what is known of it: its label when it has one and
//    the loss when a trainer computed one (reward-modulated and supervised local rules read it).
//  - on_reset: every neuron was put at rest and pending spikes were dropped (a sample that does not
//    carry state on); called before that sample's on_sample_begin.
// Rules keep their state in projection columns (projection::add_column) or in their own arrays, and
// report their operations in the contexts' counters.
#include <cstdint>
#include <limits>
#include <vector>

#include "engine/counters.hpp"
#include "engine/projection.hpp"

namespace evsnn {

struct pre_context {
  projection& proj;
  std::uint32_t projection_id;
  std::uint32_t pre;
  double t_ms;
  float grade;
  projection_counters& counters;
  // 1, or 0 on ranks other than 0 of a partitioned run: every rank applies every spike to its own synapses,
  // and per-spike work (a presynaptic trace) is counted once, by rank 0.
  std::uint32_t counts_spike = 1;
};

struct post_context {
  projection& proj;
  std::uint32_t projection_id;
  std::uint32_t post;
  double t_ms;
  float& grade;
  projection_counters& counters;
};

struct sample_outcome {
  std::uint64_t sample = 0;
  std::int64_t label = -1;                                // -1: none
  double loss = std::numeric_limits<double>::quiet_NaN();  // NaN: none
};

class hook {
 public:
  virtual ~hook() = default;
  virtual void on_pre(const pre_context& /*ctx*/) {}
  virtual void on_post(const post_context& /*ctx*/) {}
  virtual void on_tick(double /*t_ms*/) {}
  virtual void on_reset(double /*t_ms*/) {}
  virtual void on_sample_begin(double /*t_ms*/, std::uint64_t /*sample*/) {}
  virtual void on_sample_end(double /*t_ms*/, std::uint64_t /*sample*/) {}
  virtual void on_sample_outcome(const sample_outcome& /*outcome*/) {}
};

struct hook_subscription {
  std::vector<std::uint32_t> pre_projections;   // on_pre for spikes through these
  std::vector<std::uint32_t> post_projections;  // on_post for spikes of these projections' targets
  double tick_period_ms = 0.0;                  // > 0: on_tick every period
  double tick_first_ms = 0.0;                   // > 0: the first tick this long after a reset (default: one period)
  bool samples = true;                          // on_reset / on_sample_begin / on_sample_end
};

}  // namespace evsnn
