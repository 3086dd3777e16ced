#include "rules/tick_unroll.hpp"

#include <algorithm>
#include <cmath>

namespace evsnn::rules {

void unroll_forward(const tick_params& p, const std::vector<std::vector<tick_input>>& inputs, std::uint32_t label,
                    tick_loss_on loss_on, double smooth_slope, tick_unroll& out) {
  const std::size_t L = p.weights.size();
  const std::uint64_t T = inputs.size();
  out.steps = T;
  out.u_tilde.resize(L);
  out.s.resize(L);
  std::vector<std::vector<double>> u(L);
  for (std::size_t l = 0; l < L; ++l) {
    const std::uint32_t n = p.sizes[l + 1];
    out.u_tilde[l].assign(T * n, 0.0);
    out.s[l].assign(T * n, 0.0);
    u[l].assign(n, 0.0);
  }
  const std::uint32_t n_out = p.sizes[L];
  out.out_err.assign(T * n_out, 0.0);
  tick_loss loss;
  loss.configure(n_out, loss_on, p.info.leak.back());
  loss.begin(label);
  for (std::uint64_t k = 0; k < T; ++k) {
    for (std::size_t l = 0; l < L; ++l) {
      const std::uint32_t n = p.sizes[l + 1], n_in = p.sizes[l];
      const double lambda = p.info.leak[l];
      std::vector<double>& ul = u[l];
      for (std::uint32_t i = 0; i < n; ++i) ul[i] *= lambda;
      auto add_row = [&](std::uint32_t j, double x) {
        const double* row = p.weights[l].data() + std::size_t(j) * n;
        for (std::uint32_t i = 0; i < n; ++i) ul[i] += x * static_cast<double>(row[i]);
      };
      if (l == 0) {
        for (const tick_input& in : inputs[k]) add_row(in.pre, in.x);
      } else {
        const double* below = out.s[l - 1].data() + k * n_in;
        for (std::uint32_t j = 0; j < n_in; ++j)
          if (below[j] != 0.0) add_row(j, below[j]);
      }
      for (const tick_recurrence& r : p.recurrent) {
        if (r.layer != l || k < r.delay) continue;
        const double* own = out.s[l].data() + (k - r.delay) * n;
        for (std::uint32_t j = 0; j < n; ++j)
          if (own[j] != 0.0) {
            const double* row = r.weights.data() + std::size_t(j) * n;
            for (std::uint32_t i = 0; i < n; ++i) ul[i] += own[j] * row[i];
          }
      }
      double* ut = out.u_tilde[l].data() + k * n;
      double* s = out.s[l].data() + k * n;
      for (std::uint32_t i = 0; i < n; ++i) {
        ul[i] += p.bias[l][i];
        ut[i] = ul[i];
        const double theta = p.info.threshold[l][i];
        const double v = ul[i] - theta;
        s[i] = smooth_slope > 0.0 ? v / (1.0 + smooth_slope * std::fabs(v)) : (ul[i] >= theta ? 1.0 : 0.0);
        ul[i] -= theta * s[i];
      }
    }
    loss.tick(std::span<const double>(out.s[L - 1].data() + k * n_out, n_out),
              std::span<double>(out.out_err.data() + k * n_out, n_out));
  }
  out.loss = loss.result();
}

std::uint64_t unroll_backward(const tick_params& p, const std::vector<std::vector<tick_input>>& inputs, const tick_unroll& u,
                     tick_loss_on loss_on, double slope, std::vector<std::vector<double>>& grad,
                     std::vector<std::vector<double>>* bias_grad) {
  const std::size_t L = p.weights.size();
  const std::uint64_t T = u.steps;
  std::vector<std::vector<double>> next(L), cur(L);  // dL/dŨ at k + 1 and at k
  std::vector<std::vector<double>> hist(L);          // dL/dŨ of every step, for layers with recurrence
  grad.resize(L + p.recurrent.size());
  for (std::size_t l = 0; l < L; ++l) {
    next[l].assign(p.sizes[l + 1], 0.0);
    cur[l].assign(p.sizes[l + 1], 0.0);
    grad[l].assign(std::size_t(p.sizes[l]) * p.sizes[l + 1], 0.0);
  }
  for (std::size_t r = 0; r < p.recurrent.size(); ++r) {
    const std::size_t l = p.recurrent[r].layer;
    grad[L + r].assign(std::size_t(p.sizes[l + 1]) * p.sizes[l + 1], 0.0);
    hist[l].assign(T * p.sizes[l + 1], 0.0);
  }
  if (bias_grad) {
    bias_grad->resize(L);
    for (std::size_t l = 0; l < L; ++l) (*bias_grad)[l].assign(p.sizes[l + 1], 0.0);
  }
  if (T == 0) return 0;
  std::uint64_t ops = 0;
  const double inv_t = 1.0 / static_cast<double>(T);
  const std::uint32_t n_out = p.sizes[L];
  const bool trace = loss_on == tick_loss_on::trace;
  const double lambda_out = p.info.leak.back();
  std::vector<double> q(n_out, 0.0), e;
  for (std::uint64_t k = T; k-- > 0;) {
    for (std::size_t l = L; l-- > 0;) {
      const std::uint32_t n = p.sizes[l + 1], n_in = p.sizes[l];
      e.assign(n, 0.0);
      if (l == L - 1) {
        const double* h = u.out_err.data() + k * n_out;
        for (std::uint32_t i = 0; i < n; ++i) e[i] = q[i] = h[i] * inv_t + (trace ? lambda_out * q[i] : 0.0);
      } else {
        const std::uint32_t n_up = p.sizes[l + 2];
        for (std::uint32_t j = 0; j < n; ++j) {
          const double* row = p.weights[l + 1].data() + std::size_t(j) * n_up;
          double m = 0.0;
          for (std::uint32_t i = 0; i < n_up; ++i) m += static_cast<double>(row[i]) * cur[l + 1][i];
          e[j] = m;
        }
        ops += std::uint64_t(n) * n_up;
      }
      // dL/ds_k through the layer's own recurrence D steps later.
      for (const tick_recurrence& r : p.recurrent) {
        if (r.layer != l || k + r.delay >= T) continue;
        const double* later = hist[l].data() + (k + r.delay) * n;
        for (std::uint32_t j = 0; j < n; ++j) {
          const double* row = r.weights.data() + std::size_t(j) * n;
          double m = 0.0;
          for (std::uint32_t i = 0; i < n; ++i) m += row[i] * later[i];
          e[j] += m;
        }
        ops += std::uint64_t(n) * n;
      }
      const double lambda = p.info.leak[l];
      const double* ut = u.u_tilde[l].data() + k * n;
      for (std::uint32_t i = 0; i < n; ++i) {
        const double theta = p.info.threshold[l][i];
        const double psi = fast_sigmoid_surrogate(ut[i], theta, slope);
        const double du = lambda * next[l][i];  // dL/dU_k through U_k → Ũ_{k+1}
        cur[l][i] = psi * (e[i] - theta * du) + du;
      }
      ops += 4 * std::uint64_t(n);
      if (!hist[l].empty()) std::copy(cur[l].begin(), cur[l].end(), hist[l].begin() + std::ptrdiff_t(k * n));
      if (bias_grad)
        for (std::uint32_t i = 0; i < n; ++i) (*bias_grad)[l][i] += cur[l][i];
      for (std::size_t r = 0; r < p.recurrent.size(); ++r) {
        const tick_recurrence& rec = p.recurrent[r];
        if (rec.layer != l || k < rec.delay) continue;
        const double* own = u.s[l].data() + (k - rec.delay) * n;
        for (std::uint32_t j = 0; j < n; ++j)
          if (own[j] != 0.0) {
            double* row = grad[L + r].data() + std::size_t(j) * n;
            for (std::uint32_t i = 0; i < n; ++i) row[i] += own[j] * cur[l][i];
            ops += n;
          }
      }
      auto add_row = [&](std::uint32_t j, double x) {
        double* row = grad[l].data() + std::size_t(j) * n;
        for (std::uint32_t i = 0; i < n; ++i) row[i] += x * cur[l][i];
        ops += n;
      };
      if (l == 0) {
        for (const tick_input& in : inputs[k]) add_row(in.pre, in.x);
      } else {
        const double* below = u.s[l - 1].data() + k * n_in;
        for (std::uint32_t j = 0; j < n_in; ++j)
          if (below[j] != 0.0) add_row(j, below[j]);
      }
    }
    std::swap(next, cur);
  }
  return ops;
}

}  // namespace evsnn::rules
