#include "datasets/idx_reader.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "engine/error.hpp"

namespace evsnn::data {

namespace {
std::size_t element_size(std::uint8_t type) {
  switch (type) {
    case 0x08:
    case 0x09: return 1;
    case 0x0B: return 2;
    case 0x0C:
    case 0x0D: return 4;
    case 0x0E: return 8;
    default: return 0;
  }
}
std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}
}  // namespace

idx_array parse_idx(std::span<const unsigned char> bytes, const std::string& name, const std::string& what) {
  if (bytes.size() < 4)
    throw input_error(fmt::format("{}: byte 0: truncated: an IDX header needs 4 bytes, the file has {}", name,
                                  bytes.size()));
  if (bytes[0] != 0 || bytes[1] != 0)
    throw input_error(fmt::format("{}: byte 0: wrong magic number 0x{:02x}{:02x}{:02x}{:02x}: not an IDX file "
                                  "(expected 0x0000 then type and dimension count)",
                                  name, bytes[0], bytes[1], bytes[2], bytes[3]));
  idx_array a;
  a.type = bytes[2];
  const std::size_t esize = element_size(a.type);
  if (esize == 0) throw input_error(fmt::format("{}: byte 2: unknown IDX element type 0x{:02x}", name, a.type));
  const std::size_t ndims = bytes[3];
  if (ndims == 0) throw input_error(fmt::format("{}: byte 3: IDX array with 0 dimensions", name));
  const std::size_t header = 4 + 4 * ndims;
  if (bytes.size() < header)
    throw input_error(fmt::format("{}: byte {}: truncated: the header declares {} dimensions", name, bytes.size(),
                                  ndims));
  std::uint64_t total = esize;
  bool overflow = false;
  for (std::size_t d = 0; d < ndims; ++d) {
    a.dims.push_back(be32(bytes.data() + 4 + 4 * d));
    overflow = overflow || __builtin_mul_overflow(total, std::uint64_t{a.dims.back()}, &total);
  }
  const std::uint64_t available = bytes.size() - header;
  if (overflow || total > available)
    throw input_error(fmt::format("{}: byte {}: truncated: expected {} bytes of {}, got {}", name, header,
                                  overflow ? std::string("more than 2^64") : std::to_string(total), what,
                                  available));
  if (total < available)
    throw input_error(fmt::format("{}: byte {}: {} unexpected bytes after the {}", name,
                                  header + static_cast<std::size_t>(total),
                                  static_cast<std::size_t>(available - total), what));
  a.data = bytes.subspan(header, static_cast<std::size_t>(total));
  return a;
}

image_set parse_idx_images(std::shared_ptr<const file_bytes> images, std::shared_ptr<const file_bytes> labels,
                           std::uint32_t classes, bool transposed, int label_offset) {
  const auto img = parse_idx(images->bytes(), images->name(), "pixels");
  if (img.type != 0x08)
    throw input_error(fmt::format("{}: byte 2: images must be unsigned bytes (type 0x08), got type 0x{:02x}",
                                  images->name(), img.type));
  if (img.dims.size() != 3)
    throw input_error(fmt::format("{}: byte 3: an image file has 3 dimensions (count, rows, cols), got {}",
                                  images->name(), img.dims.size()));
  const auto lab = parse_idx(labels->bytes(), labels->name(), "labels");
  if (lab.type != 0x08)
    throw input_error(fmt::format("{}: byte 2: labels must be unsigned bytes (type 0x08), got type 0x{:02x}",
                                  labels->name(), lab.type));
  if (lab.dims.size() != 1)
    throw input_error(fmt::format("{}: byte 3: a label file has 1 dimension, got {}", labels->name(),
                                  lab.dims.size()));
  if (lab.dims[0] != img.dims[0])
    throw input_error(fmt::format("{}: byte 4: {} labels for {} images in {}", labels->name(), lab.dims[0],
                                  img.dims[0], images->name()));
  if (img.dims[1] == 0 || img.dims[2] == 0)
    throw input_error(fmt::format("{}: byte 8: images of {} x {} pixels", images->name(), img.dims[1], img.dims[2]));
  image_set s;
  s.count = img.dims[0];
  s.rows = img.dims[1];
  s.cols = img.dims[2];
  s.transposed = transposed;
  s.u8 = img.data.data();
  s.u8_owner = std::move(images);
  s.labels.resize(s.count);
  std::uint32_t max_label = 0;
  const std::size_t label_header = 8;
  for (std::size_t i = 0; i < s.count; ++i) {
    const int l = static_cast<int>(lab.data[i]) + label_offset;
    if (l < 0 || (classes != 0 && static_cast<std::uint32_t>(l) >= classes))
      throw input_error(fmt::format("{}: byte {}: label {} of image {} is out of range [0, {})", labels->name(),
                                    label_header + i, l, i, classes));
    s.labels[i] = static_cast<std::uint32_t>(l);
    max_label = std::max(max_label, s.labels[i]);
  }
  s.classes = classes != 0 ? classes : (s.count == 0 ? 0 : max_label + 1);
  return s;
}

