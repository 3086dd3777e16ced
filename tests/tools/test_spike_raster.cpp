// tools/spike_raster and `evsnn run --svg`: spikes binned into the cell of their time and neuron row,
// row rates = row spikes / (neurons in the row x duration), rows of several neurons for large
// populations, a span that grows by exact doubling, memory and SVG size bounded by the grid however
// many spikes come, a well-formed SVG naming every population, and the command end to end (with and
// without --out, --data overlaid and --carry, --stepped, a run stopped by --max-spikes, bad paths:
// exit 2 with one line).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "engine/network_loader.hpp"
#include "models/builtin_models.hpp"
#include "tests/support/cli_process.hpp"
#include "tools/spike_raster.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace evsnn;
using namespace evsnn::cli;
using namespace evsnn::test;

namespace {

// in: 10 sources; big: 1000 lif_delta; odd: 1001 lif_delta; ro: a li readout (does not spike).
std::unique_ptr<network> raster_net(const std::string& big_name = "big") {
  json doc = json::parse(R"({"format": "evsnn-network/1", "duration_ms": 1000,
    "populations": [
      {"name": "in", "model": "spike_source", "size": 10, "params": {"spikes": [[1.0, 0]]}},
      {"name": "big", "model": "lif_delta", "size": 1000, "params": {"tau_mem_ms": 10, "threshold": 1}},
      {"name": "odd", "model": "lif_delta", "size": 1001, "params": {"tau_mem_ms": 10, "threshold": 1}},
      {"name": "ro", "model": "li", "size": 3, "params": {"tau_mem_ms": 20, "tau_syn_ms": 5}}],
    "projections": [{"pre": "in", "post": "ro", "weights": {"init": "constant", "value": 0.1}}]})");
  doc["populations"][1]["name"] = big_name;
  static const model_registry models = builtin_model_registry();
  return build_network(doc, "raster.json", ".", models);
}

std::size_t count_of(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

bool contains(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

// "" if text is well-formed XML as the SVG writer emits it (elements, attributes in double quotes,
// text, comments and a declaration), else what is wrong: every tag closed, in order, one root.
std::string xml_problem(const std::string& text) {
  std::vector<std::string> open;
  std::size_t roots = 0;
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] != '<') {
      if (text[i] == '>') return "stray '>' at byte " + std::to_string(i);
      if (open.empty() && text[i] != '\n' && text[i] != ' ') return "text outside the root at byte " + std::to_string(i);
      ++i;
      continue;
    }
    if (text.compare(i, 4, "<!--") == 0 || text.compare(i, 2, "<?") == 0) {
      const std::size_t e = text.find(text[i + 1] == '!' ? "-->" : "?>", i);
      if (e == std::string::npos) return "unclosed comment";
      i = e + 2;
      continue;
    }
    const bool closing = text.compare(i, 2, "</") == 0;
    std::size_t j = i + (closing ? 2 : 1);
    const std::size_t name_begin = j;
    while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '-' || text[j] == ':')) ++j;
    const std::string name = text.substr(name_begin, j - name_begin);
    if (name.empty()) return "a tag without a name at byte " + std::to_string(i);
    bool quoted = false;
    for (; j < text.size() && (quoted || text[j] != '>'); ++j) {
      if (text[j] == '"') quoted = !quoted;
      if (!quoted && text[j] == '<') return "'<' inside tag <" + name + ">";
    }
    if (j >= text.size()) return "unterminated tag <" + name + ">";
    const bool self_closing = text[j - 1] == '/';
    if (closing) {
      if (open.empty() || open.back() != name) return "</" + name + "> closes " + (open.empty() ? "nothing" : "<" + open.back() + ">");
      open.pop_back();
    } else if (!self_closing) {
      if (open.empty()) ++roots;
      open.push_back(name);
    } else if (open.empty()) {
      return "a root-level empty element";
    }
    i = j + 1;
  }
  if (!open.empty()) return "<" + open.back() + "> never closed";
  if (roots != 1) return std::to_string(roots) + " root elements";
  return "";
}

