// network_loader: every class of bad input is an input_error whose message is one line naming the
// file and the JSON path (or the CSV file and line); every weights form builds the expected synapses.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "engine/memory_budget.hpp"
#include "engine/network_loader.hpp"
#include "tests/support/error_of.hpp"
#include "tests/support/hdf5_file.hpp"
#include "tests/support/npy_bytes.hpp"
#include "models/builtin_models.hpp"
#include "models/spike_source.hpp"

using namespace evsnn;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// A fresh folder under the system temp folder, removed on destruction.
struct temp_dir {
  fs::path path;
  temp_dir() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    path = fs::temp_directory_path() /
           ("evsnn_loader_test_" + std::to_string(rd()) + "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  fs::path write(const std::string& name, const std::string& text) const {
    const fs::path p = path / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
};

json J(const char* text) { return json::parse(text); }

const model_registry& models() {
  static const model_registry r = builtin_model_registry();
  return r;
}

// A valid network: "in" (spike_source, 2) -> "out" (lif_alpha, 3), dense weights.
json base() {
  return json::parse(R"({
    "format": "evsnn-network/1", "seed": 1, "duration_ms": 10,
    "populations": [
      {"name": "in", "model": "spike_source", "size": 2, "params": {"spikes": [[1, 0], [2, 1]]}},
      {"name": "out", "model": "lif_alpha", "size": 3, "params": {"tau_mem_ms": 10}}
    ],
    "projections": [
      {"pre": "in", "post": "out", "weights": [[1, 2, 3], [4, 5, 6]]}
    ]
  })");
}

// Loads `text` from <dir>/net.json (plus `extra` files) and returns the error message, checking
// that it is an input_error, one line, naming the file, and containing `expected`.
std::string error_text(const std::string& text, const std::string& expected,
                       const std::vector<std::pair<std::string, std::string>>& extra = {},
                       const std::string& file_named = "net.json") {
  temp_dir d;
  const fs::path net = d.write("net.json", text);
  for (const auto& [name, content] : extra) d.write(name, content);
  std::string msg;
  try {
    load_network(net.string(), models());
  } catch (const input_error& e) {
    msg = e.what();
  } catch (const std::exception& e) {
    FAIL_CHECK("not an input_error: " << e.what());
    return {};
  }
  if (msg.empty()) {
    // Not FAIL: that would abort the test case and skip its remaining subcases.
    FAIL_CHECK("no error for: " << text);
    return {};
  }
  INFO("message: " << msg);
  INFO("input: " << text);
  CHECK(msg.find('\n') == std::string::npos);
  CHECK(msg.find('\r') == std::string::npos);
  CHECK(msg.find((d.path / file_named).string()) == 0);  // starts with the file that is wrong
  CHECK(msg.find(expected) != std::string::npos);
  return msg;
}

std::string error_of(const json& doc, const std::string& expected,
                     const std::vector<std::pair<std::string, std::string>>& extra = {},
                     const std::string& file_named = "net.json") {
  return error_text(doc.dump(), expected, extra, file_named);
}

std::unique_ptr<network> load_doc(const temp_dir& d, const json& doc, const std::string& name = "net.json") {
  const fs::path p = d.write(name, doc.dump());
  return load_network(p.string(), models());
}

// (post, weight) of every synapse, in synapse-id order, with its pre.
std::vector<synapse_triplet> synapses_of(projection& p) {
  std::vector<synapse_triplet> out;
  for (std::uint32_t i = 0; i < p.n_pre(); ++i) {
    const auto r = p.row(i);
    for (std::size_t k = 0; k < r.post.size(); ++k) out.push_back({i, r.post[k], r.weights[k]});
  }
  return out;
}

json random_net(json weights, std::uint32_t n_pre, std::uint32_t n_post, bool recurrent = false) {
  json doc = base();
  doc["populations"][0]["size"] = n_pre;
  doc["populations"][0]["params"] = {{"rate_hz", 1.0}};
  doc["populations"][1]["size"] = n_post;
  doc["projections"][0]["weights"] = std::move(weights);
  if (recurrent) {
    doc["projections"][0]["pre"] = "out";
    doc["projections"][0]["post"] = "out";
  }
  return doc;
}

}  // namespace

TEST_CASE("loader: the base network is valid") {
  temp_dir d;
  auto net = load_doc(d, base());
  REQUIRE(net->population_count() == 2);
  REQUIRE(net->projection_count() == 1);
  CHECK(net->seed == 1);
  CHECK(net->duration_ms == 10.0);
  CHECK(net->pop(0).model() == std::string("spike_source"));
  CHECK(net->pop(1).model() == std::string("lif_alpha"));
  CHECK(net->pop(1).size() == 3);
}

TEST_CASE("loader: malformed JSON names the byte offset") {
  // `{"format": ]`: the ']' is byte 12.
  const std::string msg = error_text(R"({"format": ])", "net.json: byte 12: ");
  CHECK(msg.find("parse error") != std::string::npos);
  error_text("", "net.json: byte ");
  error_text(base().dump() + "x", "net.json: byte ");
  // A raw newline inside a string: nlohmann quotes the text it read; the message stays one line.
  error_text("{\"format\": \"evsnn-network/1\n\"}", "net.json: byte 28: ");
  // A missing file is an input_error too.
  CHECK_THROWS_AS(load_network("/nonexistent/evsnn/net.json", models()), input_error);
}

TEST_CASE("loader: missing or wrong format") {
  json doc = base();
  SUBCASE("missing") {
    doc.erase("format");
    error_of(doc, "net.json: /: missing required key 'format'");
  }
  SUBCASE("other version") {
    doc["format"] = "evsnn-network/2";
    error_of(doc, "net.json: /format: unsupported format 'evsnn-network/2', expected 'evsnn-network/1'");
  }
  SUBCASE("not a string") {
    doc["format"] = 1;
    error_of(doc, "net.json: /format: expected a string, got a number");
  }
  SUBCASE("document is not an object") { error_text("[1, 2]", "net.json: /: expected an object, got an array"); }
}

TEST_CASE("loader: unknown top-level key") {
  json doc = base();
  doc["projection"] = json::array();
  error_of(doc, "net.json: /: unknown key 'projection'");
}

TEST_CASE("loader: unknown population key") {
  json doc = base();
  doc["populations"][1]["colour"] = "red";
  error_of(doc, "net.json: /populations/1: unknown key 'colour'");
}

TEST_CASE("loader: unknown projection key") {
  json doc = base();
  doc["projections"][0]["delay"] = 1.0;
  error_of(doc, "net.json: /projections/0: unknown key 'delay'");
}

TEST_CASE("loader: unknown params key, per model") {
  json doc = base();
  json& pop = doc["populations"][1];
  SUBCASE("lif_alpha") {
    pop["params"] = {{"tau_mem_ms", 10}, {"tau_m", 10}};
    error_of(doc, "net.json: /populations/1/params: unknown key 'tau_m'");
  }
  SUBCASE("cuba_lif") {
    pop["model"] = "cuba_lif";
    pop["params"] = {{"tau_mem_ms", 10}, {"tau_syn_ms", 2}, {"threshhold", 1}};
    error_of(doc, "net.json: /populations/1/params: unknown key 'threshhold'");
  }
  SUBCASE("lif_delta") {
    pop["model"] = "lif_delta";
    pop["params"] = {{"tau_mem_ms", 10}, {"tau_syn_ms", 2}};
    error_of(doc, "net.json: /populations/1/params: unknown key 'tau_syn_ms'");
  }
  SUBCASE("li") {
    pop["model"] = "li";
    pop["params"] = {{"tau_mem_ms", 10}, {"threshold", 1}};  // li never spikes: no threshold
    error_of(doc, "net.json: /populations/1/params: unknown key 'threshold'");
  }
  SUBCASE("spike_source") {
    doc["populations"][0]["params"]["rate"] = 5;
    error_of(doc, "net.json: /populations/0/params: unknown key 'rate'");
  }
}

