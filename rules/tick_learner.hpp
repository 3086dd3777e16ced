#pragma once
// tick_learner: the per-layer part of the online rules of seed 004 (OTTT, OSTL, OTPE, approximate OTPE;
// ../shared/docs/rules-spec.md §3.2) on a discrete-tick layer (lif_tick): the layer's forward traces and
// its weight gradient, one tick at a time. online_rule drives one learner per layer, top-down within a
// tick: the output layer's error comes from the loss, each hidden layer's from the message of the layer
// above at the same tick, m_j = Σ_i W_ji f_i with f the learner's message factor (g⊙ψ or g⊙ḡ). Nothing
// travels backward through time.
// Notation at tick t for a layer with n_in inputs and n neurons: x_t (inputs of the step, spike counts or
// grades), Ũ_t (pre-reset potential), ψ_t = 1/(slope |Ũ_t − θ| + 1)^2 (fast-sigmoid surrogate of ds/dŨ),
// r_t = 1 − θ ψ_t (dU/dŨ through the subtractive reset, not detached), g_t = dℓ_t/ds_t, λ the layer's
// leak and λ' the leak of the layer above (its membrane accumulates this layer's spikes; the output layer's
// own leak for the F- output trace o_t = λ o_{t−1} + s_t). With one leak for every layer (the seed's
// assumption) λ' = λ.
// Cost: a tick visits the presynaptic neurons whose traces are non-zero (those that spiked in this sample;
// traces are reset at sample begin only where they were touched), times n; memory is independent of the
// sample's length.
// Invariants: grad and the per-synapse traces are pre-major (synapse j * n + i, the dense projection's
// order); inputs of one step name each presynaptic neuron at most once.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace evsnn::rules {

struct tick_input {
  std::uint32_t pre = 0;
  double x = 0.0;  // x_j of this step
};

struct tick_layer_shape {
  std::uint32_t n_in = 0;
  std::uint32_t n = 0;
  double leak = 0.0;       // λ
  double leak_next = 0.0;  // λ'
  // The last input (pre n_in − 1) is the layer's bias, x = 1 every step: its row of the gradient is the bias
  // gradient. Every learner treats it as an input (the seed's "same traces with x = 1") but OTTT, whose bias
  // gradient is g⊙ψ with no trace (rules-spec §3.2).
  bool bias_input = false;
};

// The presynaptic neurons with non-zero trace state, in the order they became active.
class active_set {
 public:
  void resize(std::size_t n) { on_.assign(n, 0); list_.clear(); list_.reserve(n); }
  // True when j was not active before.
  bool add(std::uint32_t j) {
    if (on_[j]) return false;
    on_[j] = 1;
    list_.push_back(j);
    return true;
  }
  std::span<const std::uint32_t> list() const { return list_; }
  void clear() {
    for (std::uint32_t j : list_) on_[j] = 0;
    list_.clear();
  }

 private:
  std::vector<std::uint8_t> on_;
  std::vector<std::uint32_t> list_;
};

// OTPE's leak-weighted running mean of the surrogate, ḡ (c ← λ'c + 1, ḡ ← (λ' c_prev ḡ + ψ)/c), shared by
// otpe and approx_otpe; both send g⊙ḡ down.
class mean_surrogate {
 public:
  void resize(std::size_t n) { gbar_.assign(n, 0.0); c_ = 0.0; }
  void reset() { resize(gbar_.size()); }
  // Adds this tick's ψ and writes the message factor g⊙ḡ.
  void update(std::span<const double> psi, std::span<const double> g, double leak_next, std::span<double> factor) {
    const double carried = leak_next * c_;
    c_ = carried + 1.0;
    for (std::size_t i = 0; i < gbar_.size(); ++i) {
      gbar_[i] = (carried * gbar_[i] + psi[i]) / c_;
      factor[i] = g[i] * gbar_[i];
    }
  }
  std::size_t bytes() const { return gbar_.size() * sizeof(double); }

 private:
  std::vector<double> gbar_;
  double c_ = 0.0;
};

struct tick_step {
  std::span<const tick_input> x;  // this step's inputs
  std::span<const double> x_dense;  // x_j for every pre (0 where absent)
  std::span<const double> psi;      // ψ_t, n entries
  std::span<const double> reset;    // r_t = 1 − θψ_t, n entries
  std::span<const double> g;        // g_t, n entries
};

class tick_learner {
 public:
  virtual ~tick_learner() = default;
  // The per-layer rule's name as configs write it: "ottt", "ostl", "otpe", "approx_otpe".
  virtual const char* name() const = 0;
  // Every trace at zero (sample begin).
  virtual void reset() = 0;
  // One tick: updates the traces, adds the tick's weight gradient into grad (n_in * n) and writes the
  // message factor f (n entries). Returns the number of trace values updated (for the counters).
  virtual std::uint64_t step(const tick_step& s, std::span<double> grad, std::span<double> factor) = 0;
  // Bytes of trace state (the memory the rule needs per layer, independent of the sample's length).
  virtual std::size_t state_bytes() const = 0;
};

// "ottt" | "ostl" | "otpe" | "approx_otpe"; nullptr for another name.
std::unique_ptr<tick_learner> make_tick_learner(const std::string& name, const tick_layer_shape& shape);
// The names make_tick_learner accepts.
std::vector<std::string> tick_learner_names();

}  // namespace evsnn::rules
