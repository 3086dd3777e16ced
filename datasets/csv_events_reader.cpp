#include "datasets/csv_events_reader.hpp"

#include <algorithm>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "datasets/event_dataset.hpp"
#include "datasets/source.hpp"
#include "engine/csv_reader.hpp"
#include "engine/error.hpp"

namespace evsnn::data {

namespace {

std::string slurp(const std::filesystem::path& p) {
  auto text = csv_reader::read_file(p);
  if (!text) throw input_error(fmt::format("{}: cannot open", p.string()));
  return std::move(*text);
}

}  // namespace

csv_events_file parse_csv_events(const std::string& text, const std::string& name, const std::string* labels_text,
                                 const std::string& labels_name, const csv_events_options& opt) {
  constexpr auto max_sample = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  int c_sample = -1, c_time = -1, c_channel = -1, c_grade = -1, c_label = -1;
  std::size_t columns = 0;
  csv_events_file out;
  out.store = std::make_shared<event_store>();
  std::int64_t current = -1;
  std::int64_t current_label = -1;
  double prev_t = 0.0, last_t = 0.0;
  std::uint32_t max_channel_plus_one = 0;
  std::vector<std::int64_t> labels;  // -1 until known
  auto close_sample = [&]() {
    if (current < 0) return;
    labels.push_back(current_label);
    out.store->end_sample(0, opt.duration_ms > 0.0 ? opt.duration_ms : last_t, true);
  };
  auto column = [](int c) { return static_cast<std::size_t>(c); };
  // A label is a class index: below opt.classes when given, else below max_classes.
  const std::uint64_t label_limit = opt.classes != 0 ? opt.classes : max_classes;
  auto read_label = [&](const csv_reader::row& row, std::size_t col) -> std::int64_t {
    const std::uint64_t lab = row.as_uint(col, "label");
    if (lab >= label_limit)
      row.fail(col, opt.classes != 0 ? fmt::format("label {} is out of range [0, {})", lab, opt.classes)
                                     : fmt::format("label {} is too large: labels are class indices below {}", lab,
                                                   max_classes));
    return static_cast<std::int64_t>(lab);
  };
  csv_reader reader(text, name);
  csv_reader::row r;
  while (reader.next(r)) {
    if (r.index() == 0) {  // the header
      columns = r.size();
      for (std::size_t k = 0; k < r.size(); ++k) {
        const std::string_view h = r.field(k);
        int* slot = h == "sample" ? &c_sample
                    : h == "time_ms" ? &c_time
                    : h == "channel" ? &c_channel
                    : h == "grade"   ? &c_grade
                    : h == "label"   ? &c_label
                                     : nullptr;
        if (slot == nullptr)
          r.fail(k, fmt::format("unknown column \"{}\" (sample, time_ms, channel, grade, label)", h));
        if (*slot >= 0) r.fail(k, fmt::format("column \"{}\" appears twice", h));
        *slot = static_cast<int>(k);
      }
      if (c_time < 0 || c_channel < 0) r.fail("the header must name time_ms and channel");
      continue;
    }
    if (r.size() != columns) r.fail(fmt::format("{} fields, the header has {}", r.size(), columns));
    const std::int64_t s =
        c_sample >= 0 ? static_cast<std::int64_t>(r.as_uint(column(c_sample), "sample", max_sample)) : 0;
    if (s != current) {
      if (s != current + 1)
        r.fail(column(c_sample), fmt::format("sample {} follows sample {}: samples must be numbered 0, 1, 2, ... "
                                             "with each sample's rows together",
                                             s, current));
      close_sample();
      current = s;
      current_label = -1;
      prev_t = 0.0;
      last_t = 0.0;
    }
    const double t = r.as_double(column(c_time), "time_ms");
    if (t < 0.0) r.fail(column(c_time), fmt::format("sample {}: negative time {} ms", s, t));
    if (t < prev_t && !opt.sort)
      r.fail(column(c_time), fmt::format("sample {}: time {} ms is before the previous event ({} ms): times "
                                         "must be sorted (or set \"sort\": true)",
                                         s, t, prev_t));
    prev_t = std::max(prev_t, t);
    const auto ch = r.as_uint(column(c_channel), "channel");
    if ((opt.channels != 0 && ch >= opt.channels) || ch >= 0xffffffffULL)
      r.fail(column(c_channel), fmt::format("channel {} is out of range [0, {})", ch, opt.channels));
    const float g = c_grade >= 0 ? static_cast<float>(r.as_double(column(c_grade), "grade", -3.4e38, 3.4e38)) : 1.0f;
    if (c_label >= 0) {
      const auto lab = read_label(r, column(c_label));
      if (current_label >= 0 && lab != current_label)
        r.fail(column(c_label), fmt::format("sample {} has labels {} and {}", s, current_label, lab));
      current_label = lab;
    }
    if (opt.duration_ms > 0.0 && t > opt.duration_ms) continue;
    out.store->push(t, static_cast<std::uint32_t>(ch), g);
    last_t = std::max(last_t, t);
    max_channel_plus_one = std::max(max_channel_plus_one, static_cast<std::uint32_t>(ch) + 1);
  }
  if (reader.rows_read() == 0) throw input_error(fmt::format("{}: line 1: empty file (expected a header line)", name));
  close_sample();
  if (labels_text != nullptr) {
    // One label per line, the last field of the line; an optional header line "label".
    std::vector<std::int64_t> from_file;
    csv_reader label_reader(*labels_text, labels_name);
    while (label_reader.next(r)) {
      if (r.index() == 0 && r.text() == "label") continue;
      from_file.push_back(read_label(r, r.size() - 1));
    }
    if (from_file.size() != labels.size())
      throw input_error(fmt::format("{}: {} labels for {} samples in {}", labels_name, from_file.size(), labels.size(),
                                    name));
    labels = std::move(from_file);
  }
  std::int64_t max_label = -1;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const auto l = std::max<std::int64_t>(labels[i], 0);  // checked against the limit where read
    out.store->set_label(i, static_cast<std::uint32_t>(l));
    max_label = std::max(max_label, l);
  }
  out.channels = opt.channels != 0 ? opt.channels : max_channel_plus_one;
  out.classes = opt.classes != 0 ? opt.classes : static_cast<std::uint32_t>(max_label + 1);
  return out;
}

