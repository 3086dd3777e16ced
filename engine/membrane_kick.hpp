#pragma once
// membrane_kick: how a learning rule may push a model's membrane potentials without naming the model
// (node perturbation puts noise on the membrane). A population offers it through
// population::kickable(); models that cannot take a kick return null there (spike sources, readouts,
// discrete-tick and time-stepped models).
// Contract of kick(dv, t_ms): at t_ms (>= the last event the population saw, e.g. inside a hook's
// on_tick) every neuron i's potential u_i jumps by dv[i] (dv.size() == the population's size; zeros
// change nothing); the synaptic current is unchanged. The threshold is re-tested at once: a neuron
// whose kicked potential is at or above threshold fires at t_ms itself (through the usual wakeup,
// before later events); any other kicked neuron's next crossing is re-predicted from the new state, so
// no crossing is missed and none is invented. A neuron held at rest by a refractory clamp ignores the kick.
#include <span>

namespace evsnn {

class membrane_kick {
 public:
  virtual ~membrane_kick() = default;
  virtual void kick(std::span<const double> dv, double t_ms) = 0;
};

}  // namespace evsnn
