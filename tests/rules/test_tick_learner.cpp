// tick_learner (ottt, ostl, otpe, approx_otpe): each learner's gradient and message factor over a random
// sequence of ticks against the closed-form sums of rules-spec §3.2 written out directly (no recursion):
//   A_t = Σ_{τ<=t} x_τ Π_{σ=τ}^{t-1} λ r_σ   (∂Ũ_t/∂W, OSTL/OTPE),   â_t = Σ_{τ<=t} λ^{t-τ} x_τ,
//   ḡ_t = Σ_τ λ'^{t-τ} ψ_τ / Σ_τ λ'^{t-τ},   R̂_t = Σ_{τ<=t} λ'^{t-τ} ψ_τ A_τ,   ẑ_t = Σ_{τ<=t} λ'^{t-τ} â_τ;
// and the reset between samples.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "engine/rng.hpp"
#include "rules/tick_learner.hpp"

using namespace evsnn;
using namespace evsnn::rules;

namespace {

struct sequence {
  std::uint32_t n_in = 5, n = 4, T = 25;
  double lambda = 0.9, lambda_next = 0.8, theta = 1.0;
  std::vector<std::vector<double>> x, psi, r, g;  // [t][j] or [t][i]

  explicit sequence(std::uint64_t seed) {
    rng rand(seed);
    for (std::uint32_t t = 0; t < T; ++t) {
      std::vector<double> xt(n_in, 0.0), pt(n), rt(n), gt(n);
      for (std::uint32_t j = 0; j < n_in; ++j)
        if (j != 3 && rand.uniform(0.0, 1.0) < 0.3) xt[j] = rand.uniform(0.0, 1.0) < 0.5 ? 1.0 : 2.0;  // pre 3 silent
      for (std::uint32_t i = 0; i < n; ++i) {
        const double u = rand.uniform(-1.0, 2.0);
        const double d = 25.0 * std::fabs(u - theta) + 1.0;
        pt[i] = 1.0 / (d * d);
        rt[i] = 1.0 - theta * pt[i];
        gt[i] = rand.uniform(-1.0, 1.0);
      }
      x.push_back(xt);
      psi.push_back(pt);
      r.push_back(rt);
      g.push_back(gt);
    }
  }

  // Runs a learner over the sequence; returns the summed gradient and the factor of every tick.
  void run(tick_learner& learner, std::vector<double>& grad, std::vector<std::vector<double>>& factors) const {
    grad.assign(std::size_t(n_in) * n, 0.0);
    factors.clear();
    for (std::uint32_t t = 0; t < T; ++t) {
      std::vector<tick_input> in;
      for (std::uint32_t j = 0; j < n_in; ++j)
        if (x[t][j] != 0.0) in.push_back({j, x[t][j]});
      std::vector<double> f(n);
      learner.step({in, x[t], psi[t], r[t], g[t]}, grad, f);
      factors.push_back(f);
    }
  }

  double A(std::uint32_t t, std::uint32_t j, std::uint32_t i) const {
    double sum = 0.0;
    for (std::uint32_t tau = 0; tau <= t; ++tau) {
      double prod = x[tau][j];
      for (std::uint32_t s = tau; s < t; ++s) prod *= lambda * r[s][i];
      sum += prod;
    }
    return sum;
  }
  double a_hat(std::uint32_t t, std::uint32_t j) const {
    double sum = 0.0;
    for (std::uint32_t tau = 0; tau <= t; ++tau) sum += std::pow(lambda, t - tau) * x[tau][j];
    return sum;
  }
  double g_bar(std::uint32_t t, std::uint32_t i) const {
    double num = 0.0, den = 0.0;
    for (std::uint32_t tau = 0; tau <= t; ++tau) {
      num += std::pow(lambda_next, t - tau) * psi[tau][i];
      den += std::pow(lambda_next, t - tau);
    }
    return num / den;
  }
};

void check_close(const std::vector<double>& got, const std::vector<double>& want) {
  REQUIRE(got.size() == want.size());
  double scale = 0.0;
  for (double w : want) scale = std::max(scale, std::fabs(w));
  REQUIRE(scale > 0.0);
  for (std::size_t k = 0; k < got.size(); ++k) CHECK(got[k] == doctest::Approx(want[k]).epsilon(1e-12).scale(scale));
}

}  // namespace

