// nir_import: NIR graphs lowered onto evsnn networks. Files written by nir.write import with NIR's gains
// folded into exact weights; the imported neurons follow NIR's equations (membrane potentials against the
// closed forms of CubaLIF, LIF with a resting potential, LI and CubaLI, with time constants in seconds);
// what evsnn cannot represent is refused naming the node.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/network_loader.hpp"
#include "engine/simulator.hpp"
#include "models/builtin_models.hpp"
#include "tests/support/error_of.hpp"
#include "tests/support/nir_nodes.hpp"
#include "tools/nir_file.hpp"
#include "tools/nir_import.hpp"

using namespace evsnn;
using namespace evsnn::cli;
using evsnn::test::error_of;
namespace t = evsnn::test;
using nlohmann::json;

namespace {

const std::string fixtures = EVSNN_SOURCE_DIR "/tests/tools/nir/";

const json& find(const json& list, const std::string& name) {
  for (const json& e : list)
    if (e["name"] == name) return e;
  FAIL("no entry named " << name);
  return list;
}

// One Input neuron -> Linear (weight w) -> the neuron node; input spikes replayed from `spikes`.
nir_graph one_neuron(nir_node neuron, double w) {
  nir_graph g;
  g.nodes.push_back(t::nir_node("in", "Input", {{"shape", t::nir_array({1})}}));
  g.nodes.push_back(t::nir_node("w", "Linear", {{"weight", t::nir_array({w}, {1, 1})}}));
  g.nodes.push_back(std::move(neuron));  // named "n" by the caller
  g.edges = {{"in", "w"}, {"w", "n"}};
  return g;
}

// Builds the imported network with `spikes` on the input and returns neuron 0's potential at each time.
std::vector<double> potentials(nir_graph g, const json& spikes, const std::vector<double>& at_ms) {
  json doc = import_nir(g, "g.nir", {});
  doc["populations"][0]["params"] = {{"spikes", spikes}};
  const model_registry models = builtin_model_registry();
  auto net = build_network(doc, "g.json", ".", models);
  simulator sim(*net, 1);
  sim.begin_sample(0.0);
  std::vector<double> out;
  for (double t : at_ms) {
    sim.run_until(t);
    out.push_back(net->pop(1).potential(0, t));
  }
  return out;
}

}  // namespace

TEST_CASE("nir_import: nir.write's CubaLIF chain (float32, per-neuron r and w_in)") {
  const json doc = import_nir(read_nir(fixtures + "cuba_chain.nir"), "cuba_chain.nir", {});
  CHECK(doc["format"] == "evsnn-network/1");
  const json& lif = find(doc["populations"], "lif");
  CHECK(lif["model"] == "cuba_lif");
  CHECK(lif["size"] == 2);
  CHECK(lif["params"]["tau_mem_ms"] == 20.0);  // 0.02f s, read as 0.02: exactly 20 ms
  CHECK(lif["params"]["tau_syn_ms"] == 5.0);
  CHECK(lif["params"]["threshold"] == json({1.0, 0.5}));
  CHECK(lif["params"]["reset"] == "zero");
  CHECK(find(doc["populations"], "input")["params"]["external"] == true);
  const json& fc = find(doc["projections"], "fc");
  CHECK(fc["pre"] == "input");
  CHECK(fc["post"] == "lif");
  // rows pre, W[post][pre] r w_in / tau_syn: gains 2 * 0.5 / 0.005 = 200 and 1 * 3 / 0.005 = 600.
  CHECK(fc["weights"] == json({{100.0, 1200.0}, {200.0, 0.0}, {-50.0, 450.0}}));
  CHECK(!fc.contains("delay_ms"));
}

