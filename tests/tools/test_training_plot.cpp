// evsnn plot and tools/training_plot: the training-log parsers (CSV and JSON, columns by name, empty
// cells, extra and reordered columns), their one-line errors with line:column or JSON pointer, round
// axis ticks, the panels --metrics selects, the SVG's structure, and the command run as a process
// (exit 0 with one line; bad input exit 2 with one line on stderr).
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "tools/training_plot.hpp"

namespace fs = std::filesystem;
using namespace evsnn::cli;

namespace {

const std::string full_header =
    "epoch,loss,train_accuracy,test_accuracy,validation_accuracy,spikes_per_sample,synaptic_events_per_sample,"
    "energy_per_sample_uj,wall_time_s,samples_per_s,lr\n";

// Epoch 0 (evaluation only) and three trained epochs; validation measured every other epoch.
const std::string full_log = full_header +
                             "0,,,0.1,0.11,120,9000,0.5,1.5,,0.01\n"
                             "1,1.9,0.42,0.5,,100,8000,0.4,10.2,980,0.01\n"
                             "2,1.1,0.71,0.74,0.72,90,7000,0.35,10.1,990,0.005\n"
                             "3,0.8,0.83,0.81,,85,6500,0.33,10.0,1000.5,0.0025\n";

bool is_nan(double v) { return std::isnan(v); }

std::size_t count_of(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

// The message of the input_error f throws ("" if it throws none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const evsnn::input_error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

struct plot_dir {
  fs::path path;
  plot_dir() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    path = fs::temp_directory_path() / ("evsnn_plot_test_" + std::to_string(rd()) + "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~plot_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  plot_dir(const plot_dir&) = delete;
  plot_dir& operator=(const plot_dir&) = delete;
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
    return path / name;
  }
};

// p in single quotes for the shell.
std::string quote(const fs::path& p) {
  std::string out = "'";
  for (char c : p.string()) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  out += '\'';
  return out;
}

std::string slurp_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct cli_result {
  int status = -1;
  std::string out, err;
};

cli_result run_plot(const plot_dir& d, const std::string& args) {
  const fs::path out = d.path / "stdout.txt", err = d.path / "stderr.txt";
  const std::string cmd =
      quote(EVSNN_BINARY_DIR "/evsnn") + " plot " + args + " > " + quote(out) + " 2> " + quote(err);
  const int raw = std::system(cmd.c_str());
  cli_result r;
  r.status = (raw != -1 && WIFEXITED(raw)) ? WEXITSTATUS(raw) : -1;
  r.out = slurp_file(out);
  r.err = slurp_file(err);
  fs::remove(out);
  fs::remove(err);
  return r;
}

}  // namespace

TEST_CASE("training log CSV: every column, epoch 0 with empty cells") {
  const training_log log = parse_training_log_csv(full_log, "log.csv");
  REQUIRE(log.epochs == std::vector<double>{0, 1, 2, 3});
  REQUIRE(log.columns.size() == 10);
  CHECK(log.columns[0].name == "loss");
  const training_column* loss = log.find("loss");
  REQUIRE(loss);
  CHECK(is_nan(loss->values[0]));
  CHECK(loss->values[3] == 0.8);
  CHECK(loss->measured() == 3);
  const training_column* val = log.find("validation_accuracy");
  REQUIRE(val);
  CHECK(val->measured() == 2);
  CHECK(is_nan(val->values[1]));
  CHECK(val->values[2] == 0.72);
  CHECK(log.find("samples_per_s")->values[3] == 1000.5);
  CHECK(log.find("nonexistent") == nullptr);
}

TEST_CASE("training log CSV: reordered and extra columns, a missing optional column, CRLF, quotes, blank lines") {
  const std::string text =
      "\xEF\xBB\xBFtest_accuracy, note ,epoch,loss,rule\r\n"
      "0.5,\"first, with comma\",2,1.5,7\r\n"
      "\r\n"
      "0.25,plain,1,+2.5e0,8\r\n";
  const training_log log = parse_training_log_csv(text, "x.csv");
  REQUIRE(log.epochs == std::vector<double>{1, 2});  // sorted by epoch
  CHECK(log.find("loss")->values == std::vector<double>{2.5, 1.5});
  CHECK(log.find("test_accuracy")->values == std::vector<double>{0.25, 0.5});
  CHECK(log.find("train_accuracy") == nullptr);
  const training_column* note = log.find("note");
  REQUIRE(note);
  CHECK_FALSE(note->numeric);
  CHECK(contains(note->error, "x.csv:2:5: note: "));
  CHECK(log.find("rule")->numeric);
  CHECK(log.find("rule")->values == std::vector<double>{8, 7});
  // A text column is not offered for plotting; asking for it gives its error.
  const auto avail = available_metrics(log);
  CHECK(avail == std::vector<std::string>{"test_accuracy", "loss", "rule", "accuracy"});
  CHECK(contains(error_of([&] { plan_panels(log, {{"note"}, ""}); }), "x.csv:2:5: note:"));
}

TEST_CASE("training log JSON: nulls, missing and extra keys") {
  const std::string text = R"({"format": "evsnn-train-log/1", "run": "abc", "epochs": [
    {"epoch": 0, "loss": null, "train_accuracy": null, "test_accuracy": 0.1, "tag": "x"},
    {"epoch": 2, "loss": 1.0, "train_accuracy": 0.7, "test_accuracy": 0.72, "custom": 3},
    {"epoch": 1, "loss": 1.5, "test_accuracy": 0.5}
  ]})";
  const training_log log = parse_training_log_json(text, "log.json");
  REQUIRE(log.epochs == std::vector<double>{0, 1, 2});
  const training_column* loss = log.find("loss");
  REQUIRE(loss);
  CHECK(is_nan(loss->values[0]));
  CHECK(loss->values[1] == 1.5);
  CHECK(loss->values[2] == 1.0);
  CHECK(is_nan(log.find("train_accuracy")->values[1]));  // key missing
  CHECK(log.find("custom")->measured() == 1);
  CHECK_FALSE(log.find("tag")->numeric);
  CHECK(contains(log.find("tag")->error, "log.json: /epochs/0/tag: expected a number or null"));
  // Known columns first, in the order evsnn train writes them.
  CHECK(log.columns[0].name == "loss");
  CHECK(log.columns[1].name == "train_accuracy");
  CHECK(log.columns[2].name == "test_accuracy");
}

