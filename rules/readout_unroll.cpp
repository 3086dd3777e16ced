#include "rules/readout_unroll.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "rules/tick_chain.hpp"

namespace evsnn::rules {

double tick_surrogate::psi(double u, double a, double theta) const {
  const double d = u > a ? u - a : a - u;
  if (piecewise) return (gamma / theta) * std::max(0.0, 1.0 - d / theta);
  return fast_sigmoid_surrogate(u, a, slope);
}

double tick_surrogate::smooth(double u, double a, double theta) const {
  const double v = u - a;
  if (!piecewise) return v / (1.0 + slope * std::fabs(v));
  const double c = theta;
  if (v <= -c) return 0.0;
  if (v <= 0.0) return gamma * (v + c) * (v + c) / (2.0 * c * c);
  if (v < c) return gamma / 2.0 + (gamma / c) * (v - v * v / (2.0 * c));
  return gamma;
}

namespace {

// The source values of block b at step k — the recorded inputs, or a hidden layer's spikes D steps before —
// passed to f(pre, x); the forward and backward passes share it.
template <class F>
void each_source(const readout_net& net, const std::vector<std::vector<tick_input>>& inputs,
                 const std::vector<std::vector<double>>& spikes, const readout_net::block& b, std::uint64_t k, F&& f) {
  if (b.pre < 0) {
    for (const tick_input& e : inputs[k]) f(e.pre, e.x);
    return;
  }
  if (k < b.delay) return;
  const std::uint32_t n_pre = net.layers[static_cast<std::size_t>(b.pre)].n;
  const double* src = spikes[static_cast<std::size_t>(b.pre)].data() + (k - b.delay) * n_pre;
  for (std::uint32_t j = 0; j < n_pre; ++j)
    if (src[j] != 0.0) f(j, src[j]);
}

}  // namespace

std::uint64_t loss_window_start(double loss_window_ms, double duration_ms, double tick_ms) {
  if (!(loss_window_ms > 0.0) || !(duration_ms > 0.0)) return 0;
  const auto T = static_cast<std::int64_t>(std::ceil(duration_ms / tick_ms - 1e-9));
  const auto W = std::max<std::int64_t>(1, std::llround(loss_window_ms / tick_ms));
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, T - W));
}

readout_net make_readout_net(network& net, const layer_chain& chain, const char* rule) {
  readout_net r;
  const std::size_t L = chain.layers.size();
  const layer_info& out = chain.output();
  if (L < 2 || !out.readout || out.tick != nullptr || out.kernel.inv_tau_syn > 0.0)
    throw input_error(fmt::format("rule {}: the chain must end in a readout (li with \"tau_syn_ms\": 0) after at least "
                                  "one hidden layer; '{}' is not one",
                                  rule, out.name));
  const double tick = chain.layers.front().tick ? chain.layers.front().tick->tick_ms() : 0.0;
  for (std::size_t h = 0; h + 1 < L; ++h) {
    const layer_info& li = chain.layers[h];
    if (li.tick == nullptr || li.tick->tick_ms() != tick)
      throw input_error(fmt::format("rule {}: hidden layer '{}' must be a discrete-tick neuron (lif_tick) with the "
                                    "first layer's tick",
                                    rule, li.name));
    r.layers.push_back({li.size, li.tick->leak(), li.tick->adapt_beta(), li.tick->adapt_decay(),
                        std::span<const double>(li.threshold, li.size), li.tick->bias()});
  }
  for (const trained_block& b : chain.blocks) {
    projection& pr = net.proj(b.projection);
    readout_net::block rb;
    rb.post = b.layer;
    rb.pre = b.recurrent ? static_cast<int>(b.layer) : static_cast<int>(b.layer) - 1;
    rb.proj = &pr;
    if (rb.pre >= 0) rb.delay = static_cast<std::uint32_t>(std::ceil(pr.delay_ms() / tick - 1e-9));
    if (b.recurrent && rb.delay == 0)
      throw input_error(fmt::format("rule {}: recurrent projection '{}' needs \"delay_ms\" > 0 (a spike of step k "
                                    "reaches its layer at step k + 1 with delay_ms <= tick_ms)",
                                    rule, b.name));
    if (b.layer + 1 == L && pr.delay_ms() != 0.0)
      throw input_error(fmt::format("rule {}: readout projection '{}' needs \"delay_ms\": 0 (the readout reads the "
                                    "spikes of its step)",
                                    rule, b.name));
    r.blocks.push_back(rb);
  }
  r.n_in = chain.input_size;
  r.n_out = out.size;
  r.kappa = std::exp(-tick * out.kernel.inv_tau_mem);
  return r;
}

