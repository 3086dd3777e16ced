#pragma once
// Test support: a network that runs away without bound, for the bound on pending events (engine/simulator.hpp):
// two lif_alpha neurons exciting both through a 1 ms delay, no refractory period, started by one input spike
// at 1 ms. Each spike adds current, so they fire ever faster and the spikes in flight grow without limit
// (about 1 GB within 10 s of wall time when nothing stops it).
#include <nlohmann/json.hpp>

namespace evsnn::test {

inline nlohmann::json growing_runaway_network() {
  return nlohmann::json::parse(R"({"format": "evsnn-network/1", "duration_ms": 1000,
    "populations": [
      {"name": "in", "model": "spike_source", "size": 1, "params": {"spikes": [[1.0, 0]]}},
      {"name": "e", "model": "lif_alpha", "size": 2, "params": {"tau_mem_ms": 10, "threshold": 1}}],
    "projections": [
      {"pre": "in", "post": "e", "weights": [[20, 20]]},
      {"pre": "e", "post": "e", "delay_ms": 1, "weights": [[5, 5], [5, 5]]}]})");
}

}  // namespace evsnn::test
