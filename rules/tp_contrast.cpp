#include "rules/tp_contrast.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

namespace evsnn::rules {

void softmax_rows(std::size_t n, std::size_t m, double* a) {
  for (std::size_t r = 0; r < n; ++r) {
    double* row = a + r * m;
    const double top = *std::max_element(row, row + m);
    double sum = 0.0;
    for (std::size_t c = 0; c < m; ++c) sum += (row[c] = std::exp(row[c] - top));
    for (std::size_t c = 0; c < m; ++c) row[c] /= sum;
  }
}

double tp_contrast(std::size_t B, std::size_t H, std::size_t K, const double* E, const double* Et,
                   const double* T, double* coef, double* coef_t, tp_contrast_buffers& buf, const parallel_rows* par) {
  buf.y.resize(B * B);
  buf.z.resize(B * B);
  double* y = buf.y.data();
  double* z = buf.z.data();
  const auto rows = [&](index_fn row) {
    if (par != nullptr)
      (*par)(B, row);
    else
      for (std::size_t r = 0; r < B; ++r) row(r);
  };
  rows([&](std::size_t b) {
    for (std::size_t c = 0; c < B; ++c) {
      double d2 = 0.0, zz = 0.0;
      for (std::size_t k = 0; k < K; ++k) {
        const double d = T[b * K + k] - T[c * K + k] + 1e-9;
        d2 += d * d;
      }
      for (std::size_t i = 0; i < H; ++i) zz += E[b * H + i] * Et[c * H + i];
      y[b * B + c] = -std::sqrt(d2);
      z[b * B + c] = zz;
    }
  });
  softmax_rows(B, B, y);
  // The loss from the log-softmax of Z (before Z becomes P).
  double loss = 0.0;
  for (std::size_t b = 0; b < B; ++b) {
    const double* row = z + b * B;
    const double top = *std::max_element(row, row + B);
    double sum = 0.0;
    for (std::size_t c = 0; c < B; ++c) sum += std::exp(row[c] - top);
    const double log_norm = top + std::log(sum);
    for (std::size_t c = 0; c < B; ++c) loss -= y[b * B + c] * (row[c] - log_norm);
  }
  softmax_rows(B, B, z);
  for (std::size_t k = 0; k < B * B; ++k) z[k] -= y[k];  // z is now G
  // G Ẽ by rows b and Gᵀ E by rows c, each summed in ascending order of the other index.
  rows([&](std::size_t r) {
    double* cr = coef + r * H;
    double* ct = coef_t + r * H;
    std::fill(cr, cr + H, 0.0);
    std::fill(ct, ct + H, 0.0);
    for (std::size_t o = 0; o < B; ++o) {
      const double g = z[r * B + o];  // G_ro: row r of G Ẽ
      if (g != 0.0)
        for (std::size_t i = 0; i < H; ++i) cr[i] += g * Et[o * H + i];
      const double gt = z[o * B + r];  // G_or: row r of Gᵀ E
      if (gt != 0.0)
        for (std::size_t i = 0; i < H; ++i) ct[i] += gt * E[o * H + i];
    }
  });
  return loss / static_cast<double>(B);
}

}  // namespace evsnn::rules