TEST_CASE("nir_import: Linear, Scale and Delay fold into one projection; LIF with rest; LI and CubaLI") {
  const json doc = import_nir(read_nir(fixtures + "lif_li.nir"), "lif_li.nir", {});
  const json& lif = find(doc["populations"], "lif");
  CHECK(lif["model"] == "lif_delta");
  CHECK(lif["params"]["tau_mem_ms"] == 10.0);
  CHECK(lif["params"]["threshold"] == json({0.75, 1.0}));  // v_threshold - v_leak
  const json& w1 = find(doc["projections"], "w1");
  CHECK(w1["delay_ms"] == 2.0);
  // W[post][pre] * scale[post] * r[post] / tau: gains 2 * 100 and 0.5 * 400.
  CHECK(w1["weights"] == json({{200.0, -100.0}, {100.0, 400.0}}));
  const json& li = find(doc["populations"], "li");
  CHECK(li["model"] == "li");
  CHECK(li["params"] == json({{"tau_mem_ms", 50.0}}));
  CHECK(find(doc["projections"], "w2")["weights"] == json({{6.0}, {14.0}}));
  const json& cli = find(doc["populations"], "cli");
  CHECK(cli["params"] == json({{"tau_mem_ms", 8.0}, {"tau_syn_ms", 2.0}}));
  // An edge with no weight node between two populations: one-to-one, named after its ends.
  const json& direct = find(doc["projections"], "in->cli");
  CHECK(direct["weights"] == json({{"pre", {0, 1}}, {"post", {0, 1}}, {"w", {500.0, 1000.0}}}));
  CHECK(doc["projections"].size() == 3);
}

TEST_CASE("nir_import: a nested graph is inlined, its recurrence kept") {
  const json doc = import_nir(read_nir(fixtures + "nested.nir"), "nested.nir", {});
  CHECK(doc["populations"].size() == 2);
  CHECK(find(doc["populations"], "sub.lif")["model"] == "cuba_lif");
  const json& fc = find(doc["projections"], "fc");
  CHECK(fc["post"] == "sub.lif");
  CHECK(fc["weights"] == json({{75.0, 0.0}, {0.0, 75.0}}));
  const json& rec = find(doc["projections"], "sub.rec");
  CHECK(rec["pre"] == "sub.lif");
  CHECK(rec["post"] == "sub.lif");
  CHECK(rec["weights"] == json({{0.0, 5.0}, {5.0, 0.0}}));
  const model_registry models = builtin_model_registry();
  CHECK_NOTHROW(build_network(doc, "nested.json", ".", models));
}

