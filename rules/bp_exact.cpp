#include "rules/bp_exact.hpp"

#include <algorithm>
#include <cmath>

namespace evsnn::rules {

namespace {

struct arrival {
  std::uint32_t pre;
  double t_ms;
};
struct own_spike {
  std::uint32_t neuron;
  double t_ms;
  double current;
};

struct layer_record {
  const layer_info* info = nullptr;
  projection* proj = nullptr;
  std::vector<arrival> arrivals;
  std::vector<own_spike> spikes;
  std::vector<double> arrival_error;  // dL/dt_z of each arrival
  std::vector<double> spike_error;    // direct errors of own spikes, then totals
};

}  // namespace

class bp_exact_worker final : public rule_worker {
 public:
  bp_exact_worker(bp_exact& rule, simulator& sim, const layer_chain& chain) : sim_(sim), chain_(chain) {
    (void)rule;
    layer_of_.assign(sim.net().projection_count(), -1);
    hook_subscription sub;
    for (std::size_t l = 0; l < chain_.layers.size(); ++l) {
      layer_record r;
      r.info = &chain_.layers[l];
      r.proj = &sim.net().proj(r.info->projection);
      sub.pre_projections.push_back(r.info->projection);
      if (!r.info->readout) sub.post_projections.push_back(r.info->projection);
      layer_of_[r.info->projection] = static_cast<int>(l);
      layers_.push_back(std::move(r));
    }
    sim.add_hook(*this, sub);
  }

  void on_sample_begin(double t_ms, std::uint64_t) override {
    if (!learning_) return;
    t0_ = t_ms;
    for (layer_record& r : layers_) {
      r.arrivals.clear();
      r.spikes.clear();
    }
  }
  void on_pre(const pre_context& ctx) override {
    if (!learning_) return;
    layers_[static_cast<std::size_t>(layer_of_[ctx.projection_id])].arrivals.push_back({ctx.pre, ctx.t_ms - t0_});
    ++ctx.counters.trace_updates;
  }
  void on_post(const post_context& ctx) override {
    if (!learning_) return;
    layer_record& r = layers_[static_cast<std::size_t>(layer_of_[ctx.projection_id])];
    r.spikes.push_back({ctx.post, ctx.t_ms - t0_, r.info->current(ctx.post, ctx.t_ms)});
    ++ctx.counters.trace_updates;
  }

  void accumulate(const output_error& err, fixed_sum_set& sums) override {
    const std::size_t L = layers_.size();
    layer_record& out = layers_[L - 1];
    // Direct errors of the output.
    if (out.info->readout) {
      readout_backward(out, err, sums.sums[L - 1]);
    } else {
      out.spike_error.assign(out.spikes.size(), 0.0);
      seen_.assign(out.info->size, 0);
      for (std::size_t k = 0; k < out.spikes.size(); ++k) {
        const std::uint32_t o = out.spikes[k].neuron;
        if (err.input == loss_input::first_spike) {
          if (!seen_[o]) out.spike_error[k] = err.grad[o];
        } else {
          out.spike_error[k] = -err.grad[o];
        }
        seen_[o] = 1;
      }
      spiking_backward(out, sums.sums[L - 1]);
    }
    for (std::size_t l = L - 1; l-- > 0;) {
      layer_record& r = layers_[l];
      const layer_record& above = layers_[l + 1];
      // The arrivals at the layer above are this layer's spikes in order (those delivered before the end).
      r.spike_error.assign(r.spikes.size(), 0.0);
      for (std::size_t z = 0; z < above.arrivals.size() && z < r.spikes.size(); ++z)
        r.spike_error[z] = above.arrival_error[z];
      spiking_backward(r, sums.sums[l]);
    }
  }

  std::vector<input_spike_gradient> input_time_gradient() const override {
    std::vector<input_spike_gradient> out;
    const layer_record& first = layers_.front();
    for (std::size_t z = 0; z < first.arrivals.size() && z < first.arrival_error.size(); ++z)
      out.push_back({first.arrivals[z].pre, first.arrivals[z].t_ms, first.arrival_error[z]});
    return out;
  }

