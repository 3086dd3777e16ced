#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <numbers>
#include <set>
#include <thread>
#include <vector>

#include "datasets/dataset_spec.hpp"
#include "datasets/randman.hpp"
#include "datasets/rng.hpp"
#include "tests/support/error_of.hpp"

using namespace evsnn;

namespace {

// An independent Randman: the manifold of (class c, slot 0) and the points of the population with
// seed q, from the seed contract in randman.hpp, evaluated with std::sin; standardised values
// y[s * neurons + i]. with_offset_term keeps the k = 0 amplitude (which the generator zeroes).
std::vector<double> reference_values(const data::randman_options& o, std::uint32_t c, std::uint64_t q,
                                     bool with_offset_term = false) {
  const std::uint32_t n = o.neurons, dim = o.dim;
  const std::uint32_t cutoff = static_cast<std::uint32_t>(std::min(std::ceil(std::pow(1e-3, -1.0 / o.alpha)), 1000.0));
  std::vector<double> a, f, p;
  data::rng r(data::mix_seed(o.seed, c, 0));
  for (std::size_t j = 0; j < static_cast<std::size_t>(n) * dim * cutoff; ++j) {
    a.push_back(r.uniform());
    f.push_back(r.uniform());
    p.push_back(r.uniform());
  }
  data::rng xr(data::mix_seed(q, 0x58, c));
  std::vector<double> x(static_cast<std::size_t>(o.samples_per_class) * dim);
  for (auto& v : x) v = xr.uniform();
  std::vector<double> y(static_cast<std::size_t>(o.samples_per_class) * n);
  for (std::size_t s = 0; s < o.samples_per_class; ++s)
    for (std::uint32_t i = 0; i < n; ++i) {
      double prod = 1.0;
      for (std::uint32_t d = 0; d < dim; ++d) {
        double sum = 0.0;
        for (std::uint32_t k = with_offset_term ? 0 : 1; k < cutoff; ++k) {
          const std::size_t j = (static_cast<std::size_t>(i) * dim + d) * cutoff + k;
          const double spectrum = 1.0 / (std::pow(k + 1.0, o.alpha) + o.spectrum_offset);
          sum += a[j] * spectrum * std::sin(2.0 * std::numbers::pi * (k * x[s * dim + d] * f[j] + p[j]));
        }
        prod *= sum;
      }
      y[s * n + i] = prod;
    }
  for (std::uint32_t i = 0; i < n; ++i) {
    double lo = 1e300, hi = -1e300;
    for (std::size_t s = 0; s < o.samples_per_class; ++s) {
      lo = std::min(lo, y[s * n + i]);
      hi = std::max(hi, y[s * n + i]);
    }
    for (std::size_t s = 0; s < o.samples_per_class; ++s) y[s * n + i] = (y[s * n + i] - lo) / (hi - lo + 1e-7);
  }
  return y;
}

// Time of the single spike of channel ch (T-Randman, one slot).
double spike_of(const data::sample& s, std::uint32_t ch) {
  double t = -1.0;
  int found = 0;
  for (const auto& e : s.events)
    if (e.channel == ch) {
      t = e.time_ms;
      ++found;
    }
  REQUIRE(found == 1);
  return t;
}

bool same_events(const data::sample& a, const data::sample& b) {
  if (a.events.size() != b.events.size() || a.label != b.label || a.duration_ms != b.duration_ms) return false;
  for (std::size_t k = 0; k < a.events.size(); ++k)
    if (a.events[k].time_ms != b.events[k].time_ms || a.events[k].channel != b.events[k].channel ||
        a.events[k].grade != b.events[k].grade)
      return false;
  return true;
}

std::string spec_error(const nlohmann::json& spec) {
  return test::error_of([&] {
    data::dataset_context ctx;
    ctx.file = "cfg.json";
    data::open_dataset_splits(spec, ctx);
  });
}

}  // namespace

