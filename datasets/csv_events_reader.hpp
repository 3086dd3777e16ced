#pragma once
// Reader for users' own event data as CSV. One file holds many samples:
//   sample,time_ms,channel,grade,label        (header line required; columns in any order)
//   0,1.5,3,1,2
// Required columns: time_ms, channel. Optional: sample (absent: the file is one sample;
// present: 0, 1, 2, ... in order, each sample's rows together), grade (default 1), label
// (constant within a sample). Without a label column the labels come from a labels file: one
// integer per line (an optional header line "label"), line i for sample i. A label is a class
// index: one >= max_classes (dataset.hpp), or >= "classes" when given, is an error naming the line.
// Within a sample times must be >= 0 and non-decreasing (or "sort": true).
// Parsed by engine/csv_reader (CRLF, blank and '#' lines); errors name the file, line and column.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "datasets/event_store.hpp"

namespace evsnn::data {

struct csv_events_options {
  std::uint32_t channels = 0;  // 0: max channel + 1; otherwise a channel >= channels is an error
  std::uint32_t classes = 0;   // 0: max label + 1 (labels must be < max_classes)
  double duration_ms = 0.0;    // 0: each sample lasts until its last event
  bool sort = false;
};

struct csv_events_file {
  std::shared_ptr<event_store> store;
  std::uint32_t channels = 0;
  std::uint32_t classes = 0;
};

// labels may be empty when the CSV has a label column (or every label is 0).
csv_events_file read_csv_events(const std::filesystem::path& path, const std::filesystem::path& labels,
                                const csv_events_options& options);
// Same on text in memory (tests, fuzzing).
csv_events_file parse_csv_events(const std::string& text, const std::string& name, const std::string* labels_text,
                                 const std::string& labels_name, const csv_events_options& options);

}  // namespace evsnn::data
