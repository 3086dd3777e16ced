// Whole networks (feed-forward and recurrent, with and without delays) against a brute-force
// reference: every lif_alpha neuron's potential is the direct sum of its input kernels and reset
// terms; time is scanned finely for all neurons at once, and the earliest crossing is refined by
// bisection, emitted, and its arrivals added after their delays. It shares no code with the engine
// beyond reading the lowered connectivity.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "engine/network_loader.hpp"
#include "engine/simulator.hpp"
#include "models/builtin_models.hpp"
#include "models/spike_source.hpp"

using namespace evsnn;

namespace {

struct ref_spike {
  double t;
  std::uint32_t pop, neuron;
};

std::vector<ref_spike> brute_force(network& net, double tau, double theta, double T, double h) {
  struct arrival {
    double t, w;
  };
  const std::size_t np = net.population_count();
  std::vector<std::vector<std::vector<arrival>>> in(np);
  std::vector<std::vector<std::vector<double>>> own(np);
  for (std::uint32_t p = 0; p < np; ++p) {
    in[p].resize(net.pop(p).size());
    own[p].resize(net.pop(p).size());
  }
  std::vector<ref_spike> out;
  auto emit = [&](double t, std::uint32_t p, std::uint32_t i) {
    out.push_back({t, p, i});
    own[p][i].push_back(t);
    for (std::uint32_t q = 0; q < net.projection_count(); ++q) {
      projection& pr = net.proj(q);
      if (pr.pre_population() != p) continue;
      const auto row = pr.row(i);
      for (std::size_t k = 0; k < row.post.size(); ++k)
        in[pr.post_population()][row.post[k]].push_back({t + pr.delay_ms(), static_cast<double>(row.weights[k])});
    }
  };
  auto u = [&](std::uint32_t p, std::uint32_t i, double t) {
    double v = 0;
    for (const arrival& a : in[p][i])
      if (a.t <= t) v += a.w * (std::exp(-(t - a.t) / tau) - std::exp(-2.0 * (t - a.t) / tau));
    for (double s : own[p][i]) v -= theta * std::exp(-(t - s) / tau);
    return v;
  };
  // Source spikes are known in advance.
  std::vector<ref_spike> sources;
  for (std::uint32_t p = 0; p < np; ++p)
    if (auto* s = dynamic_cast<spike_source*>(&net.pop(p)))
      for (const auto& e : s->events()) sources.push_back({e.time_ms, p, e.channel});
  std::stable_sort(sources.begin(), sources.end(), [](auto& a, auto& b) { return a.t < b.t; });
  std::size_t next_source = 0;
  double t = 0.0;
  while (t < T) {
    // Advance the grid from t; emit due source spikes first.
    double best = std::numeric_limits<double>::infinity();
    std::uint32_t bp = 0, bi = 0;
    double lo = t;
    for (double x = t + h; x <= T + h && best == std::numeric_limits<double>::infinity(); x += h) {
      const double xs = std::min(x, next_source < sources.size() ? sources[next_source].t : x);
      for (std::uint32_t p = 0; p < np; ++p) {
        if (dynamic_cast<spike_source*>(&net.pop(p))) continue;
        for (std::uint32_t i = 0; i < net.pop(p).size(); ++i) {
          if (u(p, i, xs) < theta) continue;
          double a = lo, b = xs;
          for (int it = 0; it < 200 && b - a > 1e-13; ++it) {
            const double m = 0.5 * (a + b);
            (u(p, i, m) >= theta ? b : a) = m;
          }
          if (b < best) {
            best = b;
            bp = p;
            bi = i;
          }
        }
      }
      if (best == std::numeric_limits<double>::infinity() && next_source < sources.size() && xs == sources[next_source].t) {
        // No neuron crossed before this source spike: emit it and restart the scan from it.
        const double ts = sources[next_source].t;
        while (next_source < sources.size() && sources[next_source].t == ts) {
          emit(ts, sources[next_source].pop, sources[next_source].neuron);
          ++next_source;
        }
        lo = ts;
        x = ts;
        continue;
      }
      lo = xs;
    }
    if (best > T) break;
    emit(best, bp, bi);
    t = best;
  }
  return out;
}

std::vector<ref_spike> engine_spikes(network& net, double T) {
  simulator sim(net, net.seed);
  sim.run(T);
  std::vector<ref_spike> out;
  for (const auto& s : sim.spikes()) out.push_back({s.time_ms, s.population, s.neuron});
  return out;
}

nlohmann::json make_network(bool recurrent, double delay) {
  using nlohmann::json;
  json spikes = json::array();
  std::uint64_t x = 12345;
  for (int k = 0; k < 120; ++k) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const double t = static_cast<double>((x >> 11) % 80000) / 1000.0;
    spikes.push_back({t, static_cast<int>((x >> 40) % 30)});
  }
  json projs = {
      {{"pre", "in"}, {"post", "a"}, {"delay_ms", delay}, {"weights", {{"init", "normal"}, {"mean", 0.25}, {"std", 0.3}}}},
      {{"pre", "a"}, {"post", "b"}, {"delay_ms", 2 * delay}, {"weights", {{"init", "normal"}, {"mean", 0.3}, {"std", 0.4}, {"p_connect", 0.6}}}}};
  if (recurrent) {
    projs.push_back({{"pre", "a"}, {"post", "a"}, {"delay_ms", delay + 0.5}, {"weights", {{"init", "normal"}, {"mean", 0.05}, {"std", 0.3}, {"p_connect", 0.3}}}});
    projs.push_back({{"pre", "b"}, {"post", "a"}, {"delay_ms", 1.0}, {"weights", {{"init", "normal"}, {"mean", -0.2}, {"std", 0.2}}}});
  }
  return json{{"format", "evsnn-network/1"},
              {"seed", 9},
              {"populations",
               {{{"name", "in"}, {"model", "spike_source"}, {"size", 30}, {"params", {{"spikes", spikes}}}},
                {{"name", "a"}, {"model", "lif_alpha"}, {"size", 12}, {"params", {{"tau_mem_ms", 10.0}}}},
                {{"name", "b"}, {"model", "lif_alpha"}, {"size", 6}, {"params", {{"tau_mem_ms", 10.0}}}}}},
              {"projections", projs}};
}

}  // namespace

TEST_CASE("networks: every spike of the engine matches the brute-force reference") {
  const model_registry models = builtin_model_registry();
  for (bool recurrent : {false, true})
    for (double delay : {0.0, 1.25}) {
      CAPTURE(recurrent);
      CAPTURE(delay);
      auto net = build_network(make_network(recurrent, delay), "test", ".", models);
      const auto got = engine_spikes(*net, 100.0);
      const auto expected = brute_force(*net, 10.0, 1.0, 100.0, 0.01);
      std::size_t hidden = 0;
      for (const auto& s : expected) hidden += s.pop != 0;
      CHECK(hidden >= 20);
      REQUIRE(got.size() == expected.size());
      for (std::size_t k = 0; k < got.size(); ++k) {
        CHECK(got[k].pop == expected[k].pop);
        CHECK(got[k].neuron == expected[k].neuron);
        CHECK(std::fabs(got[k].t - expected[k].t) < 1e-9);
      }
    }
}