void readout_forward(const readout_net& net, const std::vector<std::vector<tick_input>>& inputs, std::uint32_t label,
                     std::uint64_t window_start, const tick_surrogate* smooth, readout_unroll& out) {
  const std::size_t H = net.layers.size();
  const std::uint64_t T = inputs.size();
  out.T = T;
  out.window_start = std::min<std::uint64_t>(window_start, T);
  out.u_tilde.resize(H);
  out.thr.resize(H);
  out.s.resize(H);
  std::vector<std::vector<double>> U(H), a(H), in(H);
  for (std::size_t h = 0; h < H; ++h) {
    const std::uint32_t n = net.layers[h].n;
    out.u_tilde[h].assign(T * n, 0.0);
    out.thr[h].assign(T * n, 0.0);
    out.s[h].assign(T * n, 0.0);
    U[h].assign(n, 0.0);
    a[h].assign(n, 0.0);
    in[h].assign(n, 0.0);
  }
  const std::uint32_t C = net.n_out;
  out.y.assign(T * C, 0.0);
  out.err.assign(T * C, 0.0);
  std::vector<double> y(C, 0.0), ysum(C, 0.0);
  double loss = 0.0;
  // Adds the rows of the block's sources at step k into `acc`.
  // Adds the rows of the block's sources at step k into `acc`.
  auto add_sources = [&](const readout_net::block& b, std::uint64_t k, std::vector<double>& acc) {
    each_source(net, inputs, out.s, b, k, [&](std::uint32_t j, double x) {
      const projection::row_view row = b.proj->row(j);
      for (std::size_t m = 0; m < row.post.size(); ++m) acc[row.post[m]] += row.weights[m] * x;
    });
  };
  for (std::uint64_t k = 0; k < T; ++k) {
    for (std::size_t h = 0; h < H; ++h) {
      const readout_net::layer& ly = net.layers[h];
      std::fill(in[h].begin(), in[h].end(), 0.0);
      for (const readout_net::block& b : net.blocks)
        if (b.post == h) add_sources(b, k, in[h]);
      double* ut = out.u_tilde[h].data() + k * ly.n;
      double* th = out.thr[h].data() + k * ly.n;
      double* s = out.s[h].data() + k * ly.n;
      for (std::uint32_t i = 0; i < ly.n; ++i) {
        const double v = ly.leak * U[h][i] + in[h][i] + ly.bias[i];  // lif_tick's arithmetic
        const double A = ly.beta > 0.0 ? ly.theta[i] + ly.beta * a[h][i] : ly.theta[i];
        ut[i] = v;
        th[i] = A;
        s[i] = smooth ? smooth->smooth(v, A, ly.theta[i]) : (v >= A ? 1.0 : 0.0);
        U[h][i] = v - ly.theta[i] * s[i];
        if (ly.beta > 0.0) a[h][i] = ly.rho * a[h][i] + s[i];
      }
    }
    for (std::uint32_t c = 0; c < C; ++c) y[c] *= net.kappa;
    for (const readout_net::block& b : net.blocks)
      if (b.post == H) add_sources(b, k, y);
    std::copy(y.begin(), y.end(), out.y.begin() + std::ptrdiff_t(k * C));
    if (k >= out.window_start) {
      loss += softmax_cross_entropy(y, label, std::span<double>(out.err.data() + k * C, C));
      for (std::uint32_t c = 0; c < C; ++c) ysum[c] += y[c];
    }
  }
  const std::uint64_t W = T - out.window_start;
  std::uint32_t best = C;
  if (W > 0) {
    best = 0;
    for (std::uint32_t c = 1; c < C; ++c)
      if (ysum[c] > ysum[best]) best = c;
  }
  out.loss = {W > 0 ? loss / static_cast<double>(W) : 0.0, best};
}

