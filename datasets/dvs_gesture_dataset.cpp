#include "datasets/dvs_gesture_dataset.hpp"

#include <algorithm>
#include <fstream>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "datasets/source.hpp"
#include "engine/csv_reader.hpp"
#include "engine/error.hpp"

namespace evsnn::data {

namespace {

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
    const auto text = csv_reader::read_file(lp);
    if (!text) throw input_error(fmt::format("{}: cannot open the labels of {}", name, path.string()));
    // "class,startTime_usec,endTime_usec" rows (that header line first), classes 1..11.
    csv_reader reader(*text, name);
    csv_reader::row r;
    while (reader.next(r)) {
      if (r.index() == 0 && r.text().find("class") != std::string_view::npos) continue;
      if (r.size() != 3) r.fail("expected class,startTime_usec,endTime_usec");
      constexpr auto max_us = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
      const std::uint64_t cls = r.as_uint(0, "class");
      const auto start = static_cast<std::int64_t>(r.as_uint(1, "startTime_usec", max_us));
      const auto end = static_cast<std::int64_t>(r.as_uint(2, "endTime_usec", max_us));
      if (cls < 1 || cls > 11) r.fail(0, fmt::format("class {} is out of range [1, 11]", cls));
      if (end <= start) r.fail(2, fmt::format("window [{}, {}) us is empty", start, end));
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
