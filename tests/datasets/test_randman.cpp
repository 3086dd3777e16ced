#include <doctest/doctest.h>

#include <set>

#include "datasets/dataset_spec.hpp"
#include "datasets/randman.hpp"

using namespace evsnn;

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