TEST_CASE("loader: wrong types") {
  json doc = base();
  SUBCASE("string for number: size") {
    doc["populations"][1]["size"] = "3";
    error_of(doc, "net.json: /populations/1/size: expected an integer, got a string");
  }
  SUBCASE("string for number: tau_mem_ms") {
    doc["populations"][1]["params"]["tau_mem_ms"] = "10";
    error_of(doc, "net.json: /populations/1/params/tau_mem_ms: expected a number, got a string");
  }
  SUBCASE("string for number: seed") {
    doc["seed"] = "1";
    error_of(doc, "net.json: /seed: expected an integer, got a string");
  }
  SUBCASE("fractional size") {
    doc["populations"][1]["size"] = 2.5;
    error_of(doc, "net.json: /populations/1/size: expected an integer, got 2.5");
  }
  SUBCASE("number for string: name") {
    doc["populations"][0]["name"] = 5;
    error_of(doc, "net.json: /populations/0/name: expected a string, got a number");
  }
  SUBCASE("number for string: model") {
    doc["populations"][1]["model"] = 1;
    error_of(doc, "net.json: /populations/1/model: expected a string, got a number");
  }
  SUBCASE("number for string: pre") {
    doc["projections"][0]["pre"] = 0;
    error_of(doc, "net.json: /projections/0/pre: expected a string, got a number");
  }
  SUBCASE("object for array: populations") {
    doc["populations"] = json::object();
    error_of(doc, "net.json: /populations: expected an array, got an object");
  }
  SUBCASE("object for array: projections") {
    doc["projections"] = {{"pre", "in"}};
    error_of(doc, "net.json: /projections: expected an array, got an object");
  }
  SUBCASE("object for array: a weight row") {
    doc["projections"][0]["weights"][1] = json::object();
    error_of(doc, "net.json: /projections/0/weights/1: expected a row");
  }
  SUBCASE("array for object: params") {
    doc["populations"][1]["params"] = json::array();
    error_of(doc, "net.json: /populations/1/params: expected an object, got an array");
  }
  SUBCASE("array for object: a population") {
    doc["populations"][1] = json::array();
    error_of(doc, "net.json: /populations/1: expected an object, got an array");
  }
  SUBCASE("number for bool: graded") {
    doc["projections"][0]["graded"] = 1;
    error_of(doc, "net.json: /projections/0/graded: expected true or false, got a number");
  }
  SUBCASE("weights of an unknown shape") {
    doc["projections"][0]["weights"] = {{"value", 1}};
    error_of(doc, "net.json: /projections/0/weights: expected dense rows");
  }
}

TEST_CASE("loader: size 0 and empty population list") {
  json doc = base();
  SUBCASE("size 0") {
    doc["populations"][1]["size"] = 0;
    error_of(doc, "net.json: /populations/1/size: must be in [1, 2^30], got 0");
  }
  SUBCASE("negative size") {
    doc["populations"][1]["size"] = -3;
    error_of(doc, "net.json: /populations/1/size: must be >= 0, got -3");
  }
  SUBCASE("no populations") {
    doc["populations"] = json::array();
    doc.erase("projections");
    error_of(doc, "net.json: /populations: a network needs at least one population");
  }
}

TEST_CASE("loader: duplicate population names") {
  json doc = base();
  doc["populations"][1]["name"] = "in";
  error_of(doc, "net.json: /populations/1/name: duplicate population name 'in'");
}

TEST_CASE("loader: unknown model lists the known ones") {
  json doc = base();
  doc["populations"][1]["model"] = "izhikevich";
  const std::string msg = error_of(doc, "net.json: /populations/1/model: unknown model 'izhikevich'");
  for (const char* m : {"lif_alpha", "cuba_lif", "lif_delta", "li", "spike_source"}) {
    INFO(m);
    CHECK(msg.find(m) != std::string::npos);
  }
}

TEST_CASE("loader: unknown pre/post population") {
  json doc = base();
  SUBCASE("pre") {
    doc["projections"][0]["pre"] = "inp";
    error_of(doc, "net.json: /projections/0/pre: unknown population 'inp'");
  }
  SUBCASE("post") {
    doc["projections"][0]["post"] = "outt";
    error_of(doc, "net.json: /projections/0/post: unknown population 'outt'");
  }
  SUBCASE("second projection") {
    doc["projections"].push_back({{"pre", "out"}, {"post", "hidden"}, {"weights", {{"init", "constant"}, {"value", 1}}}});
    error_of(doc, "net.json: /projections/1/post: unknown population 'hidden'");
  }
}

TEST_CASE("loader: projection into a spike_source") {
  json doc = base();
  doc["projections"][0]["pre"] = "out";
  doc["projections"][0]["post"] = "in";
  error_of(doc, "net.json: /projections/0/post: population 'in' (spike_source) cannot receive synapses");
}

TEST_CASE("loader: dense weights: row count, row length, non-numbers") {
  json doc = base();
  SUBCASE("too few rows") {
    doc["projections"][0]["weights"] = J("[[1, 2, 3]]");
    error_of(doc, "net.json: /projections/0/weights: 1 rows, expected 2");
  }
  SUBCASE("too many rows, second projection") {
    doc["projections"].push_back({{"pre", "in"}, {"post", "out"}, {"weights", J("[[1, 2, 3], [1, 2, 3], [1, 2, 3]]")}});
    error_of(doc, "net.json: /projections/1/weights: 3 rows, expected 2");
  }
  SUBCASE("short row") {
    doc["projections"][0]["weights"][1] = J("[4, 5]");
    error_of(doc, "net.json: /projections/0/weights/1: 2 weights, expected 3");
  }
  SUBCASE("long row") {
    doc["projections"][0]["weights"][0] = J("[1, 2, 3, 4]");
    error_of(doc, "net.json: /projections/0/weights/0: 4 weights, expected 3");
  }
  SUBCASE("weight is a string") {
    doc["projections"][0]["weights"][1][2] = "6";
    error_of(doc, "net.json: /projections/0/weights/1/2: expected a number, got a string");
  }
  SUBCASE("weight is null") {
    doc["projections"][0]["weights"][0][0] = nullptr;
    error_of(doc, "net.json: /projections/0/weights/0/0: expected a number, got null");
  }
  SUBCASE("weight beyond the limit") {
    doc["projections"][0]["weights"][0][1] = 1e39;
    error_of(doc, "net.json: /projections/0/weights/0/1: weight 1e+39 is beyond the limit of +-3e38");
  }
}

