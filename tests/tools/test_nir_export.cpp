// nir_export: evsnn networks written as NIR. Export then import rebuilds the same network — populations,
// every synapse's weight bit for bit, delays — and the same spikes; without evsnn's metadata (another
// tool's view) the NIR numbers alone give the same weights and spikes; semantics NIR cannot carry are
// refused unless --evsnn-extensions; the command line end to end.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/json_node.hpp"
#include "engine/network_loader.hpp"
#include "engine/simulator.hpp"
#include "models/builtin_models.hpp"
#include "rules/plasticity_rules.hpp"
#include "tests/support/cli_process.hpp"
#include "tests/support/error_of.hpp"
#include "tools/nir_export.hpp"
#include "tools/nir_file.hpp"
#include "tools/nir_import.hpp"

namespace fs = std::filesystem;
using namespace evsnn;
using namespace evsnn::cli;
using evsnn::test::error_of;
using nlohmann::json;

namespace {

const std::string small_net = EVSNN_SOURCE_DIR "/examples/small/net.json";

std::unique_ptr<network> build(const json& doc, const std::string& file) {
  static const model_registry models = builtin_model_registry();
  static const plasticity_registry rules = rules::builtin_plasticity_registry();
  return build_network(doc, file, network_dir(file), models, &rules);
}

// Export to a file, read it back, import: what `evsnn nir export` then `evsnn nir import` do.
json round_trip(const json& doc, const std::string& file, const nir_export_options& o, bool strip_metadata = false) {
  evsnn::test::cli_temp_dir dir;
  auto net = build(doc, file);
  write_nir(dir.path / "net.nir", export_nir(doc, file, *net, o));
  nir_graph g = read_nir((dir.path / "net.nir").string());
  if (strip_metadata) {
    g.evsnn.clear();
    for (nir_node& n : g.nodes) {
      n.evsnn.clear();
      n.metadata_arrays.clear();
    }
  }
  return import_nir(g, "net.nir", {});
}

std::vector<spike_record> spikes_of(network& net, double duration_ms) {
  simulator sim(net, 7);
  sim.record_spikes(true);
  sim.run(duration_ms);
  return sim.spikes();
}

}  // namespace

TEST_CASE("nir_export: export then import rebuilds the same network and the same spikes") {
  const json doc = parse_json_file(small_net);
  nir_export_options o;
  o.evsnn_extensions = true;  // lif_alpha's subtracting reset and the hidden layer's refractory period
  for (const std::string unit : {"s", "ms"}) {
    CAPTURE(unit);
    o.time_unit = unit;
    const json back = round_trip(doc, small_net, o);
    CHECK(back["seed"] == doc["seed"]);
    CHECK(back["duration_ms"] == doc["duration_ms"]);
    auto a = build(doc, small_net);
    auto b = build(back, small_net);  // input.csv's path was made absolute
    REQUIRE(a->population_count() == b->population_count());
    for (std::uint32_t p = 0; p < a->population_count(); ++p) {
      CHECK(a->pop(p).name() == b->pop(p).name());
      CHECK(std::string(a->pop(p).model()) == b->pop(p).model());
      CHECK(a->pop(p).size() == b->pop(p).size());
    }
    REQUIRE(a->projection_count() == b->projection_count());
    for (std::uint32_t k = 0; k < a->projection_count(); ++k) {
      const projection& x = a->proj(k);
      const projection& y = b->proj(k);
      CAPTURE(x.name());
      CHECK(x.name() == y.name());
      CHECK(x.delay_ms() == y.delay_ms());
      CHECK(x.dense() == y.dense());
      REQUIRE(x.synapse_count() == y.synapse_count());
      for (std::uint32_t s = 0; s < x.synapse_count(); ++s) {
        CHECK(x.pre_of(s) == y.pre_of(s));
        CHECK(x.post_of(s) == y.post_of(s));
        CHECK(x.weight(s) == y.weight(s));
      }
    }
    const auto sa = spikes_of(*a, 120.0), sb = spikes_of(*b, 120.0);
    REQUIRE(sa.size() == sb.size());
    CHECK(sa.size() > 40);
    for (std::size_t k = 0; k < sa.size(); ++k) {
      CHECK(sa[k].time_ms == sb[k].time_ms);
      CHECK(sa[k].neuron == sb[k].neuron);
    }
  }
}

