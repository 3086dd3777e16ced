#include "datasets/nmnist_reader.hpp"

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "datasets/source.hpp"
#include "engine/error.hpp"

namespace evsnn::data {

void parse_nmnist(std::span<const unsigned char> bytes, const std::string& name, const nmnist_options& options,
                  sample& out) {
  out.events.clear();
  if (bytes.size() % 5 != 0)
    throw input_error(fmt::format("{}: byte {}: truncated: {} bytes is not a whole number of 5-byte events", name,
                                  bytes.size() - bytes.size() % 5, bytes.size()));
  const std::size_t n = bytes.size() / 5;
  out.events.reserve(n);
  std::uint32_t prev_ts = 0;
  double last = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    const unsigned char* r = bytes.data() + 5 * k;
    const std::uint32_t x = r[0];
    const std::uint32_t y = r[1];
    const std::uint32_t p = r[2] >> 7;
    const std::uint32_t ts = (std::uint32_t{r[2] & 0x7fu} << 16) | (std::uint32_t{r[3]} << 8) | r[4];
    if (x >= 34 || y >= 34)
      throw input_error(fmt::format("{}: byte {}: event {} at x={}, y={} is outside the 34x34 sensor", name, 5 * k, k,
                                    x, y));
    if (ts < prev_ts) {
      if (!options.sort)
        throw input_error(fmt::format("{}: byte {}: event {} at {} us is before the previous event ({} us): "
                                      "timestamps must not go backwards (or set \"sort\": true)",
                                      name, 5 * k, k, ts, prev_ts));
    }
    prev_ts = std::max(prev_ts, ts);
    const double t_ms = static_cast<double>(ts) / 1000.0;
    if (options.duration_ms > 0.0 && t_ms > options.duration_ms) continue;
    out.events.push_back({t_ms, (p * 34 + y) * 34 + x, 1.0f});
    last = std::max(last, t_ms);
  }
  // Equal timestamps need channel order; backwards timestamps (sort: true) need a full sort.
  sort_events(out.events);
  out.duration_ms = options.duration_ms > 0.0 ? options.duration_ms : last;
}

nmnist_dataset::nmnist_dataset(std::vector<std::filesystem::path> files, std::vector<std::uint32_t> labels,
                               nmnist_options options, std::string description)
    : files_(std::move(files)), labels_(std::move(labels)), options_(options), description_(std::move(description)) {}

void nmnist_dataset::load(std::size_t i, sample& out, std::uint64_t /*draw*/) const {
  const auto& path = files_[i];
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw input_error(fmt::format("{}: cannot open", path.string()));
  const auto size = static_cast<std::size_t>(in.tellg());
  std::vector<unsigned char> buf(size);
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(size)))
    throw input_error(fmt::format("{}: read failed", path.string()));
  parse_nmnist(buf, path.string(), options_, out);
  out.label = labels_[i];
  out.channels = channels();
}

std::vector<std::string> nmnist_dataset::class_names() const {
  return {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
}

std::unique_ptr<nmnist_dataset> nmnist_dataset::open_folder(const std::filesystem::path& dir, nmnist_options options,
                                                            std::string description) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) throw input_error(fmt::format("{}: no such folder", dir.string()));
  std::vector<std::filesystem::path> files;
  std::vector<std::uint32_t> labels;
  std::uint32_t digit_folders = 0;
  for (std::uint32_t d = 0; d < 10; ++d) {
    // A missing digit folder is a digit without samples: the split loads what is there.
    const auto sub = dir / std::to_string(d);
    if (!std::filesystem::is_directory(sub, ec)) continue;
    ++digit_folders;
    std::vector<std::filesystem::path> these;
    for (const auto& e : std::filesystem::directory_iterator(sub, ec))
      if (e.is_regular_file() && e.path().extension() == ".bin") these.push_back(e.path());
    std::sort(these.begin(), these.end());
    files.insert(files.end(), these.begin(), these.end());
    labels.insert(labels.end(), these.size(), d);
  }
  if (digit_folders == 0)
    throw input_error(fmt::format("{}: no digit folders: expected {}/<digit>/*.bin for digits 0-9", dir.string(),
                                  dir.string()));
  description += fmt::format(": {} ({} files)", dir.string(), files.size());
  return std::make_unique<nmnist_dataset>(std::move(files), std::move(labels), options, std::move(description));
}

source_splits open_nmnist_source(json_fields& f, const spec_env& env) {
  nmnist_options opt;
  opt.duration_ms = f.number("duration_ms", 0.0, 0.0, 1e12);
  opt.sort = f.boolean("sort", false);
  const auto dir = f.has("path") ? env.resolve(f.string("path", "")) : env.default_dir("nmnist");
  std::error_code ec;
  auto sub = [&](const char* a, const char* b) {
    return std::filesystem::is_directory(dir / a, ec) || !std::filesystem::is_directory(dir / b, ec) ? dir / a
                                                                                                : dir / b;
  };
  const std::string where = f.has("path") ? f.pointer("path") : "/format";
  // A split is there when its folder holds at least one digit folder.
  auto has_digits = [&](const std::filesystem::path& folder) {
    for (int d = 0; d < 10; ++d)
      if (std::filesystem::is_directory(folder / std::to_string(d), ec)) return true;
    return false;
  };
  auto missing = [&](const char* split, const std::filesystem::path& folder) {
    const bool there = std::filesystem::is_directory(folder, ec);
    return fmt::format("{}: {}: no {} split: {} {} (expected {}/<digit>/*.bin, see docs/datasets.md)", f.file(), where,
                       split, there ? folder.string() : dir.string(),
                       there ? "has no digit folders" : fmt::format("has no {} folder", folder.filename().string()),
                       folder.string());
  };
  source_splits s;
  const auto train = sub("Train", "train");
  const auto test = sub("Test", "test");
  if (has_digits(train))
    s.train = nmnist_dataset::open_folder(train, opt, "nmnist train");
  else
    s.missing_train = missing("training", train);
  if (has_digits(test))
    s.test = nmnist_dataset::open_folder(test, opt, "nmnist test");
  else
    s.missing_test = missing("test", test);
  if (!s.train && !s.test)
    throw input_error(fmt::format("{}: {}: {}: no N-MNIST splits: expected {}/Train/<digit>/*.bin and/or "
                                  "{}/Test/<digit>/*.bin (see docs/datasets.md)",
                                  f.file(), where, dir.string(), dir.string(), dir.string()));
  return s;
}

}  // namespace evsnn::data
