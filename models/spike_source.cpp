#include "models/spike_source.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/csv_reader.hpp"
#include "engine/error.hpp"
#include "models/stepped_source.hpp"

namespace evsnn {

spike_source::spike_source(std::string name, std::uint32_t size, mode m) : population(std::move(name), size), mode_(m) {}

std::unique_ptr<spike_source> spike_source::replay(std::string name, std::uint32_t size, std::vector<input_event> events) {
  std::unique_ptr<spike_source> s(new spike_source(std::move(name), size, mode::replay));
  const auto before = [](const input_event& a, const input_event& b) {
    return a.time_ms < b.time_ms || (a.time_ms == b.time_ms && a.channel < b.channel);
  };
  if (!std::is_sorted(events.begin(), events.end(), before))  // files usually come sorted: one pass
    std::stable_sort(events.begin(), events.end(), before);
  s->owned_events_ = std::move(events);
  s->events_ = s->owned_events_;
  return s;
}

std::unique_ptr<spike_source> spike_source::poisson(std::string name, std::uint32_t size, double rate_hz) {
  std::unique_ptr<spike_source> s(new spike_source(std::move(name), size, mode::poisson));
  s->rate_hz_ = rate_hz;
  return s;
}

std::unique_ptr<spike_source> spike_source::input(std::string name, std::uint32_t size) {
  return std::unique_ptr<spike_source>(new spike_source(std::move(name), size, mode::input));
}

void spike_source::reset(double t_ms) {
  ++version_;
  cursor_ = 0;
  begin_ms_ = t_ms;
}

void spike_source::begin_sample(double t_ms, std::uint64_t seed) {
  ++version_;
  begin_ms_ = t_ms;
  cursor_ = 0;
  if (mode_ == mode::poisson) {
    rng_ = rng(seed);
    if (rate_hz_ > 0.0 && size() > 0)
      port().schedule_wakeup(id(), 0, t_ms + rng_.exponential(rate_hz_ * size() * 1e-3), version_);
  } else {
    schedule_next_replay();
  }
}

void spike_source::schedule_next_replay() {
  if (cursor_ < events_.size()) port().schedule_wakeup(id(), 0, begin_ms_ + events_[cursor_].time_ms, version_);
}

void spike_source::wakeup(double t_ms, std::uint32_t, std::uint32_t version) {
  if (version != version_) {
    ++counters().stale_wakeups;
    return;
  }
  if (mode_ == mode::poisson) {
    const auto neuron = static_cast<std::uint32_t>(rng_.below(size()));
    ++counters().neuron_updates;
    port().emit_spike(id(), neuron, t_ms, 1.0f);
    port().schedule_wakeup(id(), 0, t_ms + rng_.exponential(rate_hz_ * size() * 1e-3), version_);
    return;
  }
  while (cursor_ < events_.size() && begin_ms_ + events_[cursor_].time_ms == t_ms) {
    const input_event& e = events_[cursor_++];
    if (e.channel >= size())
      throw input_error(fmt::format("population '{}': input channel {} >= size {}", name(), e.channel, size()));
    ++counters().neuron_updates;
    port().emit_spike(id(), e.channel, t_ms, e.grade);
  }
  schedule_next_replay();
}

void spike_source::stream_input(std::span<const input_event> events) {
  if (events.empty()) return;
  if (events_.data() != owned_events_.data() || events_.size() != owned_events_.size()) {
    // The first streamed events (or after set_input): the stream owns its list from here on.
    owned_events_.assign(events_.begin() + static_cast<std::ptrdiff_t>(cursor_), events_.end());
    cursor_ = 0;
  }
  if (cursor_ > 0 && cursor_ * 2 >= owned_events_.size()) {  // drop what was emitted, amortised
    owned_events_.erase(owned_events_.begin(), owned_events_.begin() + static_cast<std::ptrdiff_t>(cursor_));
    cursor_ = 0;
  }
  const bool idle = cursor_ == owned_events_.size();
  const double head = idle ? 0.0 : owned_events_[cursor_].time_ms;
  const auto before = [](const input_event& a, const input_event& b) {
    return a.time_ms < b.time_ms || (a.time_ms == b.time_ms && a.channel < b.channel);
  };
  const auto old_end = static_cast<std::ptrdiff_t>(owned_events_.size());
  owned_events_.insert(owned_events_.end(), events.begin(), events.end());
  const auto first = owned_events_.begin() + static_cast<std::ptrdiff_t>(cursor_);
  if (!std::is_sorted(owned_events_.begin() + old_end, owned_events_.end(), before))
    std::stable_sort(owned_events_.begin() + old_end, owned_events_.end(), before);
  std::inplace_merge(first, owned_events_.begin() + old_end, owned_events_.end(), before);
  events_ = owned_events_;
  if (idle || owned_events_[cursor_].time_ms != head) {
    ++version_;  // a wakeup queued for the old head is now stale
    schedule_next_replay();
  }
}

std::unique_ptr<stepped_population> spike_source::make_stepped(double dt_ms) const {
  if (mode_ == mode::poisson) return std::make_unique<stepped_source>(name(), size(), dt_ms, rate_hz_);
  return std::make_unique<stepped_source>(name(), size(), dt_ms, events_);
}

void spike_source::deliver_dense(double, std::span<const double>, float) {}
void spike_source::deliver_sparse(double, std::span<const std::uint32_t>, std::span<const double>, float) {}

std::vector<input_event> read_spike_csv(const std::string& path, std::uint32_t channels) {
  const auto text = csv_reader::read_file(path);
  if (!text) throw input_error(fmt::format("{}: cannot open file", path));
  csv_reader reader(*text, path);
  std::vector<input_event> events;
  csv_reader::row r;
  while (reader.next(r)) {
    // An optional header: the first data row, when its first field names the time.
    if (r.index() == 0 && r.field(0).find("time") != std::string_view::npos) continue;
    if (r.size() < 2 || r.size() > 3) r.fail(fmt::format("{} columns, expected time_ms,channel[,grade]", r.size()));
    input_event e;
    e.time_ms = r.as_double(0, "time");
    if (e.time_ms < 0) r.fail(0, fmt::format("negative time {}", e.time_ms));
    // Read as a number so that "3.0" is channel 3, as in the inline "spikes" list.
    const double ch = r.as_double(1, "channel");
    if (ch < 0 || ch != std::floor(ch))
      r.fail(1, fmt::format("channel \"{}\" is not a non-negative integer", r.field(1)));
    if (ch >= channels) r.fail(1, fmt::format("channel {} out of range (population size {})", ch, channels));
    e.channel = static_cast<std::uint32_t>(ch);
    if (r.size() == 3) e.grade = static_cast<float>(r.as_double(2, "grade", -3.4e38, 3.4e38));
    events.push_back(e);
  }
  return events;
}

}  // namespace evsnn
