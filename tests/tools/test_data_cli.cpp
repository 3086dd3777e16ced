// evsnn data info from the command line on data sets the probe of issue 11 used: sparse, huge
// labels (refused, or listed by the classes present), a folder holding only the test split, and
// input files that are folders or end lines with a lone CR.
#include <doctest/doctest.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/cli_process.hpp"

using evsnn::test::cli_temp_dir;
using evsnn::test::run_cli;
using evsnn::test::shell_quote;

namespace {
// IDX bytes: 0, 0, type 0x08, dimension count, big-endian dimensions, data.
std::string idx(const std::vector<std::uint32_t>& dims, const std::vector<unsigned char>& data) {
  std::string b{'\0', '\0', '\x08', static_cast<char>(dims.size())};
  for (auto d : dims)
    for (int s = 24; s >= 0; s -= 8) b += static_cast<char>((d >> s) & 0xff);
  b.append(data.begin(), data.end());
  return b;
}

// Whether some line of text consists of exactly these whitespace-separated words.
bool has_row(const std::string& text, const std::vector<std::string>& words) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream in(line);
    std::vector<std::string> got;
    for (std::string w; in >> w;) got.push_back(w);
    if (got == words) return true;
  }
  return false;
}
}  // namespace

TEST_CASE("data info: a 50-byte CSV with label 10^8 is one line and exit 2, not a 10^8-row table") {
  cli_temp_dir dir;
  const auto csv = dir.write("big.csv", "time_ms,channel,label\n1,0,100000000\n");
  const auto r = run_cli(dir, "data info " + shell_quote("{\"format\":\"csv\",\"train\":\"" + csv.string() + "\"}"));
  CHECK(r.status == 2);
  CHECK(r.err == "evsnn: error: " + csv.string() +
                     ": line 2: column 3: label 100000000 is too large: labels are class indices below 65536\n");
  CHECK(r.out.empty());
}

TEST_CASE("data info: sparse labels list the classes present, not every index below the largest") {
  cli_temp_dir dir;
  // Lone-CR line ends, read like any other.
  const auto csv = dir.write("sparse.csv", "sample,time_ms,channel,label\r0,1,0,0\r1,1,1,60000\r2,2,1,60000\r");
  const auto r = run_cli(dir, "data info " + shell_quote("{\"format\":\"csv\",\"train\":\"" + csv.string() + "\"}"));
  REQUIRE(r.status == 0);
  CHECK(r.out.find("classes   60001\n") != std::string::npos);
  CHECK(has_row(r.out, {"0", "1"}));
  CHECK(has_row(r.out, {"60000", "2"}));
  CHECK(r.out.find("(59999 classes below 60001 have no samples and no name)") != std::string::npos);
  CHECK(r.out.size() < 2000);
}

TEST_CASE("data info: a folder with only the t10k files shows the test split; asking for train names the files") {
  cli_temp_dir dir;
  std::vector<unsigned char> px(3 * 2 * 2, 200);
  dir.write("mnist/t10k-images-idx3-ubyte", idx({3, 2, 2}, px));
  dir.write("mnist/t10k-labels-idx1-ubyte", idx({3}, {4, 0, 9}));
  const std::string spec = shell_quote("mnist:path=" + (dir.path / "mnist").string());
  const auto r = run_cli(dir, "data info " + spec);
  CHECK(r.err.empty());
  REQUIRE(r.status == 0);
  CHECK(has_row(r.out, {"test", "3", "4.0", "[4,", "4]", "100.0", "[100,", "100]"}));
  CHECK(r.out.find("train") == std::string::npos);
  CHECK(has_row(r.out, {"9", "9", "1"}));  // class 9, named "9", one test sample
  const auto t = run_cli(dir, "data info " + spec + " --split train");
  CHECK(t.status == 2);
  CHECK(t.err == "evsnn: error: <command line>: /path: no training split: " + (dir.path / "mnist").string() +
                     " has no train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz] (see docs/datasets.md "
                     "for where to get it, or run tools/setup_data.sh)\n");
}

TEST_CASE("run: a spikes_csv that names a folder is one line and exit 2, not an empty input") {
  cli_temp_dir dir;
  std::filesystem::create_directories(dir.path / "spikes");
  const auto net = dir.write(
      "net.json",
      R"({"format": "evsnn-network/1", "duration_ms": 10, "populations": [
          {"name": "in", "model": "spike_source", "size": 2, "params": {"spikes_csv": "spikes"}}]})");
  const auto r = run_cli(dir, "run " + shell_quote(net.string()));
  CHECK(r.status == 2);
  CHECK(r.err.find((dir.path / "spikes").string() + ": is a folder, not a file") != std::string::npos);
}
