// serve_session: the protocol's semantics without sockets. With client timestamps the spikes equal a replay
// run's bit for bit however the events are cut into frames (and after a reset); advance and bye answer after
// the spikes they cover; weights and counters are read back; plasticity switches off; paced time follows the
// given wall clock; the output cap pauses a timestamp stream without loss and drops (counted) when paced; the
// pending-input cap; every protocol error is one error frame and closes the session.
#include <doctest/doctest.h>

#include <random>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/network_loader.hpp"
#include "engine/simulator.hpp"
#include "models/builtin_models.hpp"
#include "rules/plasticity_rules.hpp"
#include "tools/serve_session.hpp"

using namespace evsnn;
using namespace evsnn::cli;
using namespace evsnn::cli::wire;
using nlohmann::json;

namespace {

const model_registry models = builtin_model_registry();
const plasticity_registry rules = rules::builtin_plasticity_registry();

// 6 inputs -> 5 cuba_lif with recurrence and delays -> 2 lif_alpha; optionally STDP on the first projection.
json net_doc(bool plastic = false) {
  json d = json::parse(R"({"format": "evsnn-network/1", "seed": 5, "duration_ms": 60,
    "populations": [
      {"name": "in", "model": "spike_source", "size": 6, "params": {"external": true}},
      {"name": "h", "model": "cuba_lif", "size": 5, "params": {"tau_mem_ms": 10, "tau_syn_ms": 3, "threshold": 0.4}},
      {"name": "o", "model": "lif_alpha", "size": 2, "params": {"tau_mem_ms": 8, "threshold": 0.3}}],
    "projections": [
      {"name": "in_h", "pre": "in", "post": "h", "delay_ms": 1,
       "weights": {"init": "uniform", "low": 0.0, "high": 0.5, "seed": 1}},
      {"name": "rec", "pre": "h", "post": "h", "delay_ms": 2.5,
       "weights": {"init": "normal", "mean": 0.0, "std": 0.2, "p_connect": 0.5, "seed": 2}},
      {"pre": "h", "post": "o", "delay_ms": 0.5, "weights": {"init": "uniform", "low": 0.0, "high": 0.6, "seed": 3}}]})");
  if (plastic)
    d["projections"][0]["plasticity"] = {{"rule", "stdp"}, {"a_plus", 0.01}, {"a_minus", 0.012}, {"w_min", 0.0}, {"w_max", 1.0}};
  return d;
}

std::vector<input_event> some_events(std::uint32_t seed, std::size_t n) {
  std::mt19937 g(seed);
  std::vector<input_event> ev(n);
  for (auto& e : ev) {
    e.time_ms = std::uniform_real_distribution<double>(0.0, 50.0)(g);
    e.channel = g() % 6;
  }
  ev.push_back({10.0, 1, 1.0f});  // two at one time
  ev.push_back({10.0, 4, 1.0f});
  std::stable_sort(ev.begin(), ev.end(), [](auto& a, auto& b) {
    return a.time_ms < b.time_ms || (a.time_ms == b.time_ms && a.channel < b.channel);
  });
  return ev;
}

// The spikes of `evsnn run` replaying the events for duration_ms.
std::vector<spike_record> replayed(const json& doc, const std::vector<input_event>& ev, double duration_ms) {
  json d = doc;
  json list = json::array();
  for (const auto& e : ev) list.push_back({e.time_ms, e.channel});
  d["populations"][0]["params"] = {{"spikes", list}};
  auto net = build_network(d, "net.json", ".", models, &rules);
  simulator sim(*net, net->seed);
  sim.record_spikes(true);
  sim.run(duration_ms);
  return sim.spikes();
}

struct received {
  std::vector<spike_record> spikes;
  std::vector<frame_type> types;
  std::vector<std::vector<std::uint8_t>> payloads;
};

