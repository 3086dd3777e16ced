#include "models/spike_source.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "models/stepped_source.hpp"

namespace evsnn {

spike_source::spike_source(std::string name, std::uint32_t size, mode m) : population(std::move(name), size), mode_(m) {}

std::unique_ptr<spike_source> spike_source::replay(std::string name, std::uint32_t size, std::vector<input_event> events) {
  std::unique_ptr<spike_source> s(new spike_source(std::move(name), size, mode::replay));
  std::stable_sort(events.begin(), events.end(), [](const input_event& a, const input_event& b) {
    return a.time_ms < b.time_ms || (a.time_ms == b.time_ms && a.channel < b.channel);
  });
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

std::unique_ptr<stepped_population> spike_source::make_stepped(double dt_ms) const {
  if (mode_ == mode::poisson) return std::make_unique<stepped_source>(name(), size(), dt_ms, rate_hz_);
  return std::make_unique<stepped_source>(name(), size(), dt_ms, events_);
}

void spike_source::deliver_dense(double, std::span<const float>, float) {}
void spike_source::deliver_sparse(double, std::span<const std::uint32_t>, std::span<const float>, float) {}

std::vector<input_event> read_spike_csv(const std::string& path, std::uint32_t channels) {
  std::ifstream in(path);
  if (!in) throw input_error(fmt::format("{}: cannot open file", path));
  std::vector<input_event> events;
  std::string line;
  std::size_t line_no = 0;
  bool first_row = true;
  auto fail = [&](const std::string& msg) { throw input_error(fmt::format("{}: line {}: {}", path, line_no, msg)); };
  auto parse_double = [&](std::string_view s, const char* what) {
    double v = 0;
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v))
      fail(fmt::format("{} '{}' is not a number", what, s));
    return v;
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string_view> cols;
    std::string_view rest(line);
    for (std::size_t pos; (pos = rest.find(',')) != std::string_view::npos; rest.remove_prefix(pos + 1))
      cols.push_back(rest.substr(0, pos));
    cols.push_back(rest);
    // An optional header: the first line that is not a comment.
    if (first_row && cols[0].find("time") != std::string_view::npos) {
      first_row = false;
      continue;
    }
    first_row = false;
    if (cols.size() < 2 || cols.size() > 3) fail(fmt::format("{} columns, expected time_ms,channel[,grade]", cols.size()));
    input_event e;
    e.time_ms = parse_double(cols[0], "time");
    if (e.time_ms < 0) fail(fmt::format("negative time {}", e.time_ms));
    const double ch = parse_double(cols[1], "channel");
    if (ch < 0 || ch != std::floor(ch)) fail(fmt::format("channel '{}' is not a non-negative integer", cols[1]));
    if (ch >= channels) fail(fmt::format("channel {} out of range (population size {})", ch, channels));
    e.channel = static_cast<std::uint32_t>(ch);
    if (cols.size() == 3) {
      const double g = parse_double(cols[2], "grade");
      if (std::fabs(g) > 3.4e38) fail(fmt::format("grade {} does not fit a float", g));
      e.grade = static_cast<float>(g);
    }
    events.push_back(e);
  }
  return events;
}

}  // namespace evsnn
