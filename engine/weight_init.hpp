#pragma once
// weight_init: the distribution a projection's {"init": ...} weights are drawn from, read and checked in one
// place — for the network loader, which draws a whole projection, and for whoever draws some of its weights
// again from the same distribution (the trainer's /active_outputs check).
//   {"init": "normal", "mean": 0, "std": s} | {"init": "uniform", "low": a, "high": b} | {"init": "constant", "value": v}
// Invariants: every value draw() can return lies within +-3e38 (the limit of every weight, which float32 can
// hold): read_weight_init checks the parameters so that no draw can exceed it (a normal draw stays within 40
// standard deviations: rng's tails end well before that).
#include "engine/json_node.hpp"
#include "engine/rng.hpp"

namespace evsnn {

struct weight_init {
  enum class kind { normal, uniform, constant };
  kind k = kind::constant;
  double p1 = 0.0, p2 = 0.0;  // mean and std, low and high, or the value
  double draw(rng& r) const {
    if (k == kind::normal) return r.normal(p1, p2);
    if (k == kind::uniform) return r.uniform(p1, p2);
    return p1;
  }
  bool random() const { return k != kind::constant; }
};

// Reads "init" and its parameters from w (a {"init": ...} object); leaves the object's other keys (p_connect,
// in_degree, seed) to the caller, who finishes it. Errors name the file and JSON path.
weight_init read_weight_init(const json_node& w);

}  // namespace evsnn