struct client {
  serve_session s;
  received got;
  double wall = 0.0;
  explicit client(const json& doc = net_doc(), serve_limits limits = {})
      : s(std::make_shared<const json>(doc), "net.json", ".", models, rules, "", limits) {}
  // Hands bytes to the session as a server would, runs its work, and collects what it sent.
  void send(const std::vector<std::uint8_t>& bytes) {
    frame_parser p;
    p.feed(bytes);
    while (auto f = p.next()) s.handle(*f, wall);
    drain();
  }
  void drain() {
    for (int k = 0; k < 100000 && s.work(wall); ++k) take();
    take();
  }
  void take() {
    frame_parser p(1u << 30);
    p.feed(s.output());
    s.output().clear();
    while (auto f = p.next()) {
      got.types.push_back(f->type);
      got.payloads.emplace_back(f->payload.begin(), f->payload.end());
      if (f->type != frame_type::spikes) continue;
      payload_reader r(f->payload);
      const std::uint32_t n = r.u32();
      for (std::uint32_t k = 0; k < n; ++k) {
        spike_record sp;
        sp.time_ms = r.f64();
        sp.population = r.u32();
        sp.neuron = r.u32();
        got.spikes.push_back(sp);
      }
    }
  }
  bool has(frame_type t) const { return std::find(got.types.begin(), got.types.end(), t) != got.types.end(); }
  std::string error_text() const {
    for (std::size_t k = 0; k < got.types.size(); ++k)
      if (got.types[k] == frame_type::error) {
        payload_reader r(got.payloads[k]);
        const auto code = r.u16();
        return std::to_string(code) + " " + r.text(r.left());
      }
    return "(no error)";
  }
};

std::vector<std::uint8_t> hello(std::uint8_t mode = 0, double factor = 1.0) {
  std::vector<std::uint8_t> b;
  append_hello(b, mode, factor);
  return b;
}
std::vector<std::uint8_t> advance_bye(double t, bool bye = true) {
  std::vector<std::uint8_t> b;
  frame_writer(b, frame_type::advance).f64(t).finish();
  if (bye) frame_writer(b, frame_type::bye).finish();
  return b;
}

void check_same(const std::vector<spike_record>& a, const std::vector<spike_record>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    CHECK(a[k].time_ms == b[k].time_ms);
    CHECK(a[k].population == b[k].population);
    CHECK(a[k].neuron == b[k].neuron);
  }
}

}  // namespace

TEST_CASE("serve_session: client timestamps give evsnn run's spikes, however the events are framed") {
  const auto ev = some_events(3, 120);
  const auto want = replayed(net_doc(), ev, 60.0);
  REQUIRE(want.size() > ev.size() + 10);  // the network answers
  for (std::size_t per_frame : {std::size_t{1}, std::size_t{2}, std::size_t{7}, ev.size()}) {
    CAPTURE(per_frame);
    client c;
    c.send(hello());
    REQUIRE(c.has(frame_type::hello_ok));
    for (std::size_t at = 0; at < ev.size(); at += per_frame) {
      std::vector<std::uint8_t> b;
      append_events(b, std::span(ev).subspan(at, std::min(per_frame, ev.size() - at)));
      c.send(b);
      // Never ahead of the stream: every spike so far is before the latest event time.
      if (!c.got.spikes.empty()) CHECK(c.got.spikes.back().time_ms < ev[std::min(at + per_frame, ev.size()) - 1].time_ms);
    }
    c.send(advance_bye(60.0));
    check_same(c.got.spikes, want);
    CHECK(c.has(frame_type::advanced));
    CHECK(c.got.types.back() == frame_type::bye_ok);
    CHECK(c.s.closed());
  }
}

