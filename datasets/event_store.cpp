#include "datasets/event_store.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "engine/isolated_read.hpp"
#include "engine/memory_budget.hpp"

namespace evsnn::data {

void event_store::push(double time_ms, std::uint32_t channel, float grade) {
  if (grade != 1.0f && grades_.empty()) grades_.assign(times_.size(), 1.0f);
  times_.push_back(time_ms);
  channels_.push_back(channel);
  if (!grades_.empty()) grades_.push_back(grade);
  max_channel_plus_one_ = std::max(max_channel_plus_one_, channel + 1);
}

void event_store::end_sample(std::uint32_t label, double duration_ms, bool sort) {
  const std::size_t begin = offsets_.back();
  const std::size_t end = times_.size();
  if (sort && end - begin > 1) {
    bool sorted = true;
    for (std::size_t k = begin + 1; k < end && sorted; ++k)
      sorted = times_[k - 1] < times_[k] || (times_[k - 1] == times_[k] && channels_[k - 1] <= channels_[k]);
    if (!sorted) {
      std::vector<std::size_t> order(end - begin);
      std::iota(order.begin(), order.end(), begin);
      std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return times_[a] < times_[b] || (times_[a] == times_[b] && channels_[a] < channels_[b]);
      });
      std::vector<double> t(order.size());
      std::vector<std::uint32_t> c(order.size());
      std::vector<float> g(grades_.empty() ? 0 : order.size());
      for (std::size_t k = 0; k < order.size(); ++k) {
        t[k] = times_[order[k]];
        c[k] = channels_[order[k]];
        if (!grades_.empty()) g[k] = grades_[order[k]];
      }
      std::copy(t.begin(), t.end(), times_.begin() + static_cast<std::ptrdiff_t>(begin));
      std::copy(c.begin(), c.end(), channels_.begin() + static_cast<std::ptrdiff_t>(begin));
      if (!grades_.empty()) std::copy(g.begin(), g.end(), grades_.begin() + static_cast<std::ptrdiff_t>(begin));
    }
  }
  offsets_.push_back(end);
  labels_.push_back(label);
  durations_ms_.push_back(duration_ms);
}

void event_store::add(const sample& s) {
  for (const auto& e : s.events) push(e.time_ms, e.channel, e.grade);
  end_sample(s.label, s.duration_ms);
}

void event_store::reserve_events(std::size_t n) {
  times_.reserve(n);
  channels_.reserve(n);
}

void event_store::copy_to(std::size_t i, sample& out) const {
  const std::size_t begin = offsets_[i];
  const std::size_t end = offsets_[i + 1];
  out.events.resize(end - begin);
  for (std::size_t k = begin; k < end; ++k) {
    auto& e = out.events[k - begin];
    e.time_ms = times_[k];
    e.channel = channels_[k];
    e.grade = grades_.empty() ? 1.0f : grades_[k];
  }
  out.label = labels_[i];
  out.duration_ms = durations_ms_[i];
}

void event_store::append(const event_store& other) {
  const std::size_t base = times_.size();
  if (!other.grades_.empty() && grades_.empty()) grades_.assign(base, 1.0f);
  times_.insert(times_.end(), other.times_.begin(), other.times_.end());
  channels_.insert(channels_.end(), other.channels_.begin(), other.channels_.end());
  if (!grades_.empty()) {
    if (other.grades_.empty()) {
      grades_.resize(times_.size(), 1.0f);
    } else {
      grades_.insert(grades_.end(), other.grades_.begin(), other.grades_.end());
    }
  }
  for (std::size_t k = 1; k < other.offsets_.size(); ++k) offsets_.push_back(base + other.offsets_[k]);
  labels_.insert(labels_.end(), other.labels_.begin(), other.labels_.end());
  durations_ms_.insert(durations_ms_.end(), other.durations_ms_.begin(), other.durations_ms_.end());
  max_channel_plus_one_ = std::max(max_channel_plus_one_, other.max_channel_plus_one_);
}

void event_store::save(isolated_out& out) const {
  out.values(times_);
  out.values(channels_);
  out.values(grades_);
  out.values(offsets_);
  out.values(labels_);
  out.values(durations_ms_);
  out.value(max_channel_plus_one_);
}

void event_store::load(isolated_in& in) {
  const std::uint64_t max_events = usable_memory_bytes() / (sizeof(double) + sizeof(std::uint32_t));
  in.values(times_, max_events);
  in.values(channels_, times_.size());
  in.values(grades_, times_.size());
  in.values(offsets_, max_events);
  in.values(labels_, offsets_.size());
  in.values(durations_ms_, labels_.size());
  max_channel_plus_one_ = in.value<std::uint32_t>();
  bool ok = channels_.size() == times_.size() && (grades_.empty() || grades_.size() == times_.size()) &&
            !offsets_.empty() && offsets_.front() == 0 && offsets_.back() == times_.size() &&
            labels_.size() + 1 == offsets_.size() && durations_ms_.size() == labels_.size();
  for (std::size_t k = 1; ok && k < offsets_.size(); ++k) ok = offsets_[k - 1] <= offsets_[k];
  for (std::size_t k = 0; ok && k < channels_.size(); ++k) ok = channels_[k] < max_channel_plus_one_;
  if (!ok) throw std::logic_error("event_store::load: the arrays break the store's invariants");
}

}  // namespace evsnn::data