TEST_CASE("nir_import: the imported neurons follow NIR's equations (tau in seconds)") {
  const double s_of = 1e-3;
  SUBCASE("CubaLIF: v = r w_in W / (tau_mem - tau_syn) (e^{-s/tau_mem} - e^{-s/tau_syn})") {
    const double r = 1.5, w_in = 0.8, W = 2e-3, tm = 0.02, ts = 0.004;
    nir_node n = t::nir_node("n", "CubaLIF",
                      {{"tau_mem", t::nir_array({tm})}, {"tau_syn", t::nir_array({ts})}, {"r", t::nir_array({r})}, {"w_in", t::nir_array({w_in})},
                       {"v_leak", t::nir_array({0.0})}, {"v_threshold", t::nir_array({1.0})}, {"v_reset", t::nir_array({0.0})}});
    const std::vector<double> at{1.0, 2.5, 6.0, 30.0};
    const std::vector<double> v = potentials(one_neuron(std::move(n), W), json::array({{1.0, 0}}), at);
    for (std::size_t k = 0; k < at.size(); ++k) {
      const double s = (at[k] - 1.0) * s_of;
      const double want = r * w_in * W / (tm - ts) * (std::exp(-s / tm) - std::exp(-s / ts));
      CHECK(v[k] == doctest::Approx(want).epsilon(1e-12));
    }
  }
  SUBCASE("LIF: each input moves v by r W / tau; v rests at v_leak, spikes above v_threshold, resets to v_reset") {
    // v_leak = -1, threshold 0.5 (1.5 above rest), r W / tau = 1: two inputs 1 ms apart cross.
    const double tau = 0.01;
    nir_node n = t::nir_node("n", "LIF",
                      {{"tau", t::nir_array({tau})}, {"r", t::nir_array({0.5})}, {"v_leak", t::nir_array({-1.0})}, {"v_threshold", t::nir_array({0.5})},
                       {"v_reset", t::nir_array({-1.0})}});
    const std::vector<double> at{1.0, 1.5};
    const std::vector<double> v = potentials(one_neuron(std::move(n), 0.02), json::array({{1.0, 0}}), at);
    CHECK(v[0] == doctest::Approx(1.0).epsilon(1e-12));  // measured from rest
    CHECK(v[1] == doctest::Approx(std::exp(-0.5e-3 / tau)).epsilon(1e-12));
    json doc = import_nir(one_neuron(t::nir_node("n", "LIF",
                                          {{"tau", t::nir_array({tau})}, {"r", t::nir_array({0.5})}, {"v_leak", t::nir_array({-1.0})},
                                           {"v_threshold", t::nir_array({0.5})}, {"v_reset", t::nir_array({-1.0})}}),
                                     0.02),
                          "g.nir", {});
    doc["populations"][0]["params"] = {{"spikes", {{1.0, 0}, {2.0, 0}}}};
    const model_registry models = builtin_model_registry();
    auto net = build_network(doc, "g.json", ".", models);
    simulator sim(*net, 1);
    sim.record_spikes(true);
    sim.run(10.0);
    // 1 + e^{-0.1} = 1.905 >= 1.5: a spike at the second input, then reset to rest.
    REQUIRE(sim.spikes().size() == 3);
    CHECK(sim.spikes()[2].time_ms == 2.0);
  }
  SUBCASE("IF (nir.write's file): dv/dt = R I, no leak") {
    json doc = import_nir(read_nir(fixtures + "if_node.nir"), "if_node.nir", {});
    const json& n = find(doc["populations"], "if1");
    CHECK(n["model"] == "if_delta");
    CHECK(n["params"] == json({{"threshold", 1.0}, {"reset", "zero"}}));
    nir_node if1 = t::nir_node("n", "IF", {{"r", t::nir_array({2.0})}, {"v_threshold", t::nir_array({1.0})}, {"v_reset", t::nir_array({0.0})}});
    const std::vector<double> v = potentials(one_neuron(std::move(if1), 0.2), json::array({{1.0, 0}, {3.0, 0}}),
                                             {2.0, 500.0});
    CHECK(v[0] == 0.4);  // r W, kept
    CHECK(v[1] == 0.8);
  }
  SUBCASE("LI and CubaLI read-outs") {
    const double tau = 0.05;
    nir_node li = t::nir_node("n", "LI", {{"tau", t::nir_array({tau})}, {"r", t::nir_array({2.0})}, {"v_leak", t::nir_array({0.0})}});
    std::vector<double> v = potentials(one_neuron(std::move(li), 0.1), json::array({{0.0, 0}}), {5.0});
    CHECK(v[0] == doctest::Approx(2.0 * 0.1 / tau * std::exp(-5e-3 / tau)).epsilon(1e-12));
    const double tm = 0.01, ts = 0.01;  // equal time constants: the limit kernel
    nir_node cli = t::nir_node("n", "CubaLI",
                        {{"tau_mem", t::nir_array({tm})}, {"tau_syn", t::nir_array({ts})}, {"r", t::nir_array({1.0})}, {"w_in", t::nir_array({3.0})},
                         {"v_leak", t::nir_array({0.0})}});
    v = potentials(one_neuron(std::move(cli), 0.1), json::array({{0.0, 0}}), {4.0});
    const double s = 4e-3;
    CHECK(v[0] == doctest::Approx(3.0 * 0.1 / ts * (s / tm) * std::exp(-s / tm)).epsilon(1e-12));
  }
}