TEST_CASE("loader: weights CSV errors name the CSV file and line") {
  json doc = base();
  doc["projections"][0]["weights"] = {{"csv", "w.csv"}};
  SUBCASE("missing file") {
    const std::string msg = error_of(doc, "net.json: /projections/0/weights/csv: cannot open weights file ");
    CHECK(msg.find("w.csv") != std::string::npos);
  }
  SUBCASE("too few rows") { error_of(doc, "w.csv: 1 rows, expected 2", {{"w.csv", "1,2,3\n"}}, "w.csv"); }
  SUBCASE("too many rows") {
    error_of(doc, "w.csv: line 4: more than 2 rows", {{"w.csv", "1,2,3\n# comment\n4,5,6\n7,8,9\n"}}, "w.csv");
  }
  SUBCASE("too few values") {
    error_of(doc, "w.csv: line 2: 2 values, expected 3", {{"w.csv", "1,2,3\n4,5\n"}}, "w.csv");
  }
  SUBCASE("too many values") {
    error_of(doc, "w.csv: line 1: column 4: more than 3 values", {{"w.csv", "1,2,3,4\n4,5,6\n"}}, "w.csv");
  }
  SUBCASE("non-number") {
    error_of(doc, "w.csv: line 2: column 2: weight \"x\" is not a finite number", {{"w.csv", "1,2,3\n4,x,6\n"}}, "w.csv");
  }
  SUBCASE("nan") {
    error_of(doc, "w.csv: line 1: column 3: weight \"nan\" is not a finite number", {{"w.csv", "1,2,nan\n4,5,6\n"}}, "w.csv");
  }
  SUBCASE("junk after a value") {
    error_of(doc, "w.csv: line 1: column 2: weight \"2 3\" is not a finite number", {{"w.csv", "1,2 3,3\n4,5,6\n"}}, "w.csv");
  }
  SUBCASE("weight beyond the limit") {
    error_of(doc, "w.csv: line 2: column 1: weight 1e+39 is out of range [-3e+38, 3e+38]", {{"w.csv", "1,2,3\n1e39,5,6\n"}},
             "w.csv");
  }
  SUBCASE("sizes the network claims do not size the reading") {
    // 2^16 x 2^16 weights would be 48 GiB; the short file is an error, not an allocation failure.
    doc["populations"][0]["size"] = 65536;
    doc["populations"][0]["params"] = {{"external", true}};
    doc["populations"][1]["size"] = 65536;
    error_of(doc, "w.csv: line 1: 2 values, expected 65536", {{"w.csv", "1,2\n"}}, "w.csv");
  }
  SUBCASE("csv is not a string") {
    doc["projections"][0]["weights"]["csv"] = 3;
    error_of(doc, "net.json: /projections/0/weights/csv: expected a string, got a number");
  }
  SUBCASE("extra key next to csv") {
    doc["projections"][0]["weights"]["scale"] = 2;
    error_of(doc, "net.json: /projections/0/weights: unknown key 'scale'", {{"w.csv", "1,2,3\n4,5,6\n"}});
  }
}

TEST_CASE("loader: sparse lists") {
  json doc = base();
  SUBCASE("post shorter than pre") {
    doc["projections"][0]["weights"] = J(R"({"pre": [0, 1], "post": [2], "w": [1.0, 2.0]})");
    error_of(doc, "net.json: /projections/0/weights/post: 1 entries, expected 2");
  }
  SUBCASE("w longer than pre") {
    doc["projections"][0]["weights"] = J(R"({"pre": [0, 1], "post": [2, 0], "w": [1.0, 2.0, 3.0]})");
    error_of(doc, "net.json: /projections/0/weights/w: 3 entries, expected 2");
  }
  SUBCASE("pre index out of range") {
    doc["projections"][0]["weights"] = J(R"({"pre": [0, 2], "post": [2, 0], "w": [1.0, 2.0]})");
    error_of(doc, "net.json: /projections/0/weights/pre/1: index 2 out of range (presynaptic size 2)");
  }
  SUBCASE("post index out of range") {
    doc["projections"][0]["weights"] = J(R"({"pre": [0, 1], "post": [3, 0], "w": [1.0, 2.0]})");
    error_of(doc, "net.json: /projections/0/weights/post/0: index 3 out of range (postsynaptic size 3)");
  }
  SUBCASE("negative index") {
    doc["projections"][0]["weights"] = J(R"({"pre": [0, -1], "post": [1, 0], "w": [1.0, 2.0]})");
    error_of(doc, "net.json: /projections/0/weights/pre/1: must be >= 0, got -1");
  }
  SUBCASE("missing w") {
    doc["projections"][0]["weights"] = J(R"({"pre": [0], "post": [1]})");
    error_of(doc, "net.json: /projections/0/weights: missing required key 'w'");
  }
  SUBCASE("weight not a number") {
    doc["projections"][0]["weights"] = J(R"({"pre": [0], "post": [1], "w": ["1"]})");
    error_of(doc, "net.json: /projections/0/weights/w/0: expected a number, got a string");
  }
}

TEST_CASE("loader: random init errors") {
  json doc = base();
  json& w = doc["projections"][0]["weights"];
  SUBCASE("unknown init kind") {
    w = {{"init", "gaussian"}, {"std", 1}};
    const std::string msg = error_of(doc, "net.json: /projections/0/weights/init: 'gaussian' is not one of: ");
    CHECK(msg.find("normal") != std::string::npos);
    CHECK(msg.find("uniform") != std::string::npos);
    CHECK(msg.find("constant") != std::string::npos);
  }
  SUBCASE("negative std") {
    w = {{"init", "normal"}, {"mean", 0}, {"std", -1}};
    error_of(doc, "net.json: /projections/0/weights/std: must be >= 0, got -1");
  }
  SUBCASE("high < low") {
    w = {{"init", "uniform"}, {"low", 2}, {"high", 1}};
    error_of(doc, "net.json: /projections/0/weights/high: must be >= low (2), got 1");
  }
  SUBCASE("p_connect 0") {
    w = {{"init", "constant"}, {"value", 1}, {"p_connect", 0}};
    error_of(doc, "net.json: /projections/0/weights/p_connect: must be in (0, 1], got 0");
  }
  SUBCASE("p_connect > 1") {
    w = {{"init", "constant"}, {"value", 1}, {"p_connect", 1.5}};
    error_of(doc, "net.json: /projections/0/weights/p_connect: must be in (0, 1], got 1.5");
  }
  SUBCASE("key of another kind") {
    w = {{"init", "uniform"}, {"low", 0}, {"high", 1}, {"std", 1}};
    error_of(doc, "net.json: /projections/0/weights: unknown key 'std'");
  }
  SUBCASE("missing value") {
    w = {{"init", "constant"}};
    error_of(doc, "net.json: /projections/0/weights: missing required key 'value'");
  }
  SUBCASE("values beyond the weight limit") {
    w = {{"init", "constant"}, {"value", 1e39}};
    error_of(doc, "net.json: /projections/0/weights/value: weight 1e+39 is beyond +-3e38");
    w = {{"init", "uniform"}, {"low", -1e300}, {"high", 1}};
    error_of(doc, "net.json: /projections/0/weights: uniform weights in [-1e+300, 1] reach beyond +-3e38");
    w = {{"init", "normal"}, {"mean", 0}, {"std", 1e37}};
    error_of(doc, "net.json: /projections/0/weights: normal weights with mean 0 and std 1e+37 reach beyond +-3e38");
    w = {{"init", "normal"}, {"mean", 0}, {"std", 1e36}};  // 40 std: 4e37 still fits
    CHECK_NOTHROW(build_network(doc, "net.json", ".", models()));
  }
  SUBCASE("self_connections not a bool") {
    w = {{"init", "constant"}, {"value", 1}, {"self_connections", "no"}};
    error_of(doc, "net.json: /projections/0/weights/self_connections: expected true or false, got a string");
  }
}

TEST_CASE("loader: negative delay") {
  json doc = base();
  doc["projections"][0]["delay_ms"] = -1;
  error_of(doc, "net.json: /projections/0/delay_ms: must be >= 0, got -1");
}