TEST_CASE("randman: F = min(ceil(1e-3^(-1/alpha)), 1000)") {
  CHECK(data::randman_cutoff(1.0) == 1000);
  CHECK(data::randman_cutoff(2.0) == 32);   // ceil(31.62)
  CHECK(data::randman_cutoff(4.0) == 6);    // ceil(5.62)
  CHECK(data::randman_cutoff(0.5) == 1000);  // 1e6, capped
}

TEST_CASE("randman: the manifold's sum in four AVX2 lanes gives the bits of two lanes, near std::sin's sum") {
  data::rng r(21);
  for (const std::size_t n : {1, 3, 4, 7, 32, 1000}) {
    std::vector<double> c(n), f(n), p(n);
    for (std::size_t k = 0; k < n; ++k) {
      c[k] = r.uniform() / (1.0 + static_cast<double>(k));
      f[k] = r.uniform();
      p[k] = r.uniform();
    }
    for (int trial = 0; trial < 50; ++trial) {
      const double x = trial == 0 ? 0.0 : r.uniform();
      CAPTURE(n);
      CAPTURE(x);
      const double two = data::randman_fourier_sum(c, f, p, x, false);
      double ref = 0.0, scale = 0.0;
      for (std::size_t k = 0; k < n; ++k) {
        ref += c[k] * std::sin(2.0 * std::numbers::pi * (static_cast<double>(k) * x * f[k] + p[k]));
        scale += std::fabs(c[k]);
      }
      CHECK(std::fabs(two - ref) <= 1e-12 * scale);
      if (__builtin_cpu_supports("avx2")) {
        const double four = data::randman_fourier_sum(c, f, p, x, true);
        CHECK(std::memcmp(&four, &two, sizeof two) == 0);
      }
    }
  }
  if (!__builtin_cpu_supports("avx2")) MESSAGE("no AVX2 on this CPU: only the two-lane sum was checked");
}

TEST_CASE("randman: T-Randman on ticks fires at floor(y T) of an independently computed y; theta0_k=0 is zero") {
  data::randman_options o;
  o.dim = 2;
  o.classes = 2;
  o.neurons = 6;
  o.samples_per_class = 40;
  o.ticks = 50;
  o.tick_ms = 0.5;
  o.seed = 11;
  for (const double offset : {0.0, 1.0}) {
    CAPTURE(offset);
    o.spectrum_offset = offset;
    const auto store = data::generate_randman(o);
    REQUIRE(store->size() == 80);
    for (std::uint32_t c = 0; c < o.classes; ++c) {
      const auto y = reference_values(o, c, o.seed);
      const auto y_with_k0 = reference_values(o, c, o.seed, true);
      std::size_t differs_with_k0 = 0;
      for (std::size_t s = 0; s < o.samples_per_class; ++s) {
        data::sample smp;
        store->copy_to(s * o.classes + c, smp);
        CHECK(smp.label == c);
        CHECK(smp.duration_ms == 25.0);
        for (std::uint32_t u = 0; u < o.neurons; ++u) {
          const double tick = std::floor(y[s * o.neurons + u] * o.ticks);
          CHECK(spike_of(smp, u) == tick * o.tick_ms);
          differs_with_k0 += std::floor(y_with_k0[s * o.neurons + u] * o.ticks) != tick;
        }
      }
      CHECK(differs_with_k0 > 20);  // the reference tells a zeroed k = 0 term from a kept one
    }
  }
  // The spectrum offset changes the data (1 / ((k+1)^alpha + 1) is not a rescaled (k+1)^-alpha).
  data::randman_options a = o, b = o;
  a.spectrum_offset = 0.0;
  b.spectrum_offset = 1.0;
  data::sample sa, sb;
  data::generate_randman(a)->copy_to(0, sa);
  data::generate_randman(b)->copy_to(0, sb);
  CHECK_FALSE(same_events(sa, sb));
}

