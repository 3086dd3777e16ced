#pragma once
// anp_math: the arithmetic of the anp rule (rules/anp.hpp), free of the simulator so that tests can check
// it against direct computations: the layer critics (linear softmax readouts of spike counts), their
// delta-rule gradient with the confidence-gated agreement term and its alternating schedule, and the
// node-perturbation estimator's coefficient.
//  - critic: p = softmax(U r + c), U classes x n row-major; loss CE(p, y) = -log p_y.
//  - logit gradient of critic l+1: (p_{l+1} - onehot(y)) + kappa g_l (p_{l+1} - p_l), the second term the
//    gradient of kappa KL(stopgrad(p_l) || p_{l+1}); g_l = 1[max p_l > confidence] (and argmax p_l == y
//    when required); the pair (l, l+1) carries it only in batches whose parity is l's (even pairs on even
//    batches, odd pairs on odd ones), so adjacent critics never move their agreement terms in one step.
//  - estimator: dL/dW_l ~ s dL dr_l x_{l-1}^T / (|dr|^2 + eps) (ANP: a directional derivative along the
//    realised activity change); s = N, sqrt(N) or 1.
// Invariants: probabilities are computed with the maximum logit subtracted (finite for finite inputs);
// a zero activity change (norm_sq == 0) gives coefficient 0 (the sample contributes nothing).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>

namespace evsnn::rules::anp_math {

enum class scale_kind { n, sqrt_n, none };

// p = softmax(U r + c); U has p.size() rows of r.size() values.
void critic_probs(std::span<const float> U, std::span<const float> c, std::span<const double> r, std::span<double> p);
// -log p_label (p_label clamped at 1e-300).
double cross_entropy(std::span<const double> p, std::uint32_t label);
// KL(q || p) = sum q log(q / p) over q > 0 (for tests and checks).
double kl_divergence(std::span<const double> q, std::span<const double> p);
// The agreement gate of critic l's probabilities q for the pair (l, l+1).
bool agreement_gate(std::span<const double> q, std::uint32_t label, double confidence, bool requires_correct);
// True when the pair (l, l+1) updates its agreement term in the batch numbered `batch` (0-based).
inline bool pair_active(std::size_t pair, std::uint64_t batch) { return pair % 2 == batch % 2; }
// dz = p - onehot(label) (+ kappa (p - q) when q is non-empty): the critic loss gradient w.r.t. its logits.
void logit_grad(std::span<const double> p, std::uint32_t label, std::span<const double> q, double kappa,
                std::span<double> dz);
// s for N nodes.
double scale_factor(scale_kind kind, std::size_t nodes);
// The factor c of the update c dr x^T handed to the optimizer as a gradient (0 when norm_sq == 0).
inline double estimator_coefficient(double dloss, double norm_sq, double scale, double eps) {
  return norm_sq > 0.0 ? scale * dloss / (norm_sq + eps) : 0.0;
}

}  // namespace evsnn::rules::anp_math