TEST_CASE("loader: model parameter constraints") {
  json doc = base();
  json& params = doc["populations"][1]["params"];
  SUBCASE("lif_alpha tau_syn_ms != tau_mem_ms / 2") {
    params["tau_syn_ms"] = 4;
    error_of(doc, "net.json: /populations/1/params/tau_syn_ms: lif_alpha needs tau_mem_ms = 2 tau_syn_ms");
  }
  SUBCASE("lif_alpha tau_syn_ms == tau_mem_ms / 2 is accepted") {
    params["tau_syn_ms"] = 5;
    temp_dir d;
    CHECK_NOTHROW(load_doc(d, doc));
  }
  SUBCASE("lif_alpha missing tau_mem_ms") {
    params = json::object();
    error_of(doc, "net.json: /populations/1/params: missing required key 'tau_mem_ms'");
  }
  SUBCASE("lif_alpha tau_mem_ms 0") {
    params["tau_mem_ms"] = 0;
    error_of(doc, "net.json: /populations/1/params/tau_mem_ms: must be > 0, got 0");
  }
  SUBCASE("cuba_lif and li tau_syn == tau_mem are accepted (the limit kernel)") {
    doc["populations"][1]["model"] = "cuba_lif";
    params = {{"tau_mem_ms", 10}, {"tau_syn_ms", 10}};
    temp_dir d;
    CHECK_NOTHROW(load_doc(d, doc));
    doc["populations"][1]["model"] = "li";
    CHECK_NOTHROW(load_doc(d, doc));
  }
  SUBCASE("threshold array of wrong size") {
    params["threshold"] = J("[1, 2]");
    error_of(doc, "net.json: /populations/1/params/threshold: 2 thresholds, expected 3");
  }
  SUBCASE("threshold 0") {
    params["threshold"] = 0;
    error_of(doc, "net.json: /populations/1/params/threshold: must be > 0, got 0");
  }
  SUBCASE("threshold array element negative") {
    params["threshold"] = J("[1, -0.5, 2]");
    error_of(doc, "net.json: /populations/1/params/threshold/1: must be > 0, got -0.5");
  }
  SUBCASE("threshold per model: cuba_lif") {
    doc["populations"][1]["model"] = "cuba_lif";
    params = {{"tau_mem_ms", 10}, {"tau_syn_ms", 3}, {"threshold", -1}};
    error_of(doc, "net.json: /populations/1/params/threshold: must be > 0, got -1");
  }
  SUBCASE("threshold per model: lif_delta") {
    doc["populations"][1]["model"] = "lif_delta";
    params = J(R"({"tau_mem_ms": 10, "threshold": [1, 1, 1, 1]})");
    error_of(doc, "net.json: /populations/1/params/threshold: 4 thresholds, expected 3");
  }
  SUBCASE("bad reset") {
    params["reset"] = "none";
    error_of(doc, "net.json: /populations/1/params/reset: 'none' is not one of: subtract, zero");
  }
  SUBCASE("negative refractory") {
    params["refractory_ms"] = -2;
    error_of(doc, "net.json: /populations/1/params/refractory_ms: must be >= 0, got -2");
  }
  SUBCASE("max_spikes: a positive integer, for lif_alpha and cuba_lif only") {
    params["max_spikes"] = 0;
    error_of(doc, "net.json: /populations/1/params/max_spikes: max_spikes must be a positive integer below 2^32 (got 0)");
    params["max_spikes"] = 2.5;
    error_of(doc, "net.json: /populations/1/params/max_spikes: expected an integer");
    params["max_spikes"] = 30;
    temp_dir d;
    CHECK_NOTHROW(load_doc(d, doc));
    doc["populations"][1]["model"] = "cuba_lif";
    params = {{"tau_mem_ms", 10}, {"tau_syn_ms", 3}, {"max_spikes", 5}};
    CHECK_NOTHROW(load_doc(d, doc));
    doc["populations"][1]["model"] = "lif_delta";
    params = {{"tau_mem_ms", 10}, {"max_spikes", 5}};
    error_of(doc, "net.json: /populations/1/params: unknown key 'max_spikes'");
  }
  SUBCASE("negative duration") {
    doc["duration_ms"] = -5;
    error_of(doc, "net.json: /duration_ms: must be > 0, got -5");
  }
}

TEST_CASE("loader: spike_source needs exactly one mode") {
  json doc = base();
  json& params = doc["populations"][0]["params"];
  SUBCASE("zero modes") {
    params = json::object();
    error_of(doc, "net.json: /populations/0/params: spike_source needs exactly one of");
  }
  SUBCASE("no params at all") {
    doc["populations"][0].erase("params");
    error_of(doc, "net.json: /populations/0/params: spike_source needs exactly one of");
  }
  SUBCASE("two modes") {
    params["rate_hz"] = 10;
    error_of(doc, "net.json: /populations/0/params: spike_source needs exactly one of");
  }
  SUBCASE("external false") {
    params = {{"external", false}};
    error_of(doc, "net.json: /populations/0/params/external: 'external' must be true");
  }
  SUBCASE("negative rate") {
    params = {{"rate_hz", -1}};
    error_of(doc, "net.json: /populations/0/params/rate_hz: must be >= 0, got -1");
  }
}

TEST_CASE("loader: spikes CSV with bad lines names the CSV file and line") {
  json doc = base();
  doc["populations"][0]["params"] = {{"spikes_csv", "s.csv"}};
  SUBCASE("negative time") {
    error_of(doc, "s.csv: line 3: column 1: negative time -1", {{"s.csv", "time_ms,channel\n1,0\n-1,1\n"}}, "s.csv");
  }
  SUBCASE("channel out of range") {
    error_of(doc, "s.csv: line 2: column 2: channel 2 out of range (population size 2)", {{"s.csv", "0.5,1\n1,2\n"}}, "s.csv");
  }
  SUBCASE("non-number time") {
    error_of(doc, "s.csv: line 2: column 1: time \"abc\" is not a finite number", {{"s.csv", "time_ms,channel\nabc,1\n"}}, "s.csv");
  }
  SUBCASE("non-number channel") {
    error_of(doc, "s.csv: line 1: column 2: channel \"x\" is not a finite number", {{"s.csv", "1,x\n"}}, "s.csv");
  }
  SUBCASE("fractional channel") {
    error_of(doc, "s.csv: line 1: column 2: channel \"1.5\" is not a non-negative integer", {{"s.csv", "1,1.5\n"}}, "s.csv");
  }
  SUBCASE("too many columns") {
    error_of(doc, "s.csv: line 1: 4 columns", {{"s.csv", "1,1,1,1\n"}}, "s.csv");
  }
  SUBCASE("missing file") {
    error_of(doc, "s.csv: cannot open file", {}, "s.csv");
  }
}

