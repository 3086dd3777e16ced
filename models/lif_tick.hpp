#pragma once
// lif_tick: the discrete-tick LIF neuron of seed 004 (OTTT/OSTL/OTPE), run on events. Per tick k, at
// time t0 + k tick_ms (t0 = the last reset):
//     Ũ_k = λ U_{k-1} + Σ inputs of step k + b_i,   s_k = H(Ũ_k − θ_i),   U_k = Ũ_k − θ_i s_k
// (reset "subtract"; "zero": U_k = 0 after a spike), at rest U = 0, no refractory period, delta inputs
// (an input of weight w and scale g adds w g to its step's sum). Spikes of step k are emitted at
// t0 + k tick_ms; zero-delay spikes into another lif_tick population count in that population's SAME
// step (the simulator settles populations in rank order, engine/zero_delay_order.hpp).
// Binning: an arrival at t belongs to step ceil((t − t0)/tick_ms − 1e-9) — the step at or after t, an
// input on the grid (within 1e-9 ticks, so that rounding of k tick_ms does not push it on) in its own
// step, an input between steps in the NEXT one; an arrival after its step was already settled (only
// possible through non-tick populations at the same instant) goes to the step after. The population
// keeps one pending step, a touched-neuron list and ONE settle event for it (not one per neuron); the
// settle runs at max(t0 + k tick_ms, the first arrival's time) (equal but for rounding).
// Lazy state: each neuron stores the last step it was evaluated at (−1: at rest since the reset), Ũ and
// the spike of that step and U after it; between evaluations it runs free, U_{j+n} = f^n(U_j) with
// f(x) = λx + b — iterated exactly as the time-stepped twin does for n <= iterate_limit, closed form
// U∞ + λ^n (U_j − U∞), U∞ = b/(1−λ), beyond (equal to rounding). A settle evaluates only the touched
// neurons, emits their spikes and predicts each one's next bias-driven crossing (with b > 0 U can rise
// to U∞ and cross θ with no input): the first step whose free value, computed with the very arithmetic
// the evaluation will use, reaches θ (candidates around the closed-form step are checked), asked for as
// a wakeup; at the wakeup the neuron is touched and a settle scheduled. An asymptote U∞ below θ never
// crosses (the stepped twin could touch θ by rounding only when U∞ is within ~1e-15 of it). Neurons
// with no input and no predicted crossing are never visited; the steady state does not allocate.
// membrane(): thresholds, reset, refractory 0, the potential, synaptic_current 0 (delta synapses: the
// pending inputs of a step are not a current and are not shown), kernel() the delta-synapse kernel
// e^{-s/τ} with τ = −tick_ms/ln λ (κ(j tick_ms) = λ^j, exact on the grid), tick() this tick_membrane.
// ALIF ("adapt_beta" β > 0, "adapt_tau_ms" τ_a, ρ = e^{−tick_ms/τ_a}; tick_membrane.hpp): a neuron spikes
// when Ũ_k >= A_k = θ_i + β a_k, a_k = ρ a_{k−1} + s_{k−1} (a_0 = 0 after the reset; the reset still subtracts
// θ_i). Each neuron stores a at its last evaluated step; free steps decay it (a ρ^n, iterated as the twin for
// n <= iterate_limit). A neuron with no input can then cross later only while its free Ũ is above θ (the
// threshold decays toward θ, Ũ toward U∞ < θ: a bias that crosses on its own is refused with β > 0), so the
// prediction scans that bounded stretch step by step with the evaluation's arithmetic, at most
// adaptive_scan_limit steps at a time (a wakeup at the end of a longer stretch resumes the scan).
// Counters: neuron_updates = neurons evaluated at settles; crossing_predictions = predictions made.
// Invariants: leak in (0, 1); tick_ms > 0; bias, thresholds have size() finite entries, thresholds > 0;
// touched_list_[0, n_touched_) holds exactly the neurons with touched_ set, in the order they were touched, all
// for pending_step_ (>= 0 iff non-empty or a wakeup's settle is pending); last_[i] <= settled_step_; wake_step_[i] > last_[i] or −1.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/membrane_view.hpp"
#include "engine/population.hpp"
#include "engine/tick_membrane.hpp"
#include "models/spiking_params.hpp"

namespace evsnn {

class lif_tick final : public population, public membrane_view, public tick_membrane, public trainable_bias {
 public:
  struct parameters {
    double tick_ms = 1.0;
    double leak = 0.0;         // λ in (0, 1)
    std::vector<double> bias;  // one per neuron
    spiking_params spiking;    // threshold per neuron, reset; refractory_ms 0
    double adapt_beta = 0.0;   // β >= 0 (0: LIF)
    double adapt_decay = 0.0;  // ρ in [0, 1)
  };
  // Gaps of at most this many free steps are iterated as the twin does; longer ones use the closed form.
  static constexpr std::int64_t iterate_limit = 32;
  // ALIF predictions scan at most this many free steps; a longer stretch above θ gets a wakeup at its end
  // (the neuron is evaluated with no input, as the twin steps it) and the scan goes on from there.
  static constexpr std::int64_t adaptive_scan_limit = 4096;

  lif_tick(std::string name, std::uint32_t size, parameters params);