TEST_CASE("nir_export: the NIR numbers alone (another tool's view) give the same weights and spikes") {
  // Reset to rest and no refractory period: semantics NIR holds without evsnn's metadata.
  json doc = parse_json_file(small_net);
  doc["populations"][1]["params"].erase("refractory_ms");
  doc["populations"][2]["params"]["reset"] = "zero";
  const json back = round_trip(doc, small_net, {}, true);
  CHECK(back["populations"][2]["model"] == "cuba_lif");  // lif_alpha as CubaLIF with tau_syn = tau_mem / 2
  CHECK(back["populations"][2]["params"]["tau_syn_ms"] == 5.0);
  CHECK(back["populations"][0]["params"] == json({{"external", true}}));
  json replay = back;
  replay["populations"][0]["params"] = {{"spikes_csv", EVSNN_SOURCE_DIR "/examples/small/input.csv"}};
  auto a = build(doc, small_net);
  auto b = build(replay, small_net);
  for (std::uint32_t k = 0; k < a->projection_count(); ++k) {
    // Dense in NIR: the sparse projections come back with every pair, the absent ones at 0.
    const projection& x = a->proj(k);
    const projection& y = b->proj(k);
    std::vector<double> wx(std::size_t(x.n_pre()) * x.n_post(), 0.0), wy(wx.size(), 0.0);
    for (std::uint32_t s = 0; s < x.synapse_count(); ++s) wx[std::size_t(x.pre_of(s)) * x.n_post() + x.post_of(s)] += x.weight(s);
    for (std::uint32_t s = 0; s < y.synapse_count(); ++s) wy[std::size_t(y.pre_of(s)) * y.n_post() + y.post_of(s)] += y.weight(s);
    CHECK(wx == wy);  // r w_in / tau_syn and r / tau are exactly 1
    CHECK(x.delay_ms() == y.delay_ms());
  }
  const auto sa = spikes_of(*a, 120.0), sb = spikes_of(*b, 120.0);
  REQUIRE(sa.size() == sb.size());
  for (std::size_t k = 0; k < sa.size(); ++k) {
    CHECK(std::fabs(sa[k].time_ms - sb[k].time_ms) <= 1e-9);
    CHECK(sa[k].neuron == sb[k].neuron);
  }
}

TEST_CASE("nir_export: if_delta as IF, without evsnn's metadata") {
  const json doc = json::parse(R"({"format": "evsnn-network/1", "populations": [
      {"name": "in", "model": "spike_source", "size": 2, "params": {"spikes": [[1, 0], [2, 1], [4, 0]]}},
      {"name": "n", "model": "if_delta", "size": 2, "params": {"threshold": [0.5, 2.0], "reset": "zero"}}],
    "projections": [{"pre": "in", "post": "n", "delay_ms": 0.5, "weights": [[0.3, 1.5], [0.25, 0.75]]}]})");
  json back = round_trip(doc, "if.json", {}, true);
  CHECK(back["populations"][1]["model"] == "if_delta");
  CHECK(back["populations"][1]["params"]["threshold"] == json({0.5, 2.0}));
  back["populations"][0]["params"] = doc["populations"][0]["params"];
  auto a = build(doc, "if.json");
  auto b = build(back, "if.json");
  const auto sa = spikes_of(*a, 10.0), sb = spikes_of(*b, 10.0);
  REQUIRE(sa.size() == 5);  // 3 inputs; both cross at 2.5 ms (0.3 + 0.25 >= 0.5, 1.5 + 0.75 >= 2), n0 not again
  REQUIRE(sb.size() == sa.size());
  for (std::size_t k = 0; k < sa.size(); ++k) CHECK(sa[k].time_ms == sb[k].time_ms);
}