TEST_CASE("nir_import: what evsnn cannot represent is refused with the node's name") {
  CHECK(error_of([] { import_nir(read_nir(fixtures + "bias.nir"), "bias.nir", {}); })
            .find("node 'fc' (Affine): bias[0] = 0.25") != std::string::npos);
  const auto lif = [](std::vector<double> tau, std::vector<double> reset, std::vector<double> th = {1, 1}) {
    return t::nir_node("n", "LIF",
                {{"tau", t::nir_array(tau)}, {"r", t::nir_array({1, 1})}, {"v_leak", t::nir_array({0, 0})}, {"v_threshold", t::nir_array(th)},
                 {"v_reset", t::nir_array(reset)}});
  };
  auto err = [](nir_graph g) { return error_of([&] { import_nir(g, "g.nir", {}); }); };
  auto two = [&](nir_node n) {
    nir_graph g;
    g.nodes.push_back(t::nir_node("in", "Input", {{"shape", t::nir_array({2})}}));
    g.nodes.push_back(std::move(n));  // named "n"
    g.edges = {{"in", "n"}};
    return g;
  };
  CHECK(err(two(lif({0.01, 0.02}, {0, 0}))).find("node 'n' (LIF): 'tau' differs between neurons") != std::string::npos);
  CHECK(err(two(lif({0.01, 0.01}, {0, 0.5}))).find("neuron 1: v_reset 0.5 differs from v_leak 0") != std::string::npos);
  CHECK(err(two(lif({0.01, 0.01}, {0, 0}, {1, -1}))).find("neuron 1: v_threshold -1 is not above v_leak 0") !=
        std::string::npos);
  CHECK(err(two(t::nir_node("n", "Conv2d"))).find("node 'n' (Conv2d): this node type is not supported") != std::string::npos);
  CHECK(err(two(t::nir_node("n", "Threshold"))).find("stateless threshold") != std::string::npos);
  CHECK(err(two(t::nir_node("n", "I"))).find("node 'n' (I): evsnn has no non-spiking integrator") != std::string::npos);
  {
    nir_graph g = two(lif({0.01, 0.01}, {0, 0}));
    g.nodes.push_back(t::nir_node("d", "Delay", {{"delay", t::nir_array({0.001, 0.002})}}));
    g.edges = {{"in", "d"}, {"d", "n"}};
    CHECK(err(std::move(g)).find("node 'd' (Delay): delays differ (0.001 and 0.002)") != std::string::npos);
  }
  {
    nir_graph g = two(lif({0.01, 0.01}, {0, 0}));
    g.nodes.push_back(t::nir_node("a", "Scale", {{"scale", t::nir_array({1, 1})}}));
    g.nodes.push_back(t::nir_node("b", "Scale", {{"scale", t::nir_array({1, 1})}}));
    g.edges = {{"in", "a"}, {"a", "b"}, {"b", "a"}, {"b", "n"}};
    CHECK(err(std::move(g)).find("node 'a' (Scale): a loop through linear nodes") != std::string::npos);
  }
  {
    nir_graph g = two(lif({0.01, 0.01}, {0, 0}));
    g.nodes.push_back(t::nir_node("w", "Linear", {{"weight", t::nir_array({1, 1}, {1, 2})}}));
    g.nodes.push_back(t::nir_node("out", "Output", {{"shape", t::nir_array({1})}}));
    g.edges.push_back({"n", "w"});
    g.edges.push_back({"w", "out"});
    CHECK(err(std::move(g)).find("node 'out' (Output): reads the linear node 'w' directly") != std::string::npos);
  }
  {
    nir_graph g = two(lif({0.01, 0.01}, {0, 0}));
    g.edges.push_back({"n", "nowhere"});
    CHECK(err(std::move(g)).find("edges row 1: no node named 'nowhere'") != std::string::npos);
  }
  {
    nir_graph g = two(lif({0.01, 0.01}, {0, 0}));
    g.nodes.push_back(t::nir_node("w", "Linear", {{"weight", t::nir_array({1, 1, 1}, {1, 3})}}));
    g.edges = {{"in", "w"}, {"w", "n"}};
    CHECK(err(std::move(g)).find("node 'w' (Linear): 'weight' has 3 columns, but its input has 2 values") !=
          std::string::npos);
  }
  {
    nir_graph g = two(lif({0.01, 0.01}, {0, 0}));
    g.nodes[0].arrays["shape"] = t::nir_array({2, 0});
    CHECK(err(std::move(g)).find("node 'in' (Input): 'shape' must be a list of sizes >= 1") != std::string::npos);
  }
  {
    nir_graph g = two(lif({0.01, 0.01}, {0, 0}));
    g.edges.push_back({"n", "in"});
    CHECK(err(std::move(g)).find("node 'in' (Input): an edge leads into an Input node") != std::string::npos);
  }
  CHECK(error_of([] { import_nir(nir_graph{}, "g.nir", nir_import_options{"h", {}}); }).find("time unit 'h'") !=
        std::string::npos);
}

