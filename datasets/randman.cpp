#include "datasets/randman.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include <fmt/format.h>

#include "datasets/event_dataset.hpp"
#include "datasets/rng.hpp"
#include "datasets/source.hpp"
#include "datasets/subset_dataset.hpp"
#include "engine/error.hpp"

namespace evsnn::data {

std::string randman_options::describe() const {
  return fmt::format("{}-randman dim={} classes={} neurons={} samples_per_class={} alpha={} duration_ms={}{} seed={}",
                     mode == kind::temporal ? "T" : "R", dim, classes, neurons, samples_per_class, alpha, duration_ms,
                     mode == kind::rate ? fmt::format(" steps={} max_spikes={}", steps, max_spikes)
                                        : (steps > 0 ? fmt::format(" steps={}", steps) : std::string()),
                     seed);
}

namespace {

// One random manifold: parameters [neuron][dim][k] of amplitude, frequency, phase.
class manifold {
 public:
  manifold(std::uint32_t neurons, std::uint32_t dim, double alpha, std::uint64_t seed) : neurons_(neurons), dim_(dim) {
    cutoff_ = static_cast<std::uint32_t>(std::min(std::ceil(std::pow(1e-3, -1.0 / alpha)), 1000.0));
    cutoff_ = std::max(cutoff_, 1u);
    rng r(seed);
    const std::size_t n = static_cast<std::size_t>(neurons) * dim * cutoff_;
    amp_.resize(n);
    freq_.resize(n);
    phase_.resize(n);
    for (std::size_t j = 0; j < n; ++j) {
      amp_[j] = r.uniform();
      freq_[j] = r.uniform();
      phase_[j] = r.uniform();
    }
    for (std::size_t j = 0; j < n; j += cutoff_) amp_[j] = 0.0;  // no offset term
    scale_.resize(cutoff_);
    for (std::uint32_t k = 0; k < cutoff_; ++k) scale_[k] = 1.0 / std::pow(static_cast<double>(k + 1), alpha);
  }

  // y_i(x) for every neuron i.
  void eval(const double* x, std::vector<double>& y) const {
    y.assign(neurons_, 1.0);
    for (std::uint32_t i = 0; i < neurons_; ++i) {
      for (std::uint32_t d = 0; d < dim_; ++d) {
        const std::size_t base = (static_cast<std::size_t>(i) * dim_ + d) * cutoff_;
        double s = 0.0;
        for (std::uint32_t k = 0; k < cutoff_; ++k)
          s += amp_[base + k] * scale_[k] *
               std::sin(2.0 * std::numbers::pi * (k * x[d] * freq_[base + k] + phase_[base + k]));
        y[i] *= s;
      }
    }
  }

 private:
  std::uint32_t neurons_, dim_, cutoff_ = 1;
  std::vector<double> amp_, freq_, phase_, scale_;
};

}  // namespace

std::shared_ptr<event_store> generate_randman(const randman_options& o) {
  const std::size_t per = o.samples_per_class;
  const std::uint32_t subs = o.mode == randman_options::kind::temporal ? std::max(1u, o.spikes_per_neuron) : 1u;
  // values[c][m][s * neurons + i]: standardised y.
  std::vector<std::vector<std::vector<double>>> values(o.classes);
  std::vector<double> y;
  for (std::uint32_t c = 0; c < o.classes; ++c) {
    rng xr(mix_seed(o.seed, 0x58ULL, c));
    std::vector<double> xs(per * o.dim);
    for (auto& v : xs) v = xr.uniform();
    values[c].resize(subs);
    for (std::uint32_t m = 0; m < subs; ++m) {
      manifold man(o.neurons, o.dim, o.alpha, mix_seed(o.seed, c, m));
      auto& vals = values[c][m];
      vals.resize(per * o.neurons);
      for (std::size_t s = 0; s < per; ++s) {
        man.eval(xs.data() + s * o.dim, y);
        std::copy(y.begin(), y.end(), vals.begin() + static_cast<std::ptrdiff_t>(s * o.neurons));
      }
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
  }
  auto store = std::make_shared<event_store>();
  const double dt = o.steps > 0 ? o.duration_ms / o.steps : 0.0;
  std::vector<std::uint32_t> grid;
  for (std::size_t s = 0; s < per; ++s) {
    for (std::uint32_t c = 0; c < o.classes; ++c) {
      if (o.mode == randman_options::kind::temporal) {
        for (std::uint32_t m = 0; m < subs; ++m)
          for (std::uint32_t i = 0; i < o.neurons; ++i) {
            double t = values[c][m][s * o.neurons + i] * o.duration_ms;
            if (dt > 0.0) t = std::min(std::floor(t / dt), static_cast<double>(o.steps - 1)) * dt;
            store->push(t, i);
          }
      } else {
        rng r(mix_seed(o.seed, 0x52415445ULL, s * o.classes + c));
        for (std::uint32_t i = 0; i < o.neurons; ++i) {
          const auto count = std::min<std::uint32_t>(
              static_cast<std::uint32_t>(std::lround(values[c][0][s * o.neurons + i] * o.max_spikes)), o.steps);
          grid.resize(o.steps);
          for (std::uint32_t k = 0; k < o.steps; ++k) grid[k] = k;
          for (std::uint32_t k = 0; k < count; ++k) {  // partial Fisher-Yates: count distinct steps
            const auto j = k + static_cast<std::uint32_t>(r.below(o.steps - k));
            std::swap(grid[k], grid[j]);
            store->push(grid[k] * dt, i);
          }
        }
      }
      store->end_sample(c, o.duration_ms, true);
    }
  }
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
  o.dim = static_cast<std::uint32_t>(f.integer("dim", 1, 1, 16));
  o.classes = static_cast<std::uint32_t>(f.integer("classes", 10, 1, 10000));
  o.neurons = static_cast<std::uint32_t>(f.integer("neurons", 100, 1, 100000));
  o.samples_per_class = static_cast<std::uint32_t>(f.integer("samples_per_class", 1000, 1, 10000000));
  o.spikes_per_neuron = static_cast<std::uint32_t>(f.integer("spikes_per_neuron", 1, 1, 1000));
  o.steps = static_cast<std::uint32_t>(
      f.integer("steps", o.mode == randman_options::kind::rate ? 100 : 0, o.mode == randman_options::kind::rate ? 1 : 0, 10000000));
  o.max_spikes = static_cast<std::uint32_t>(f.integer("max_spikes", 10, 0, 1000000));
  o.duration_ms = f.number("duration_ms", 50.0, 1e-9, 1e9);
  o.alpha = f.number("alpha", 2.0, 0.1, 100.0);
  o.seed = f.integer("seed", 1, 0, ~0ULL);
  const double test_fraction = f.number("test_fraction", 0.2, 0.0, 0.99);
  const double total_events = static_cast<double>(o.classes) * o.samples_per_class * o.neurons *
                              (o.mode == randman_options::kind::rate ? o.max_spikes : o.spikes_per_neuron);
  if (total_events > 2e9) f.fail("samples_per_class", fmt::format("would generate {:g} events (limit 2e9)", total_events));
  auto store = generate_randman(o);
  auto all = std::make_shared<event_dataset>(store, o.classes, o.neurons, o.describe());
  return split_generated(all, o.classes, o.samples_per_class, test_fraction);
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
