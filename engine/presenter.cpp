#include "engine/presenter.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "engine/error.hpp"

namespace evsnn {

presenter::presenter(simulator& sim, std::uint32_t input_population, state_policy policy, double gap_ms)
    : sim_(sim), input_(input_population), policy_(policy), gap_ms_(gap_ms) {
  population& pop = sim_.net().pop(input_);
  if (!pop.accepts_input())
    throw input_error(fmt::format("population '{}' ({}) does not take presented input; use a spike_source with "
                                  "\"external\": true",
                                  pop.name(), pop.model()));
  if (!(gap_ms >= 0.0) || !std::isfinite(gap_ms)) throw input_error(fmt::format("gap_ms must be >= 0, got {}", gap_ms));
}

double presenter::present(std::span<const input_event> events, double duration_ms) {
  return run(events, duration_ms, false);
}

double presenter::present_drained(std::span<const input_event> events, double min_duration_ms) {
  return run(events, min_duration_ms, true);
}

void presenter::validate(std::span<const input_event> events, double duration_ms) const {
  const std::uint64_t index = presented_;
  const std::uint32_t size = sim_.net().pop(input_).size();
  if (!(duration_ms > 0.0) || !std::isfinite(duration_ms))
    throw input_error(fmt::format("sample {}: duration {} ms must be > 0", index, duration_ms));
  for (std::size_t k = 0; k < events.size(); ++k) {
    const input_event& e = events[k];
    if (!(e.time_ms >= 0.0) || !std::isfinite(e.time_ms))
      throw input_error(fmt::format("sample {}: event {}: time {} ms is not >= 0", index, k, e.time_ms));
    if (e.time_ms > duration_ms)
      throw input_error(fmt::format("sample {}: event {}: time {} ms is after the sample's end {} ms", index, k,
                                    e.time_ms, duration_ms));
    if (e.channel >= size)
      throw input_error(fmt::format("sample {}: event {}: channel {} >= input size {}", index, k, e.channel, size));
    if (k > 0 && e.time_ms < events[k - 1].time_ms)
      throw input_error(fmt::format("sample {}: event {}: times not sorted ({} after {})", index, k, e.time_ms,
                                    events[k - 1].time_ms));
  }
}

double presenter::begin(std::span<const input_event> events, double duration_ms) {
  validate(events, duration_ms);
  const bool reset = policy_ == state_policy::reset;
  begin_ms_ = reset ? 0.0 : next_begin_ms_;
  end_ms_ = begin_ms_ + duration_ms;
  sim_.net().pop(input_).set_input(events);
  sim_.begin_sample(begin_ms_, reset);
  return begin_ms_;
}

void presenter::advance_to(double t_ms) { sim_.run_until(std::min(begin_ms_ + t_ms, end_ms_)); }

void presenter::finish() {
  sim_.end_sample(end_ms_);
  sim_.net().pop(input_).set_input({});
  if (sim_.stopped() != stop_reason::none) {
    last_duration_ms_ = std::max(0.0, sim_.now() - begin_ms_);
    return;
  }
  last_duration_ms_ = end_ms_ - begin_ms_;
  next_begin_ms_ = policy_ == state_policy::reset ? 0.0 : end_ms_ + gap_ms_;
  ++presented_;
}

double presenter::run(std::span<const input_event> events, double duration_ms, bool drain) {
  const double t0 = begin(events, duration_ms);
  if (drain) {
    sim_.run_until(end_ms_);
    sim_.run_until(std::numeric_limits<double>::infinity());
    end_ms_ = std::max(end_ms_, sim_.now());
  }
  finish();
  return t0;
}

}  // namespace evsnn
