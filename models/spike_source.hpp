#pragma once
// spike_source: a population of input neurons that spike on their own, in one of three modes:
//  - replay: a fixed list of (time_ms, channel, grade) events, e.g. from a CSV file
//    ("time_ms,channel[,grade]", one header line allowed), times relative to each sample's begin;
//  - poisson: every neuron fires as an independent Poisson process at rate_hz, drawn as one merged
//    process (exponential gaps at size * rate, uniformly chosen neuron), seeded per sample;
//  - input: the events a presenter sets for each sample (set_input).
// Only one queue entry per population is pending at any time (the next spike time), never one per
// neuron. Same-time events are emitted in list order. Invariants: replay events sorted by
// (time, channel), channel < size, time >= 0; a pending wakeup carries version_, bumped on reset.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/input_event.hpp"
#include "engine/population.hpp"
#include "engine/rng.hpp"

namespace evsnn {

class spike_source final : public population {
 public:
  enum class mode { replay, poisson, input };

  static std::unique_ptr<spike_source> replay(std::string name, std::uint32_t size, std::vector<input_event> events);
  static std::unique_ptr<spike_source> poisson(std::string name, std::uint32_t size, double rate_hz);
  static std::unique_ptr<spike_source> input(std::string name, std::uint32_t size);

  const char* model() const override { return "spike_source"; }
  bool takes_synaptic_input() const override { return false; }
  mode source_mode() const { return mode_; }
  double rate_hz() const { return rate_hz_; }
  std::span<const input_event> events() const { return events_; }

  void reset(double t_ms) override;
  void begin_sample(double t_ms, std::uint64_t seed) override;
  void deliver_dense(double t_ms, std::span<const double> w, float scale) override;
  void deliver_sparse(double t_ms, std::span<const std::uint32_t> post, std::span<const double> w,
                      float scale) override;
  void wakeup(double t_ms, std::uint32_t neuron, std::uint32_t version) override;
  double potential(std::uint32_t, double) const override { return 0.0; }
  bool accepts_input() const override { return mode_ == mode::input; }
  void set_input(std::span<const input_event> events) override { events_ = events; }
  // A live stream (input mode; evsnn serve): adds events, times relative to the sample's begin and not before the
  // simulator's now, to those not yet emitted, merged in (time, channel) order; they are emitted as a replay
  // list's are. Emitted events are dropped from memory as the stream advances. When the earliest pending event
  // changes (the stream was idle, or an event comes before the one queued), its wakeup is queued afresh.
  void stream_input(std::span<const input_event> events);
  // Events streamed and not yet emitted.
  std::size_t pending_input() const { return events_.size() - cursor_; }
  // Replays the same events (replay, input: those set now) or regenerates the same Poisson trains.
  std::unique_ptr<stepped_population> make_stepped(double dt_ms) const override;

 private:
  spike_source(std::string name, std::uint32_t size, mode m);
  void schedule_next_replay();

  mode mode_;
  std::vector<input_event> owned_events_;
  std::span<const input_event> events_;
  std::size_t cursor_ = 0;
  double begin_ms_ = 0.0;
  double rate_hz_ = 0.0;
  rng rng_{0};
  std::uint32_t version_ = 0;
};

// Reads "time_ms,channel[,grade]" lines (an optional header line first); errors name file and line.
std::vector<input_event> read_spike_csv(const std::string& path, std::uint32_t channels);

}  // namespace evsnn