TEST_CASE("training log: errors are one line naming the file and the place") {
  auto csv_error = [](const std::string& text) { return error_of([&] { parse_training_log_csv(text, "log.csv"); }); };
  auto json_error = [](const std::string& text) { return error_of([&] { parse_training_log_json(text, "log.json"); }); };
  CHECK(contains(csv_error("loss,test_accuracy\n1,0.5\n"), "log.csv:1: missing required column 'epoch'"));
  CHECK(contains(csv_error("epoch,loss\n1,0.5\n2,abc\n"), "log.csv:3:3: loss: 'abc' is not a number"));
  CHECK(contains(csv_error("epoch,loss\n1,nan\n"), "log.csv:2:3: loss: 'nan' is not a finite number"));
  CHECK(contains(csv_error("epoch,loss\n1,-inf\n"), "log.csv:2:3: loss: '-inf' is not a finite number"));
  CHECK(contains(csv_error("epoch,loss\n1,1e999\n"), "log.csv:2:3: loss: '1e999' is not a finite number"));
  CHECK(contains(csv_error("epoch,loss\n"), "log.csv: no data rows"));
  CHECK(contains(csv_error(""), "log.csv: empty file"));
  CHECK(contains(csv_error("\n\n"), "log.csv: empty file"));
  CHECK(contains(csv_error("epoch,loss\n1\n"), "log.csv:2: 1 field, the header has 2"));
  CHECK(contains(csv_error("epoch,loss\n1.5,2\n"), "log.csv:2:1: epoch: 1.5 is not a whole number >= 0"));
  CHECK(contains(csv_error("epoch,loss\n-1,2\n"), "log.csv:2:1: epoch: -1 is not a whole number >= 0"));
  CHECK(contains(csv_error("epoch,loss\n,2\n"), "log.csv:2:1: epoch: empty"));
  CHECK(contains(csv_error("epoch,test_accuracy\n1,97.5\n"), "log.csv:2:3: test_accuracy: 97.5 is not a fraction in [0, 1]"));
  CHECK(contains(csv_error("epoch,loss,loss\n1,2,3\n"), "log.csv:1:12: column 'loss' appears twice"));
  CHECK(contains(csv_error("epoch,\"loss\n"), "log.csv:1:7: unterminated quoted field"));

  CHECK(contains(json_error("{\"format\": \"evsnn-train-log/1\",\n \"epochs\": [}"), "log.json: byte 45: parse error at line 2, column"));
  CHECK(contains(json_error(R"({"epochs": []})"), "log.json: /format: missing"));
  CHECK(contains(json_error(R"({"format": "other/1", "epochs": []})"), "log.json: /format: expected \"evsnn-train-log/1\""));
  CHECK(contains(json_error(R"({"format": "evsnn-train-log/1", "epochs": []})"), "log.json: /epochs: no data rows"));
  CHECK(contains(json_error(R"({"format": "evsnn-train-log/1"})"), "log.json: /epochs: missing"));
  CHECK(contains(json_error(R"({"format": "evsnn-train-log/1", "epochs": [{"loss": 1}]})"),
                 "log.json: /epochs/0: missing required key 'epoch'"));
  CHECK(contains(json_error(R"({"format": "evsnn-train-log/1", "epochs": [{"epoch": 1, "loss": "abc"}]})"),
                 "log.json: /epochs/0/loss: expected a number or null, got \"abc\""));
  CHECK(contains(json_error(R"({"format": "evsnn-train-log/1", "epochs": [{"epoch": 1}, 3]})"),
                 "log.json: /epochs/1: expected an object"));
  CHECK(contains(json_error(R"({"format": "evsnn-train-log/1", "epochs": [{"epoch": 1, "test_accuracy": 2}]})"),
                 "log.json: /epochs/0/test_accuracy: 2 is not a fraction in [0, 1]"));
  CHECK(contains(json_error(R"({"format": "evsnn-train-log/1", "epochs": [{"epoch": 1, "loss": 1e999}]})"),
                 "log.json: /epochs/0/loss: number overflow parsing '1e999'"));

  CHECK(contains(error_of([] { load_training_log("/nonexistent/dir/log.csv"); }), "/nonexistent/dir/log.csv: cannot open file"));
  for (const std::string& e : {csv_error("epoch,loss\n2,abc\n"), json_error("{")}) CHECK(e.find('\n') == std::string::npos);
}

