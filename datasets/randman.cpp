#include "datasets/randman.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include <fmt/format.h>

#include "datasets/event_dataset.hpp"
#include "datasets/randman_dataset.hpp"
#include "datasets/rng.hpp"
#include "datasets/source.hpp"
#include "datasets/subset_dataset.hpp"
#include "engine/cpu_features.hpp"
#include "engine/error.hpp"

namespace evsnn::data {

std::string randman_options::describe() const {
  std::string enc;
  if (ticks > 0)
    enc = fmt::format(" ticks={} tick_ms={}", ticks, tick_ms);
  else if (mode == kind::rate)
    enc = fmt::format(" duration_ms={} steps={} max_spikes={}", duration_ms, steps, max_spikes);
  else
    enc = fmt::format(" duration_ms={}{}", duration_ms, steps > 0 ? fmt::format(" steps={}", steps) : std::string());
  return fmt::format("{}-randman dim={} classes={} neurons={} samples_per_class={} alpha={}{}{} seed={}",
                     mode == kind::temporal ? "T" : "R", dim, classes, neurons, samples_per_class, alpha,
                     spectrum_offset != 0.0 ? fmt::format(" spectrum_offset={}", spectrum_offset) : std::string(), enc,
                     seed);
}

std::uint32_t randman_cutoff(double alpha) {
  const double f = std::min(std::ceil(std::pow(1e-3, -1.0 / alpha)), 1000.0);
  return std::max(static_cast<std::uint32_t>(f), 1u);
}

namespace {

constexpr std::uint64_t x_tag = 0x58;                 // latent points x
constexpr std::uint64_t rate_tag = 0x52415445;        // "RATE": the rate code's random ticks
constexpr std::uint64_t population_tag = 0x504f50;    // "POP"

// The seed a population draws its points and rate codes from (the base population keeps the
// original generator's seeds).
std::uint64_t population_seed(const randman_options& o, std::uint64_t population) {
  return population == randman_base_population ? o.seed : mix_seed(o.seed, population_tag, population);
}

// sin(2 pi u) for 0 <= u < 2^51. The integer part is removed exactly (u - round(u), the rounding by
// the 1.5 * 2^52 trick), the rest folded to |r| <= 1/4 and evaluated by its Taylor series to
// degree 21 (truncation < 2e-18): within a few ulp of the exact value, more accurate than
// std::sin(2 * pi * u) for large u (which rounds 2 pi u first), and branch-free, so the compiler
// vectorises the loop over frequencies. Only +, *, fabs, copysign: bit-identical on every IEEE
// machine (the build keeps -ffp-contract=off).
inline double sin_two_pi(double u) {
  constexpr double round_magic = 6755399441055744.0;  // 1.5 * 2^52
  const double r = u - ((u + round_magic) - round_magic);  // in [-1/2, 1/2]
  const double a = std::fabs(r);
  const double b = 0.5 - a;                                // sin(2 pi a) = sin(2 pi (1/2 - a))
  const double z = 2.0 * std::numbers::pi * (b < a ? b : a);
  const double z2 = z * z;
  double p = 1.0 / 51090942171709440000.0;  // 1/21!
  p = -1.0 / 121645100408832000.0 + z2 * p;
  p = 1.0 / 355687428096000.0 + z2 * p;
  p = -1.0 / 1307674368000.0 + z2 * p;
  p = 1.0 / 6227020800.0 + z2 * p;
  p = -1.0 / 39916800.0 + z2 * p;
  p = 1.0 / 362880.0 + z2 * p;
  p = -1.0 / 5040.0 + z2 * p;
  p = 1.0 / 120.0 + z2 * p;
  p = -1.0 / 6.0 + z2 * p;
  return std::copysign(z + z * (z2 * p), r);
}

// sum over k < n of c_k sin(2 pi (k_k x f_k + p_k)), the terms in scratch, then four running sums in a fixed
// order: the result depends neither on the vector width nor on the CPU (the same IEEE operations per term).
__attribute__((always_inline)) inline double fourier_sum(const double* c, const double* f, const double* p,
                                                         const double* k, double x, double* terms, std::uint32_t n) {
  for (std::uint32_t j = 0; j < n; ++j) terms[j] = c[j] * sin_two_pi(k[j] * x * f[j] + p[j]);
  double acc[4] = {0.0, 0.0, 0.0, 0.0};
  std::uint32_t j = 0;
  for (; j + 4 <= n; j += 4)
    for (std::uint32_t l = 0; l < 4; ++l) acc[l] += terms[j + l];
  for (; j < n; ++j) acc[0] += terms[j];
  return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}
// The same loop compiled for AVX2's four lanes (x86-64) and for the build's baseline (SSE2's two lanes there).
#ifdef EVSNN_X86_64
__attribute__((target("avx2"), noinline)) double fourier_sum_wide(const double* c, const double* f, const double* p,
                                                                  const double* k, double x, double* terms,
                                                                  std::uint32_t n) {
  return fourier_sum(c, f, p, k, x, terms, n);
}
#endif
__attribute__((noinline)) double fourier_sum_base(const double* c, const double* f, const double* p, const double* k,
                                                  double x, double* terms, std::uint32_t n) {
  return fourier_sum(c, f, p, k, x, terms, n);
}
// wide: the AVX2 loop (only where cpu_has_avx2()).
double fourier_sum_on(bool wide, const double* c, const double* f, const double* p, const double* k, double x,
                      double* terms, std::uint32_t n) {
#ifdef EVSNN_X86_64
  if (wide) return fourier_sum_wide(c, f, p, k, x, terms, n);
#else
  (void)wide;
#endif
  return fourier_sum_base(c, f, p, k, x, terms, n);
}

// One random manifold: parameters [unit][dim][k] of amplitude (times the spectrum), frequency, phase.
class manifold {
 public:
  manifold(const randman_options& o, std::uint64_t seed) : neurons_(o.neurons), dim_(o.dim), cutoff_(randman_cutoff(o.alpha)) {
    rng r(seed);
    const std::size_t n = static_cast<std::size_t>(neurons_) * dim_ * cutoff_;
    coef_.resize(n);
    freq_.resize(n);
    phase_.resize(n);
    for (std::size_t j = 0; j < n; ++j) {
      coef_[j] = r.uniform();
      freq_[j] = r.uniform();
      phase_[j] = r.uniform();
    }
    std::vector<double> spectrum(cutoff_);
    for (std::uint32_t k = 0; k < cutoff_; ++k)
      spectrum[k] = 1.0 / (std::pow(static_cast<double>(k + 1), o.alpha) + o.spectrum_offset);
    for (std::size_t j = 0; j < n; ++j) coef_[j] = (j % cutoff_ == 0) ? 0.0 : coef_[j] * spectrum[j % cutoff_];
    k_.resize(cutoff_);
    for (std::uint32_t k = 0; k < cutoff_; ++k) k_[k] = static_cast<double>(k);
    terms_.resize(cutoff_);
    wide_ = cpu_has_avx2();
  }