TEST_CASE("randman: each unit is standardised to [0, 1) over its class: ticks span exactly 0 .. T-1") {
  data::dataset_context ctx;
  const nlohmann::json spec = {{"format", "randman"}, {"classes", 3}, {"neurons", 10}, {"samples_per_class", 200},
                               {"dim", 3}, {"alpha", 1}, {"ticks", 50}, {"test_samples_per_class", 100}};
  const auto sp = data::open_dataset_splits(spec, ctx);
  REQUIRE(sp.train->size() == 600);
  REQUIRE(sp.test->size() == 300);
  for (const auto* d : {sp.train.get(), sp.test.get()}) {
    std::vector<double> lo(30, 1e9), hi(30, -1e9);
    for (std::size_t i = 0; i < d->size(); ++i) {
      const auto s = d->get(i);
      REQUIRE(s.events.size() == 10);
      for (const auto& e : s.events) {
        const auto k = s.label * 10 + e.channel;
        lo[k] = std::min(lo[k], e.time_ms);
        hi[k] = std::max(hi[k], e.time_ms);
      }
    }
    for (std::size_t k = 0; k < 30; ++k) {
      CHECK(lo[k] == 0.0);
      CHECK(hi[k] == 49.0);
    }
  }
  // Continuous times: the unit's latest spike lies just below the end (y < 1).
  const auto cont = data::open_dataset({{"format", "randman"}, {"classes", 1}, {"neurons", 4}, {"samples_per_class", 300},
                                        {"test_fraction", 0}, {"duration_ms", 40}},
                                       ctx);
  double latest = 0.0;
  for (std::size_t i = 0; i < cont->size(); ++i)
    for (const auto& e : cont->get(i).events) latest = std::max(latest, e.time_ms);
  CHECK(latest < 40.0);
  CHECK(latest > 40.0 * (1 - 1e-5));
}

TEST_CASE("randman: R-Randman on ticks: floor(y T) + 1 distinct ticks, shuffled per sample and unit") {
  data::randman_options o;
  o.dim = 2;
  o.classes = 2;
  o.neurons = 12;
  o.samples_per_class = 60;
  o.ticks = 50;
  o.seed = 5;
  const auto t_store = data::generate_randman(o);  // ticks floor(y T) of the same y
  o.mode = data::randman_options::kind::rate;
  const auto r_store = data::generate_randman(o);
  REQUIRE(r_store->size() == 120);
  std::size_t mid_count = 0, prefix = 0;
  std::set<std::vector<double>> sets;
  for (std::size_t i = 0; i < r_store->size(); ++i) {
    data::sample t, r;
    t_store->copy_to(i, t);
    r_store->copy_to(i, r);
    CHECK(r.duration_ms == 50.0);
    for (std::uint32_t u = 0; u < o.neurons; ++u) {
      std::vector<double> ticks;
      for (const auto& e : r.events)
        if (e.channel == u) ticks.push_back(e.time_ms);
      CHECK(ticks.size() == static_cast<std::size_t>(spike_of(t, u)) + 1);
      CHECK(std::set<double>(ticks.begin(), ticks.end()).size() == ticks.size());
      for (double v : ticks) CHECK((v >= 0.0 && v <= 49.0 && v == std::floor(v)));
      if (ticks.size() >= 3 && ticks.size() <= 47) {
        ++mid_count;
        bool is_prefix = true;
        for (double v : ticks) is_prefix = is_prefix && v < static_cast<double>(ticks.size());
        prefix += is_prefix;
        sets.insert(ticks);
      }
    }
  }
  REQUIRE(mid_count > 300);
  CHECK(prefix == 0);                  // permuted, not the prefix 0 .. floor(y T)
  CHECK(sets.size() == mid_count);     // a fresh permutation for every (sample, unit)
}