TEST_CASE("serve_session: reset, counters, weights and plasticity") {
  const auto ev = some_events(9, 60);
  client c(net_doc(true));
  c.send(hello());
  std::vector<std::uint8_t> b;
  append_events(b, ev);
  c.send(b);
  c.send(advance_bye(60.0, false));
  const auto first = c.got.spikes;
  frame_writer(b = {}, frame_type::reset).finish();
  c.send(b);
  CHECK(c.has(frame_type::reset_ok));
  c.got.spikes.clear();
  append_events(b = {}, ev);
  c.send(b);
  c.send(advance_bye(60.0, false));
  REQUIRE(c.got.spikes.size() > 20);
  // STDP changed the weights during the first pass: the second differs, but starts the same.
  CHECK(c.got.spikes.front().time_ms == first.front().time_ms);

  frame_writer(b = {}, frame_type::read_counters).finish();
  c.send(b);
  const auto& cp = c.got.payloads.back();
  const json counters = json::parse(std::string(cp.begin(), cp.end()));
  CHECK(counters["session"]["input_events"] == 2 * ev.size());
  CHECK(counters["session"]["spikes_sent"] == first.size() + c.got.spikes.size());

  auto read_weights = [&](const std::string& name) {
    std::vector<std::uint8_t> q;
    frame_writer(q, frame_type::read_weights).u16(static_cast<std::uint16_t>(name.size())).bytes(name).finish();
    c.got = {};
    c.send(q);
    std::vector<double> w;
    for (std::size_t k = 0; k < c.got.types.size(); ++k) {
      if (c.got.types[k] != frame_type::weights) continue;
      payload_reader r(c.got.payloads[k]);
      r.text(r.u16());
      r.u32(), r.u32();
      const std::uint64_t total = r.u64(), offset = r.u64();
      const std::uint32_t n = r.u32();
      CHECK(offset == w.size());
      for (std::uint32_t s = 0; s < n; ++s) r.u32(), r.u32(), w.push_back(r.f64());
      CHECK(w.size() <= total);
    }
    return w;
  };
  const auto w1 = read_weights("in_h");
  CHECK(w1.size() == 30);
  frame_writer(b = {}, frame_type::plasticity).u8(0).finish();
  c.send(b);
  CHECK(c.has(frame_type::plasticity_ok));
  append_events(b = {}, std::vector<input_event>{{70.0, 0, 1.0f}, {71.0, 1, 1.0f}, {72.0, 2, 1.0f}});
  c.send(b);
  c.send(advance_bye(90.0, false));
  CHECK(read_weights("in_h") == w1);  // frozen
  read_weights("nope");
  CHECK(c.error_text() == "8 no projection named 'nope'");
  CHECK(c.s.closed());
}

TEST_CASE("serve_session: paced time follows the wall clock; late events enter now") {
  client c;
  c.wall = 1000.0;
  c.send(hello(1, 2.0));  // twice real time
  std::vector<std::uint8_t> b;
  append_events_now(b, std::vector<input_event>{{0, 2, 1.0f}});
  c.wall = 1005.0;  // 10 ms simulated
  c.send(b);
  REQUIRE(!c.got.spikes.empty());
  CHECK(c.got.spikes.front().time_ms == 10.0);
  append_events(b = {}, std::vector<input_event>{{3.0, 1, 1.0f}, {40.0, 0, 1.0f}});
  c.wall = 1010.0;
  c.send(b);
  c.wall = 1030.0;  // 60 ms
  c.drain();
  std::vector<double> input_times;
  for (const auto& s : c.got.spikes)
    if (s.population == 0) input_times.push_back(s.time_ms);
  // The late event (3 ms, after 10 ms were simulated) enters just after the simulated time.
  CHECK(input_times == std::vector<double>{10.0, std::nextafter(10.0, 1e300), 40.0});
  c.send(advance_bye(70.0, false));
  CHECK(c.error_text().rfind("9 advance is for client timestamps", 0) == 0);
}

TEST_CASE("serve_session: input while a turn stopped part way enters after the time it reached") {
  // Found by fuzz_serve: a paced turn stopped by its event budget had simulated past the last completed target,
  // and a late event was queued before the simulator's time.
  serve_limits small;
  small.events_per_turn = 16;
  client c(net_doc(), small);
  c.send(hello(1, 1000.0));
  std::vector<std::uint8_t> b;
  std::vector<input_event> ev;
  for (int k = 0; k < 300; ++k) ev.push_back({k * 0.1, std::uint32_t(k % 6), 1.0f});
  append_events(b, ev);
  frame_parser p;
  p.feed(b);
  c.s.handle(*p.next(), c.wall);
  c.wall = 1.0;                  // 1000 ms simulated by the clock; the turn stops after 16 events
  CHECK(c.s.work(c.wall));
  c.take();
  const double reached = c.got.spikes.empty() ? 0.0 : c.got.spikes.back().time_ms;
  append_events(b = {}, std::vector<input_event>{{0.0, 1, 1.0f}});  // late
  c.send(b);
  CHECK(!c.s.closed());
  CHECK(c.error_text() == "(no error)");
  bool late_seen = false;
  for (const auto& s : c.got.spikes) late_seen |= s.population == 0 && s.neuron == 1 && s.time_ms > reached;
  CHECK(late_seen);
}

