#include "datasets/dvs_gesture_dataset.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "datasets/source.hpp"
#include "engine/error.hpp"

namespace evsnn::data {

namespace {

std::int64_t parse_int(std::string_view s, const std::string& name, std::size_t line) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.remove_suffix(1);
  std::int64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || s.empty())
    throw input_error(fmt::format("{}: line {}: \"{}\" is not an integer", name, line, s));
  return v;
}

std::filesystem::path labels_of(const std::filesystem::path& aedat) {
  auto p = aedat;
  p.replace_extension();
  return p.string() + "_labels.csv";
}

}  // namespace

dvs_gesture_dataset::dvs_gesture_dataset(const std::vector<std::filesystem::path>& trials, double duration_ms,
                                         std::string description)
    : duration_ms_(duration_ms), description_(std::move(description)) {
  for (const auto& path : trials) {
    auto t = std::make_unique<trial>();
    t->path = path;
    const auto lp = labels_of(path);
    const std::string name = lp.string();
    std::ifstream in(lp);
    if (!in) throw input_error(fmt::format("{}: cannot open the labels of {}", name, path.string()));
    std::string line;
    std::size_t n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty() || (n == 1 && line.find("class") != std::string::npos)) continue;
      std::string_view v(line);
      const auto c1 = v.find(',');
      const auto c2 = c1 == std::string_view::npos ? c1 : v.find(',', c1 + 1);
      if (c2 == std::string_view::npos)
        throw input_error(fmt::format("{}: line {}: expected class,startTime_usec,endTime_usec", name, n));
      const auto cls = parse_int(v.substr(0, c1), name, n);
      const auto start = parse_int(v.substr(c1 + 1, c2 - c1 - 1), name, n);
      const auto end = parse_int(v.substr(c2 + 1), name, n);
      if (cls < 1 || cls > 11)
        throw input_error(fmt::format("{}: line {}: class {} is out of range [1, 11]", name, n, cls));
      if (start < 0 || end <= start)
        throw input_error(fmt::format("{}: line {}: window [{}, {}) us is empty or negative", name, n, start, end));
      windows_.push_back({trials_.size(), start, end, static_cast<std::uint32_t>(cls - 1)});
    }
    trials_.push_back(std::move(t));
  }
  description_ += fmt::format(" ({} trials, {} gestures)", trials_.size(), windows_.size());
}

void dvs_gesture_dataset::load(std::size_t i, sample& out, std::uint64_t /*draw*/) const {
  const auto& w = windows_[i];
  const trial& t = *trials_[w.trial];
  std::call_once(t.once, [&t] {
    t.bytes = std::make_unique<file_bytes>(t.path);
    t.index = index_aedat(t.bytes->bytes(), t.path.string());
  });
  out.events.clear();
  std::int64_t end = w.end_us;
  if (duration_ms_ > 0.0) end = std::min<std::int64_t>(end, w.start_us + static_cast<std::int64_t>(duration_ms_ * 1e3));
  read_aedat_window(t.bytes->bytes(), t.index, t.path.string(), w.start_us, end, 128, 128, out);
  out.duration_ms = duration_ms_ > 0.0 ? duration_ms_ : static_cast<double>(w.end_us - w.start_us) / 1000.0;
  out.label = w.label;
  out.channels = channels();
}

std::vector<std::string> dvs_gesture_dataset::class_names() const {
  return {"hand clap",     "right hand wave", "left hand wave", "right arm cw", "right arm ccw", "left arm cw",
          "left arm ccw",  "arm roll",        "air drums",      "air guitar",   "other"};
}

source_splits open_dvs_gesture_source(json_fields& f, const spec_env& env) {
  const auto dir = f.has("path") ? env.resolve(f.string("path", "")) : env.default_dir("DvsGesture");
  const double duration_ms = f.number("duration_ms", 0.0, 0.0, 1e12);
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw input_error(fmt::format("{}: no such folder (see docs/datasets.md for DVS Gesture)", dir.string()));
  auto list = [&](const char* file, int first_user, int last_user) {
    std::vector<std::filesystem::path> out;
    std::ifstream in(dir / file);
    if (in) {
      std::string line;
      while (std::getline(in, line)) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (line.empty()) continue;
        const auto p = dir / line;
        if (!std::filesystem::is_regular_file(p, ec))
          throw input_error(fmt::format("{}: lists {}, which is missing", (dir / file).string(), p.string()));
        out.push_back(p);
      }
      return out;
    }
    // No trial list: the published split, users 1-23 train and 24-29 test.
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      const auto n = e.path().filename().string();
      if (e.path().extension() != ".aedat" || !n.starts_with("user") || n.size() < 6) continue;
      const int user = (n[4] - '0') * 10 + (n[5] - '0');
      if (user >= first_user && user <= last_user) out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  source_splits s;
  s.train = std::make_shared<dvs_gesture_dataset>(list("trials_to_train.txt", 1, 23), duration_ms,
                                                  "dvs-gesture train: " + dir.string());
  auto test = list("trials_to_test.txt", 24, 29);
  if (!test.empty())
    s.test = std::make_shared<dvs_gesture_dataset>(test, duration_ms, "dvs-gesture test: " + dir.string());
  return s;
}

}  // namespace evsnn::data
