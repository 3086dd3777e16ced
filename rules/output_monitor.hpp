#pragma once
// output_monitor: a hook that records what a layer chain's output layer did during one sample — spike
// counts and first spike times (relative to the sample's begin) of a spiking output, or the readout
// values at the sample's end of an li output — for the loss to read.
// Invariants: after bind(), the vectors have one entry per output neuron; activity() views them and
// stays valid until the next sample begins.
#include <cstdint>
#include <vector>

#include "engine/hook.hpp"
#include "engine/population.hpp"
#include "engine/simulator.hpp"
#include "rules/layer_chain.hpp"
#include "rules/loss.hpp"

namespace evsnn::rules {

class output_monitor final : public hook {
 public:
  // Subscribes to sim (whose network holds chain).
  void bind(simulator& sim, const layer_chain& chain);
  void on_sample_begin(double t_ms, std::uint64_t sample) override;
  void on_post(const post_context& ctx) override;
  void on_sample_end(double t_ms, std::uint64_t sample) override;
  output_activity activity(double duration_ms) const;

 private:
  const population* pop_ = nullptr;
  bool readout_ = false;
  double t0_ms_ = 0.0;
  std::vector<std::uint32_t> counts_;
  std::vector<double> first_ms_, values_;
};

}  // namespace evsnn::rules