TEST_CASE("serve_session: output and input caps") {
  const auto ev = some_events(4, 400);
  const auto want = replayed(net_doc(), ev, 60.0);
  serve_limits small;
  small.max_output_bytes = 256;
  small.events_per_turn = 16;
  SUBCASE("timestamps: the simulation waits for the client; nothing is lost") {
    client c(net_doc(), small);
    c.send(hello());
    std::vector<std::uint8_t> b;
    append_events(b, ev);
    c.send(b);
    c.send(advance_bye(60.0));
    check_same(c.got.spikes, want);
  }
  SUBCASE("paced: spikes beyond the cap are dropped and counted") {
    client c(net_doc(), small);
    c.send(hello(1, 1.0));
    std::vector<std::uint8_t> b;
    append_events(b, ev);
    c.send(b);
    c.s.set_backlog(200);  // a client that does not read
    c.wall = 60.0;
    while (c.s.work(c.wall)) {
    }
    c.s.set_backlog(0);
    c.take();
    CHECK(c.has(frame_type::dropped));
    CHECK(c.got.spikes.size() < want.size());
  }
  SUBCASE("timestamps: piling more events at one time than the cap is an error") {
    serve_limits l;
    l.max_pending_events = 10;
    client c(net_doc(), l);
    c.send(hello());
    std::vector<std::uint8_t> b;
    append_events(b, std::vector<input_event>(12, input_event{5.0, 0, 1.0f}));
    c.send(b);
    CHECK(c.error_text().rfind("5 12 input events wait at 5 ms", 0) == 0);
  }
}

TEST_CASE("serve_session: protocol errors are one error frame, then the session is closed") {
  auto first_error = [](const std::vector<std::uint8_t>& bytes, bool hello_first = true) {
    client c;
    if (hello_first) c.send(hello());
    c.send(bytes);
    CHECK(c.s.closed());
    return c.error_text();
  };
  std::vector<std::uint8_t> b;
  append_events(b, std::vector<input_event>{{1.0, 0, 1.0f}});
  CHECK(first_error(b, false) == "4 the first frame must be hello");
  CHECK(first_error(hello()) == "4 a second hello");
  std::vector<std::uint8_t> v2;
  frame_writer(v2, frame_type::hello).u16(2).u8(0).f64(1).finish();
  CHECK(first_error(v2, false) == "4 protocol version 2; this server speaks 1");
  CHECK(first_error(hello(1, 0.0), false) == "4 real-time factor 0: must be in (0, 1e6]");
  append_events(b = {}, std::vector<input_event>{{1.0, 6, 1.0f}});
  CHECK(first_error(b) == "5 event 0: channel 6 out of range (input size 6)");
  append_events(b = {}, std::vector<input_event>{{-1.0, 0, 1.0f}});
  CHECK(first_error(b) == "5 event 0: time -1 ms is not in [0, 1e12]");
  append_events(b = {}, std::vector<input_event>{{1.0, 0, std::numeric_limits<float>::infinity()}});
  CHECK(first_error(b) == "5 event 0: grade is not finite");
  frame_writer(b = {}, frame_type::events).u32(2).f64(1).u32(0).f32(1).finish();
  CHECK(first_error(b) == "1 events frame: 2 events need 32 bytes, 16 follow");
  frame_writer(b = {}, frame_type::bye).u8(1).finish();
  CHECK(first_error(b) == "1 bye frame: 1 bytes after the last field");
  frame_writer(b = {}, static_cast<frame_type>(0x42)).finish();
  CHECK(first_error(b) == "3 unknown frame type 0x42");
  // Time runs one way: an event at or before the simulated time.
  append_events(b = {}, std::vector<input_event>{{1.0, 0, 1.0f}});
  frame_writer(b, frame_type::advance).f64(5.0).finish();
  append_events(b, std::vector<input_event>{{5.0, 0, 1.0f}});
  CHECK(first_error(b) == "5 event 0: time 5 ms is not after 5 ms, already simulated or announced complete by advance");
}
