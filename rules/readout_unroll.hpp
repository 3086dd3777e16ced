#pragma once
// readout_unroll: the time-stepped twin of a discrete-tick chain that ends in a leaky readout — lif_tick
// hidden layers (LIF or ALIF), each with an optional recurrent projection onto itself, and an li readout
// (tau_syn 0, delay 0) — unrolled over a sample, and its exact backward pass: what bptt runs on such
// chains (the reference e-prop is compared with) and what FGSM attacks differentiate (the input gradient).
// Forward per step k, hidden layers in order (as lif_tick runs them on either engine):
//   Ũ_k = λ U_{k−1} + Σ_blocks W x_{k−D} + b,  A_k = θ + β a_k,  s_k = H(Ũ_k − A_k),  U_k = Ũ_k − θ s_k,
//   a_{k+1} = ρ a_k + s_k;   readout y_k = κ y_{k−1} + W_out s_k;
// x of a block is the input recorded at step k (D = 0: arrival steps already include the delay) or the
// spikes of a hidden layer D = ceil(delay/tick) steps before (recurrent blocks D >= 1). The loss is the mean
// over the loss window [window_start, T) of the softmax cross-entropy of y_k (eprop's).
// Backward, with the surrogate ψ_k for ds/dŨ (−ψ_k for ds/dA) and nothing detached:
//   δy_k = err_k/W + κ δy_{k+1};   G_k = dL/ds_k = Σ_c W_out δy_k + Σ_blocks out of the layer W δŨ_{k+D}
//          − θ λ δŨ_{k+1} + δa_{k+1};
//   δŨ_k = ψ_k G_k + λ δŨ_{k+1};   δa_k = −β ψ_k G_k + ρ δa_{k+1};
//   ∂L/∂W_b = Σ_k x_{k−D} δŨ_k;  ∂L/∂W_out = Σ_k s_k δy_k;  ∂L/∂x_{k,j} (input) = Σ_i W_ji δŨ_{k,i}.
// With a smooth slope the forward uses s = F(Ũ − A), F' = ψ (the "surrogate network" whose exact gradient
// this is; finite-difference tests).
// Invariants: blocks are the chain's (layer_chain::blocks) and gradients are in each projection's synapse
// order; per-step arrays are step-major (T × n).
#include <cstdint>
#include <span>
#include <vector>

#include "engine/projection.hpp"
#include "rules/layer_chain.hpp"
#include "rules/loss.hpp"
#include "rules/tick_learner.hpp"

namespace evsnn::rules {

// ψ of e-prop's piecewise-linear pseudo-derivative or the fast sigmoid.
struct tick_surrogate {
  bool piecewise = true;
  double gamma = 0.3;
  double slope = 25.0;
  double psi(double u, double a, double theta) const;
  // F with F' = ψ (smooth forward, tests).
  double smooth(double u, double a, double theta) const;
};

// The first step of a sample's loss window: the last loss_window_ms of a sample of duration_ms (0: all of it).
std::uint64_t loss_window_start(double loss_window_ms, double duration_ms, double tick_ms);

struct readout_net {
  struct layer {
    std::uint32_t n = 0;
    double leak = 0.0, beta = 0.0, rho = 0.0;
    std::span<const double> theta, bias;
  };
  struct block {
    int pre = -1;               // −1: the input; else a hidden layer
    std::uint32_t post = 0;     // a hidden layer, or layers.size() for the readout
    std::uint32_t delay = 0;    // D in steps
    projection* proj = nullptr;
  };
  std::vector<layer> layers;
  std::vector<block> blocks;
  std::uint32_t n_in = 0, n_out = 0;
  double kappa = 0.0;
};

// The chain's readout_net (checks: hidden lif_tick layers with one tick, an li readout with tau_syn 0 fed with
// delay 0, recurrent delays > 0); rule names the caller in errors.
readout_net make_readout_net(network& net, const layer_chain& chain, const char* rule);

struct readout_unroll {
  std::uint64_t T = 0, window_start = 0;
  std::vector<std::vector<double>> u_tilde, thr, s;  // per hidden layer, T × n (thr: A_k)
  std::vector<double> y, err;                         // T × n_out (err: softmax − onehot inside the window)
  loss_value loss;
};

void readout_forward(const readout_net& net, const std::vector<std::vector<tick_input>>& inputs, std::uint32_t label,
                     std::uint64_t window_start, const tick_surrogate* smooth, readout_unroll& out);
// grads[b] (one per block, synapse order) and, when input_grad is non-null, ∂L/∂x (T × n_in). ds_extra (per
// hidden layer and neuron, may be null): a term added to dL/ds_k at every step (the firing-rate regulariser
// c Σ_i (f̄_i − f₀)², f̄_i = Σ_k s_k,i / T, adds 2c (f̄_i − f₀)/T; rate_regulariser below).
void readout_backward(const readout_net& net, const std::vector<std::vector<tick_input>>& inputs,
                      const readout_unroll& u, const tick_surrogate& surrogate, std::vector<std::vector<double>>& grads,
                      std::vector<double>* input_grad, const std::vector<std::vector<double>>* ds_extra = nullptr);
// The regulariser's ds_extra for an unroll, and its value c Σ_i (f̄_i − f₀)² (f₀ in spikes per step).
double rate_regulariser(const readout_unroll& u, double c, double f0_per_step, std::vector<std::vector<double>>& ds);

}  // namespace evsnn::rules