 private:
  // Readout value v_o(T) = sum_z w_oj kappa(T - t_z): exact gradient for weights and arrival times.
  void readout_backward(layer_record& r, const output_error& err, fixed_sum& g) {
    const psp_kernel& k = r.info->kernel;
    const std::uint32_t n = r.info->size;
    r.arrival_error.assign(r.arrivals.size(), 0.0);
    for (std::size_t z = 0; z < r.arrivals.size(); ++z) {
      const arrival& a = r.arrivals[z];
      const double s = err.duration_ms - a.t_ms;
      if (s < 0.0) continue;
      const double kv = k.value(s), ks = k.slope(s);
      const auto row = r.proj->row(a.pre);
      double e = 0.0;
      for (std::uint32_t o = 0; o < n; ++o) {
        g.add(std::size_t(a.pre) * n + o, err.grad[o] * kv);
        e -= err.grad[o] * static_cast<double>(row.weights[o]) * ks;
      }
      r.arrival_error[z] = e;
    }
    count_pairs(*r.info, std::uint64_t(r.arrivals.size()) * n);
  }

  // spike_error holds direct errors; turns them into totals (reset coupling), adds weight gradients,
  // and fills arrival_error.
  void spiking_backward(layer_record& r, fixed_sum& g) {
    const layer_info& info = *r.info;
    const psp_kernel& k = info.kernel;
    const std::uint32_t n = info.size;
    const double tau = k.tau_mem_ms();
    // Reset coupling, backward in time: acc_i(t) = sum over later spikes k' of i of
    // D_k' * theta / (I_k' - theta) * e^{-(t_k' - t)/tau_mem}.
    acc_.assign(n, 0.0);
    acc_t_.assign(n, 0.0);
    q_.assign(r.spikes.size(), 0.0);
    for (std::size_t k2 = r.spikes.size(); k2-- > 0;) {
      const own_spike& s = r.spikes[k2];
      const double theta = info.threshold[s.neuron];
      double& acc = acc_[s.neuron];
      if (acc != 0.0) acc *= std::exp(-(acc_t_[s.neuron] - s.t_ms) * k.inv_tau_mem);
      const double d = r.spike_error[k2] + acc;
      r.spike_error[k2] = d;
      const double slope = s.current - theta;  // tau_mem du/dt at the crossing
      if (slope > 0.0 && std::isfinite(slope)) {
        q_[k2] = d * tau / slope;
        acc += d * theta / slope;
      }
      acc_t_[s.neuron] = s.t_ms;
    }
    // Pairs (own spike k, earlier arrival z). The kernel of a pair factors into e^{t_z/tau} e^{-t_k/tau}
    // (times relative to the sample begin) while the exponents stay in double range (t/tau_syn <= 600); beyond
    // that, per pair with value()/slope(), exact for any gap. Factored, a pair's terms are sums over the
    // neuron's later spikes: for arrival z from pre and neuron i, with S_m = sum_k q_k c e^{-t_k/tau_mem} and
    // S_s likewise over i's spikes after t_z, the weight gradient is -(e^{t_z/tau_mem} S_m - e^{t_z/tau_syn} S_s)
    // and the arrival's error gains w (S_s e^{..}/tau_syn - S_m e^{..}/tau_mem). Arrivals run backward in time,
    // adding each spike to its neuron's sums as t_z passes below it: one term per (arrival, neuron with a later
    // spike) instead of one per (arrival, later spike), along the arrival's row of the weights.
    r.arrival_error.assign(r.arrivals.size(), 0.0);
    double t_last = 0.0;
    if (!r.spikes.empty()) t_last = r.spikes.back().t_ms;
    const double inv_fast = std::max(k.inv_tau_mem, k.inv_tau_syn);
    const bool factored = t_last * inv_fast <= 600.0 && k.separable();
    const double* w = r.proj->weights().data();
    std::uint64_t pairs = 0;
    if (factored) {
      sum_m_.assign(n, 0.0);
      sum_s_.assign(n, 0.0);
      seen_.assign(n, 0);
      active_.clear();
      std::size_t k2 = r.spikes.size();
      for (std::size_t z = r.arrivals.size(); z-- > 0;) {
        const arrival& a = r.arrivals[z];
        for (; k2 > 0 && r.spikes[k2 - 1].t_ms > a.t_ms; --k2) {
          const double q = q_[k2 - 1];
          if (q == 0.0) continue;
          const own_spike& s = r.spikes[k2 - 1];
          if (!seen_[s.neuron]) {
            seen_[s.neuron] = 1;
            active_.push_back(s.neuron);
          }
          sum_m_[s.neuron] += q * (k.norm * std::exp(-s.t_ms * k.inv_tau_mem));
          if (k.inv_tau_syn > 0.0) sum_s_[s.neuron] += q * (k.norm * std::exp(-s.t_ms * k.inv_tau_syn));
        }
        if (active_.empty()) continue;
        // The next arrival's rows of the sums and weights are fetched while this one's are walked (rows are
        // walked in the order neurons joined active_, which the prefetcher cannot follow).
        if (z > 0) {
          const std::size_t next = std::size_t(r.arrivals[z - 1].pre) * n;
          g.prefetch(next, next + n);
          for (std::size_t c = 0; c < n; c += 8) __builtin_prefetch(w + next + c);
        }
        const double em = std::exp(a.t_ms * k.inv_tau_mem);
        const double es = k.inv_tau_syn > 0.0 ? std::exp(a.t_ms * k.inv_tau_syn) : 0.0;
        const std::size_t row = std::size_t(a.pre) * n;
        double e = 0.0;
        for (const std::uint32_t i : active_) {
          const double am = em * sum_m_[i], bs = es * sum_s_[i];  // sum_k q_k c e^{-(t_k - t_z)/tau}
          g.add(row + i, -(am - bs));
          e += static_cast<double>(w[row + i]) * (k.inv_tau_syn * bs - k.inv_tau_mem * am);
        }
        r.arrival_error[z] = e;
        pairs += active_.size();
      }
    } else {
      for (std::size_t k2 = 0; k2 < r.spikes.size(); ++k2) {
        const double q = q_[k2];
        if (q == 0.0) continue;
        const own_spike& s = r.spikes[k2];
        for (std::size_t z = 0; z < r.arrivals.size() && r.arrivals[z].t_ms < s.t_ms; ++z) {
          const arrival& a = r.arrivals[z];
          const double dt = s.t_ms - a.t_ms;
          const std::size_t syn = std::size_t(a.pre) * n + s.neuron;
          g.add(syn, -q * k.value(dt));
          r.arrival_error[z] += q * static_cast<double>(w[syn]) * k.slope(dt);
          ++pairs;
        }
      }
    }
    count_pairs(info, pairs);
  }