csv_events_file read_csv_events(const std::filesystem::path& path, const std::filesystem::path& labels,
                                const csv_events_options& options) {
  const std::string text = slurp(path);
  if (labels.empty()) return parse_csv_events(text, path.string(), nullptr, "", options);
  const std::string lt = slurp(labels);
  return parse_csv_events(text, path.string(), &lt, labels.string(), options);
}

source_splits open_csv_source(json_fields& f, const spec_env& env) {
  csv_events_options opt;
  opt.channels = static_cast<std::uint32_t>(f.integer("channels", 0, 0, 1u << 30));
  opt.classes = static_cast<std::uint32_t>(f.integer("classes", 0, 0, max_classes));
  opt.duration_ms = f.number("duration_ms", 0.0, 0.0, 1e12);
  opt.sort = f.boolean("sort", false);
  std::string train = f.string("train", "");
  if (train.empty()) train = f.string("path", "");
  if (train.empty()) f.fail("train", "the csv format needs \"train\" (or \"path\"): a CSV file of events");
  const std::string labels = f.string("labels", "");
  const std::string test = f.string("test", "");
  const std::string test_labels = f.string("test_labels", "");
  auto read = [&](const std::string& p, const std::string& l, std::uint32_t channels_hint) {
    auto o = opt;
    if (o.channels == 0) o.channels = channels_hint;
    return read_csv_events(env.resolve(p), l.empty() ? std::filesystem::path{} : env.resolve(l), o);
  };
  auto make = [&](const csv_events_file& file, const std::string& p, const std::string& split,
                  std::uint32_t classes) -> std::shared_ptr<const dataset> {
    return std::make_shared<event_dataset>(file.store, classes, file.channels,
                                           fmt::format("csv {}: {} ({} samples, {} events)", split,
                                                       env.resolve(p).string(), file.store->size(),
                                                       file.store->total_events()));
  };
  const auto train_file = read(train, labels, 0);
  source_splits s;
  if (test.empty()) {
    s.train = make(train_file, train, "train", train_file.classes);
    return s;
  }
  // Both splits share one class count (the largest), so the test split's labels fit classes().
  const auto test_file = read(test, test_labels, train_file.channels);
  const std::uint32_t classes = std::max(train_file.classes, test_file.classes);
  s.train = make(train_file, train, "train", classes);
  s.test = make(test_file, test, "test", classes);
  return s;
}

}  // namespace evsnn::data
