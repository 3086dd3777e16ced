#pragma once
// tick_unroll: the time-stepped twin of a discrete-tick chain unrolled over a sample, and its exact
// backward pass — what bptt runs and what tests check the online rules against. Forward, per step k and
// layer l in sequence (rules-spec §3.1): Ũ_k = λU_{k−1} + W x_k + b, s_k = H(Ũ_k − θ) (or, with a smooth
// slope, s_k = f(Ũ_k − θ) with f(v) = v/(1 + slope |v|), whose derivative is the fast-sigmoid surrogate ψ —
// the "surrogate network" whose exact gradient BPTT computes, used by finite-difference tests),
// U_k = Ũ_k − θ s_k; x_k of layer l > 0 is s_k of layer l − 1. Backward:
//   dL/dŨ_k = ψ_k (e_k − θ λ dL/dŨ_{k+1}) + λ dL/dŨ_{k+1},  e_k = dL/ds_k,  dL/dW_ji = Σ_k x_{k,j} dL/dŨ_{k,i}.
// The loss is tick_loss's: the mean over steps of the softmax cross-entropy of s_k (or of its leaky trace).
// Recurrence: a layer may also receive its own spikes of D >= 1 steps before through W_rec (Ũ_k += W_rec
// s_{k−D}); backward, dL/ds_k gains Σ_i W_rec,·i dL/dŨ_{k+D,i} and dL/dW_rec = Σ_k s_{k−D} dL/dŨ_k.
// Invariants: u_tilde[l] and s[l] hold steps x n_l values (step-major); weights are pre-major.
#include <cstdint>
#include <span>
#include <vector>

#include "rules/tick_chain.hpp"
#include "rules/tick_learner.hpp"

namespace evsnn::rules {

struct tick_recurrence {
  std::size_t layer = 0;            // the layer fed by its own spikes
  std::uint32_t delay = 1;          // D >= 1 steps
  std::span<const double> weights;  // n x n, pre-major (absent synapses 0)
};

struct tick_params {
  std::vector<std::span<const double>> weights;  // per layer, fan_in x n (pre-major)
  std::vector<tick_recurrence> recurrent;        // optional, any order
  std::vector<std::span<const double>> bias;    // per layer, n
  std::vector<std::uint32_t> sizes;             // input size, then n per layer
  tick_chain_info info;
};

struct tick_unroll {
  std::uint64_t steps = 0;
  std::vector<std::vector<double>> u_tilde, s;
  std::vector<double> out_err;  // steps x n_out: dℓ_k/d(logit_k) = softmax − onehot
  loss_value loss;
};

// inputs[k]: the first layer's inputs of step k. smooth_slope 0: Heaviside spikes; > 0: the smooth f.
void unroll_forward(const tick_params& p, const std::vector<std::vector<tick_input>>& inputs, std::uint32_t label,
                    tick_loss_on loss_on, double smooth_slope, tick_unroll& out);
// grad[l] (fan_in x n) receives dL/dW of every layer, then grad[L + r] (n x n) that of recurrent[r];
// bias_grad, when given, dL/db of every layer (n each): Σ_k dL/dŨ_k. Returns the multiply-adds it did
// (messages, gradient rows, the per-neuron recursion), for the rule's operation counter.
std::uint64_t unroll_backward(const tick_params& p, const std::vector<std::vector<tick_input>>& inputs, const tick_unroll& u,
                     tick_loss_on loss_on, double slope, std::vector<std::vector<double>>& grad,
                     std::vector<std::vector<double>>* bias_grad = nullptr);

}  // namespace evsnn::rules