const std::string small_net = std::string(EVSNN_SOURCE_DIR) + "/examples/small/net.json";

}  // namespace

TEST_CASE("spike_raster: a spike lands in the cell of its time and neuron; row rates are row spikes / duration") {
  const auto net = raster_net();
  spike_raster r(*net, 1000.0, 800, 200);
  CHECK(r.span_ms() == 1000.0);
  // 800 bins over 1000 ms: bins of 1.25 ms; the end belongs to the last bin.
  CHECK(r.bin_of(0.0) == 0);
  CHECK(r.bin_of(1.2499) == 0);
  CHECK(r.bin_of(1.25) == 1);
  CHECK(r.bin_of(500.0) == 400);
  CHECK(r.bin_of(999.999) == 799);
  CHECK(r.bin_of(1000.0) == 799);
  // Population 0 (10 neurons): one neuron per row.
  CHECK(r.rows(0) == 10);
  CHECK(r.neurons_per_row(0) == 1);
  r.on_spike({500.0, 0, 7});
  CHECK(r.count(0, 7, 400) == 1);
  CHECK(r.count(0, 7, 399) == 0);
  CHECK(r.count(0, 6, 400) == 0);
  r.on_spike({500.3, 0, 7});  // same cell
  r.on_spike({1000.0, 0, 7});
  r.on_spike({0.0, 0, 7});
  CHECK(r.count(0, 7, 400) == 2);
  CHECK(r.count(0, 7, 799) == 1);
  CHECK(r.count(0, 7, 0) == 1);
  CHECK(r.row_spikes(0, 7) == 4);
  CHECK(r.spikes(0) == 4);
  CHECK(r.row_rate_hz(0, 7, 1000.0) == 4.0);  // 4 spikes in 1 s
  CHECK(r.row_rate_hz(0, 7, 500.0) == 8.0);   // the same spikes over 0.5 s simulated
  CHECK(r.row_rate_hz(0, 3, 1000.0) == 0.0);
  CHECK(r.span_ms() == 1000.0);  // spikes within the span never grow it
  // The readout has no grid and ignores spikes.
  CHECK(r.rows(3) == 0);
  r.on_spike({10.0, 3, 0});
  CHECK(r.spikes(3) == 0);
}

TEST_CASE("spike_raster: large populations get rows of several neurons; rates per neuron of the row") {
  const auto net = raster_net();
  spike_raster r(*net, 100.0, 800, 200);
  // 1000 neurons, at most 200 rows: rows of 5.
  CHECK(r.neurons_per_row(1) == 5);
  CHECK(r.rows(1) == 200);
  CHECK(r.row_of(1, 0) == 0);
  CHECK(r.row_of(1, 4) == 0);
  CHECK(r.row_of(1, 5) == 1);
  CHECK(r.row_of(1, 7) == 1);
  CHECK(r.row_of(1, 999) == 199);
  CHECK(r.neurons_in_row(1, 199) == 5);
  // 1001 neurons: rows of 6, 167 rows, the last one of 5.
  CHECK(r.neurons_per_row(2) == 6);
  CHECK(r.rows(2) == 167);
  CHECK(r.neurons_in_row(2, 166) == 5);
  CHECK(r.row_of(2, 1000) == 166);
  // One spike from each neuron of row 1 of big, at 10 ms: the cell holds 5, the row's rate is one
  // spike per neuron in 0.1 s = 10 Hz.
  for (std::uint32_t n = 5; n < 10; ++n) r.on_spike({10.0, 1, n});
  CHECK(r.count(1, 1, r.bin_of(10.0)) == 5);
  CHECK(r.row_rate_hz(1, 1, 100.0) == doctest::Approx(10.0).epsilon(1e-15));
  // The short last row of odd: 5 neurons.
  for (std::uint32_t n = 996; n < 1001; ++n) r.on_spike({99.0, 2, n});
  CHECK(r.row_spikes(2, 166) == 5);
  CHECK(r.row_rate_hz(2, 166, 100.0) == doctest::Approx(10.0).epsilon(1e-15));
  const std::string svg = r.svg({"t", {}, "time (ms)", 100.0, 100.0});
  CHECK(contains(svg, "rows of 5 neurons"));
  CHECK(contains(svg, "rows of 6 neurons"));
  CHECK(contains(svg, "neurons 5-9: 10 Hz per neuron (5 spikes)"));
  CHECK(!contains(r.svg({}), "rows of 1 "));
}