TEST_CASE("nice_axis: round steps, covering range, degenerate ranges widened") {
  axis_scale a = nice_axis(0, 97, 5);
  CHECK(a.step == 20);
  CHECK(a.lo == 0);
  CHECK(a.hi == 100);
  CHECK(a.ticks == std::vector<double>{0, 20, 40, 60, 80, 100});

  a = nice_axis(0.1234, 0.9876, 5);
  CHECK(a.step == doctest::Approx(0.2));
  CHECK(a.lo == 0);
  CHECK(a.hi == doctest::Approx(1.0));
  REQUIRE(a.ticks.size() == 6);
  CHECK(format_tick(a.ticks[3], a.step) == "0.6");

  a = nice_axis(1, 3, 6, 1.0);  // epochs: never a half step
  CHECK(a.step == 1);
  CHECK(a.ticks == std::vector<double>{1, 2, 3});

  for (double v : {0.0, 3.0, -2.5, 0.97, 1234567.0}) {  // one point or a constant series
    CAPTURE(v);
    a = nice_axis(v, v, 5);
    CHECK(a.lo < v);
    CHECK(a.hi > v);
  }

  // Property: on random ranges the step is 1, 2 or 5 x 10^k, ticks are multiples of it and cover the data.
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-3, 3);
  for (int i = 0; i < 500; ++i) {
    const double scale = std::pow(10.0, std::round(u(rng) * 2));
    double lo = u(rng) * scale, hi = u(rng) * scale;
    if (lo > hi) std::swap(lo, hi);
    a = nice_axis(lo, hi, 5);
    CAPTURE(lo);
    CAPTURE(hi);
    const double mantissa = a.step / std::pow(10.0, std::floor(std::log10(a.step) + 1e-9));
    CHECK((std::fabs(mantissa - 1) < 1e-9 || std::fabs(mantissa - 2) < 1e-9 || std::fabs(mantissa - 5) < 1e-9));
    CHECK(a.lo <= lo + 1e-9 * std::fabs(lo));
    CHECK(a.hi >= hi - 1e-9 * std::fabs(hi));
    CHECK(a.ticks.size() >= 2);
    CHECK(a.ticks.size() <= 12);
    for (double t : a.ticks) CHECK(std::fabs(t / a.step - std::round(t / a.step)) < 1e-6);
  }
}