TEST_CASE("loader: inline spikes malformed") {
  json doc = base();
  json& spikes = doc["populations"][0]["params"]["spikes"];
  SUBCASE("not an array") {
    spikes = 5;
    error_of(doc, "net.json: /populations/0/params/spikes: expected an array, got a number");
  }
  SUBCASE("event with one element") {
    spikes = J("[[1.0, 0], [1.0]]");
    error_of(doc, "net.json: /populations/0/params/spikes/1: expected [time_ms, channel] or [time_ms, channel, grade]");
  }
  SUBCASE("event is a number") {
    spikes = J("[1.0, 0]");
    error_of(doc, "net.json: /populations/0/params/spikes/0: expected [time_ms, channel]");
  }
  SUBCASE("negative time") {
    spikes = J("[[-1.0, 0]]");
    error_of(doc, "net.json: /populations/0/params/spikes/0/0: must be >= 0, got -1");
  }
  SUBCASE("channel out of range") {
    spikes = J("[[1.0, 0], [2.0, 7]]");
    error_of(doc, "net.json: /populations/0/params/spikes/1/1: channel 7 out of range (population size 2)");
  }
  SUBCASE("time not a number") {
    spikes = J(R"([["1", 0]])");
    error_of(doc, "net.json: /populations/0/params/spikes/0/0: expected a number, got a string");
  }
  SUBCASE("grade not a number") {
    spikes = J(R"([[1.0, 0, "big"]])");
    error_of(doc, "net.json: /populations/0/params/spikes/0/2: expected a number, got a string");
  }
}

// A grade that does not fit a float (1e39) would become +inf and turn a graded target's state
// into inf/NaN: it is rejected like weights are.
TEST_CASE("loader: spike grades must fit a float") {
  json doc = base();
  SUBCASE("inline") {
    doc["populations"][0]["params"]["spikes"] = J("[[1.0, 0, 1e39]]");
    error_of(doc, "net.json: /populations/0/params/spikes/0/2: ");
  }
  SUBCASE("csv") {
    doc["populations"][0]["params"] = {{"spikes_csv", "s.csv"}};
    error_of(doc, "s.csv: line 1: ", {{"s.csv", "1,0,1e39\n"}}, "s.csv");
  }
}

// ---- positive tests -------------------------------------------------------------------------------

TEST_CASE("loader: dense weights build a dense CSR in row order") {
  temp_dir d;
  json doc = base();
  doc["projections"][0]["weights"] = J("[[0.5, -1.25, 3], [4, 0.1, 6]]");
  auto net = load_doc(d, doc);
  projection& p = net->proj(0);
  CHECK(p.name() == "in->out");
  CHECK(p.pre_population() == 0);
  CHECK(p.post_population() == 1);
  CHECK(p.n_pre() == 2);
  CHECK(p.n_post() == 3);
  CHECK(p.dense());
  CHECK(p.delay_ms() == 0.0);
  CHECK_FALSE(p.graded());
  const std::vector<double> expected{0.5, -1.25, 3.0, 4.0, 0.1, 6.0};  // exactly as written
  REQUIRE(p.synapse_count() == 6);
  const auto s = synapses_of(p);
  for (std::size_t k = 0; k < 6; ++k) {
    CHECK(s[k].pre == k / 3);
    CHECK(s[k].post == k % 3);
    CHECK(s[k].weight == expected[k]);
  }
  CHECK(net->synapse_count() == 6);
}

TEST_CASE("loader: CSV weights, relative path resolves against the JSON file's folder") {
  temp_dir d;
  d.write("sub/w.csv", "# weights\n0.5, -1.25 ,3\n\n4,0.1,6\r\n");
  d.write("sub/s.csv", "time_ms,channel\n1.5,1\n0.25,0\n");
  json doc = base();
  doc["populations"][0]["params"] = {{"spikes_csv", "s.csv"}};
  doc["projections"][0]["weights"] = {{"csv", "w.csv"}};
  auto check_net = [](network& net) {
    projection& p = net.proj(0);
    REQUIRE(p.synapse_count() == 6);
    CHECK(p.dense());
    const std::vector<double> expected{0.5, -1.25, 3.0, 4.0, 0.1, 6.0};  // exactly as written
    for (std::size_t k = 0; k < 6; ++k) CHECK(p.weights()[k] == expected[k]);
    auto& src = dynamic_cast<spike_source&>(net.pop(0));
    REQUIRE(src.events().size() == 2);
    CHECK(src.events()[0].time_ms == 0.25);
    CHECK(src.events()[0].channel == 0);
    CHECK(src.events()[1].time_ms == 1.5);
    CHECK(src.events()[1].channel == 1);
  };
  SUBCASE("absolute JSON path") {
    auto net = load_doc(d, doc, "sub/net.json");
    check_net(*net);
  }
  SUBCASE("relative JSON path, from another working folder") {
    d.write("sub/net.json", doc.dump());
    const fs::path old = fs::current_path();
    fs::current_path(d.path);
    struct restore {
      fs::path p;
      ~restore() { fs::current_path(p); }
    } guard{old};
    auto net = load_network("sub/net.json", models());
    check_net(*net);
    // And from inside the folder, a bare file name (empty parent path).
    fs::current_path(d.path / "sub");
    auto net2 = load_network("net.json", models());
    check_net(*net2);
  }
  SUBCASE("absolute CSV path") {
    doc["projections"][0]["weights"]["csv"] = (d.path / "sub" / "w.csv").string();
    doc["populations"][0]["params"]["spikes_csv"] = (d.path / "sub" / "s.csv").string();
    auto net = load_doc(d, doc, "other/net.json");
    check_net(*net);
  }
  SUBCASE("not resolved against the working folder") {
    // The JSON lives in a folder without w.csv; the working folder has one.
    d.write("w.csv", "1,2,3\n4,5,6\n");
    d.write("s.csv", "1,0\n");
    const fs::path old = fs::current_path();
    fs::current_path(d.path);
    struct restore {
      fs::path p;
      ~restore() { fs::current_path(p); }
    } guard{old};
    d.write("empty/net.json", doc.dump());
    CHECK_THROWS_AS(load_network("empty/net.json", models()), input_error);
  }
}

TEST_CASE("loader: sparse weights build the listed synapses") {
  temp_dir d;
  json doc = base();
  doc["projections"][0]["weights"] = J(R"({"pre": [1, 0, 1, 0, 1], "post": [2, 1, 0, 1, 2], "w": [1, 2, 3, 4, 5]})");
  auto net = load_doc(d, doc);
  projection& p = net->proj(0);
  REQUIRE(p.synapse_count() == 5);
  CHECK_FALSE(p.dense());
  CHECK(p.fan_out(0) == 2);
  CHECK(p.fan_out(1) == 3);
  const auto s = synapses_of(p);
  // Sorted by (pre, post); the multapse 0->1 keeps list order (2 before 4), as does 1->2 (1 before 5).
  const std::vector<synapse_triplet> expected{{0, 1, 2.f}, {0, 1, 4.f}, {1, 0, 3.f}, {1, 2, 1.f}, {1, 2, 5.f}};
  for (std::size_t k = 0; k < 5; ++k) {
    INFO("synapse " << k);
    CHECK(s[k].pre == expected[k].pre);
    CHECK(s[k].post == expected[k].post);
    CHECK(s[k].weight == expected[k].weight);
  }
  SUBCASE("empty lists are a projection with no synapses") {
    doc["projections"][0]["weights"] = {{"pre", json::array()}, {"post", json::array()}, {"w", json::array()}};
    auto net2 = load_doc(d, doc, "empty.json");
    CHECK(net2->proj(0).synapse_count() == 0);
  }
}