image_set read_idx_images(const std::filesystem::path& images, const std::filesystem::path& labels,
                          std::uint32_t classes, bool transposed, int label_offset) {
  auto img = std::make_shared<const file_bytes>(images);
  auto lab = std::make_shared<const file_bytes>(labels);
  return parse_idx_images(std::move(img), std::move(lab), classes, transposed, label_offset);
}

}  // namespace evsnn::data

// ---- spec opener: formats idx, mnist, fashion-mnist, emnist, kmnist ----

#include "datasets/image_dataset.hpp"
#include "datasets/source.hpp"

namespace evsnn::data {

namespace {

std::vector<std::string> fashion_names() {
  return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
}

// Finds "<prefix><stem>-<kind>-idx<d>-ubyte[.gz]" (or the ".idx" spelling some mirrors use) in dir.
std::filesystem::path find_idx(const std::filesystem::path& dir, const std::string& prefix,
                               const std::vector<std::string>& stems, const std::string& kind, int dims) {
  std::error_code ec;
  for (const auto& stem : stems)
    for (const char* sep : {"-", "."})
      for (const char* ext : {"", ".gz"}) {
        const auto p = dir / fmt::format("{}{}-{}{}idx{}-ubyte{}", prefix, stem, kind, sep, dims, ext);
        if (std::filesystem::is_regular_file(p, ec)) return p;
      }
  return {};
}

}  // namespace

source_splits open_idx_source(const std::string& format, json_fields& f, const spec_env& env) {
  std::filesystem::path dir;
  if (f.has("path")) {
    dir = env.resolve(f.string("path", ""));
  } else if (format == "fashion-mnist") {
    dir = env.default_dir("fashion-mnist");
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec) && std::filesystem::is_directory("/usr/share/datasets/fashion-mnist", ec))
      dir = "/usr/share/datasets/fashion-mnist";  // Debian's dataset-fashion-mnist
  } else if (format == "idx") {
    if (!f.has("train_images") && !f.has("test_images"))
      f.fail("path", "the idx format needs \"path\" (a folder), or \"train_images\" and \"train_labels\"");
  } else {
    dir = env.default_dir(format);
  }
  const std::string prefix = f.string("prefix", format == "emnist" ? "emnist-balanced-" : "");
  const bool transpose = f.boolean("transpose", format == "emnist");
  const int label_offset = static_cast<int>(f.number("label_offset", 0, -255, 255));
  const bool ten = format == "mnist" || format == "fashion-mnist" || format == "kmnist";
  const auto classes = static_cast<std::uint32_t>(f.integer("classes", ten ? 10 : 0, 0, max_classes));
  // A split is there when both of its files are: named by a key, or found in dir.
  const std::string where = f.has("path") ? f.pointer("path") : "/format";
  struct split_files {
    std::filesystem::path images, labels;
    std::string missing;  // why the split is absent (empty when it is there)
  };
  auto pick = [&](const std::string& split, const std::vector<std::string>& stems) {
    split_files out;
    const bool named = f.has(split + "_images") || f.has(split + "_labels");
    auto one = [&](const std::string& kind, int dims) -> std::filesystem::path {
      const std::string key = split + "_" + kind;
      if (f.has(key)) return env.resolve(f.string(key, ""));
      if (dir.empty()) return {};
      return find_idx(dir, prefix, stems, kind, dims);
    };
    out.images = one("images", 3);
    out.labels = one("labels", 1);
    if (!out.images.empty() && !out.labels.empty()) return out;
    if (named && (out.images.empty() || out.labels.empty()))
      f.fail(out.images.empty() ? split + "_images" : split + "_labels",
             fmt::format("the {} split needs both \"{}_images\" and \"{}_labels\"", split, split, split));
    if (dir.empty()) {
      out.missing = fmt::format("{}: /{}_images: no {} split: set \"{}_images\" and \"{}_labels\"", f.file(), split,
                                split == "train" ? "training" : "test", split, split);
      return out;
    }
    std::vector<std::string> lacking;
    if (out.images.empty()) lacking.push_back(fmt::format("{}{}-images-idx3-ubyte[.gz]", prefix, stems.front()));
    if (out.labels.empty()) lacking.push_back(fmt::format("{}{}-labels-idx1-ubyte[.gz]", prefix, stems.front()));
    out.missing = fmt::format("{}: {}: no {} split: {} has no {} (see docs/datasets.md for where to get it, or run "
                              "tools/setup_data.sh)",
                              f.file(), where, split == "train" ? "training" : "test", dir.string(),
                              fmt::join(lacking, " and "));
    out.images.clear();
    out.labels.clear();
    return out;
  };
  const auto train_files = pick("train", {"train"});
  const auto test_files = pick("test", {"t10k", "test"});
  if (train_files.images.empty() && test_files.images.empty())
    throw input_error(fmt::format("{}: {}: {} holds neither split: expected {}{}-images-idx3-ubyte[.gz] and "
                                  "{}{}-labels-idx1-ubyte[.gz] (training) or {}t10k-images-idx3-ubyte[.gz] and "
                                  "{}t10k-labels-idx1-ubyte[.gz] (test) (see docs/datasets.md for where to get them, "
                                  "or run tools/setup_data.sh)",
                                  f.file(), where, dir.string(), prefix, "train", prefix, "train", prefix, prefix));
  encoder_options enc;
  if (f.has("encoder")) enc = parse_encoder(f.raw("encoder"), f.file(), f.pointer("encoder"));
  std::vector<std::string> names;
  if (format == "fashion-mnist") names = fashion_names();
  if (format == "mnist") names = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  // Both splits share one class count: the given one, else the largest label of either + 1.
  std::optional<image_set> train, test;
  if (!train_files.images.empty())
    train = read_idx_images(train_files.images, train_files.labels, classes, transpose, label_offset);
  if (!test_files.images.empty())
    test = read_idx_images(test_files.images, test_files.labels, classes, transpose, label_offset);
  if (train && test) {
    if (test->rows != train->rows || test->cols != train->cols)
      throw input_error(fmt::format("{}: test images are {}x{}, training images {}x{}", test_files.images.string(),
                                    test->rows, test->cols, train->rows, train->cols));
    train->classes = test->classes = std::max(train->classes, test->classes);
  }
  source_splits s;
  if (train)
    s.train = std::make_shared<image_dataset>(std::make_shared<const image_set>(std::move(*train)), enc,
                                              format + " train", names);
  else
    s.missing_train = train_files.missing;
  if (test)
    s.test = std::make_shared<image_dataset>(std::make_shared<const image_set>(std::move(*test)), enc,
                                             format + " test", names);
  else
    s.missing_test = test_files.missing;
  return s;
}

}  // namespace evsnn::data