TEST_CASE("nir_import: a multi-dimensional Input through Flatten, flattened in C order") {
  nir_graph g;
  g.nodes.push_back(t::nir_node("in", "Input", {{"shape", t::nir_array({1, 2, 3})}}));
  g.nodes.push_back(t::nir_node("flat", "Flatten"));
  g.nodes.back().arrays["input_type"] = t::nir_array({1, 2, 3});
  std::vector<double> w(2 * 6);
  for (std::size_t k = 0; k < w.size(); ++k) w[k] = double(k);
  g.nodes.push_back(t::nir_node("fc", "Linear", {{"weight", t::nir_array(w, {2, 6})}}));
  g.nodes.push_back(t::nir_node("n", "LIF",
                                {{"tau", t::nir_array({0.01, 0.01})}, {"r", t::nir_array({0.01, 0.01})},
                                 {"v_leak", t::nir_array({0, 0})}, {"v_threshold", t::nir_array({1, 1})},
                                 {"v_reset", t::nir_array({0, 0})}}));
  g.edges = {{"in", "flat"}, {"flat", "fc"}, {"fc", "n"}};
  const json doc = import_nir(g, "g.nir", {});
  CHECK(doc["populations"][0]["size"] == 6);
  // rows pre = flattened input index k, W[post][k] r / tau = W[post][k].
  CHECK(doc["projections"][0]["weights"] == json({{0, 6}, {1, 7}, {2, 8}, {3, 9}, {4, 10}, {5, 11}}));
}

TEST_CASE("nir_import: files older than NIR 1.0.6 (no v_reset) and 1.0 (no w_in), time unit ms, --input-spikes") {
  nir_graph g;
  g.nodes.push_back(t::nir_node("in", "Input", {{"shape", t::nir_array({1})}}));
  g.nodes.push_back(t::nir_node("n", "CubaLIF",
                         {{"tau_mem", t::nir_array({20.0})}, {"tau_syn", t::nir_array({5.0})}, {"r", t::nir_array({1.0})}, {"v_leak", t::nir_array({0.0})},
                          {"v_threshold", t::nir_array({1.0})}}));
  g.edges = {{"in", "n"}};
  const json doc = import_nir(g, "g.nir", nir_import_options{"ms", {{"in", "/data/in.csv"}}});
  CHECK(doc["populations"][1]["params"]["tau_mem_ms"] == 20.0);
  CHECK(doc["populations"][1]["params"]["reset"] == "zero");
  CHECK(doc["projections"][0]["weights"]["w"] == json({1.0 / 5.0}));  // w_in 1, r / tau_syn in 1/ms
  CHECK(doc["populations"][0]["params"] == json({{"spikes_csv", "/data/in.csv"}}));
  CHECK(error_of([&] { import_nir(g, "g.nir", nir_import_options{"", {{"n", "x.csv"}}}); })
            .find("--input-spikes n: no top-level Input node named 'n'") != std::string::npos);
}
