#pragma once
// Randman (Zenke & Vogels 2021): classification data sets sampled from random smooth manifolds.
// Each class c (and each of spikes_per_neuron sub-manifolds) gets a manifold
//   y_i(x) = prod_d sum_k a_ikd / (k + 1)^alpha * sin(2 pi (k x_d f_ikd + p_ikd)),  x in [0, 1)^dim,
// with a, f, p uniform in [0, 1), k < f_cutoff = min(ceil(1e-3^(-1/alpha)), 1000) and the k = 0
// amplitude set to 0 (no offset), embedded in `neurons` dimensions (i = neuron). Samples draw x
// uniformly; every neuron's values are min-max standardised to [0, 1] over the class's samples.
//   temporal (T-Randman): neuron i fires once at t = y_i * duration_ms (snapped to the step grid
//                         when steps > 0);
//   rate (R-Randman):     neuron i fires round(y_i * max_spikes) spikes at distinct random steps
//                         of the steps-step grid over duration_ms (information in counts only).
// All randomness comes from data::rng seeded by (seed, class, ...): identical everywhere.
// Invariants of the result: channels == neurons, labels < classes, events sorted.
#include <cstdint>
#include <memory>
#include <string>

#include "datasets/event_store.hpp"

namespace evsnn::data {

struct randman_options {
  enum class kind { temporal, rate };
  kind mode = kind::temporal;
  std::uint32_t dim = 1;
  std::uint32_t classes = 10;
  std::uint32_t neurons = 100;
  std::uint32_t samples_per_class = 1000;
  std::uint32_t spikes_per_neuron = 1;  // temporal: sub-manifolds per class (one spike each)
  std::uint32_t steps = 0;              // temporal: 0 = continuous times; rate: default 100
  std::uint32_t max_spikes = 10;        // rate: spikes of a neuron at y = 1
  double duration_ms = 50.0;
  double alpha = 2.0;
  std::uint64_t seed = 1;

  std::string describe() const;
};

// Generates classes * samples_per_class samples; sample s * classes + c is the s-th of class c.
std::shared_ptr<event_store> generate_randman(const randman_options& options);

}  // namespace evsnn::data
