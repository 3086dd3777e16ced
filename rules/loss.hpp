#pragma once
// loss: the per-sample objective of supervised training. It reads one quantity of the output layer
// (spike counts, first-spike times or leaky-integrator readout values), returns the sample's loss and
// predicted class, and writes dL/d(quantity) for every output neuron.
// Invariants: a loss is immutable after make_loss (evaluate is const and thread-safe); softmax losses
// are numerically stable (max subtracted) and finite for finite inputs; describe() is the full spec
// (every default filled in) and make_loss(describe()) behaves identically.
// Programming errors (label out of range, spans of the wrong size) throw std::invalid_argument;
// bad specs throw evsnn::input_error "<where><JSON pointer>: <problem>".
//
// Specs (or a plain string naming the type, all defaults):
//   {"type": "count_mse", "target_true": 10, "target_false": 3}   L = 1/2 sum_o (y_o - n_o)^2,
//        y_o = target_true for the label, target_false otherwise (defaults 10/3, the SFDFA paper); targets >= 0.
//   {"type": "count_ce", "scale": 1}        softmax cross-entropy on logits scale * n_o (scale > 0).
//   {"type": "first_spike_ce", "tau_ms": 5} softmax cross-entropy on logits -t_o / tau_ms (tau_ms > 0), t_o the
//        first spike time; a neuron without a spike uses t_o = duration_ms and gets gradient 0.
//   {"type": "readout_ce"}                  softmax cross-entropy on the readout values.
//   {"type": "tick_ce"}                     the per-tick softmax cross-entropy of the online rules (ottt, ostl,
//        otpe, approx_otpe, f_otpe, f_approx_otpe, bptt) on discrete-tick networks, averaged over the ticks; the
//        rule computes it (on the output spikes of each tick, or on their leaky trace for the F- rules).
//
// Predictions:
//   count losses:   argmax count; ties go to the earliest first spike (when first_ms is given), then the lowest index.
//   first_spike_ce: argmin first spike time among neurons that spiked, ties to the lowest index; when no neuron
//                   spiked it falls back to the count rule (so with no spikes at all: output 0).
//   readout_ce:     argmax readout, ties to the lowest index.
//   tick_ce:        argmax count, ties to the lowest index; an output that never spiked is wrong (prediction =
//                   the number of output neurons, which matches no label).
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

namespace evsnn::rules {

// What the output layer did in one sample (times relative to sample begin).
struct output_activity {
  std::span<const std::uint32_t> counts;  // spikes per output neuron (empty for a readout output)
  std::span<const double> first_ms;       // first spike time per output neuron, +infinity when none (empty for readout)
  std::span<const double> readout;        // leaky-integrator readout values (empty for spiking outputs)
  double duration_ms = 0.0;               // sample duration
};

struct loss_value {
  double value = 0.0;
  std::uint32_t prediction = 0;
};

// Which output quantity a loss reads.
enum class loss_input { counts, first_spike, readout };

class loss {
 public:
  virtual ~loss() = default;
  virtual const char* name() const = 0;
  virtual loss_input input() const = 0;
  // Loss of one sample and the predicted class. grad (size = number of output neurons) receives dL/d(quantity):
  // dL/dn_o for counts, dL/dt_first_o for first_spike (0 for neurons that did not spike), dL/dv_o for readout.
  // The quantity the loss reads must have grad.size() entries (first_ms may be empty for count losses);
  // label must be < grad.size(). Otherwise std::invalid_argument.
  virtual loss_value evaluate(const output_activity& out, std::uint32_t label, std::span<double> grad) const = 0;
  // The JSON the loss was made from, with every default filled in (for logs / checkpoints).
  virtual nlohmann::json describe() const = 0;
  // True for losses the rule computes inside the sample (tick_ce): evaluate() then gives the prediction
  // and a NaN value, and the trainer takes the value from rule_worker::sample_loss().
  virtual bool computed_by_rule() const { return false; }
};

// Softmax cross-entropy -log p_label with p = softmax(logits); grad receives dL/dlogit = p - onehot(label).
// Stable: the maximum logit is subtracted before exponentiating. logits and grad may alias.
double softmax_cross_entropy(std::span<const double> logits, std::uint32_t label, std::span<double> grad);

// where is prefixed to error messages, e.g. "train.json: /loss" -> "train.json: /loss/target_true: must be >= 0, got -1".
std::unique_ptr<loss> make_loss(const nlohmann::json& spec, const std::string& where);

}  // namespace evsnn::rules
