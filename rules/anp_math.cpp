#include "rules/anp_math.hpp"

#include <algorithm>
#include <limits>

namespace evsnn::rules::anp_math {

void critic_probs(std::span<const float> U, std::span<const float> c, std::span<const double> r, std::span<double> p) {
  const std::size_t n = r.size();
  double zmax = -std::numeric_limits<double>::infinity();
  for (std::size_t o = 0; o < p.size(); ++o) {
    double z = static_cast<double>(c[o]);
    const float* row = U.data() + o * n;
    for (std::size_t i = 0; i < n; ++i)
      if (r[i] != 0.0) z += static_cast<double>(row[i]) * r[i];
    p[o] = z;
    zmax = std::max(zmax, z);
  }
  double sum = 0.0;
  for (double& z : p) sum += (z = std::exp(z - zmax));
  for (double& z : p) z /= sum;
}

double cross_entropy(std::span<const double> p, std::uint32_t label) { return -std::log(std::max(p[label], 1e-300)); }

double kl_divergence(std::span<const double> q, std::span<const double> p) {
  double kl = 0.0;
  for (std::size_t o = 0; o < q.size(); ++o)
    if (q[o] > 0.0) kl += q[o] * std::log(q[o] / std::max(p[o], 1e-300));
  return kl;
}

bool agreement_gate(std::span<const double> q, std::uint32_t label, double confidence, bool requires_correct) {
  const auto best = std::max_element(q.begin(), q.end());
  if (!(*best > confidence)) return false;
  return !requires_correct || static_cast<std::size_t>(best - q.begin()) == label;
}

void logit_grad(std::span<const double> p, std::uint32_t label, std::span<const double> q, double kappa,
                std::span<double> dz) {
  for (std::size_t o = 0; o < p.size(); ++o) {
    dz[o] = p[o] - (o == label ? 1.0 : 0.0);
    if (!q.empty()) dz[o] += kappa * (p[o] - q[o]);
  }
}

double scale_factor(scale_kind kind, std::size_t nodes) {
  const double n = static_cast<double>(nodes);
  return kind == scale_kind::n ? n : (kind == scale_kind::sqrt_n ? std::sqrt(n) : 1.0);
}

}  // namespace evsnn::rules::anp_math
