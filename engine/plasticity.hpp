#pragma once
// plasticity: a learning rule that belongs to a network. A projection in the network JSON declares it,
//   "plasticity": {"rule": NAME, ...parameters}
// the loader builds it through a plasticity_registry (rules/ fills it; the engine names no rule), the
// network owns it, and every simulator of the network runs it online through its hooks, as a chip
// learns: weights change while the network runs, in `evsnn run`, on data-set streams and in training.
// A plastic rule changes weights through projection::set_weight (or writes a row and stores each value
// through projection::stored, so a float32 projection keeps float32 values) and counts every trace and
// weight update in the contexts' counters (or in counters() for updates it applies outside a hook call).
// Invariants: projection() names a projection of the owning network;
// subscription() is constant; after settle(t) every weight change that the spikes so far determine
// has been applied (rules that defer updates, e.g. for dendritic delays, flush them there).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/counters.hpp"
#include "engine/hook.hpp"
#include "engine/json_node.hpp"
#include "engine/registry.hpp"

namespace evsnn {

class network;

class plasticity : public hook {
 public:
  explicit plasticity(std::uint32_t projection) : projection_(projection) {}
  virtual const char* rule() const = 0;
  virtual hook_subscription subscription() const = 0;
  // The rule's parameters with every default filled in (the "plasticity" object, "rule" included).
  virtual nlohmann::json describe() const = 0;
  // Applies every update the spikes so far determine (end of a run).
  virtual void settle(double /*t_ms*/) {}
  std::uint32_t projection() const { return projection_; }
  // Where updates made outside a hook call are counted; set by the simulator that runs the rule.
  void bind_counters(projection_counters* c) { counters_ = c; }
  // Off: the rule changes nothing and keeps no traces (evaluation passes, a server's "plasticity off").
  void set_learning(bool on) { learning_ = on; }
  bool learning() const { return learning_; }

 protected:
  projection_counters* counters() { return counters_; }

 private:
  std::uint32_t projection_;
  projection_counters* counters_ = nullptr;
  bool learning_ = true;
};

// Builds a rule for projection `projection` of `net` (all populations and projections exist) from its
// "plasticity" object; reads every key it knows (json_node::finish) and fails at the offending one.
using plasticity_factory =
    std::function<std::unique_ptr<plasticity>(const json_node& params, network& net, std::uint32_t projection)>;

class plasticity_registry : public registry<plasticity_factory> {
 public:
  plasticity_registry() : registry<plasticity_factory>("plasticity rule") {}
};

}  // namespace evsnn