  const char* model() const override { return "lif_tick"; }
  bool settles() const override { return true; }
  void reset(double t_ms) override;
  void begin_sample(double t_ms, std::uint64_t seed) override;
  void deliver_dense(double t_ms, std::span<const double> w, float scale) override;
  void deliver_sparse(double t_ms, std::span<const std::uint32_t> post, std::span<const double> w,
                      float scale) override;
  void wakeup(double t_ms, std::uint32_t neuron, std::uint32_t version) override;
  void settle(double t_ms) override;
  // U at the last step <= t_ms (free run from the neuron's last evaluation; pending inputs not included).
  double potential(std::uint32_t neuron, double t_ms) const override;
  // Allowed only for dt_ms == tick_ms.
  std::unique_ptr<stepped_population> make_stepped(double dt_ms) const override;

  // membrane_view
  const membrane_view* membrane() const override { return this; }
  psp_kernel kernel() const override { return {inv_tau_mem_, 0.0, 1.0}; }
  std::span<const double> thresholds() const override { return params_.spiking.threshold; }
  reset_kind spike_reset() const override;
  double refractory_ms() const override { return 0.0; }
  double membrane_potential(std::uint32_t neuron, double t_ms) const override { return potential(neuron, t_ms); }
  double synaptic_current(std::uint32_t, double) const override { return 0.0; }
  const tick_membrane* tick() const override { return this; }
  trainable_bias* trainable() override { return this; }

  // trainable_bias (engine/trainable_bias.hpp). Neurons whose bias changes are first evaluated up to the
  // last step that began at or before t_ms with the old bias (free steps, no input: no crossing is lost,
  // a predicted one would have fired already), then re-predicted with the new one. Refused
  // (std::invalid_argument) with adapt_beta > 0 when the new bias crosses on its own (see ALIF above).
  std::span<const double> bias_values() const override { return params_.bias; }
  void set_bias(std::span<const double> b, double t_ms) override;

  // tick_membrane. For a step after the neuron's last evaluation the values are those of its free run
  // (no input); steps before it are not kept: pre_reset_potential returns NaN, spiked_at false.
  double tick_ms() const override { return params_.tick_ms; }
  double leak() const override { return params_.leak; }
  std::span<const double> bias() const override { return params_.bias; }
  double pre_reset_potential(std::uint32_t neuron, std::uint64_t step) const override;
  bool spiked_at(std::uint32_t neuron, std::uint64_t step) const override;
  double adapt_beta() const override { return params_.adapt_beta; }
  double adapt_decay() const override { return params_.adapt_decay; }
  double adaptation(std::uint32_t neuron, std::uint64_t step) const override;

  // The step an arrival at t_ms would join now (tests).
  std::int64_t step_of(double t_ms) const;
  // The neuron's last evaluated step (−1: none since the reset).
  std::int64_t last_step(std::uint32_t neuron) const { return last_[neuron]; }

 private:
  double free_run(double u, double b, std::int64_t n) const;  // f^n(u)
  // Ũ of the step n >= 1 steps after a step that left u, with no input: the evaluation's arithmetic.
  double free_pre(double u, double b, std::int64_t n) const { return params_.leak * free_run(u, b, n - 1) + b; }
  // a after n free steps from a (a ρ^n, the twin's arithmetic for n <= iterate_limit).
  double adapt_run(double a, std::int64_t n) const;
  // a at the step after neuron i's last evaluation.
  double adapt_next(std::uint32_t i) const {
    return last_[i] < 0 ? 0.0 : params_.adapt_decay * a_[i] + (spiked_[i] ? 1.0 : 0.0);
  }
  std::int64_t predict_adaptive(std::uint32_t i, double u, std::int64_t last) const;
  void touch(std::uint32_t i, std::int64_t k, double t_ms);
  // Schedules the settle of step k (t_ms: now) unless one is pending.
  void begin_step(std::int64_t k, double t_ms);
  // Lists neuron i for the pending step, once (branch-free: the slot after the list is always written).
  void list_touched(std::uint32_t i) {
    touched_list_[n_touched_] = i;
    n_touched_ += static_cast<std::size_t>(touched_[i] ^ 1);
    touched_[i] = 1;
  }
  void evaluate(std::uint32_t i, std::int64_t k, double t_ms);
  // The first step after `last` (which left u) at which neuron i crosses with no input, or −1.
  std::int64_t predict(std::uint32_t i, double u, std::int64_t last) const;
  void repredict(std::uint32_t i);
  bool bias_crosses(std::uint32_t i) const;  // U∞ = b/(1 − λ) >= θ: can cross from rest with no input

  parameters params_;
  double inv_tau_mem_;
  double t0_ms_ = 0.0;
  std::int64_t pending_step_ = -1;  // the step the touched neurons wait for (−1: none)
  std::int64_t settled_step_ = -1;  // the last step settled since the reset
  bool scan_bias_ = true;           // a reset happened: predict bias crossings from rest at begin_sample
  std::vector<std::int64_t> last_, wake_step_;
  std::vector<double> u_, pre_, in_;
  std::vector<double> a_;  // ALIF: a at the neuron's last evaluated step
  std::vector<std::uint32_t> version_;
  std::vector<std::uint8_t> spiked_, touched_;
  std::vector<std::uint32_t> touched_list_;  // the first n_touched_ entries (size() + 1 slots)
  std::size_t n_touched_ = 0;
  std::vector<std::uint32_t> bias_neurons_;  // neurons that can cross from rest with no input
};

}  // namespace evsnn