TEST_CASE("spike_raster: an unknown span grows by doubling and bins exactly as a raster of the final span") {
  const auto net = raster_net();
  std::mt19937_64 gen(7);
  std::uniform_real_distribution<double> t(0.0, 3000.0);
  std::uniform_int_distribution<std::uint32_t> n(0, 999);
  std::vector<spike_record> spikes;
  for (int k = 0; k < 20000; ++k) spikes.push_back({t(gen), 1, n(gen)});
  spikes.push_back({0.0, 1, 0});
  spikes.push_back({4096.0, 1, 999});  // exactly the final span: the last bin
  spike_raster grown(*net, 0.0, 800, 200);
  for (const auto& s : spikes) grown.on_spike(s);
  CHECK(grown.span_ms() == 4096.0);  // 1 ms doubled to the first power of two >= 4096
  spike_raster fixed(*net, 4096.0, 800, 200);
  for (const auto& s : spikes) fixed.on_spike(s);
  bool same = true;
  for (std::uint32_t row = 0; row < 200; ++row)
    for (std::size_t b = 0; b < 800; ++b) same = same && grown.count(1, row, b) == fixed.count(1, row, b);
  CHECK(same);
  CHECK(grown.spikes(1) == spikes.size());
  CHECK(grown.count(1, 199, 799) >= 1);
  // A span set before the first spike is kept; after it, set_span is ignored.
  spike_raster hinted(*net, 0.0);
  hinted.set_span(250.0);
  hinted.on_spike({100.0, 0, 0});
  hinted.set_span(10.0);
  CHECK(hinted.span_ms() == 250.0);
}