  // y_i(x) for every unit i, written to y[0 .. neurons). Not thread-safe (scratch buffer).
  void eval(const double* x, double* y) {
    for (std::uint32_t i = 0; i < neurons_; ++i) {
      double prod = 1.0;
      for (std::uint32_t d = 0; d < dim_; ++d) {
        const std::size_t base = (static_cast<std::size_t>(i) * dim_ + d) * cutoff_;
        const double* c = coef_.data() + base;
        const double* f = freq_.data() + base;
        const double* p = phase_.data() + base;
        prod *= fourier_sum_on(wide_, c, f, p, k_.data(), x[d], terms_.data(), cutoff_);
      }
      y[i] = prod;
    }
  }

 private:
  std::uint32_t neurons_, dim_, cutoff_;
  std::vector<double> coef_, freq_, phase_, k_, terms_;
  bool wide_ = false;  // fourier_sum in AVX2 lanes (chosen once per manifold)
};

// Standardised values of class c in a population: values[m][s * neurons + i].
std::vector<std::vector<double>> class_values(const randman_options& o, std::uint32_t c, std::uint64_t q) {
  const std::size_t per = o.samples_per_class;
  const std::uint32_t subs = o.mode == randman_options::kind::temporal ? std::max(1u, o.spikes_per_neuron) : 1u;
  rng xr(mix_seed(q, x_tag, c));
  std::vector<double> xs(per * o.dim);
  for (auto& v : xs) v = xr.uniform();
  std::vector<std::vector<double>> values(subs);
  for (std::uint32_t m = 0; m < subs; ++m) {
    manifold man(o, mix_seed(o.seed, c, m));
    auto& vals = values[m];
    vals.resize(per * o.neurons);
    for (std::size_t s = 0; s < per; ++s) man.eval(xs.data() + s * o.dim, vals.data() + s * o.neurons);
    for (std::uint32_t i = 0; i < o.neurons; ++i) {
      double lo = INFINITY, hi = -INFINITY;
      for (std::size_t s = 0; s < per; ++s) {
        lo = std::min(lo, vals[s * o.neurons + i]);
        hi = std::max(hi, vals[s * o.neurons + i]);
      }
      for (std::size_t s = 0; s < per; ++s) {
        auto& v = vals[s * o.neurons + i];
        v = std::clamp((v - lo) / (hi - lo + 1e-7), 0.0, 1.0);
      }
    }
  }
  return values;
}

// Appends sample s of class c (its standardised values) to the store.
void encode(const randman_options& o, const std::vector<std::vector<double>>& values, std::size_t s, std::uint32_t c,
            std::uint64_t q, event_store& store, std::vector<std::uint32_t>& grid) {
  const auto n = o.neurons;
  // Sample-at-a-time draws of count distinct grid cells (partial Fisher-Yates): a uniform subset,
  // the same law as permuting a vector with count leading ones.
  auto distinct_cells = [&](rng& r, std::uint32_t cells, std::uint32_t count, double cell_ms, std::uint32_t channel) {
    grid.resize(cells);
    for (std::uint32_t k = 0; k < cells; ++k) grid[k] = k;
    for (std::uint32_t k = 0; k < count; ++k) {
      const auto j = k + static_cast<std::uint32_t>(r.below(cells - k));
      std::swap(grid[k], grid[j]);
      store.push(grid[k] * cell_ms, channel);
    }
  };
  if (o.mode == randman_options::kind::temporal) {
    const double dt = o.steps > 0 ? o.duration_ms / o.steps : 0.0;
    for (const auto& vals : values)
      for (std::uint32_t i = 0; i < n; ++i) {
        const double y = vals[s * n + i];
        if (o.ticks > 0) {
          const double tick = std::min(std::floor(y * o.ticks), static_cast<double>(o.ticks - 1));
          store.push(tick * o.tick_ms, i);
        } else {
          double t = y * o.duration_ms;
          if (dt > 0.0) t = std::min(std::floor(t / dt), static_cast<double>(o.steps - 1)) * dt;
          store.push(t, i);
        }
      }
  } else {
    rng r(mix_seed(q, rate_tag, s * o.classes + c));
    const auto& vals = values[0];
    for (std::uint32_t i = 0; i < n; ++i) {
      const double y = vals[s * n + i];
      if (o.ticks > 0) {
        const auto count = static_cast<std::uint32_t>(std::min(std::floor(y * o.ticks) + 1.0, static_cast<double>(o.ticks)));
        distinct_cells(r, o.ticks, count, o.tick_ms, i);
      } else {
        const auto count = std::min<std::uint32_t>(static_cast<std::uint32_t>(std::lround(y * o.max_spikes)), o.steps);
        distinct_cells(r, o.steps, count, o.duration_ms / o.steps, i);
      }
    }
  }
  store.end_sample(c, o.sample_duration_ms(), true);
}

}  // namespace

double randman_fourier_sum(std::span<const double> c, std::span<const double> f, std::span<const double> p, double x,
                           bool avx2) {
  const auto n = static_cast<std::uint32_t>(std::min({c.size(), f.size(), p.size()}));
  std::vector<double> k(n), terms(n);
  for (std::uint32_t j = 0; j < n; ++j) k[j] = static_cast<double>(j);
  return fourier_sum_on(avx2 && cpu_has_avx2(), c.data(), f.data(), p.data(), k.data(), x, terms.data(), n);
}

std::shared_ptr<event_store> generate_randman_class(const randman_options& o, std::uint32_t c,
                                                    std::uint64_t population) {
  const std::uint64_t q = population_seed(o, population);
  const auto values = class_values(o, c, q);
  auto store = std::make_shared<event_store>();
  std::vector<std::uint32_t> grid;
  for (std::size_t s = 0; s < o.samples_per_class; ++s) encode(o, values, s, c, q, *store, grid);
  return store;
}

std::shared_ptr<event_store> generate_randman(const randman_options& o, std::uint64_t population) {
  const std::uint64_t q = population_seed(o, population);
  std::vector<std::vector<std::vector<double>>> values(o.classes);
  for (std::uint32_t c = 0; c < o.classes; ++c) values[c] = class_values(o, c, q);
  auto store = std::make_shared<event_store>();
  std::vector<std::uint32_t> grid;
  for (std::size_t s = 0; s < o.samples_per_class; ++s)
    for (std::uint32_t c = 0; c < o.classes; ++c) encode(o, values[c], s, c, q, *store, grid);
  return store;
}

namespace {

// Splits samples s * classes + c into train (first samples of each class) and test (the last
// round(test_fraction * samples_per_class) of each class).
source_splits split_generated(std::shared_ptr<const dataset> all, std::uint32_t classes, std::uint32_t per,
                              double test_fraction) {
  const auto n_test = std::min<std::size_t>(static_cast<std::size_t>(std::llround(test_fraction * per)), per - 1);
  std::vector<std::size_t> train, test;
  for (std::size_t i = 0; i < all->size(); ++i) (i / classes < per - n_test ? train : test).push_back(i);
  source_splits s;
  s.train = std::make_shared<subset_dataset>(all, std::move(train), "train");
  if (n_test > 0) s.test = std::make_shared<subset_dataset>(all, std::move(test), "test");
  return s;
}

}  // namespace

source_splits open_randman_source(json_fields& f, const spec_env& /*env*/) {
  randman_options o;
  const std::string mode = f.string("mode", "temporal");
  if (mode == "temporal" || mode == "T")
    o.mode = randman_options::kind::temporal;
  else if (mode == "rate" || mode == "R")
    o.mode = randman_options::kind::rate;
  else
    f.fail("mode", fmt::format("unknown mode \"{}\" (temporal, rate)", mode));
  const bool rate = o.mode == randman_options::kind::rate;
  o.dim = static_cast<std::uint32_t>(f.integer("dim", 1, 1, 16));
  o.classes = static_cast<std::uint32_t>(f.integer("classes", 10, 1, 10000));
  o.neurons = static_cast<std::uint32_t>(f.integer("neurons", 100, 1, 100000));
  o.samples_per_class = static_cast<std::uint32_t>(f.integer("samples_per_class", 1000, 1, 10000000));
  o.spikes_per_neuron = static_cast<std::uint32_t>(f.integer("spikes_per_neuron", 1, 1, 1000));
  o.ticks = static_cast<std::uint32_t>(f.integer("ticks", 0, 0, 1000000));
  if (o.ticks > 0) {
    for (const char* key : {"steps", "max_spikes", "duration_ms"})
      if (f.has(key)) f.fail(key, "not used with \"ticks\" (samples last ticks * tick_ms)");
    o.tick_ms = f.number("tick_ms", 1.0, 1e-9, 1e9);
  } else {
    if (f.has("tick_ms")) f.fail("tick_ms", "needs \"ticks\"");
    o.steps = static_cast<std::uint32_t>(f.integer("steps", rate ? 100 : 0, rate ? 1 : 0, 10000000));
    o.max_spikes = static_cast<std::uint32_t>(f.integer("max_spikes", 10, 0, 1000000));
    o.duration_ms = f.number("duration_ms", 50.0, 1e-9, 1e9);
  }
  o.alpha = f.number("alpha", 2.0, 0.1, 100.0);
  o.spectrum_offset = f.number("spectrum_offset", 0.0, 0.0, 1e6);
  o.seed = f.integer("seed", 1, 0, ~0ULL);
  const bool resample = f.boolean("resample", false);
  const auto test_per = static_cast<std::uint32_t>(f.integer("test_samples_per_class", 0, 0, 10000000));
  if ((resample || test_per > 0) && f.has("test_fraction"))
    f.fail("test_fraction", resample ? "not used with \"resample\" (\"test_samples_per_class\" makes the test split)"
                                     : "not used with \"test_samples_per_class\"");
  const double test_fraction = resample || test_per > 0 ? 0.0 : f.number("test_fraction", 0.2, 0.0, 0.99);
  const double per_sample = static_cast<double>(o.neurons) *
                            (rate ? (o.ticks > 0 ? o.ticks : o.max_spikes) : o.spikes_per_neuron);
  const double total_events = static_cast<double>(o.classes) * (o.samples_per_class + test_per) * per_sample;
  if (total_events > 2e9) f.fail("samples_per_class", fmt::format("would generate {:g} events (limit 2e9)", total_events));
  source_splits s;
  // Every split is generated a class at a time where it is first used, by the threads that use it.
  if (test_per > 0) {
    randman_options t = o;
    t.samples_per_class = test_per;
    s.test = std::make_shared<randman_dataset>(t, t.describe() + " (test population)", randman_test_population);
  }
  if (resample) {
    s.train = std::make_shared<randman_dataset>(o, o.describe() + " (resampled every draw)");
  } else if (test_per > 0) {
    s.train = std::make_shared<randman_dataset>(o, o.describe(), randman_base_population);
  } else {
    auto all = std::make_shared<randman_dataset>(o, o.describe(), randman_base_population);
    return split_generated(all, o.classes, o.samples_per_class, test_fraction);
  }
  return s;
}

source_splits open_poisson_source(json_fields& f, const spec_env& /*env*/) {
  const auto classes = static_cast<std::uint32_t>(f.integer("classes", 2, 1, 10000));
  const auto channels = static_cast<std::uint32_t>(f.integer("channels", 100, 1, 1000000));
  const auto per = static_cast<std::uint32_t>(f.integer("samples_per_class", 100, 1, 10000000));
  const double duration_ms = f.number("duration_ms", 100.0, 1e-9, 1e9);
  const double max_rate_hz = f.number("max_rate_hz", 50.0, 0.0, 1e6);
  const std::uint64_t seed = f.integer("seed", 1, 0, ~0ULL);
  const double test_fraction = f.number("test_fraction", 0.2, 0.0, 0.99);
  if (static_cast<double>(classes) * per * channels * max_rate_hz * duration_ms * 1e-3 > 2e9)
    f.fail("samples_per_class", "would generate more than 2e9 events");
  // Each class has its own rate per channel, uniform in [0, max_rate_hz]; samples are Poisson trains.
  std::vector<double> rates(static_cast<std::size_t>(classes) * channels);
  for (std::uint32_t c = 0; c < classes; ++c) {
    rng r(mix_seed(seed, 0x50524f54ULL, c));
    for (std::uint32_t i = 0; i < channels; ++i) rates[static_cast<std::size_t>(c) * channels + i] = r.uniform() * max_rate_hz;
  }
  auto store = std::make_shared<event_store>();
  for (std::size_t s = 0; s < per; ++s)
    for (std::uint32_t c = 0; c < classes; ++c) {
      rng r(mix_seed(seed, 0x53414d50ULL, s * classes + c));
      for (std::uint32_t i = 0; i < channels; ++i) {
        const double rate_per_ms = rates[static_cast<std::size_t>(c) * channels + i] * 1e-3;
        if (!(rate_per_ms > 0.0)) continue;
        for (double t = r.exponential() / rate_per_ms; t < duration_ms; t += r.exponential() / rate_per_ms)
          store->push(t, i);
      }
      store->end_sample(c, duration_ms, true);
    }
  auto all = std::make_shared<event_dataset>(
      store, classes, channels,
      fmt::format("poisson classes={} channels={} samples_per_class={} duration_ms={} max_rate_hz={} seed={}", classes,
                  channels, per, duration_ms, max_rate_hz, seed));
  return split_generated(all, classes, per, test_fraction);
}

}  // namespace evsnn::data
