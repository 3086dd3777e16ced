#include "rules/attack.hpp"

#include <algorithm>

namespace evsnn::rules {

std::vector<double> nes_gradient(const loss_query& f, const std::vector<double>& x, double sigma,
                                 std::uint32_t pairs, rng& r, std::uint64_t& queries) {
  const std::size_t n = x.size();
  std::vector<double> g(n, 0.0), u(n), probe(n);
  for (std::uint32_t p = 0; p < pairs; ++p) {
    for (double& v : u) v = r.normal();
    for (std::size_t j = 0; j < n; ++j) probe[j] = x[j] + sigma * u[j];
    const double up = f(probe);
    for (std::size_t j = 0; j < n; ++j) probe[j] = x[j] - sigma * u[j];
    const double down = f(probe);
    queries += 2;
    const double d = (up - down) / (2.0 * sigma * static_cast<double>(pairs));
    for (std::size_t j = 0; j < n; ++j) g[j] += d * u[j];
  }
  return g;
}

std::vector<double> sign_step(const std::vector<double>& x, const std::vector<double>& g, double step,
                              const std::vector<double>& x0, double eps) {
  std::vector<double> out(x.size());
  for (std::size_t j = 0; j < x.size(); ++j) {
    const double s = g[j] > 0.0 ? 1.0 : g[j] < 0.0 ? -1.0 : 0.0;
    const double v = std::clamp(x[j] + step * s, x0[j] - eps, x0[j] + eps);
    out[j] = std::clamp(v, 0.0, 1.0);
  }
  return out;
}

}  // namespace evsnn::rules