void readout_backward(const readout_net& net, const std::vector<std::vector<tick_input>>& inputs,
                      const readout_unroll& u, const tick_surrogate& surrogate, std::vector<std::vector<double>>& grads,
                      std::vector<double>* input_grad, const std::vector<std::vector<double>>* ds_extra) {
  const std::size_t H = net.layers.size();
  const std::uint64_t T = u.T;
  const std::uint32_t C = net.n_out;
  grads.resize(net.blocks.size());
  for (std::size_t b = 0; b < net.blocks.size(); ++b) grads[b].assign(net.blocks[b].proj->synapse_count(), 0.0);
  if (input_grad) input_grad->assign(T * net.n_in, 0.0);
  const std::uint64_t W = T - u.window_start;
  if (T == 0 || (W == 0 && !ds_extra)) return;
  const double inv_w = W > 0 ? 1.0 / static_cast<double>(W) : 0.0;
  std::vector<std::vector<double>> du(H), da(H), g(H);  // δŨ (T × n), δa_{k+1}, G
  for (std::size_t h = 0; h < H; ++h) {
    du[h].assign(T * net.layers[h].n, 0.0);
    da[h].assign(net.layers[h].n, 0.0);
    g[h].assign(net.layers[h].n, 0.0);
  }
  std::vector<double> dy(C, 0.0);
  for (std::uint64_t k = T; k-- > 0;) {
    for (std::uint32_t c = 0; c < C; ++c) dy[c] = u.err[k * C + c] * inv_w + net.kappa * dy[c];
    for (std::size_t h = H; h-- > 0;) {
      const readout_net::layer& ly = net.layers[h];
      if (ds_extra)
        std::copy((*ds_extra)[h].begin(), (*ds_extra)[h].end(), g[h].begin());
      else
        std::fill(g[h].begin(), g[h].end(), 0.0);
      // dL/ds through every block leaving layer h: the readout (this step) and the layers it feeds D steps later.
      for (const readout_net::block& b : net.blocks) {
        if (b.pre != static_cast<int>(h)) continue;
        const bool readout = b.post == H;
        const std::uint64_t kk = k + b.delay;
        if (!readout && kk >= T) continue;
        const double* target = readout ? dy.data() : du[b.post].data() + kk * net.layers[b.post].n;
        for (std::uint32_t j = 0; j < ly.n; ++j) {
          const projection::row_view row = b.proj->row(j);
          double m = 0.0;
          for (std::size_t q = 0; q < row.post.size(); ++q) m += row.weights[q] * target[row.post[q]];
          g[h][j] += m;
        }
      }
      const double* ut = u.u_tilde[h].data() + k * ly.n;
      const double* th = u.thr[h].data() + k * ly.n;
      double* d = du[h].data() + k * ly.n;
      const double* dn = k + 1 < T ? du[h].data() + (k + 1) * ly.n : nullptr;
      for (std::uint32_t i = 0; i < ly.n; ++i) {
        const double dU = dn ? ly.leak * dn[i] : 0.0;  // dL/dU_k through Ũ_{k+1}
        const double G = g[h][i] - ly.theta[i] * dU + da[h][i];
        const double psi = surrogate.psi(ut[i], th[i], ly.theta[i]);
        d[i] = psi * G + dU;
        da[h][i] = ly.beta > 0.0 ? -ly.beta * psi * G + ly.rho * da[h][i] : 0.0;
      }
    }
    // Weight gradients of step k, and the input gradient.
    for (std::size_t b = 0; b < net.blocks.size(); ++b) {
      const readout_net::block& bl = net.blocks[b];
      const double* target = bl.post == H ? dy.data() : du[bl.post].data() + k * net.layers[bl.post].n;
      std::vector<double>& gr = grads[b];
      each_source(net, inputs, u.s, bl, k, [&](std::uint32_t j, double x) {
        const projection::row_view row = bl.proj->row(j);
        for (std::size_t q = 0; q < row.post.size(); ++q) gr[row.first_synapse + q] += x * target[row.post[q]];
      });
      if (input_grad && bl.pre < 0) {
        double* ig = input_grad->data() + k * net.n_in;
        for (std::uint32_t j = 0; j < net.n_in; ++j) {
          const projection::row_view row = bl.proj->row(j);
          double m = 0.0;
          for (std::size_t q = 0; q < row.post.size(); ++q) m += row.weights[q] * target[row.post[q]];
          ig[j] += m;
        }
      }
    }
  }
}

double rate_regulariser(const readout_unroll& u, double c, double f0_per_step, std::vector<std::vector<double>>& ds) {
  ds.resize(u.s.size());
  double value = 0.0;
  const double T = static_cast<double>(u.T);
  for (std::size_t h = 0; h < u.s.size(); ++h) {
    const std::size_t n = u.T > 0 ? u.s[h].size() / u.T : 0;
    ds[h].assign(n, 0.0);
    if (u.T == 0) continue;
    for (std::size_t i = 0; i < n; ++i) {
      double sum = 0.0;
      for (std::uint64_t k = 0; k < u.T; ++k) sum += u.s[h][k * n + i];
      const double d = sum / T - f0_per_step;
      value += c * d * d;
      ds[h][i] = 2.0 * c * d / T;
    }
  }
  return value;
}

}  // namespace evsnn::rules