TEST_CASE("format_tick: no more digits than the step needs") {
  CHECK(format_tick(0.30000000000000004, 0.1) == "0.3");
  CHECK(format_tick(40, 20) == "40");
  CHECK(format_tick(0, 0.25) == "0");
  CHECK(format_tick(-1e-17, 0.1) == "0");
  CHECK(format_tick(1500, 500) == "1500");
  CHECK(format_tick(25000, 5000) == "25k");
  CHECK(format_tick(1.2e6, 2e5) == "1.2M");
  CHECK(format_tick(0.0005, 0.0001) == "0.0005");
  CHECK(format_tick(2.5e-6, 5e-7) == "2.5e-06");
}

TEST_CASE("plan_panels: default loss + accuracy, --metrics panels, unknown metric lists the available ones") {
  const training_log log = parse_training_log_csv(full_log, "log.csv");
  auto p = plan_panels(log, {});
  REQUIRE(p.size() == 2);
  CHECK(p[0].columns == std::vector<std::string>{"loss"});
  CHECK_FALSE(p[0].accuracy);
  CHECK(p[1].accuracy);
  CHECK(p[1].columns == std::vector<std::string>{"train_accuracy", "test_accuracy", "validation_accuracy"});

  p = plan_panels(log, {{"test_accuracy", "spikes_per_sample", "train_accuracy", "lr", "test_accuracy"}, ""});
  REQUIRE(p.size() == 3);
  CHECK(p[0].accuracy);
  CHECK(p[0].columns == std::vector<std::string>{"test_accuracy", "train_accuracy"});
  CHECK(p[1].columns == std::vector<std::string>{"spikes_per_sample"});
  CHECK(p[2].columns == std::vector<std::string>{"lr"});

  p = plan_panels(log, {{"accuracy"}, ""});
  REQUIRE(p.size() == 1);
  CHECK(p[0].columns.size() == 3);

  const std::string e = error_of([&] { plan_panels(log, {{"loss", "acuracy"}, ""}); });
  CHECK(contains(e, "unknown metric 'acuracy'"));
  CHECK(contains(e, "loss, train_accuracy, test_accuracy, validation_accuracy, spikes_per_sample"));
  CHECK(contains(e, "lr, accuracy"));

  // Only accuracy measured: one panel by default; no loss or accuracy at all: an error naming the file.
  const training_log acc_only = parse_training_log_csv("epoch,loss,test_accuracy\n0,,0.1\n1,,0.5\n", "a.csv");
  CHECK(plan_panels(acc_only, {}).size() == 1);
  CHECK(contains(error_of([&] { plan_panels(acc_only, {{"loss"}, ""}); }), "a.csv: --metrics loss: the column has no values"));
  const training_log none = parse_training_log_csv("epoch,lr\n1,0.1\n", "n.csv");
  CHECK(contains(error_of([&] { plan_panels(none, {}); }), "n.csv: no loss or accuracy values to plot"));
  CHECK(plan_panels(none, {{"lr"}, ""}).size() == 1);
}

