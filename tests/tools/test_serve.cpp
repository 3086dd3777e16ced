// evsnn serve and evsnn stream as real processes on loopback: a client replaying a CSV gets exactly the
// spikes.csv of `evsnn run`, two at once; malformed, truncated and oversized frames close only their own
// connection; a flooding client and a slow paced subscriber leave the server's memory bounded (drops counted);
// every client gets the .npy and CSV weights read at start (the files removed since);
// idle timeout; the client limit; SIGTERM sends every client a last frame, writes learned weights, exits 0.
#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tests/support/cli_process.hpp"
#include "tests/support/npy_bytes.hpp"
#include "tests/support/server_process.hpp"

namespace fs = std::filesystem;
using namespace evsnn::test;
using namespace evsnn::cli::wire;
using evsnn::input_event;
using nlohmann::json;

namespace {

const std::string small_dir = EVSNN_SOURCE_DIR "/examples/small/";

// examples/small/net.json with an external input (served) and with its CSV (run), in dir.
void write_networks(const cli_temp_dir& dir, bool plastic = false) {
  json d = json::parse(read_text(small_dir + "net.json"));
  d["projections"][0]["weights"] = {{"csv", small_dir + "weights_in.csv"}};
  if (plastic)
    d["projections"][0]["plasticity"] = {{"rule", "stdp"}, {"a_plus", 0.01}, {"a_minus", 0.012}, {"w_min", -5.0}, {"w_max", 5.0}};
  d["populations"][0]["params"] = {{"external", true}};
  dir.write("served.json", d.dump());
  d["populations"][0]["params"] = {{"spikes_csv", small_dir + "input.csv"}};
  dir.write("run.json", d.dump());
}

std::vector<std::uint8_t> hello(std::uint8_t mode = 0, double factor = 1.0) {
  std::vector<std::uint8_t> b;
  append_hello(b, mode, factor);
  return b;
}

// The bound on the server's memory growth: the frames it holds are at most a few MiB; AddressSanitizer keeps
// freed blocks in its quarantine (256 MB by default), so a sanitizer build gets a looser bound.
#if defined(__SANITIZE_ADDRESS__)
constexpr long rss_growth_kib = 512 * 1024;
#else
constexpr long rss_growth_kib = 64 * 1024;
#endif

void send_timeout(int fd, int ms) {
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

}  // namespace

TEST_CASE("evsnn serve: a streamed CSV gives evsnn run's spikes.csv byte for byte, two clients at once") {
  cli_temp_dir dir;
  write_networks(dir);
  REQUIRE(run_cli(dir, "run " + (dir.path / "run.json").string() + " --out " + (dir.path / "run").string()).status == 0);
  const std::string want = read_text(dir.path / "run" / "spikes.csv");
  REQUIRE(want.size() > 1000);
  server_process server({(dir.path / "served.json").string()}, dir.path);
  REQUIRE(server.port > 0);
  const std::string base = fmt::format("stream --port {} --events {}input.csv ", server.port, small_dir);
  cli_result a, b;
  const cli_temp_dir capture_a, capture_b;  // each client's stdout and stderr files: the two run at once
  std::thread ta([&] { a = run_cli(capture_a, base + "--out " + (dir.path / "a.csv").string()); });
  std::thread tb([&] { b = run_cli(capture_b, base + "--batch 1 --out " + (dir.path / "b.csv").string()); });
  ta.join();
  tb.join();
  CHECK(a.status == 0);
  CHECK(b.status == 0);
  CHECK(read_text(dir.path / "a.csv") == want);
  CHECK(read_text(dir.path / "b.csv") == want);
  CHECK(a.out.find("80 events sent") != std::string::npos);
  // Paced at 4x real time: every input event comes back, at or after its time.
  const cli_result p = run_cli(dir, base + "--paced --factor 4 --out " + (dir.path / "p.csv").string());
  CHECK(p.status == 0);
  const std::string paced = read_text(dir.path / "p.csv");
  std::size_t inputs = 0;
  for (std::size_t at = paced.find(",input,"); at != std::string::npos; at = paced.find(",input,", at + 1)) ++inputs;
  CHECK(inputs == 80);
  CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("evsnn serve: every client gets the weight files as they were at start, the files removed since") {
  // The input weights (20 x 10) as a float64 .npy file, then as a CSV file, next to the served network.
  std::vector<double> w;
  const std::string csv_text = read_text(small_dir + "weights_in.csv");
  std::istringstream csv(csv_text);
  for (std::string line; std::getline(csv, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream cells(line);
    for (std::string cell; std::getline(cells, cell, ',');) w.push_back(std::stod(cell));
  }
  REQUIRE(w.size() == 200);
  for (const bool npy : {true, false}) {
    CAPTURE(npy);
    cli_temp_dir dir;
    write_networks(dir);
    const std::string file = npy ? "w_in.npy" : "w_in.csv";
    dir.write(file, npy ? npy_file(dict("<f8", "(20, 10)"), f8(w)) : csv_text);
    json d = json::parse(read_text(dir.path / "served.json"));
    d["projections"][0]["weights"] = {{npy ? "npy" : "csv", file}};
    dir.write("served.json", d.dump());
    REQUIRE(run_cli(dir, "run " + (dir.path / "run.json").string() + " --out " + (dir.path / "run").string()).status ==
            0);
    const std::string want = read_text(dir.path / "run" / "spikes.csv");
    server_process server({(dir.path / "served.json").string(), "--quiet"}, dir.path);
    REQUIRE(server.port > 0);
    fs::remove(dir.path / file);
    const std::string base = fmt::format("stream --port {} --events {}input.csv ", server.port, small_dir);
    for (const char* name : {"a.csv", "b.csv"}) {
      const cli_result r = run_cli(dir, base + "--out " + (dir.path / name).string());
      CHECK(r.status == 0);
      CHECK(read_text(dir.path / name) == want);
    }
    CHECK(server.stop(SIGTERM) == 0);
  }
}

TEST_CASE("evsnn serve: malformed, truncated and oversized frames close only their own connection") {
  cli_temp_dir dir;
  write_networks(dir);
  server_process server({(dir.path / "served.json").string(), "--quiet"}, dir.path);
  REQUIRE(server.port > 0);
  {
    raw_client c(server.port);
    c.send({0, 0, 0, 0});  // length 0
    const auto frames = c.until_closed();
    REQUIRE(frames.size() == 1);
    CHECK(error_of_frame(frames[0]) == "1 a frame of length 0 (it needs at least its type byte)");
  }
  {
    raw_client c(server.port);
    c.send({0, 0, 0, 0x80, 1});  // 2 GiB claimed
    const auto frames = c.until_closed();
    REQUIRE(frames.size() == 1);
    CHECK(error_of_frame(frames[0]).rfind("2 a frame of 2147483648 bytes", 0) == 0);
  }
  {
    raw_client c(server.port);
    auto b = hello();
    b.push_back(0x42);  // a truncated frame, then the client leaves
    c.send(b);
    CHECK(c.next()->type == frame_type::hello_ok);
  }
  {
    raw_client c(server.port);
    auto b = hello();
    frame_writer(b, static_cast<frame_type>(0x42)).finish();
    c.send(b);
    const auto frames = c.until_closed();
    REQUIRE(frames.size() == 2);
    CHECK(error_of_frame(frames[1]) == "3 unknown frame type 0x42");
  }
  // The server still serves.
  const cli_result r = run_cli(dir, fmt::format("stream --port {} --events {}input.csv", server.port, small_dir));
  CHECK(r.status == 0);
  CHECK(server.stop(SIGINT) == 0);
}

TEST_CASE("evsnn serve: a flooding client and a slow paced subscriber leave memory bounded") {
  cli_temp_dir dir;
  write_networks(dir);
  server_process server({(dir.path / "served.json").string(), "--quiet", "--max-output-mb", "1", "--max-pending-events",
                         "20000"},
                        dir.path);
  REQUIRE(server.port > 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const long baseline = server.rss_kib();
  long peak = baseline;
  {
    // Timestamps, never reading: 60,000 events per frame at rising times until the server stops reading.
    raw_client c(server.port);
    send_timeout(c.fd, 1500);
    std::atomic<bool> done{false};
    std::atomic<std::size_t> sent{0};
    std::thread flood([&] {
      c.send(hello());
      std::vector<input_event> ev(max_events_per_frame);
      for (std::size_t f = 0; f < 200; ++f) {
        for (std::size_t k = 0; k < ev.size(); ++k) ev[k] = {double(f * ev.size() + k) * 1e-3, std::uint32_t(k % 20), 1.0f};
        std::vector<std::uint8_t> b;
        append_events(b, ev);
        if (!c.send(b)) break;
        ++sent;
      }
      done = true;
    });
    while (!done) {
      peak = std::max(peak, server.rss_kib());
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    flood.join();
    CHECK(sent < 200);  // back-pressure: the server stopped reading
    MESSAGE("flood: ", sent.load(), " frames of ", max_events_per_frame, " events accepted; server RSS ", baseline,
            " -> peak ", peak, " KiB");
  }
  CHECK(peak - baseline < rss_growth_kib);
  {
    // Paced at 1000x, reading nothing for a while: spikes beyond 1 MiB of output are dropped and counted.
    raw_client c(server.port);
    send_timeout(c.fd, 1500);
    c.send(hello(1, 1000.0));
    std::vector<input_event> ev(60000, input_event{0.0, 3, 1.0f});
    std::vector<std::uint8_t> b;
    for (int k = 0; k < 4; ++k) append_events_now(b, ev);
    c.send(b);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    peak = std::max(peak, server.rss_kib());
    frame_writer(b = {}, frame_type::bye).finish();
    c.send(b);
    const auto frames = c.until_closed();
    REQUIRE(!frames.empty());
    REQUIRE(frames.back().type == frame_type::bye_ok);
    const json summary = json::parse(std::string(frames.back().payload.begin(), frames.back().payload.end()));
    CHECK(summary["spikes_dropped"].get<std::uint64_t>() > 0);
    CHECK(summary["input_events"] == 240000);
    bool dropped_frame = false;
    for (const auto& f : frames) dropped_frame |= f.type == frame_type::dropped;
    CHECK(dropped_frame);
  }
  CHECK(peak - baseline < rss_growth_kib);
  CHECK(server.stop() == 0);
}

TEST_CASE("evsnn serve: idle timeout, client limit, SIGTERM writes learned weights") {
  cli_temp_dir dir;
  write_networks(dir, true);
  const fs::path out = dir.path / "weights";
  server_process server({(dir.path / "served.json").string(), "--idle-timeout-s", "0.5", "--max-clients", "2", "--out",
                         out.string()},
                        dir.path);
  REQUIRE(server.port > 0);
  {
    raw_client idle(server.port);
    idle.send(hello());
    CHECK(idle.next()->type == frame_type::hello_ok);
    const auto frames = idle.until_closed(3000);
    REQUIRE(frames.size() == 1);
    CHECK(error_of_frame(frames[0]) == "6 no frame for 0.5 s");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  raw_client a(server.port), b(server.port);
  a.send(hello());
  b.send(hello());
  REQUIRE(a.next()->type == frame_type::hello_ok);
  REQUIRE(b.next()->type == frame_type::hello_ok);
  raw_client c(server.port);
  const auto refused = c.until_closed(3000);
  REQUIRE(refused.size() == 1);
  CHECK(error_of_frame(refused[0]) == "11 the server has 2 clients, its limit");
  std::vector<std::uint8_t> ev;
  append_events(ev, std::vector<input_event>{{1.0, 0, 1.0f}, {1.5, 3, 1.0f}, {2.0, 5, 1.0f}, {30.0, 1, 1.0f}});
  frame_writer(ev, frame_type::advance).f64(40.0).finish();
  a.send(ev);
  for (auto f = a.next(); f && f->type != frame_type::advanced; f = a.next()) {
  }
  CHECK(server.stop(SIGTERM) == 0);
  const auto last_a = a.until_closed(3000);
  REQUIRE(!last_a.empty());
  CHECK(error_of_frame(last_a.back()) == "7 the server is shutting down");
  CHECK(fs::exists(out / "session-2" / "network.json"));
  CHECK(fs::exists(out / "session-3" / "network.json"));
  const std::string err = read_text(dir.path / "serve.err");
  CHECK(err.find("SIGTERM: shutting down") != std::string::npos);
}

TEST_CASE("evsnn serve / stream: help and refusals before listening") {
  cli_temp_dir dir;
  write_networks(dir);
  CHECK(run_cli(dir, "serve --help").status == 0);
  const cli_result h = run_cli(dir, "stream --help");
  CHECK(h.status == 0);
  CHECK(h.out.find("--paced") != std::string::npos);
  const cli_result no_input = run_cli(dir, "serve " + (dir.path / "run.json").string() + " --port 0");
  CHECK(no_input.status == 2);
  CHECK(no_input.err.find("0 populations take presented input (spike_source with \"external\": true)") !=
        std::string::npos);
  const cli_result refused = run_cli(dir, "stream --port 1 --events " + small_dir + "input.csv");
  CHECK(refused.status == 2);
  CHECK(refused.err.find("cannot connect to 127.0.0.1:1") != std::string::npos);
}