TEST_CASE("ottt: gradient Σ (g⊙ψ) âᵀ and factor g⊙ψ") {
  const sequence s(11);
  auto learner = make_tick_learner("ottt", {s.n_in, s.n, s.lambda, s.lambda_next});
  std::vector<double> grad;
  std::vector<std::vector<double>> f;
  s.run(*learner, grad, f);
  std::vector<double> want(grad.size(), 0.0);
  for (std::uint32_t t = 0; t < s.T; ++t)
    for (std::uint32_t j = 0; j < s.n_in; ++j)
      for (std::uint32_t i = 0; i < s.n; ++i) want[j * s.n + i] += s.g[t][i] * s.psi[t][i] * s.a_hat(t, j);
  check_close(grad, want);
  for (std::uint32_t t = 0; t < s.T; ++t)
    for (std::uint32_t i = 0; i < s.n; ++i) CHECK(f[t][i] == doctest::Approx(s.g[t][i] * s.psi[t][i]).epsilon(1e-15));
  for (std::uint32_t i = 0; i < s.n; ++i) CHECK(grad[3 * s.n + i] == 0.0);  // a silent pre gets nothing
}

TEST_CASE("ostl: gradient Σ g ψ A with the reset path, factor g⊙ψ") {
  const sequence s(12);
  auto learner = make_tick_learner("ostl", {s.n_in, s.n, s.lambda, s.lambda_next});
  std::vector<double> grad;
  std::vector<std::vector<double>> f;
  s.run(*learner, grad, f);
  std::vector<double> want(grad.size(), 0.0);
  for (std::uint32_t t = 0; t < s.T; ++t)
    for (std::uint32_t j = 0; j < s.n_in; ++j)
      for (std::uint32_t i = 0; i < s.n; ++i) want[j * s.n + i] += s.g[t][i] * s.psi[t][i] * s.A(t, j, i);
  check_close(grad, want);
}

TEST_CASE("otpe: gradient Σ g R̂ and factor g⊙ḡ") {
  const sequence s(13);
  auto learner = make_tick_learner("otpe", {s.n_in, s.n, s.lambda, s.lambda_next});
  std::vector<double> grad;
  std::vector<std::vector<double>> f;
  s.run(*learner, grad, f);
  std::vector<double> want(grad.size(), 0.0);
  for (std::uint32_t t = 0; t < s.T; ++t)
    for (std::uint32_t j = 0; j < s.n_in; ++j)
      for (std::uint32_t i = 0; i < s.n; ++i) {
        double r_hat = 0.0;
        for (std::uint32_t tau = 0; tau <= t; ++tau)
          r_hat += std::pow(s.lambda_next, t - tau) * s.psi[tau][i] * s.A(tau, j, i);
        want[j * s.n + i] += s.g[t][i] * r_hat;
      }
  check_close(grad, want);
  for (std::uint32_t t = 0; t < s.T; ++t)
    for (std::uint32_t i = 0; i < s.n; ++i)
      CHECK(f[t][i] == doctest::Approx(s.g[t][i] * s.g_bar(t, i)).epsilon(1e-12));
}

TEST_CASE("approx_otpe: gradient Σ (g⊙ḡ) ẑᵀ and factor g⊙ḡ") {
  const sequence s(14);
  auto learner = make_tick_learner("approx_otpe", {s.n_in, s.n, s.lambda, s.lambda_next});
  std::vector<double> grad;
  std::vector<std::vector<double>> f;
  s.run(*learner, grad, f);
  std::vector<double> want(grad.size(), 0.0);
  for (std::uint32_t t = 0; t < s.T; ++t)
    for (std::uint32_t j = 0; j < s.n_in; ++j) {
      double z = 0.0;
      for (std::uint32_t tau = 0; tau <= t; ++tau) z += std::pow(s.lambda_next, t - tau) * s.a_hat(tau, j);
      for (std::uint32_t i = 0; i < s.n; ++i) want[j * s.n + i] += s.g[t][i] * s.g_bar(t, i) * z;
    }
  check_close(grad, want);
}

TEST_CASE("every learner starts each sample from zero traces") {
  const sequence s(15);
  for (const std::string& name : tick_learner_names()) {
    CAPTURE(name);
    auto fresh = make_tick_learner(name, {s.n_in, s.n, s.lambda, s.lambda_next});
    auto reused = make_tick_learner(name, {s.n_in, s.n, s.lambda, s.lambda_next});
    std::vector<double> g1, g2;
    std::vector<std::vector<double>> f1, f2;
    sequence other(99);
    other.run(*reused, g2, f2);  // an earlier sample
    reused->reset();
    s.run(*fresh, g1, f1);
    s.run(*reused, g2, f2);
    CHECK(g1 == g2);
    CHECK(f1 == f2);
    CHECK(fresh->state_bytes() > 0);
  }
  CHECK(make_tick_learner("bptt", {1, 1, 0.5, 0.5}) == nullptr);
}
