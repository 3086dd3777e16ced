// membrane_kick (exact_lif): a kick from a hook's tick is seen at once — above threshold the neuron fires
// at the kick's instant; below, its next crossing moves exactly to where the closed form (lif_alpha) or a
// brute-force root search (cuba_lif) puts it; a negative kick delays a pending crossing. Models without a
// continuous membrane offer no kick.
#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/hook.hpp"
#include "engine/membrane_kick.hpp"
#include "engine/network_loader.hpp"
#include "engine/presenter.hpp"
#include "engine/simulator.hpp"
#include "models/builtin_models.hpp"

using namespace evsnn;

namespace {

// input -> one neuron of `model` (weight w, tau_mem 10 ms, threshold th; cuba_lif: tau_syn 10/3 ms).
nlohmann::json one_neuron(const std::string& model, double w, double th) {
  nlohmann::json params = {{"tau_mem_ms", 10.0}, {"threshold", th}};
  if (model == "cuba_lif") params["tau_syn_ms"] = 10.0 / 3.0;
  return {{"format", "evsnn-network/1"},
          {"seed", 1},
          {"populations",
           {{{"name", "in"}, {"model", "spike_source"}, {"size", 1}, {"params", {{"external", true}}}},
            {{"name", "n"}, {"model", model}, {"size", 1}, {"params", params}}}},
          {"projections", {{{"pre", "in"}, {"post", "n"}, {"weights", {{w}}}}}}};
}

struct kicker final : hook {
  membrane_kick* target;
  double dv;
  void on_tick(double t_ms) override {
    if (dv == 0.0) return;
    const double d[1] = {dv};
    target->kick(d, t_ms);
    dv = 0.0;  // once
  }
};

// Spike times of the neuron for an input at 0 and a kick dv at t_kick.
std::vector<double> run(const std::string& model, double w, double th, double t_kick, double dv) {
  auto net = build_network(one_neuron(model, w, th), "kick.json", ".", builtin_model_registry());
  simulator sim(*net, 1);
  kicker k;
  k.target = net->pop(1).kickable();
  REQUIRE(k.target != nullptr);
  k.dv = dv;
  hook_subscription sub;
  sub.tick_first_ms = t_kick;
  sub.tick_period_ms = 1000.0;
  sub.samples = false;
  sim.add_hook(k, sub);
  presenter pres(sim, 0, state_policy::reset);
  const std::vector<input_event> in = {{0.0, 0, 1.0f}};
  pres.present(in, 50.0);
  std::vector<double> t;
  for (const spike_record& s : sim.spikes())
    if (s.population == 1) t.push_back(s.time_ms);
  return t;
}

// lif_alpha (tau_syn = tau/2): u = w (y - y^2) + dv e^{t_k/tau} y, y = e^{-t/tau}; crossing: the larger root.
double alpha_crossing(double w, double th, double tk, double dv) {
  const double B = w + dv * std::exp(tk / 10.0);
  const double y = (B + std::sqrt(B * B - 4.0 * w * th)) / (2.0 * w);
  return -10.0 * std::log(y);
}

}  // namespace

TEST_CASE("membrane_kick: lif_alpha fires at the kick's instant above threshold, else at the closed-form crossing") {
  const double w = 2.0, th = 0.6, tk = 2.0;  // u(2) = 0.2968; the PSP peaks at 0.5 < th: no spike unkicked
  CHECK(run("lif_alpha", w, th, tk, 0.0).empty());
  const auto above = run("lif_alpha", w, th, tk, 0.4);  // u -> 0.697 >= th
  REQUIRE(!above.empty());
  CHECK(above[0] == tk);  // exactly at the kick
  const auto below = run("lif_alpha", w, th, tk, 0.2);  // u -> 0.497 < th, crosses later
  REQUIRE(below.size() == 1);
  CHECK(below[0] > tk);
  CHECK(std::fabs(below[0] - alpha_crossing(w, th, tk, 0.2)) < 1e-9);
  // A negative kick delays a pending crossing (w = 4: unkicked crossing at 2.03 ms).
  const auto early = run("lif_alpha", 4.0, th, 1.0, 0.0), late = run("lif_alpha", 4.0, th, 1.0, -0.5);
  REQUIRE(!early.empty());
  REQUIRE(!late.empty());
  CHECK(std::fabs(early[0] - alpha_crossing(4.0, th, 1.0, 0.0)) < 1e-9);
  CHECK(std::fabs(late[0] - alpha_crossing(4.0, th, 1.0, -0.5)) < 1e-9);
  CHECK(late[0] > early[0] + 2.0);
}

TEST_CASE("membrane_kick: cuba_lif's kicked crossing matches a brute-force root of the closed-form potential") {
  const double tm = 10.0, ts = 10.0 / 3.0, c = ts / (tm - ts), w = 2.0, th = 0.45, tk = 1.0, dv = 0.2;  // peak unkicked 0.385 < th
  auto u = [&](double t) {
    return w * c * (std::exp(-t / tm) - std::exp(-t / ts)) + (t >= tk ? dv * std::exp(-(t - tk) / tm) : 0.0);
  };
  REQUIRE(u(tk) < th);
  // Scan for the first t > tk with u >= th, then bisect.
  double lo = tk, hi = tk;
  while (u(hi) < th && hi < 50.0) lo = hi, hi += 1e-3;
  REQUIRE(hi < 50.0);
  for (int k = 0; k < 100; ++k) {
    const double mid = 0.5 * (lo + hi);
    (u(mid) < th ? lo : hi) = mid;
  }
  CHECK(run("cuba_lif", w, th, tk, 0.0).empty());
  const auto got = run("cuba_lif", w, th, tk, dv);
  REQUIRE(!got.empty());
  CHECK(std::fabs(got[0] - hi) < 1e-9);
  const auto now = run("cuba_lif", w, th, tk, 0.3);  // u(1) = 0.464 >= th
  REQUIRE(!now.empty());
  CHECK(now[0] == tk);
}

TEST_CASE("membrane_kick: models without a continuous membrane offer no kick") {
  nlohmann::json doc = {{"format", "evsnn-network/1"},
                        {"seed", 1},
                        {"populations",
                         {{{"name", "in"}, {"model", "spike_source"}, {"size", 1}, {"params", {{"external", true}}}},
                          {{"name", "r"}, {"model", "li"}, {"size", 1}, {"params", {{"tau_mem_ms", 10.0}}}},
                          {{"name", "t"}, {"model", "lif_tick"}, {"size", 1}, {"params", {{"tick_ms", 1}}}}}},
                        {"projections", nlohmann::json::array()}};
  auto net = build_network(doc, "kick.json", ".", builtin_model_registry());
  CHECK(net->pop(0).kickable() == nullptr);
  CHECK(net->pop(1).kickable() == nullptr);
  CHECK(net->pop(2).kickable() == nullptr);
}
