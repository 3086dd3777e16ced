#include "datasets/csv_events_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "datasets/event_dataset.hpp"
#include "datasets/source.hpp"
#include "engine/error.hpp"

namespace evsnn::data {

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw input_error(fmt::format("{}: cannot open", p.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const auto c = line.find(',', start);
    out.push_back(trim(line.substr(start, c == std::string_view::npos ? std::string_view::npos : c - start)));
    if (c == std::string_view::npos) break;
    start = c + 1;
  }
  return out;
}

double parse_double(std::string_view s, const std::string& name, std::size_t line, const char* column) {
  double v = 0.0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v))
    throw input_error(fmt::format("{}: line {}: {} \"{}\" is not a finite number", name, line, column, s));
  return v;
}

std::uint64_t parse_uint(std::string_view s, const std::string& name, std::size_t line, const char* column) {
  std::uint64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || s.empty())
    throw input_error(
        fmt::format("{}: line {}: {} \"{}\" is not a non-negative integer", name, line, column, s));
  return v;
}

template <class F>
void for_each_line(const std::string& text, F&& f) {
  std::size_t pos = 0, line = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    ++line;
    f(std::string_view(text).substr(pos, end - pos), line);
    pos = end + 1;
  }
}

}  // namespace

csv_events_file parse_csv_events(const std::string& text, const std::string& name, const std::string* labels_text,
                                 const std::string& labels_name, const csv_events_options& opt) {
  int c_sample = -1, c_time = -1, c_channel = -1, c_grade = -1, c_label = -1;
  std::size_t columns = 0;
  bool header_seen = false;
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
  for_each_line(text, [&](std::string_view raw, std::size_t line) {
    const auto l = trim(raw);
    if (l.empty() || l.front() == '#') return;
    const auto fields = split_fields(l);
    if (!header_seen) {
      header_seen = true;
      columns = fields.size();
      for (std::size_t k = 0; k < fields.size(); ++k) {
        const auto& h = fields[k];
        int* slot = h == "sample" ? &c_sample
                    : h == "time_ms" ? &c_time
                    : h == "channel" ? &c_channel
                    : h == "grade"   ? &c_grade
                    : h == "label"   ? &c_label
                                     : nullptr;
        if (slot == nullptr)
          throw input_error(fmt::format("{}: line {}: unknown column \"{}\" (sample, time_ms, channel, grade, label)",
                                        name, line, h));
        if (*slot >= 0) throw input_error(fmt::format("{}: line {}: column \"{}\" appears twice", name, line, h));
        *slot = static_cast<int>(k);
      }
      if (c_time < 0 || c_channel < 0)
        throw input_error(fmt::format("{}: line {}: the header must name time_ms and channel", name, line));
      return;
    }
    if (fields.size() != columns)
      throw input_error(fmt::format("{}: line {}: {} fields, the header has {}", name, line, fields.size(), columns));
    const std::int64_t s =
        c_sample >= 0 ? static_cast<std::int64_t>(parse_uint(fields[static_cast<std::size_t>(c_sample)], name, line, "sample")) : 0;
    if (s != current) {
      if (s != current + 1)
        throw input_error(fmt::format("{}: line {}: sample {} follows sample {}: samples must be numbered 0, 1, 2, ... "
                                      "with each sample's rows together",
                                      name, line, s, current));
      close_sample();
      current = s;
      current_label = -1;
      prev_t = 0.0;
      last_t = 0.0;
    }
    const double t = parse_double(fields[static_cast<std::size_t>(c_time)], name, line, "time_ms");
    if (t < 0.0) throw input_error(fmt::format("{}: line {}: sample {}: negative time {} ms", name, line, s, t));
    if (t < prev_t && !opt.sort)
      throw input_error(fmt::format("{}: line {}: sample {}: time {} ms is before the previous event ({} ms): times "
                                    "must be sorted (or set \"sort\": true)",
                                    name, line, s, t, prev_t));
    prev_t = std::max(prev_t, t);
    const auto ch = parse_uint(fields[static_cast<std::size_t>(c_channel)], name, line, "channel");
    if ((opt.channels != 0 && ch >= opt.channels) || ch >= 0xffffffffULL)
      throw input_error(fmt::format("{}: line {}: channel {} is out of range [0, {})", name, line, ch, opt.channels));
    const float g = c_grade >= 0
                        ? static_cast<float>(parse_double(fields[static_cast<std::size_t>(c_grade)], name, line, "grade"))
                        : 1.0f;
    if (c_label >= 0) {
      const auto lab = static_cast<std::int64_t>(
          std::min<std::uint64_t>(parse_uint(fields[static_cast<std::size_t>(c_label)], name, line, "label"), 1u << 30));
      if (current_label >= 0 && lab != current_label)
        throw input_error(fmt::format("{}: line {}: sample {} has labels {} and {}", name, line, s, current_label, lab));
      current_label = lab;
    }
    if (opt.duration_ms > 0.0 && t > opt.duration_ms) return;
    out.store->push(t, static_cast<std::uint32_t>(ch), g);
    last_t = std::max(last_t, t);
    max_channel_plus_one = std::max(max_channel_plus_one, static_cast<std::uint32_t>(ch) + 1);
  });
  if (!header_seen) throw input_error(fmt::format("{}: line 1: empty file (expected a header line)", name));
  close_sample();
  if (labels_text != nullptr) {
    std::vector<std::int64_t> from_file;
    for_each_line(*labels_text, [&](std::string_view raw, std::size_t line) {
      auto l = trim(raw);
      if (l.empty() || l.front() == '#') return;
      if (from_file.empty() && l == "label") return;
      const auto comma = l.rfind(',');
      if (comma != std::string_view::npos) l = trim(l.substr(comma + 1));
      from_file.push_back(static_cast<std::int64_t>(std::min<std::uint64_t>(parse_uint(l, labels_name, line, "label"), 1u << 30)));
    });
    if (from_file.size() != labels.size())
      throw input_error(fmt::format("{}: {} labels for {} samples in {}", labels_name, from_file.size(), labels.size(),
                                    name));
    labels = std::move(from_file);
  }
  std::int64_t max_label = -1;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const auto l = std::max<std::int64_t>(labels[i], 0);
    if (opt.classes != 0 && l >= opt.classes)
      throw input_error(fmt::format("{}: sample {}: label {} is out of range [0, {})",
                                    labels_text != nullptr ? labels_name : name, i, l, opt.classes));
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
  opt.classes = static_cast<std::uint32_t>(f.integer("classes", 0, 0, 1u << 20));
  opt.duration_ms = f.number("duration_ms", 0.0, 0.0, 1e12);
  opt.sort = f.boolean("sort", false);
  std::string train = f.string("train", "");
  if (train.empty()) train = f.string("path", "");
  if (train.empty()) f.fail("train", "the csv format needs \"train\" (or \"path\"): a CSV file of events");
  const std::string labels = f.string("labels", "");
  const std::string test = f.string("test", "");
  const std::string test_labels = f.string("test_labels", "");
  auto make = [&](const std::string& p, const std::string& l, const std::string& split,
                  std::uint32_t channels_hint) -> std::shared_ptr<const dataset> {
    auto o = opt;
    if (o.channels == 0) o.channels = channels_hint;
    const auto path = env.resolve(p);
    auto file = read_csv_events(path, l.empty() ? std::filesystem::path{} : env.resolve(l), o);
    return std::make_shared<event_dataset>(file.store, file.classes, file.channels,
                                           fmt::format("csv {}: {} ({} samples, {} events)", split, path.string(),
                                                       file.store->size(), file.store->total_events()));
  };
  source_splits s;
  s.train = make(train, labels, "train", 0);
  if (!test.empty()) s.test = make(test, test_labels, "test", s.train->channels());
  return s;
}

}  // namespace evsnn::data