TEST_CASE("loader: random init with p_connect") {
  temp_dir d;
  const std::uint32_t n_pre = 200, n_post = 150;
  const double p_conn = 0.1;
  json w = {{"init", "normal"}, {"mean", 0.5}, {"std", 0.2}, {"p_connect", p_conn}};
  auto net = load_doc(d, random_net(w, n_pre, n_post));
  projection& p = net->proj(0);
  const double n = static_cast<double>(n_pre) * n_post;
  const double expected = p_conn * n, sd = std::sqrt(n * p_conn * (1 - p_conn));
  INFO("synapses " << p.synapse_count() << " expected " << expected);
  CHECK(std::fabs(static_cast<double>(p.synapse_count()) - expected) < 5 * sd);
  CHECK_FALSE(p.dense());
  // No multapses from Bernoulli sampling; every pair at most once.
  const auto s = synapses_of(p);
  for (std::size_t k = 1; k < s.size(); ++k) CHECK((s[k - 1].pre != s[k].pre || s[k - 1].post < s[k].post));
  // Weights follow N(0.5, 0.2).
  double mean = 0, var = 0;
  for (double x : p.weights()) mean += x;
  mean /= static_cast<double>(p.synapse_count());
  for (double x : p.weights()) var += (x - mean) * (x - mean);
  var /= static_cast<double>(p.synapse_count() - 1);
  CHECK(std::fabs(mean - 0.5) < 5 * 0.2 / std::sqrt(static_cast<double>(p.synapse_count())));
  CHECK(std::sqrt(var) == doctest::Approx(0.2).epsilon(0.05));
  // Rows fill roughly evenly: no row has far more than its share (the pairs are spread over all rows).
  std::uint32_t max_fan = 0, min_fan = n_post;
  for (std::uint32_t i = 0; i < n_pre; ++i) {
    max_fan = std::max(max_fan, p.fan_out(i));
    min_fan = std::min(min_fan, p.fan_out(i));
  }
  CHECK(max_fan < 40);  // mean 15, sd ~3.7
  CHECK(min_fan < 15);

  SUBCASE("p_connect 1 is the full matrix") {
    json full = {{"init", "uniform"}, {"low", -1}, {"high", 2}};
    auto net2 = load_doc(d, random_net(full, 20, 30), "full.json");
    projection& q = net2->proj(0);
    CHECK(q.synapse_count() == 600);
    CHECK(q.dense());
    for (double x : q.weights()) {
      CHECK(x >= -1.f);
      CHECK(x <= 2.f);
    }
  }
  SUBCASE("constant") {
    json c = {{"init", "constant"}, {"value", 0.75}, {"p_connect", 0.5}};
    auto net2 = load_doc(d, random_net(c, 40, 40), "const.json");
    projection& q = net2->proj(0);
    CHECK(std::fabs(static_cast<double>(q.synapse_count()) - 800.0) < 5 * std::sqrt(1600 * 0.25));
    for (double x : q.weights()) CHECK(x == 0.75f);
  }
}

TEST_CASE("loader: random init is reproducible from the seed") {
  temp_dir d;
  json w = {{"init", "normal"}, {"mean", 0.0}, {"std", 1.0}, {"p_connect", 0.3}};
  json doc = random_net(w, 50, 40);
  auto a = load_doc(d, doc, "a.json");
  auto b = load_doc(d, doc, "b.json");
  doc["seed"] = 2;
  auto c = load_doc(d, doc, "c.json");
  projection &pa = a->proj(0), &pb = b->proj(0), &pc = c->proj(0);
  auto same = [](projection& x, projection& y) {
    if (x.synapse_count() != y.synapse_count()) return false;
    for (std::size_t k = 0; k < x.synapse_count(); ++k) {
      const double wx = x.weights()[k], wy = y.weights()[k];
      if (std::memcmp(&wx, &wy, sizeof(double)) != 0) return false;  // bit-identical
      if (x.pre_of(static_cast<std::uint32_t>(k)) != y.pre_of(static_cast<std::uint32_t>(k))) return false;
      if (x.post_of(static_cast<std::uint32_t>(k)) != y.post_of(static_cast<std::uint32_t>(k))) return false;
    }
    return true;
  };
  CHECK(same(pa, pb));
  CHECK_FALSE(same(pa, pc));

  // An explicit weights seed overrides the network seed.
  doc["projections"][0]["weights"]["seed"] = 7;
  doc["seed"] = 1;
  auto e = load_doc(d, doc, "e.json");
  doc["seed"] = 2;
  auto f = load_doc(d, doc, "f.json");
  doc["projections"][0]["weights"]["seed"] = 8;
  auto g = load_doc(d, doc, "g.json");
  CHECK(same(e->proj(0), f->proj(0)));
  CHECK_FALSE(same(e->proj(0), g->proj(0)));

  // Two identical projections in one network draw from different streams.
  doc = random_net(w, 50, 40);
  doc["projections"].push_back(doc["projections"][0]);
  auto h = load_doc(d, doc, "h.json");
  CHECK_FALSE(same(h->proj(0), h->proj(1)));
}

TEST_CASE("loader: self_connections false leaves no i->i synapse in a recurrent projection") {
  temp_dir d;
  for (double p_conn : {1.0, 0.5}) {
    INFO("p_connect " << p_conn);
    json w = {{"init", "uniform"}, {"low", 0}, {"high", 1}, {"p_connect", p_conn}, {"self_connections", false}};
    auto net = load_doc(d, random_net(w, 2, 60, true), "rec.json");
    projection& p = net->proj(0);
    CHECK(p.pre_population() == 1);
    CHECK(p.post_population() == 1);
    for (std::uint32_t s = 0; s < p.synapse_count(); ++s) CHECK(p.pre_of(s) != p.post_of(s));
    if (p_conn == 1.0) {
      CHECK(p.synapse_count() == 60 * 59);
      CHECK_FALSE(p.dense());
    } else {
      CHECK(std::fabs(static_cast<double>(p.synapse_count()) - 0.5 * 3540) < 5 * std::sqrt(3600 * 0.25));
    }
  }
  // Default keeps them.
  json w = {{"init", "constant"}, {"value", 1}};
  auto net = load_doc(d, random_net(w, 2, 10, true), "rec2.json");
  CHECK(net->proj(0).synapse_count() == 100);
  CHECK(net->proj(0).dense());
  // self_connections: false on a feed-forward projection does not drop i->i pairs (different neurons).
  json ff = {{"init", "constant"}, {"value", 1}, {"self_connections", false}};
  auto net3 = load_doc(d, random_net(ff, 10, 10, false), "ff.json");
  CHECK(net3->proj(0).synapse_count() == 100);
}

TEST_CASE("loader: in_degree draws exactly K distinct presynaptic neurons per neuron, reproducibly") {
  temp_dir d;
  for (bool self : {true, false}) {
    INFO("self_connections " << self);
    json w = {{"init", "normal"}, {"std", 1}, {"in_degree", 7}, {"self_connections", self}};
    auto a = load_doc(d, random_net(w, 2, 40, true), "a.json");
    auto b = load_doc(d, random_net(w, 2, 40, true), "b.json");
    const projection& p = a->proj(0);
    CHECK(p.synapse_count() == 40 * 7);
    std::vector<int> seen_pre(40, 0);
    for (std::uint32_t post = 0; post < 40; ++post) {
      const auto in = p.incoming(post);
      CHECK(in.size() == 7);
      std::vector<std::uint32_t> pres;
      for (std::uint32_t syn : in) pres.push_back(p.pre_of(syn));
      std::sort(pres.begin(), pres.end());
      CHECK(std::adjacent_find(pres.begin(), pres.end()) == pres.end());  // distinct
      if (!self) CHECK(std::find(pres.begin(), pres.end(), post) == pres.end());
      for (std::uint32_t q : pres) ++seen_pre[q];
    }
    CHECK(std::count(seen_pre.begin(), seen_pre.end(), 0) < 10);  // spread over the presynaptic neurons
    for (std::uint32_t s = 0; s < p.synapse_count(); ++s) {
      CHECK(b->proj(0).pre_of(s) == p.pre_of(s));
      CHECK(b->proj(0).weight(s) == p.weight(s));
    }
  }
  // Every candidate: K = n_pre - 1 without self-connections is all others.
  json all = {{"init", "constant"}, {"value", 1}, {"in_degree", 9}, {"self_connections", false}};
  CHECK(load_doc(d, random_net(all, 2, 10, true), "all.json")->proj(0).synapse_count() == 90);
  json too_many = {{"init", "constant"}, {"value", 1}, {"in_degree", 10}, {"self_connections", false}};
  error_of(random_net(too_many, 2, 10, true),
           "net.json: /projections/0/weights/in_degree: must be in [1, 9] (the presynaptic neurons each neuron can "
           "draw from), got 10");
  json both = {{"init", "constant"}, {"value", 1}, {"in_degree", 3}, {"p_connect", 0.5}};
  error_of(random_net(both, 2, 10, true), "net.json: /projections/0/weights/in_degree: give 'p_connect' or 'in_degree', not both");
}

