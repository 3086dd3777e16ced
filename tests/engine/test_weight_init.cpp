// weight_init: the {"init": ...} distribution as read in one place. What the loader draws for a projection is
// read_weight_init's draws from the projection's stream, value for value (so a trainer that draws some weights
// again draws from the same distribution); the parameters and their errors (the loader's tests check each
// error's line through a whole network).
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/json_node.hpp"
#include "engine/network_loader.hpp"
#include "engine/rng.hpp"
#include "engine/weight_init.hpp"
#include "models/builtin_models.hpp"
#include "tests/support/error_of.hpp"

using namespace evsnn;
using nlohmann::json;

TEST_CASE("weight_init: the parameters of each kind, and draws from the caller's stream") {
  const json n = {{"init", "normal"}, {"mean", 0.25}, {"std", 2.0}};
  const weight_init dn = read_weight_init(json_node(n, "w.json"));
  CHECK(dn.k == weight_init::kind::normal);
  CHECK(dn.p1 == 0.25);
  CHECK(dn.p2 == 2.0);
  CHECK(dn.random());
  const json n0 = {{"init", "normal"}, {"std", 1.0}};
  CHECK(read_weight_init(json_node(n0, "w.json")).p1 == 0.0);  // mean defaults to 0
  const json u = {{"init", "uniform"}, {"low", -1.0}, {"high", 0.5}};
  const weight_init du = read_weight_init(json_node(u, "w.json"));
  CHECK(du.k == weight_init::kind::uniform);
  const json c = {{"init", "constant"}, {"value", 0.75}};
  const weight_init dc = read_weight_init(json_node(c, "w.json"));
  CHECK_FALSE(dc.random());

  rng a(42), b(42);
  for (int i = 0; i < 100; ++i) {
    const double x = du.draw(a), y = b.uniform(-1.0, 0.5);
    CHECK(x == y);
    CHECK(x >= -1.0);
    CHECK(x < 0.5);
  }
  for (int i = 0; i < 100; ++i) CHECK(dn.draw(a) == b.normal(0.25, 2.0));
  rng r(7), s(7);
  CHECK(dc.draw(r) == 0.75);
  CHECK(r.uniform() == s.uniform());  // a constant takes nothing from the stream
}

TEST_CASE("weight_init: a projection's drawn weights are its distribution's draws from the projection's seed") {
  for (const json& w : {json{{"init", "uniform"}, {"low", -1.0}, {"high", 1.0}, {"seed", 11}},
                        json{{"init", "normal"}, {"mean", 0.1}, {"std", 0.3}, {"seed", 12}}}) {
    CAPTURE(w.dump());
    const json doc = {{"format", "evsnn-network/1"},
                      {"populations",
                       {{{"name", "in"}, {"model", "spike_source"}, {"size", 7}, {"params", {{"external", true}}}},
                        {{"name", "out"}, {"model", "lif_alpha"}, {"size", 5}, {"params", {{"tau_mem_ms", 10.0}}}}}},
                      {"projections", {{{"pre", "in"}, {"post", "out"}, {"weights", w}}}}};
    const auto net = build_network(doc, "net.json", ".", builtin_model_registry());
    const weight_init d = read_weight_init(json_node(w, "w.json"));
    rng r(w.at("seed").get<std::uint64_t>());
    const auto got = net->proj(0).weights();
    REQUIRE(got.size() == 35);
    for (std::size_t k = 0; k < got.size(); ++k) CHECK(got[k] == d.draw(r));  // pre-major, one draw each
  }
}

TEST_CASE("weight_init: errors name the file and the JSON path") {
  using test::error_of;
  const auto read = [](const json& w) { return [w] { (void)read_weight_init(json_node(w, "w.json", "/weights")); }; };
  CHECK(error_of(read({{"init", "uniform"}, {"low", 2}, {"high", 1}})) ==
        "w.json: /weights/high: must be >= low (2), got 1");
  CHECK(error_of(read({{"init", "normal"}, {"std", -1}})) == "w.json: /weights/std: must be >= 0, got -1");
  CHECK(error_of(read({{"init", "constant"}, {"value", 1e39}})) ==
        "w.json: /weights/value: weight 1e+39 is beyond +-3e38");
  CHECK(error_of(read({{"init", "normal"}, {"std", 1e37}})) ==
        "w.json: /weights: normal weights with mean 0 and std 1e+37 reach beyond +-3e38");
  CHECK(error_of(read({{"init", "cauchy"}})).rfind("w.json: /weights/init: 'cauchy' is not one of: ", 0) == 0);
}