TEST_CASE("training_plot_svg: a well-formed figure with one polyline per series and the escaped title") {
  const training_log log = parse_training_log_csv(full_log, "runs/log.csv");
  const auto panels = plan_panels(log, {});
  const std::string svg = training_plot_svg(log, panels, "MNIST <784-400-10> & STDP \"run 1\"");
  CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
  CHECK(svg.substr(svg.size() - 7) == "</svg>\n");
  CHECK(count_of(svg, "<polyline") == 4);  // loss, train, test, validation
  CHECK(contains(svg, "MNIST &lt;784-400-10&gt; &amp; STDP &quot;run 1&quot;"));
  CHECK(count_of(svg, "<g") == count_of(svg, "</g>"));
  CHECK(count_of(svg, "<text") == count_of(svg, "</text>"));
  // One marker per measured point: loss 3, train 3, test 4, validation 2 (+ one legend marker per series).
  CHECK(count_of(svg, "<circle") == 3 + 3 + 4 + 2 + 4);
  CHECK(contains(svg, ">epoch</text>"));
  CHECK(contains(svg, ">accuracy (%)</text>"));
  CHECK(contains(svg, ": 81.00% at epoch 3"));      // test accuracy, last value
  CHECK(contains(svg, "validation</tspan>: 72.00% at epoch 2"));
  CHECK_FALSE(std::regex_search(svg, std::regex("\"-?(nan|inf)|,-?(nan|inf)")));
  // Default title: the log's file name.
  CHECK(contains(training_plot_svg(log, panels, ""), ">log.csv</text>"));

  // One point and constant series: finite coordinates everywhere.
  for (const std::string& text : {std::string("epoch,loss,test_accuracy\n1,0.5,1\n"),
                                  std::string("epoch,loss,test_accuracy\n0,,0\n1,2,0\n2,2,0\n")}) {
    const training_log one = parse_training_log_csv(text, "one.csv");
    const std::string s = training_plot_svg(one, plan_panels(one, {}), "");
    CHECK_FALSE(std::regex_search(s, std::regex("\"-?(nan|inf)|,-?(nan|inf)")));
    CHECK(count_of(s, "<polyline") == 2);
  }
}

TEST_CASE("evsnn plot: end to end, and bad input exits 2 with one line") {
  plot_dir d;
  const fs::path log = d.write("train log.csv", full_log);
  const fs::path svg = d.path / "fig.svg";
  auto r = run_plot(d, quote(log) + " --svg " + quote(svg) + " --title 'Run <1>'");
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(r.err.empty());
  CHECK(count_of(r.out, "\n") == 1);
  CHECK(contains(r.out, "wrote " + svg.string() + ": 2 panels (loss; accuracy (train_accuracy, test_accuracy, validation_accuracy))"));
  const std::string s = slurp_file(svg);
  CHECK(s.rfind("<svg", 0) == 0);
  CHECK(contains(s, "Run &lt;1&gt;"));
  CHECK(count_of(s, "<polyline") == 4);

  const fs::path json_log = d.write("log.JSON", R"({"format": "evsnn-train-log/1", "epochs": [
      {"epoch": 1, "loss": 2.0, "test_accuracy": 0.4, "spikes_per_sample": 10},
      {"epoch": 2, "loss": 1.0, "test_accuracy": 0.6, "spikes_per_sample": 12}]})");
  r = run_plot(d, quote(json_log) + " --svg " + quote(svg) + " --metrics loss,spikes_per_sample,test_accuracy");
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(contains(r.out, "3 panels"));
  CHECK(count_of(slurp_file(svg), "<polyline") == 3);
  // Only the outputs and inputs are left: no temporary files.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(d.path)) ++files;
  CHECK(files == 3);

  auto check_error = [&](const std::string& args, const std::string& expect) {
    CAPTURE(args);
    const auto e = run_plot(d, args);
    CHECK(e.status == 2);
    CHECK(e.out.empty());
    CHECK(count_of(e.err, "\n") == 1);
    CHECK(e.err.rfind("evsnn: error: ", 0) == 0);
    CHECK_MESSAGE(contains(e.err, expect), e.err);
  };
  const fs::path bad = d.write("bad.csv", "epoch,loss\n1,0.5\n2,oops\n");
  check_error(quote(bad) + " --svg " + quote(d.path / "b.svg"), "bad.csv:3:3: loss: 'oops' is not a number");
  CHECK_FALSE(fs::exists(d.path / "b.svg"));
  check_error(quote(d.path / "missing.csv") + " --svg " + quote(svg), "missing.csv: cannot open file");
  check_error(quote(log) + " --svg " + quote(svg) + " --metrics loss,bogus", "unknown metric 'bogus'");
  const fs::path empty = d.write("empty.csv", full_header);
  check_error(quote(empty) + " --svg " + quote(svg), "no data rows");
  check_error(quote(log), "--svg");
  check_error(quote(log) + " --svg " + quote(d.path / "no" / "dir" / "x.svg"), "x.svg");

  const auto help = run_plot(d, "--help");
  CHECK(help.status == 0);
  CHECK(contains(help.out, "--metrics"));
}