TEST_CASE("loader: graded flag, delay_ms and name are kept") {
  temp_dir d;
  json doc = base();
  doc["projections"][0]["graded"] = true;
  doc["projections"][0]["delay_ms"] = 2.5;
  doc["projections"][0]["name"] = "input_to_out";
  doc["projections"].push_back({{"pre", "out"}, {"post", "out"}, {"delay_ms", 0.125},
                                {"weights", {{"init", "constant"}, {"value", -0.5}}}});
  auto net = load_doc(d, doc);
  REQUIRE(net->projection_count() == 2);
  CHECK(net->proj(0).graded());
  CHECK(net->proj(0).delay_ms() == 2.5);
  CHECK(net->proj(0).name() == "input_to_out");
  CHECK_FALSE(net->proj(1).graded());
  CHECK(net->proj(1).delay_ms() == 0.125);
  CHECK(net->proj(1).name() == "out->out");
  // Fan-out groups of "out": one per distinct delay.
  REQUIRE(net->fanout(1).size() == 1);
  CHECK(net->fanout(1)[0].delay_ms == 0.125);
  REQUIRE(net->fanout(0).size() == 1);
  CHECK(net->fanout(0)[0].delay_ms == 2.5);
}

TEST_CASE("loader: sizes that cannot fit in memory are refused before any allocation") {
  json doc = base();
  doc["populations"][1]["size"] = 1 << 30;  // 64 GiB by the estimate: more than the test machines have
  if (static_cast<double>(usable_memory_bytes()) < 60.0 * (1u << 30))
    error_of(doc, "net.json: /populations/1/size: 1073741824 neurons would bring the memory needed to about");
  doc = base();
  doc["populations"][0]["size"] = 1000000;
  doc["populations"][1]["size"] = 1000000;
  doc["projections"][0]["weights"] = {{"init", "constant"}, {"value", 0.1}, {"p_connect", 0.5}};
  error_of(doc, "net.json: /projections/0/weights: 1000000 x 1000000 synapses at p_connect 0.5 would bring the memory "
                "needed to about 223");
  doc = base();
  doc["duration_ms"] = 2e12;
  error_of(doc, "net.json: /duration_ms: must be <= 1e+12 ms, got 2e+12");
}

TEST_CASE("memory_budget: charges add up and fail past the limit, naming what needed it") {
  const json doc = {{"a", 1}};
  memory_budget b(std::uint64_t(1) << 30);
  b.charge(0.5 * (1u << 30), json_node(doc, "x.json").at("a"), "half");
  CHECK(b.used() == 0.5 * (1u << 30));
  CHECK_THROWS_WITH_AS(b.charge(0.75 * (1u << 30), json_node(doc, "x.json").at("a"), "more"),
                       "x.json: /a: more would bring the memory needed to about 1.2 GiB, more than the 1.0 GiB this "
                       "process may use",
                       input_error);
  CHECK(usable_memory_bytes() >= (std::uint64_t(64) << 20));
  CHECK(format_bytes(512.0 * 1024 * 1024) == "512 MiB");
}

TEST_CASE("loader: weights are the user's numbers; weight_precision float32 rounds them, per network or projection") {
  temp_dir d;
  json doc = base();
  doc["projections"][0]["weights"] = {{0.1, 1.0 + 0x1p-40, 3}, {-1e-30, 5, 0.3}};
  doc["projections"].push_back({{"pre", "in"}, {"post", "out"}, {"weights", {{"init", "normal"}, {"mean", 0.0}, {"std", 1.0}}}});
  auto exact = load_doc(d, doc);
  CHECK_FALSE(exact->proj(0).float32());
  CHECK(exact->proj(0).weight(0) == 0.1);
  CHECK(exact->proj(0).weight(1) == 1.0 + 0x1p-40);
  CHECK(exact->proj(0).weight(3) == -1e-30);
  std::size_t not_float = 0;  // random draws are full doubles too
  for (double w : exact->proj(1).weights()) not_float += w != static_cast<double>(static_cast<float>(w));
  CHECK(not_float == 6);

  doc["weight_precision"] = "float32";
  auto single = load_doc(d, doc, "single.json");
  for (std::uint32_t p = 0; p < 2; ++p) {
    CHECK(single->proj(p).float32());
    for (std::size_t k = 0; k < 6; ++k) {
      const double w = exact->proj(p).weights()[k];
      CHECK(single->proj(p).weights()[k] == static_cast<double>(static_cast<float>(w)));
    }
  }
  CHECK(single->proj(0).weight(1) == 1.0);

  doc["projections"][1]["weight_precision"] = "float64";  // a projection overrides the network
  auto mixed = load_doc(d, doc, "mixed.json");
  CHECK(mixed->proj(0).float32());
  CHECK_FALSE(mixed->proj(1).float32());
  CHECK(mixed->proj(1).weights()[0] == exact->proj(1).weights()[0]);

  doc["projections"][1]["weight_precision"] = "half";
  error_of(doc, "net.json: /projections/1/weight_precision:");
}