TEST_CASE("randman: resample draws fresh points from the same manifolds, deterministic in (seed, draw, i)") {
  data::dataset_context ctx;
  nlohmann::json spec = {{"format", "randman"}, {"classes", 3}, {"neurons", 8}, {"samples_per_class", 30},
                         {"dim", 2}, {"ticks", 20}, {"resample", true}, {"test_samples_per_class", 20}, {"seed", 3}};
  const auto a = data::open_dataset_splits(spec, ctx);
  const auto b = data::open_dataset_splits(spec, ctx);
  auto fixed_spec = spec;
  fixed_spec.erase("resample");
  const auto fixed = data::open_dataset_splits(fixed_spec, ctx);
  REQUIRE(a.train->size() == 90);
  REQUIRE(a.test->size() == 60);
  // b opens draws in another order than a; draw 0 is the data set without resampling.
  for (std::uint64_t d : {3, 1, 0}) b.train->get(0, d);
  std::size_t changed = 0;
  for (std::size_t i = 0; i < 90; ++i) {
    const auto a1 = a.train->get(i, 1), a2 = a.train->get(i, 2), a0 = a.train->get(i, 0);
    CHECK(a1.label == i % 3);
    CHECK(same_events(a1, b.train->get(i, 1)));
    CHECK(same_events(a2, b.train->get(i, 2)));
    CHECK(same_events(a0, fixed.train->get(i, 0)));
    CHECK(same_events(a1, a.train->get(i, 1)));  // after draw 2 and 0 were opened
    changed += !same_events(a1, a2);
  }
  CHECK(changed == 90);
  // Draw 2 is population 2: new points x on the same manifolds (the independent reference).
  data::randman_options o;
  o.dim = 2;
  o.classes = 3;
  o.neurons = 8;
  o.samples_per_class = 30;
  o.ticks = 20;
  o.seed = 3;
  const auto y = reference_values(o, 1, data::mix_seed(3, 0x504f50, 2));
  for (std::size_t s = 0; s < 30; ++s) {
    const auto smp = a.train->get(s * 3 + 1, 2);
    for (std::uint32_t u = 0; u < 8; ++u) CHECK(spike_of(smp, u) == std::floor(y[s * 8 + u] * 20));
  }
  // The test split is its own fixed population, whatever the draw and whether training resamples.
  for (std::size_t i = 0; i < 60; ++i) {
    const auto t = a.test->get(i, 0);
    CHECK(same_events(t, a.test->get(i, 7)));
    CHECK(same_events(t, fixed.test->get(i, 0)));
  }
  CHECK_FALSE(same_events(a.test->get(0, 0), a.train->get(0, 0)));
}

TEST_CASE("randman: resampled draws load the same from several threads") {
  data::dataset_context ctx;
  const nlohmann::json spec = {{"format", "randman"}, {"mode", "rate"}, {"classes", 4}, {"neurons", 6},
                               {"samples_per_class", 25}, {"ticks", 30}, {"resample", true}};
  const auto serial = data::open_dataset(spec, ctx);
  const auto shared = data::open_dataset(spec, ctx);
  std::vector<data::sample> got(100);
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (std::size_t k; (k = next.fetch_add(1)) < 100;) shared->load(99 - k, got[99 - k], 4);
    });
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < 100; ++i) CHECK(same_events(got[i], serial->get(i, 4)));
}

TEST_CASE("randman: spec errors for the tick encodings and resampling") {
  CHECK(spec_error({{"format", "randman"}, {"ticks", 50}, {"duration_ms", 50}}) ==
        "cfg.json: /duration_ms: not used with \"ticks\" (samples last ticks * tick_ms)");
  CHECK(spec_error({{"format", "randman"}, {"mode", "rate"}, {"ticks", 50}, {"max_spikes", 5}}).find("/max_spikes: not used") !=
        std::string::npos);
  CHECK(spec_error({{"format", "randman"}, {"tick_ms", 2}}) == "cfg.json: /tick_ms: needs \"ticks\"");
  CHECK(spec_error({{"format", "randman"}, {"resample", true}, {"test_fraction", 0.2}}).find("/test_fraction: not used with") !=
        std::string::npos);
  CHECK(spec_error({{"format", "randman"}, {"test_samples_per_class", 5}, {"test_fraction", 0.2}}).find("/test_fraction") !=
        std::string::npos);
  CHECK(spec_error({{"format", "randman"}, {"spectrum_offset", -1}}).find("/spectrum_offset") != std::string::npos);
  CHECK(spec_error({{"format", "randman"}, {"samples_per_class", 5}, {"resample", true}}) == "(no error)");
}

