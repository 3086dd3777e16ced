#pragma once
// Randman (Zenke & Vogels 2021): classification data sets sampled from random smooth manifolds.
// Each class c and spike slot m < spikes_per_neuron gets its own manifold, one function per unit i:
//   y_i(x) = prod_d sum_{k<F} a_idk s_k sin(2 pi (k x_d f_idk + p_idk)),  x uniform in [0, 1)^dim,
//   s_k = 1 / ((k + 1)^alpha + spectrum_offset),  F = min(ceil(1e-3^(-1/alpha)), 1000),
// with a, f, p uniform in [0, 1) and a_id0 = 0 (no offset). spectrum_offset 0 is the numpy randman
// and the paper's formula; 1 is the JAX/PyTorch randman that seed 004 (OTPE) uses. Every unit's
// values are min-max standardised over the class's samples of one population: y = (v - min) /
// (max - min + 1e-7), in [0, 1). Encodings (sample duration: ticks * tick_ms when ticks > 0,
// duration_ms otherwise):
//   temporal, ticks > 0 (seed 004 T-Randman): unit i fires once per slot at tick floor(y_i T);
//   rate, ticks > 0 (seed 004 R-Randman):     unit i fires on floor(y_i T) + 1 distinct ticks drawn
//                        uniformly (the ones of the prefix vector 1..1 0..0 permuted in time);
//   temporal, ticks = 0: one spike per slot at y_i * duration_ms (snapped to a steps grid if steps > 0);
//   rate, ticks = 0:     round(y_i * max_spikes) spikes on distinct random steps of a steps grid.
// Rate modes use slot 0 only. Spike times are tick * tick_ms (or step * duration_ms / steps).
//
// Seeds (the contract behind "bit-identical everywhere"): the manifold of (c, m) draws a, f, p in
// the order [unit][dim][k], (a, f, p) per k, from data::rng(mix_seed(seed, c, m)). A population p
// draws the points x of class c (samples_per_class * dim uniforms, sample-major) from
// rng(mix_seed(q, 0x58, c)) and the rate code of sample s of class c from
// rng(mix_seed(q, 0x52415445, s * classes + c)), with q = seed for the base population 0 and
// q = mix_seed(seed, 0x504f50, p) otherwise. Population 0 is the original data set; draws d >= 1
// of a resampled training split use population d; the separate test split uses
// randman_test_population. Manifolds never depend on the population.
// Invariants of the result: channels == neurons, labels < classes, events sorted.
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "datasets/event_store.hpp"

namespace evsnn::data {

inline constexpr std::uint64_t randman_base_population = 0;
inline constexpr std::uint64_t randman_test_population = ~std::uint64_t(0);

struct randman_options {
  enum class kind { temporal, rate };
  kind mode = kind::temporal;
  std::uint32_t dim = 1;
  std::uint32_t classes = 10;
  std::uint32_t neurons = 100;
  std::uint32_t samples_per_class = 1000;
  std::uint32_t spikes_per_neuron = 1;  // temporal: sub-manifolds per class (one spike each)
  std::uint32_t steps = 0;              // ticks == 0: temporal: 0 = continuous times; rate: default 100
  std::uint32_t max_spikes = 10;        // ticks == 0, rate: spikes of a unit at y = 1
  double duration_ms = 50.0;            // ticks == 0
  std::uint32_t ticks = 0;              // > 0: seed 004's tick encodings over ticks * tick_ms
  double tick_ms = 1.0;
  double alpha = 2.0;
  double spectrum_offset = 0.0;
  std::uint64_t seed = 1;

  double sample_duration_ms() const { return ticks > 0 ? ticks * tick_ms : duration_ms; }
  std::string describe() const;
};

// F = min(ceil(prec^(-1/alpha)), 1000) with prec = 1e-3 (at least 1).
std::uint32_t randman_cutoff(double alpha);

// One factor of a manifold's unit: sum over k < c.size() of c[k] sin(2 pi (k x f[k] + p[k])), in four lanes
// (avx2, where the CPU has it: elsewhere two all the same) or two; both give the same bits (exposed for that test).
double randman_fourier_sum(std::span<const double> c, std::span<const double> f, std::span<const double> p, double x,
                           bool avx2);

// The samples_per_class samples of class c of a population, sample s at index s.
std::shared_ptr<event_store> generate_randman_class(const randman_options& options, std::uint32_t c,
                                                    std::uint64_t population);

// classes * samples_per_class samples of a population; sample s * classes + c is the s-th of class c.
std::shared_ptr<event_store> generate_randman(const randman_options& options,
                                              std::uint64_t population = randman_base_population);

}  // namespace evsnn::data