TEST_CASE("nir_export: what NIR cannot carry is refused unless --evsnn-extensions") {
  const json doc = parse_json_file(small_net);
  auto net = build(doc, small_net);
  CHECK(error_of([&] { export_nir(doc, small_net, *net, {}); })
            .find("net.json: /populations/1/params/refractory_ms: NIR neurons have no refractory period") !=
        std::string::npos);
  json d2 = doc;
  d2["populations"][1]["params"].erase("refractory_ms");
  net = build(d2, small_net);
  CHECK(error_of([&] { export_nir(d2, small_net, *net, {}); })
            .find("/populations/2/params/reset: 'subtract' (the default) has no NIR equivalent") != std::string::npos);
  json d3 = d2;
  d3["populations"][2]["params"]["reset"] = "zero";
  d3["projections"][2]["graded"] = true;
  net = build(d3, small_net);
  CHECK(error_of([&] { export_nir(d3, small_net, *net, {}); })
            .find("/projections/2/graded: NIR edges carry no spike grades") != std::string::npos);
  json tick = json::parse(R"({"format": "evsnn-network/1", "populations": [
      {"name": "t", "model": "lif_tick", "size": 2, "params": {}}]})");
  net = build(tick, "tick.json");
  CHECK(error_of([&] { export_nir(tick, "tick.json", *net, {}); })
            .find("tick.json: /populations/0/model: 'lif_tick' has no NIR node") != std::string::npos);
  json clash = d2;
  clash["populations"][3]["name"] = "input->hidden";
  clash["projections"][3]["post"] = "input->hidden";
  net = build(clash, small_net);
  nir_export_options o;
  o.evsnn_extensions = true;
  CHECK(error_of([&] { export_nir(clash, small_net, *net, o); }).find("two NIR nodes would be named 'input->hidden'") !=
        std::string::npos);
}

TEST_CASE("nir_export: evsnn nir export / import / run from the command line") {
  evsnn::test::cli_temp_dir dir;
  const std::string nir = (dir.path / "small.nir").string(), back = (dir.path / "back.json").string();
  auto r = run_cli(dir, "nir --help");
  CHECK(r.status == 0);
  CHECK(r.out.find("import") != std::string::npos);
  r = run_cli(dir, "nir export " + evsnn::test::shell_quote(small_net) + " --out " + nir);
  CHECK(r.status == 2);
  CHECK(r.err.find("refractory_ms") != std::string::npos);
  CHECK(!fs::exists(nir));
  r = run_cli(dir, "nir export " + evsnn::test::shell_quote(small_net) + " --out " + nir + " --evsnn-extensions");
  REQUIRE(r.status == 0);
  r = run_cli(dir, "nir import " + nir + " --out " + back);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("4 populations, 4 projections") != std::string::npos);
  REQUIRE(run_cli(dir, "run " + evsnn::test::shell_quote(small_net) + " --out " + (dir.path / "a").string()).status == 0);
  REQUIRE(run_cli(dir, "run " + back + " --out " + (dir.path / "b").string()).status == 0);
  const std::string sa = evsnn::test::read_text(dir.path / "a" / "spikes.csv");
  CHECK(sa.size() > 100);
  CHECK(sa == evsnn::test::read_text(dir.path / "b" / "spikes.csv"));
  r = run_cli(dir, "nir import " + evsnn::test::shell_quote(small_net) + " --out " + back);
  CHECK(r.status == 2);
  CHECK(r.err.find("not an HDF5 file") != std::string::npos);
  r = run_cli(dir, "nir export " + evsnn::test::shell_quote(small_net) + " --out " + nir + " --time-unit min");
  CHECK(r.status == 2);
  CHECK(r.err.find("time unit 'min'") != std::string::npos);
  // --out a symbolic link (as /dev/stdout is one): the file it names gets the graph, the link stays a link.
  const fs::path target = dir.write("target.nir", ""), link = dir.path / "link.nir";
  fs::create_symlink(target, link);
  r = run_cli(dir, "nir export " + evsnn::test::shell_quote(small_net) + " --out " + link.string() +
                       " --evsnn-extensions");
  REQUIRE(r.status == 0);
  CHECK(fs::is_symlink(fs::symlink_status(link)));
  r = run_cli(dir, "nir import " + target.string() + " --out " + back);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("4 populations, 4 projections") != std::string::npos);
}