TEST_CASE("randman: T-Randman gives one spike per neuron in [0, duration), deterministic per seed") {
  data::dataset_context ctx;
  const nlohmann::json spec = {{"format", "randman"}, {"classes", 3}, {"neurons", 20}, {"samples_per_class", 50},
                               {"dim", 2}, {"duration_ms", 40}, {"seed", 9}};
  const auto a = data::open_dataset_splits(spec, ctx);
  const auto b = data::open_dataset_splits(spec, ctx);
  CHECK(a.train->size() == 120);
  CHECK(a.test->size() == 30);
  CHECK(a.train->channels() == 20);
  for (auto c : a.train->class_counts()) CHECK(c == 40);
  double lo = 1e9, hi = -1;
  for (std::size_t i = 0; i < a.train->size(); ++i) {
    const auto s = a.train->get(i);
    const auto t = b.train->get(i);
    REQUIRE(s.events.size() == 20);
    std::set<std::uint32_t> ch;
    for (std::size_t k = 0; k < s.events.size(); ++k) {
      ch.insert(s.events[k].channel);
      CHECK(s.events[k].time_ms == t.events[k].time_ms);  // bit-identical
      lo = std::min(lo, s.events[k].time_ms);
      hi = std::max(hi, s.events[k].time_ms);
    }
    CHECK(ch.size() == 20);
    CHECK(s.duration_ms == 40.0);
  }
  CHECK(lo >= 0.0);
  CHECK(hi <= 40.0);
  CHECK(hi - lo > 20.0);  // standardisation spreads times over the window
  // A different seed gives different data.
  auto other = spec;
  other["seed"] = 10;
  CHECK(data::open_dataset(other, ctx)->get(0).events[0].time_ms != a.train->get(0).events[0].time_ms);
}

TEST_CASE("randman: classes differ; R-Randman puts spikes on distinct steps with counts from the manifold") {
  data::randman_options o;
  o.classes = 2;
  o.neurons = 10;
  o.samples_per_class = 20;
  o.mode = data::randman_options::kind::rate;
  o.steps = 50;
  o.max_spikes = 8;
  const auto store = data::generate_randman(o);
  REQUIRE(store->size() == 40);
  std::size_t total = 0;
  for (std::size_t i = 0; i < store->size(); ++i) {
    data::sample s;
    store->copy_to(i, s);
    std::set<std::pair<double, std::uint32_t>> seen;
    for (const auto& e : s.events) {
      CHECK(seen.insert({e.time_ms, e.channel}).second);  // distinct steps per neuron
      const double step = e.time_ms / (o.duration_ms / o.steps);
      CHECK(step == doctest::Approx(std::round(step)));
    }
    CHECK(s.events.size() <= 10u * 8u);
    total += s.events.size();
  }
  CHECK(total > 40u * 10u);  // mean count well above zero
}

TEST_CASE("poisson generator: class rates, deterministic") {
  data::dataset_context ctx;
  const nlohmann::json spec = {{"format", "poisson"}, {"classes", 2}, {"channels", 30}, {"samples_per_class", 10},
                               {"max_rate_hz", 100}, {"duration_ms", 200}};
  const auto a = data::open_dataset(spec, ctx);
  CHECK(a->size() == 16);
  const auto s = a->get(3);
  CHECK(data::open_dataset(spec, ctx)->get(3).events.size() == s.events.size());
  CHECK(s.events.size() > 100);  // ~ 30 channels * 50 Hz * 0.2 s = 300
}
