#pragma once
// event_store: the events of many samples in flat structure-of-arrays form (12 bytes per event
// without grades, 16 with), with one offset per sample. Readers append samples; datasets copy a
// sample out into a reusable evsnn::data::sample.
// Invariants: offsets_.size() == labels_.size() + 1, offsets_ non-decreasing, offsets_.back() ==
// times_.size() == channels_.size(); grades_ is empty (all grades 1) or as long as times_;
// each sample's events are sorted by (time, channel).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "datasets/sample.hpp"

namespace evsnn {
class isolated_in;
class isolated_out;
}  // namespace evsnn

namespace evsnn::data {

class event_store {
 public:
  event_store() = default;

  // Appends one event to the sample being built.
  void push(double time_ms, std::uint32_t channel, float grade = 1.0f);
  // Closes the sample being built: its events are those pushed since the previous end_sample.
  // Sorts them by (time, channel) when sort is true.
  void end_sample(std::uint32_t label, double duration_ms, bool sort = false);
  // Appends a complete sample (its events must already be sorted).
  void add(const sample& s);
  void reserve_events(std::size_t n);

  std::size_t size() const { return labels_.size(); }
  std::size_t total_events() const { return times_.size(); }
  std::size_t events_in(std::size_t i) const { return offsets_[i + 1] - offsets_[i]; }
  std::uint32_t label(std::size_t i) const { return labels_[i]; }
  double duration_ms(std::size_t i) const { return durations_ms_[i]; }
  // Copies sample i into out (channels is set by the caller's data set).
  void copy_to(std::size_t i, sample& out) const;

  void set_label(std::size_t i, std::uint32_t label) { labels_[i] = label; }
  std::uint32_t max_channel_plus_one() const { return max_channel_plus_one_; }

  // The whole store written to, and read back from, another process (engine/isolated_read: the HDF5 readers run
  // in a child). load replaces this store and checks the invariants above but the order within a sample
  // (std::logic_error where they fail: the writer is evsnn's own code).
  void save(isolated_out& out) const;
  void load(isolated_in& in);
  // Appends every sample of other, in order.
  void append(const event_store& other);

 private:
  std::vector<double> times_;
  std::vector<std::uint32_t> channels_;
  std::vector<float> grades_;
  std::vector<std::size_t> offsets_{0};
  std::vector<std::uint32_t> labels_;
  std::vector<double> durations_ms_;
  std::uint32_t max_channel_plus_one_ = 0;
};

}  // namespace evsnn::data