TEST_CASE("loader: weights, sparse lists and input spikes from NumPy .npy files") {
  using test::dict;
  using test::f8;
  using test::npy_file;
  temp_dir d;
  json doc = base();
  // Dense (2 x 3) float64 exactly as written, relative to the JSON file's folder.
  d.write("sub/w.npy", npy_file(dict("<f8", "(2, 3)"), f8({0.1, -1.25, 3, 4, 1e-7, 6})));
  d.write("sub/s.npy", npy_file(dict("<f8", "(2, 3)"), f8({1.5, 1, 0.5, 0.25, 0, 2})));
  doc["projections"][0]["weights"] = {{"npy", "w.npy"}};
  doc["populations"][0]["params"] = {{"spikes_npy", "s.npy"}};
  auto net = load_doc(d, doc, "sub/net.json");
  const std::vector<double> expected{0.1, -1.25, 3, 4, 1e-7, 6};
  REQUIRE(net->proj(0).synapse_count() == 6);
  CHECK(net->proj(0).dense());
  for (std::size_t k = 0; k < 6; ++k) CHECK(net->proj(0).weights()[k] == expected[k]);
  auto& src = dynamic_cast<spike_source&>(net->pop(0));
  REQUIRE(src.events().size() == 2);
  CHECK(src.events()[0].time_ms == 0.25);
  CHECK(src.events()[0].channel == 0);
  CHECK(src.events()[0].grade == 2.0f);
  CHECK(src.events()[1].time_ms == 1.5);
  CHECK(src.events()[1].grade == 0.5f);

  // Sparse: int64 pre, big-endian uint16 post, float32 w; inline lists mix with files.
  d.write("sub/pre.npy", npy_file(dict("<i8", "(3,)"), test::raw(1, 8, false) + test::raw(0, 8, false) + test::raw(1, 8, false)));
  d.write("sub/post.npy", npy_file(dict(">u2", "(3,)"), test::raw(2, 2, true) + test::raw(0, 2, true) + test::raw(2, 2, true)));
  doc["projections"][0]["weights"] = {{"pre", {{"npy", "pre.npy"}}}, {"post", {{"npy", "post.npy"}}}, {"w", {0.5, 0.25, 0.125}}};
  auto sparse = load_doc(d, doc, "sub/sparse.json");
  const auto s = synapses_of(sparse->proj(0));
  REQUIRE(s.size() == 3);
  CHECK((s[0].pre == 0 && s[0].post == 0 && s[0].weight == 0.25));
  CHECK((s[1].pre == 1 && s[1].post == 2 && s[1].weight == 0.5));  // multapse kept, input order
  CHECK((s[2].pre == 1 && s[2].post == 2 && s[2].weight == 0.125));

  SUBCASE("errors name the file") {
    const std::string w_ok = npy_file(dict("<f8", "(2, 3)"), f8({1, 2, 3, 4, 5, 6}));
    doc["populations"][0]["params"] = {{"spikes", json::array()}};
    doc["projections"][0]["weights"] = {{"npy", "bad_shape.npy"}};
    error_of(doc, "bad_shape.npy: shape (3, 2), expected (2, 3) (presynaptic x postsynaptic)",
             {{"bad_shape.npy", npy_file(dict("<f8", "(3, 2)"), f8({1, 2, 3, 4, 5, 6}))}}, "bad_shape.npy");
    doc["projections"][0]["weights"] = {{"pre", {0, 0, 1}}, {"post", {{"npy", "big_post.npy"}}}, {"w", {1, 1, 1}}};
    error_of(doc, "big_post.npy: element 1: index 9 out of range (postsynaptic size 3)",
             {{"big_post.npy", npy_file(dict("<i4", "(3,)"), test::raw(0, 4, false) + test::raw(9, 4, false) + test::raw(1, 4, false))}},
             "big_post.npy");
    doc["projections"][0]["weights"] = {{"pre", {0, 0, 1}}, {"post", {0, 1, 2}}, {"w", {{"npy", "two_d.npy"}}}};
    error_of(doc, "two_d.npy: 2 dimensions, expected a 1-D array", {{"two_d.npy", npy_file(dict("<f8", "(1, 3)"), f8({1, 1, 1}))}},
             "two_d.npy");
    doc["projections"][0]["weights"] = {{"npy", "missing.npy"}};
    error_of(doc, "missing.npy: cannot open file", {}, "missing.npy");
    doc["projections"][0]["weights"] = {{"npy", "w.npy"}};
    doc["populations"][0]["params"] = {{"spikes_npy", "bad_spikes.npy"}};
    error_of(doc, "bad_spikes.npy: row 0: channel 5 out of range (population size 2)",
             {{"w.npy", w_ok}, {"bad_spikes.npy", npy_file(dict("<f8", "(1, 2)"), f8({1.0, 5}))}}, "bad_spikes.npy");
  }
}

TEST_CASE("loader: weights, sparse lists and input spikes from HDF5 datasets") {
  temp_dir d;
  fs::create_directories(d.path / "sub");
  const fs::path h5 = d.path / "sub" / "arrays.h5";
  const std::vector<double> w{0.1, -1.25, 3, 4, 1e-7, 6};
  test::write_hdf5(h5, "net/w", {2, 3}, w, H5T_IEEE_F64BE, true);
  test::write_hdf5(h5, "spikes", {2, 3}, {1.5, 1, 0.5, 0.25, 0, 2}, H5T_IEEE_F64LE);
  test::write_hdf5(h5, "pre", {3}, {1, 0, 1}, H5T_STD_I64LE);
  test::write_hdf5(h5, "post", {3}, {2, 0, 2}, H5T_STD_U16BE);
  test::write_hdf5(h5, "wsparse", {3}, {0.5, 0.25, 0.125}, H5T_IEEE_F32LE);
  json doc = base();
  doc["projections"][0]["weights"] = {{"hdf5", "arrays.h5"}, {"dataset", "/net/w"}};
  doc["populations"][0]["params"] = {{"spikes_hdf5", {{"file", "arrays.h5"}, {"dataset", "spikes"}}}};
  auto net = load_doc(d, doc, "sub/net.json");
  REQUIRE(net->proj(0).synapse_count() == 6);
  for (std::size_t k = 0; k < 6; ++k) CHECK(net->proj(0).weights()[k] == w[k]);
  auto& src = dynamic_cast<spike_source&>(net->pop(0));
  REQUIRE(src.events().size() == 2);
  CHECK(src.events()[0].time_ms == 0.25);
  CHECK(src.events()[0].grade == 2.0f);
  CHECK(src.events()[1].time_ms == 1.5);

  doc["projections"][0]["weights"] = {{"pre", {{"hdf5", "arrays.h5"}, {"dataset", "pre"}}},
                                      {"post", {{"hdf5", "arrays.h5"}, {"dataset", "post"}}},
                                      {"w", {{"hdf5", "arrays.h5"}, {"dataset", "wsparse"}}}};
  auto sparse = load_doc(d, doc, "sub/sparse.json");
  const auto s = synapses_of(sparse->proj(0));
  REQUIRE(s.size() == 3);
  CHECK((s[0].pre == 0 && s[0].post == 0 && s[0].weight == 0.25));
  CHECK((s[1].pre == 1 && s[1].post == 2 && s[1].weight == 0.5));
  CHECK((s[2].pre == 1 && s[2].post == 2 && s[2].weight == 0.125));

  // Errors name the file and the dataset.
  const std::string f = (d.path / "sub" / "arrays.h5").string();
  auto err = [&](const json& doc2) { return test::error_of([&] { load_doc(d, doc2, "sub/e.json"); }); };
  json e = base();
  e["projections"][0]["weights"] = {{"hdf5", "arrays.h5"}, {"dataset", "spikes"}};  // (2, 3) fits, but is not w
  CHECK(err(e) == "(no error)");
  e["projections"][0]["weights"] = {{"hdf5", "arrays.h5"}, {"dataset", "pre"}};
  CHECK(err(e) == f + ": pre: shape (3), expected (2, 3) (presynaptic x postsynaptic)");
  e["projections"][0]["weights"] = {{"hdf5", "arrays.h5"}};
  CHECK(err(e).find("/projections/0/weights") != std::string::npos);
  CHECK(err(e).find("dataset") != std::string::npos);
  e["projections"][0]["weights"] = {{"pre", {0, 0, 1}}, {"post", {{"hdf5", "arrays.h5"}, {"dataset", "net/w"}}},
                                    {"w", {1, 1, 1}}};
  CHECK(err(e) == f + ": net/w: 2 dimensions, expected a 1-D array");
  e = base();
  e["populations"][0]["params"] = {{"spikes_hdf5", {{"file", "arrays.h5"}, {"dataset", "pre"}}}};
  CHECK(err(e) == f + ": pre: shape (3), expected (n, 2) rows of time_ms, channel or (n, 3) with a grade");
}