  // The backward pass's work: two multiply-adds per (arrival, neuron with a later spike) pair, (arrival, later
  // own spike) pair where the kernel does not factor, or (arrival, readout neuron) pair — a gradient term and
  // an arrival-error term — as rule operations of the layer.
  void count_pairs(const layer_info& info, std::uint64_t pairs) {
    sim_.counters().projections[info.projection].rule_ops += 2 * pairs;
  }

  simulator& sim_;
  layer_chain chain_;
  std::vector<layer_record> layers_;
  std::vector<int> layer_of_;
  std::vector<std::uint8_t> seen_;
  std::vector<double> acc_, acc_t_, q_, sum_m_, sum_s_;
  std::vector<std::uint32_t> active_;  // neurons with a spike after the current arrival, in order of appearance
  double t0_ = 0.0;
};

bp_exact::bp_exact(const layer_chain& chain, loss_input input) : chain_(chain), input_(input) {}

fixed_sum_set bp_exact::make_sums() const {
  fixed_sum_set set;
  for (const layer_info& l : chain_.layers) set.sums.emplace_back(std::size_t(l.fan_in) * l.size);
  return set;
}

std::unique_ptr<rule_worker> bp_exact::make_worker(simulator& sim, const layer_chain& chain) {
  return std::make_unique<bp_exact_worker>(*this, sim, chain);
}

void bp_exact::end_batch(const fixed_sum_set& total, std::size_t n, std::vector<std::vector<double>>& grads) {
  grads.resize(total.sums.size());
  for (std::size_t l = 0; l < total.sums.size(); ++l) grads[l].resize(total.sums[l].size());
  const double dn = static_cast<double>(n);
  for_elements(total, [&](std::size_t l, std::size_t begin, std::size_t end) {
    for (std::size_t s = begin; s < end; ++s) grads[l][s] = total.sums[l].get(s) / dn;
  });
}

std::unique_ptr<learning_rule> make_bp_exact(const json_node& spec, const layer_chain& chain, loss_input input) {
  require_continuous(chain, "bp_exact");
  if (spec.is_object()) spec.finish();
  return std::make_unique<bp_exact>(chain, input);
}

}  // namespace evsnn::rules