TEST_CASE("spike_raster: memory and SVG size are bounded by the grid, not by the spikes") {
  const auto net = raster_net();
  // A long, busy run: 10^6 s, every neuron of big and in firing; the grid holds what it held at the start.
  spike_raster r(*net, 1e9, 800, 200);
  const std::size_t bytes = r.grid_bytes();
  CHECK(bytes == (10 + 200 + 167) * 800 * sizeof(std::uint32_t) + (10 + 200 + 167) * sizeof(std::uint64_t));
  std::mt19937_64 gen(3);
  std::uniform_real_distribution<double> t(0.0, 1e9);
  std::size_t size_small = 0;
  for (int k = 0; k < 3'000'000; ++k) {
    const auto u = static_cast<std::uint32_t>(gen() % 1000);
    r.on_spike({t(gen), 1, u});
    if (k % 4 == 0) r.on_spike({t(gen), 0, u % 10});
    if (k == 10'000) size_small = r.svg({"busy", {}, "time (ms)", 1e9, 1e9}).size();
  }
  CHECK(r.grid_bytes() == bytes);
  const std::string svg = r.svg({"busy", {}, "time (ms)", 1e9, 1e9});
  CHECK(xml_problem(svg).empty());
  // At most one segment (< 40 bytes) per cell and a bar per row, whatever the count of spikes.
  const std::size_t bound = (10 + 200 + 167) * (800 * 40 + 200) + 20000;
  CHECK(size_small < bound);
  CHECK(svg.size() < bound);
  MESSAGE("SVG of 3.75 M spikes: " << svg.size() << " bytes; of 12.5 k spikes: " << size_small << " bytes");
  // A realistic raster (10 Hz, 1 s, 1000 neurons) is far smaller.
  spike_raster sparse(*net, 1000.0);
  for (int k = 0; k < 10000; ++k) sparse.on_spike({t(gen) * 1e-6, 1, static_cast<std::uint32_t>(gen() % 1000)});
  CHECK(sparse.svg({"sparse", {}, "time (ms)", 1000, 1000}).size() < 300'000);
}

TEST_CASE("spike_raster: the SVG is well formed and names every population, escaped") {
  const auto net = raster_net("a<b&\"c\"");
  spike_raster r(*net, 50.0, 800, 200);
  r.on_spike({1.0, 0, 0});
  r.on_spike({2.0, 1, 10});
  r.on_spike({2.0, 1, 11});
  r.on_spike({25.0, 2, 500});
  raster_labels lb{"Spike raster: raster.json", {"50 ms simulated", "interrupted at t = 30 ms"}, "time (ms)", 50.0, 30.0, 30.0};
  const std::string svg = r.svg(lb);
  CHECK(xml_problem(svg) == "");
  CHECK(svg.rfind("<svg", 0) == 0);
  CHECK(contains(svg, ">in</tspan>"));
  CHECK(contains(svg, ">a&lt;b&amp;&quot;c&quot;</tspan>"));
  CHECK(contains(svg, ">odd</tspan>"));
  CHECK(contains(svg, "not drawn, they do not spike: ro (li, 3 neurons)"));
  CHECK(count_of(svg, "class=\"population\"") == 3);
  CHECK(contains(svg, "time (ms)"));
  CHECK(contains(svg, "rate (Hz)"));
  CHECK(contains(svg, "interrupted at t = 30 ms"));
  // Rates over the 30 ms simulated: in has 1 spike over 10 neurons: 3.33 Hz mean.
  CHECK(contains(svg, "1 spike, 3.33 Hz mean"));
  CHECK(contains(svg, "fill=\"#eeeeee\""));  // the part after the stop shaded
  // The checker itself catches what it should.
  CHECK(!xml_problem("<svg><g></svg>").empty());
  CHECK(!xml_problem("<svg><rect x=\"1\"></svg>").empty());
  CHECK(!xml_problem("<svg></svg><svg></svg>").empty());
  // A population that spiked not at all says so; one with no spiking population at all is a valid figure.
  spike_raster quiet(*net, 10.0);
  const std::string q = quiet.svg({"quiet", {}, "time (ms)", 10.0, 10.0});
  CHECK(xml_problem(q) == "");
  CHECK(count_of(q, "no spikes") == 3);
}

TEST_CASE("evsnn run --svg: the spike raster of a run, with and without --out; bad paths exit 2 with one line") {
  cli_temp_dir d;
  const std::string svg_path = (d.path / "r.svg").string();
  const cli_result r = run_cli(d, "run " + shell_quote(small_net) + " --json --svg " + shell_quote(svg_path));
  REQUIRE(r.status == 0);
  const std::string svg = read_text(svg_path);
  CHECK(xml_problem(svg) == "");
  CHECK(contains(svg, "Spike raster: net.json"));
  // Each spiking population's spikes as the summary counts them; the li readout listed as not drawn.
  const json summary = json::parse(r.out);
  for (const auto& p : summary["populations"]) {
    const std::string name = p["name"];
    if (p["model"] == "li") {
      CHECK(contains(svg, "not drawn, they do not spike: " + name + " (li, 3 neurons)"));
      continue;
    }
    CAPTURE(name);
    CHECK(contains(svg, ">" + name + "</tspan> (" + p["model"].get<std::string>() + "): "));
    CHECK(contains(svg, fmt::format(" {} spikes, {:.2f} Hz mean", p["spikes"].get<std::uint64_t>(), p["rate_hz"].get<double>())));
  }
  for (const auto& e : fs::directory_iterator(d.path)) CHECK(e.path().filename().string().find(".tmp.") == std::string::npos);
  // With --out: the same figure, and the spike file as before.
  const cli_result o = run_cli(d, "run " + shell_quote(small_net) + " --out " + shell_quote((d.path / "o").string()) +
                                      " --svg " + shell_quote((d.path / "o.svg").string()));
  REQUIRE(o.status == 0);
  CHECK(fs::exists(d.path / "o" / "spikes.csv"));
  CHECK(read_text(d.path / "o.svg") == svg);
  // A missing folder, a folder given as the file: one line naming the path, exit 2, nothing run.
  const std::string missing = (d.path / "no" / "such" / "r.svg").string();
  const cli_result m = run_cli(d, "run " + shell_quote(small_net) + " --svg " + shell_quote(missing));
  CHECK(m.status == 2);
  CHECK(std::count(m.err.begin(), m.err.end(), '\n') == 1);
  CHECK(contains(m.err, missing));
  CHECK(contains(m.err, "does not exist"));
  CHECK(m.out.empty());
  const cli_result dir = run_cli(d, "run " + shell_quote(small_net) + " --svg " + shell_quote(d.path.string()));
  CHECK(dir.status == 2);
  CHECK(std::count(dir.err.begin(), dir.err.end(), '\n') == 1);
  CHECK(contains(dir.err, d.path.string() + ": is a folder"));
  // A symbolic link (as /dev/stdout is one) is written through, not replaced.
  const fs::path target = d.write("target.svg", ""), link = d.path / "link.svg";
  fs::create_symlink(target, link);
  REQUIRE(run_cli(d, "run " + shell_quote(small_net) + " --svg " + shell_quote(link.string())).status == 0);
  CHECK(fs::is_symlink(fs::symlink_status(link)));
  CHECK(read_text(target) == svg);
}

TEST_CASE("evsnn run --svg: spike raster with --stepped, --data overlaid and --carry, and a run stopped by --max-spikes") {
  cli_temp_dir d;
  auto run_svg = [&](const std::string& args, int status) {
    const std::string path = (d.path / "f.svg").string();
    fs::remove(path);
    const cli_result r = run_cli(d, args + " --svg " + shell_quote(path));
    CAPTURE(args);
    CAPTURE(r.err);
    CHECK(r.status == status);
    const std::string svg = fs::exists(path) ? read_text(path) : "";
    CHECK(xml_problem(svg) == "");
    return svg;
  };
  const std::string stepped = run_svg("run " + shell_quote(small_net) + " --stepped --dt-ms 0.5", 0);
  CHECK(contains(stepped, "time-stepped at dt = 0.5 ms"));
  CHECK(contains(stepped, ">hidden</tspan>"));
  // A network fed by a data set: samples overlaid in sample time, or streamed.
  const json net = json::parse(R"({"format": "evsnn-network/1", "seed": 4,
    "populations": [
      {"name": "in", "model": "spike_source", "size": 10, "params": {"external": true}},
      {"name": "out", "model": "cuba_lif", "size": 4, "params": {"tau_mem_ms": 10, "tau_syn_ms": 2, "threshold": 0.1}}],
    "projections": [{"pre": "in", "post": "out", "delay_ms": 1, "weights": {"init": "uniform", "low": 0.2, "high": 0.5}}]})");
  const std::string path = shell_quote(d.write("data.json", net.dump()).string());
  const std::string data = " --data randman:train:classes=2,neurons=10,samples_per_class=10 --samples 6";
  const std::string overlaid = run_svg("run " + path + data, 0);
  CHECK(contains(overlaid, "6 samples overlaid"));
  CHECK(contains(overlaid, "time in sample (ms)"));
  const std::string carried = run_svg("run " + path + data + " --carry --gap-ms 5", 0);
  CHECK(contains(carried, "6 samples streamed (--carry, gaps of 5 ms)"));
  // Stopped by --max-spikes: exit 2, the figure of the run so far, marked.
  const std::string stopped = run_svg("run " + shell_quote(small_net) + " --max-spikes 5", 2);
  CHECK(contains(stopped, "stopped at t = "));
  CHECK(contains(stopped, "(--max-spikes 5): the run so far"));
}
