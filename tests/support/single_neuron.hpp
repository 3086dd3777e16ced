#pragma once
// Test support: drive one population through the real simulator from a list of (time, weight,
// target neuron) inputs, and an independent reference for current-based LIF spike times that
// evaluates the membrane potential directly as a sum of kernels (no reference-time state), scans
// it finely and refines each crossing by bisection.
#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <vector>

#include "engine/network.hpp"
#include "engine/rng.hpp"
#include "engine/simulator.hpp"
#include "models/spike_source.hpp"

namespace evsnn::test {

struct timed_input {
  double t_ms;
  double w;
  std::uint32_t neuron = 0;
};

// `count` inputs at uniform random times in [0, duration) with normal weights (full doubles, as
// projections store them), sorted by time.
inline std::vector<timed_input> random_inputs(std::uint64_t seed, int count, double duration, double w_mean,
                                              double w_std) {
  rng r(seed);
  std::vector<timed_input> in;
  for (int k = 0; k < count; ++k)
    in.push_back({r.uniform(0.0, duration), r.normal(w_mean, w_std)});
  std::sort(in.begin(), in.end(), [](const timed_input& a, const timed_input& b) { return a.t_ms < b.t_ms; });
  return in;
}

// Runs `target` (as population 1) fed by one source channel per input; returns spike times per neuron.
inline std::vector<std::vector<double>> run_population(std::unique_ptr<population> target,
                                                       const std::vector<timed_input>& inputs, double duration_ms,
                                                       std::vector<float> grades = {}, bool graded = false) {
  const std::uint32_t n = target->size();
  network net;
  std::vector<input_event> events;
  std::vector<synapse_triplet> syn;
  for (std::uint32_t k = 0; k < inputs.size(); ++k) {
    events.push_back({inputs[k].t_ms, k, grades.empty() ? 1.0f : grades[k]});
    syn.push_back({k, inputs[k].neuron, inputs[k].w});
  }
  const auto n_in = static_cast<std::uint32_t>(std::max<std::size_t>(1, inputs.size()));
  net.add_population(spike_source::replay("in", n_in, events));
  net.add_population(std::move(target));
  net.add_projection(projection("in->t", 0, 1, n_in, n, 0.0, graded, syn));
  simulator sim(net, 1);
  sim.run(duration_ms);
  std::vector<std::vector<double>> out(n);
  for (const auto& s : sim.spikes())
    if (s.population == 1) out[s.neuron].push_back(s.time_ms);
  return out;
}

// Reference current-based LIF (kernel c (e^{-s/tm} - e^{-s/ts}), c = ts/(tm-ts)), one neuron.
struct reference_lif {
  double tau_mem, tau_syn, threshold;
  bool reset_zero = false;
  double refractory = 0.0;

  double kernel(double s) const {
    if (s < 0) return 0.0;
    const double c = tau_syn / (tau_mem - tau_syn);
    return c * (std::exp(-s / tau_mem) - std::exp(-s / tau_syn));
  }

  // Potential at t given inputs and the spikes found so far (all spikes < t).
  double potential(double t, const std::vector<timed_input>& in, const std::vector<double>& spikes) const {
    if (reset_zero && refractory > 0 && !spikes.empty()) {
      const double r = spikes.back() + refractory;
      if (t < r) return 0.0;
      // Held at 0 until r; afterwards the synaptic current of all inputs before r continues.
      const double c = tau_syn / (tau_mem - tau_syn);
      double current = 0.0, v = 0.0;
      for (const auto& x : in) {
        if (x.t_ms < r) current += c * x.w * std::exp(-(r - x.t_ms) / tau_syn);
        else if (x.t_ms <= t) v += x.w * kernel(t - x.t_ms);
      }
      return v + current * (std::exp(-(t - r) / tau_mem) - std::exp(-(t - r) / tau_syn));
    }
    double v = 0.0;
    for (const auto& x : in)
      if (x.t_ms <= t) v += x.w * kernel(t - x.t_ms);
    // Each spike removes exactly what was there (zero) or threshold (subtract); since the potential
    // is continuous and equals threshold at a crossing, both remove u(t_k) except at a release.
    for (std::size_t k = 0; k < spikes.size(); ++k) {
      const double removed = reset_removed_[k];
      v -= removed * std::exp(-(t - spikes[k]) / tau_mem);
    }
    return v;
  }

  std::vector<double> spike_times(const std::vector<timed_input>& in, double duration, double step = 0.005) {
    std::vector<double> spikes;
    reset_removed_.clear();
    double t = 0.0;
    auto above = [&](double x) { return potential(x, in, spikes) >= threshold; };
    while (t < duration) {
      double start = t;
      if (!spikes.empty()) start = std::max(start, spikes.back() + refractory);
      if (start > duration) break;
      double found = -1;
      if (!spikes.empty() && start == spikes.back() + refractory && refractory > 0 && above(start)) {
        found = start;
      } else {
        double lo = start;
        for (double x = start + step; x <= duration + step; x += step) {
          if (above(x)) {
            double hi = x;
            for (int i = 0; i < 200 && hi - lo > 1e-13; ++i) {
              const double mid = 0.5 * (lo + hi);
              (above(mid) ? hi : lo) = mid;
            }
            found = hi;
            break;
          }
          lo = x;
        }
      }
      if (found < 0 || found > duration) break;
      const double u = potential(found, in, spikes);
      reset_removed_.push_back(reset_zero ? u : threshold);
      spikes.push_back(found);
      t = found + 1e-9;
    }
    return spikes;
  }

  std::vector<double> reset_removed_ = {};  // amount removed at each found spike (public: aggregate)
};

}  // namespace evsnn::test
