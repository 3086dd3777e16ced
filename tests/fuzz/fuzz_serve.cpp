// libFuzzer target: the byte stream a client of `evsnn serve` sends, through the frame parser into a session
// (a small plastic network, both time modes, every frame type), as the server would feed it: bytes in
// chunks, each frame handled, the session worked, its output taken. Any input must give frames or one error
// frame: the session never crashes, its output always parses into whole frames of server types, nothing is
// sent after the session closed, and the parser never holds more than a frame.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "models/builtin_models.hpp"
#include "rules/plasticity_rules.hpp"
#include "tests/fuzz/fuzz_budget.hpp"
#include "tools/serve_session.hpp"

namespace {

std::shared_ptr<const nlohmann::json> network() {
  static const auto doc = std::make_shared<const nlohmann::json>(nlohmann::json::parse(R"({"format": "evsnn-network/1", "seed": 1,
    "populations": [
      {"name": "in", "model": "spike_source", "size": 4, "params": {"external": true}},
      {"name": "h", "model": "cuba_lif", "size": 3, "params": {"tau_mem_ms": 10, "tau_syn_ms": 3, "threshold": 0.3}},
      {"name": "o", "model": "lif_delta", "size": 2, "params": {"tau_mem_ms": 5, "threshold": 0.5}}],
    "projections": [
      {"name": "in_h", "pre": "in", "post": "h", "delay_ms": 1, "graded": true,
       "weights": [[0.5, 0.1, 0.0], [0.2, 0.6, 0.1], [0.0, 0.3, 0.7], [0.4, 0.4, 0.4]]},
      {"name": "rec", "pre": "h", "post": "h", "delay_ms": 0.5, "weights": [[0, -0.2, 0.1], [0.1, 0, -0.2], [0.3, 0.1, 0]]},
      {"name": "h_o", "pre": "h", "post": "o", "weights": [[0.6, 0.1], [0.1, 0.6], [0.3, 0.3]],
       "plasticity": {"rule": "stdp", "a_plus": 0.01, "a_minus": 0.012, "w_min": -2, "w_max": 2}}]})"));
  return doc;
}

bool server_type(evsnn::cli::wire::frame_type t) { return static_cast<std::uint8_t>(t) >= 0x81; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace evsnn::cli;
  static const evsnn::model_registry models = evsnn::builtin_model_registry();
  static const evsnn::plasticity_registry rules = evsnn::rules::builtin_plasticity_registry();
  serve_limits limits;
  limits.max_pending_events = 4096;
  limits.max_output_bytes = 1 << 16;
  limits.events_per_turn = 2000;
  serve_session session(network(), "fuzz.json", evsnn::fuzz::no_dir, models, rules, "", limits);
  wire::frame_parser parser(1 << 16);
  wire::frame_parser out_parser(wire::max_frame_bytes);
  double wall = 0.0;
  bool closed = false;
  int turns_left = 256;
  auto take = [&] {
    auto& out = session.output();
    if (closed && !out.empty()) __builtin_trap();  // nothing after the last frame
    out_parser.feed(out);
    out.clear();
    while (auto f = out_parser.next())
      if (!server_type(f->type)) __builtin_trap();
    if (out_parser.failed()) __builtin_trap();
    closed = session.closed();
  };
  // The first byte sets the chunk size the bytes arrive in.
  const std::size_t chunk = size > 0 ? 1 + data[0] % 64 : 1;
  for (std::size_t at = size > 0 ? 1 : 0; at < size && !session.closed(); at += chunk) {
    parser.feed({data + at, std::min(chunk, size - at)});
    if (parser.buffered() > (1u << 16) + 4 + chunk) __builtin_trap();
    while (!session.closed()) {
      auto f = parser.next();
      if (!f) break;
      session.handle(*f, wall);
      take();
    }
    if (parser.failed()) session.reject(parser.failure(), parser.failure_text());
    wall += 0.25;
    // At most 256 turns of 2,000 events per input in all: a runaway network (a grade of 3e38 keeps a neuron
    // firing at every representable time) must not make one input run for minutes.
    for (int turn = 0; turn < 64 && turns_left > 0 && session.work(wall); ++turn, --turns_left) take();
    take();
  }
  if (!session.closed()) session.shutdown();
  take();
  if (out_parser.buffered() != 0) __builtin_trap();  // whole frames only
  return 0;
}
