#pragma once
// feedback_alignment: the SFDFA rule (Spiking Forward Direct Feedback Alignment, Bacho & Chu) and
// plain DFA, which is SFDFA with fixed random feedback (registered as "sfdfa" and "dfa").
// Online part (hooks, per sample):
//  - on_pre (spike of j arriving at layer l at t): presynaptic traces F_m[j] += e^{(t-t0)/tau_mem},
//    F_s[j] += e^{(t-t0)/tau_syn} (one per presynaptic neuron: every synapse of j sees the same spikes);
//    SFDFA: the targets' grade accumulators s_i += w_ij d_j, d_j the spike's grade.
//  - on_post (spike k of i at t): the local gradient of the spike time for every incoming synapse,
//    g = dt_k/dw_ij = -tau_mem / D * (P_ij(t) - (theta/tau_mem) R_ij(t)), with P_ij(t) the summed PSP of
//    j's spikes at t, R_ij(t) = sum over earlier own spikes m of e^{-(t-t_m)/tau_mem} g_m (the reset
//    coupling), D = I(t) (eq. 18, bounded, default) or I(t) - theta (eq. 17, exact); elig_ij += g.
//    elig and R are per-synapse arrays of the worker (post-major). SFDFA: the spike's grade is d = s_i (+ p_i, a
//    N(0,1) perturbation, on the neuron's first spike in a hidden layer); s_i = 0; output grades are
//    summed into D_o.
// Error part (once per sample): output error eps_o (= -dL/dn_o for count losses, dL/dt_o for
// first-spike losses, -dL/dv_o for readouts); hidden delta_i = sum_o B_io eps_o; gradient
// dL/dw_ij = delta_i elig_ij (output layer: the exact local gradient of the loss). Firing-rate
// regularisation (paper A.1) adds c_reg (target - mean count in the batch) to delta_i of hidden layers.
// Feedback learning (SFDFA, eq. 7): B_io <- B_io - alpha (B_io - D_o p_i), once per sample in which i
// fired (summed over the batch).
// Invariants: feedback_[l] is n_l x n_out row-major for hidden layers; the sums are post-major
// (i * fan_in + j) and end_batch returns gradients in synapse order (j * n + i); traces are relative
// to the sample begin t0 and rebased when (t-t0)/tau_syn > 30.
#include <cstdint>
#include <memory>
#include <vector>

#include "rules/learning_rule.hpp"

namespace evsnn::rules {

struct feedback_alignment_params {
  bool learn_feedback = true;   // SFDFA; false: DFA
  bool exact_factor = false;    // eq. 17 instead of the bounded eq. 18
  double feedback_lr = 1e-4;    // alpha
  double perturbation_std = 1.0;
  std::string feedback_init = "zero";  // "zero" | "uniform" (U(-s, s)) | "normal" (N(0, s^2))
  double feedback_init_scale = 1.0;
  std::vector<double> reg_strength;  // per hidden layer (c_reg)
  std::vector<double> reg_target;    // per hidden layer (target spikes per sample)
};

class feedback_alignment final : public learning_rule {
 public:
  feedback_alignment(feedback_alignment_params params, const layer_chain& chain, loss_input input, std::uint64_t seed);
  const char* name() const override { return params_.learn_feedback ? "sfdfa" : "dfa"; }
  fixed_sum_set make_sums() const override;
  std::unique_ptr<rule_worker> make_worker(simulator& sim, const layer_chain& chain) override;
  void end_batch(const fixed_sum_set& total, std::size_t n, std::vector<std::vector<double>>& grads) override;
  std::vector<std::span<const float>> state() const override;
  void load_state(const std::vector<std::vector<float>>& blocks) override;
  nlohmann::json describe() const override;
  std::vector<std::span<const float>> feedback() const override { return state(); }

  const feedback_alignment_params& params() const { return params_; }
  // Index of each quantity in the sums (npos when absent).
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  struct sum_layout {
    std::size_t grad = npos, elig = npos, counts = npos, fb = npos, active = npos;
  };
  const std::vector<sum_layout>& layout() const { return layout_; }
  const std::vector<std::vector<float>>& feedback_matrices() const { return feedback_; }

 private:
  friend class feedback_alignment_worker;
  feedback_alignment_params params_;
  layer_chain chain_;
  loss_input input_;
  std::uint64_t seed_;
  std::vector<sum_layout> layout_;
  std::size_t n_sums_ = 0;
  std::vector<std::vector<float>> feedback_;  // hidden layers only (last entry empty)
};

// spec keys (all optional): "gradient": "bounded" | "exact", "feedback_lr", "perturbation_std",
// "feedback_init": "zero" | "uniform" | "normal", "feedback_init_scale",
// "regularization": {"strength": x | [per hidden layer], "target": x | [...]}. "type" belongs to make_rule,
// which reads it (so it counts as read) before calling this factory.
std::unique_ptr<learning_rule> make_feedback_alignment(const json_node& spec, const layer_chain& chain,
                                                       loss_input input, std::uint64_t seed, bool learn_feedback);

}  // namespace evsnn::rules
