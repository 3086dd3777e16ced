#include "datasets/hdf5_spikes_reader.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <system_error>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "datasets/event_dataset.hpp"
#include "datasets/file_bytes.hpp"
#include "datasets/source.hpp"
#include "engine/error.hpp"
#include "engine/hdf5_handle.hpp"
#include "engine/isolated_read.hpp"
#include "engine/memory_budget.hpp"

namespace evsnn::data {

namespace {

// Frees the variable-length buffers of one chunk read.
struct vlen_guard {
  hid_t type;
  hid_t space;
  void* buf;
  ~vlen_guard() { H5Dvlen_reclaim(type, space, H5P_DEFAULT, buf); }
};

hdf5_handle open_file(const std::filesystem::path& path, const std::string& name, std::uint64_t max_inflated_bytes) {
  quiet_hdf5_errors();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw input_error(fmt::format("{}: is a folder, not a file", name));
  if (!std::filesystem::is_regular_file(path, ec)) throw input_error(fmt::format("{}: no such file", name));
  hdf5_handle file;
  if (path.extension() == ".gz") {
    hdf5_handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    {
      // Refused before allocating when it would inflate past the cap; HDF5 copies the image, so
      // the inflated bytes are freed at the end of this block.
      const file_bytes gz(path, max_inflated_bytes);
      if (!fapl.valid() || H5Pset_fapl_core(fapl.get(), 1 << 20, 0) < 0 ||
          H5Pset_file_image(fapl.get(), const_cast<unsigned char*>(gz.bytes().data()), gz.bytes().size()) < 0)
        throw input_error(fmt::format("{}: cannot set up an HDF5 file image", name));
    }
    // The core driver ignores the image when the name is an existing file: use a name that is not.
    const std::string image_name = name + ".in-memory-image";
    file = hdf5_handle(H5Fopen(image_name.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose);
  } else {
    if (H5Fis_hdf5(path.c_str()) <= 0)
      throw input_error(fmt::format("{}: byte 0: not an HDF5 file (no HDF5 signature)", name));
    file = hdf5_handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  }
  if (!file.valid()) throw input_error(fmt::format("{}: cannot open as HDF5 (corrupt or truncated file)", name));
  return file;
}

hdf5_handle open_dataset_1d(hid_t file, const char* path, const std::string& name, hsize_t& rows) {
  if (H5Lexists(file, "spikes", H5P_DEFAULT) <= 0 && std::string(path).starts_with("spikes/"))
    throw input_error(fmt::format("{}: /spikes: missing group (not an SHD/SSC file)", name));
  if (H5Lexists(file, path, H5P_DEFAULT) <= 0)
    throw input_error(fmt::format("{}: /{}: missing dataset (not an SHD/SSC file)", name, path));
  hdf5_handle ds(H5Dopen2(file, path, H5P_DEFAULT), H5Dclose);
  if (!ds.valid()) throw input_error(fmt::format("{}: /{}: cannot open dataset", name, path));
  hdf5_handle space(H5Dget_space(ds.get()), H5Sclose);
  if (!space.valid() || H5Sget_simple_extent_ndims(space.get()) != 1)
    throw input_error(fmt::format("{}: /{}: expected a 1-D dataset", name, path));
  H5Sget_simple_extent_dims(space.get(), &rows, nullptr);
  return ds;
}

void expect_vlen_of(hid_t ds, H5T_class_t base_class, const char* path, const std::string& name, const char* what) {
  hdf5_handle t(H5Dget_type(ds), H5Tclose);
  bool ok = t.valid() && H5Tget_class(t.get()) == H5T_VLEN;
  if (ok) {
    hdf5_handle base(H5Tget_super(t.get()), H5Tclose);
    ok = base.valid() && H5Tget_class(base.get()) == base_class;
  }
  if (!ok) throw input_error(fmt::format("{}: /{}: expected variable-length arrays of {}", name, path, what));
}

// The reading itself, in this process (read_hdf5_spikes runs it in a child): the samples are handed to
// on_chunk a chunk at a time (the store is emptied after each), so the reader holds one chunk, not the file.
// Returns the channels and classes; its store is left empty.
hdf5_spikes_file read_in_process(const std::filesystem::path& path, const hdf5_spikes_options& opt,
                                 const std::function<void(const event_store&)>& on_chunk) {
  const std::string name = path.string();
  const hdf5_handle file = open_file(path, name, opt.max_inflated_bytes);
  hsize_t n_times = 0, n_units = 0, n_labels = 0;
  auto times = open_dataset_1d(file.get(), "spikes/times", name, n_times);
  auto units = open_dataset_1d(file.get(), "spikes/units", name, n_units);
  auto labels = open_dataset_1d(file.get(), "labels", name, n_labels);
  expect_vlen_of(times.get(), H5T_FLOAT, "spikes/times", name, "floats (seconds)");
  expect_vlen_of(units.get(), H5T_INTEGER, "spikes/units", name, "integers");
  {
    hdf5_handle lt(H5Dget_type(labels.get()), H5Tclose);
    if (!lt.valid() || H5Tget_class(lt.get()) != H5T_INTEGER)
      throw input_error(fmt::format("{}: /labels: expected integers", name));
  }
  if (n_times != n_labels || n_units != n_labels)
    throw input_error(fmt::format("{}: /spikes: {} time rows, {} unit rows and {} labels: counts differ", name,
                                  n_times, n_units, n_labels));
  // The labels read here, and per sample an offset, a label and a duration in the store: refused before anything
  // of the claimed count is allocated (a file of a few KB can claim 2^40 rows).
  const double sample_bytes = 8.0 + 8.0 + 4.0 + 8.0;
  if (static_cast<double>(n_labels) * sample_bytes > static_cast<double>(usable_memory_bytes()))
    throw input_error(fmt::format("{}: /labels: {} samples would need {}, more than this process may use", name,
                                  n_labels, format_bytes(static_cast<double>(n_labels) * sample_bytes)));
  std::vector<std::int64_t> label_values(n_labels);
  if (n_labels > 0 &&
      H5Dread(labels.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, label_values.data()) < 0)
    throw input_error(fmt::format("{}: /labels: cannot read (corrupt data)", name));
  hdf5_spikes_file out;
  out.store = std::make_shared<event_store>();
  std::int64_t max_label = -1;
  for (hsize_t i = 0; i < n_labels; ++i) {
    const auto l = label_values[i];
    if (l < 0 || (opt.classes != 0 && l >= opt.classes))
      throw input_error(fmt::format("{}: /labels/{}: label {} is out of range [0, {})", name, i, l,
                                    opt.classes != 0 ? opt.classes : max_classes));
    if (l >= max_classes)
      throw input_error(fmt::format("{}: /labels/{}: label {} is too large: labels are class indices below {}", name,
                                    i, l, max_classes));
    max_label = std::max(max_label, l);
  }
  hdf5_handle time_type(H5Tvlen_create(H5T_NATIVE_DOUBLE), H5Tclose);
  hdf5_handle unit_type(H5Tvlen_create(H5T_NATIVE_INT64), H5Tclose);
  hdf5_handle times_space(H5Dget_space(times.get()), H5Sclose);
  hdf5_handle units_space(H5Dget_space(units.get()), H5Sclose);
  constexpr hsize_t chunk = 256;
  std::vector<hvl_t> tbuf(chunk), ubuf(chunk);
  std::uint32_t max_unit_plus_one = 0;
  for (hsize_t start = 0; start < n_labels; start += chunk) {
    const hsize_t count = std::min<hsize_t>(chunk, n_labels - start);
    hdf5_handle mem(H5Screate_simple(1, &count, nullptr), H5Sclose);
    if (H5Sselect_hyperslab(times_space.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr) < 0 ||
        H5Sselect_hyperslab(units_space.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr) < 0)
      throw input_error(fmt::format("{}: sample {}: cannot select rows", name, start));
    std::fill(tbuf.begin(), tbuf.end(), hvl_t{0, nullptr});
    std::fill(ubuf.begin(), ubuf.end(), hvl_t{0, nullptr});
    if (H5Dread(times.get(), time_type.get(), mem.get(), times_space.get(), H5P_DEFAULT, tbuf.data()) < 0)
      throw input_error(fmt::format("{}: /spikes/times: samples {}..{}: cannot read (corrupt data)", name, start,
                                    start + count - 1));
    vlen_guard tg{time_type.get(), mem.get(), tbuf.data()};
    if (H5Dread(units.get(), unit_type.get(), mem.get(), units_space.get(), H5P_DEFAULT, ubuf.data()) < 0)
      throw input_error(fmt::format("{}: /spikes/units: samples {}..{}: cannot read (corrupt data)", name, start,
                                    start + count - 1));
    vlen_guard ug{unit_type.get(), mem.get(), ubuf.data()};
    for (hsize_t r = 0; r < count; ++r) {
      const hsize_t i = start + r;
      if (tbuf[r].len != ubuf[r].len)
        throw input_error(fmt::format("{}: sample {}: {} spike times but {} units", name, i, tbuf[r].len,
                                      ubuf[r].len));
      const auto* t = static_cast<const double*>(tbuf[r].p);
      const auto* u = static_cast<const std::int64_t*>(ubuf[r].p);
      double prev = 0.0;
      double last = 0.0;
      for (std::size_t k = 0; k < tbuf[r].len; ++k) {
        const double t_s = t[k];
        if (!std::isfinite(t_s) || t_s < 0.0)
          throw input_error(fmt::format("{}: /spikes/times/{}: spike {}: time {} s is negative or not finite", name,
                                        i, k, t_s));
        if (t_s < prev && !opt.sort)
          throw input_error(fmt::format("{}: /spikes/times/{}: spike {}: time {} s is before the previous spike "
                                        "({} s): times must be sorted (or set \"sort\": true)",
                                        name, i, k, t_s, prev));
        prev = std::max(prev, t_s);
        if (u[k] < 0 || u[k] > 0xfffffffeLL || (opt.channels != 0 && u[k] >= opt.channels))
          throw input_error(fmt::format("{}: /spikes/units/{}: spike {}: unit {} is out of range [0, {})", name, i, k,
                                        u[k], opt.channels));
        const double t_ms = t_s * 1000.0;
        if (opt.duration_ms > 0.0 && t_ms > opt.duration_ms) continue;
        out.store->push(t_ms, static_cast<std::uint32_t>(u[k]));
        last = std::max(last, t_ms);
        max_unit_plus_one = std::max(max_unit_plus_one, static_cast<std::uint32_t>(u[k]) + 1);
      }
      out.store->end_sample(static_cast<std::uint32_t>(label_values[i]), opt.duration_ms > 0.0 ? opt.duration_ms : last,
                            true);
    }
    on_chunk(*out.store);
    *out.store = event_store();
  }
  out.channels = opt.channels != 0 ? opt.channels : max_unit_plus_one;
  out.classes = opt.classes != 0 ? opt.classes : static_cast<std::uint32_t>(max_label + 1);
  return out;
}

}  // namespace

hdf5_spikes_file read_hdf5_spikes(const std::filesystem::path& path, const hdf5_spikes_options& opt) {
  hdf5_spikes_file out;
  read_isolated(
      path.string(), limits_for_file(path),
      [&](isolated_out& o) {
        const hdf5_spikes_file f = read_in_process(path, opt, [&](const event_store& chunk) {
          o.value<std::uint8_t>(1);
          chunk.save(o);
        });
        o.value<std::uint8_t>(0);
        o.value(f.channels);
        o.value(f.classes);
      },
      [&](isolated_in& in) {
        out.store = std::make_shared<event_store>();
        event_store chunk;
        while (in.value<std::uint8_t>() != 0) {
          chunk.load(in);
          out.store->append(chunk);
        }
        out.channels = in.value<std::uint32_t>();
        out.classes = in.value<std::uint32_t>();
      });
  return out;
}

namespace {
std::vector<std::string> shd_names() {
  return {"zero", "one", "two",  "three", "four", "five",  "six",    "seven",  "eight", "nine",
          "null", "eins", "zwei", "drei",  "vier", "fuenf", "sechs", "sieben", "acht",  "neun"};
}
}  // namespace

source_splits open_hdf5_source(const std::string& format, json_fields& f, const spec_env& env) {
  hdf5_spikes_options opt;
  const bool known = format == "shd" || format == "ssc";
  opt.channels = static_cast<std::uint32_t>(f.integer("channels", known ? 700 : 0, 0, 1u << 30));
  opt.classes =
      static_cast<std::uint32_t>(f.integer("classes", format == "shd" ? 20 : format == "ssc" ? 35 : 0, 0, max_classes));
  opt.duration_ms = f.number("duration_ms", 0.0, 0.0, 1e12);
  opt.sort = f.boolean("sort", false);
  const std::filesystem::path dir = f.has("path") ? env.resolve(f.string("path", "")) : env.default_dir(format);
  const std::string where = f.has("path") ? f.pointer("path") : "/format";
  auto find = [&](const std::string& key, const std::string& split) -> std::filesystem::path {
    if (f.has(key)) return env.resolve(f.string(key, ""));
    if (!known) return {};
    std::error_code ec;
    for (const char* ext : {".h5", ".h5.gz"}) {
      const auto p = dir / (format + "_" + split + ext);
      if (std::filesystem::is_regular_file(p, ec)) return p;
    }
    return {};
  };
  const auto train = find("train", "train");
  const auto test = find("test", "test");
  const auto valid = find("validation", "valid");
  auto expected = [&](const std::string& split) {
    return fmt::format("{}: {}: {}: no {}_{}.h5[.gz] (see docs/datasets.md)", f.file(), where, dir.string(), format,
                       split);
  };
  if (train.empty() && test.empty() && valid.empty())
    throw input_error(known ? fmt::format("{}: {}: {}: no {}_train.h5[.gz] or {}_test.h5[.gz] (see docs/datasets.md)",
                                          f.file(), where, dir.string(), format, format)
                            : fmt::format("{}: /train: the hdf5 format needs \"train\" (and optionally \"test\", "
                                          "\"validation\")",
                                          f.file()));
  // Read every file first: the splits share one class count (the largest), so a label the test
  // split holds and the training split lacks still fits classes().
  struct split_file {
    std::shared_ptr<const dataset>* slot;
    const char* split;
    std::filesystem::path path;
    hdf5_spikes_file file;
  };
  source_splits s;
  std::vector<split_file> files;
  std::uint32_t channels = opt.channels;
  std::uint32_t classes = 0;
  for (auto [slot, split, p] : {std::tuple{&s.train, "train", train}, std::tuple{&s.validation, "validation", valid},
                                std::tuple{&s.test, "test", test}}) {
    if (p.empty()) continue;
    auto o = opt;
    o.channels = channels;
    auto file = read_hdf5_spikes(p, o);
    if (channels == 0) channels = file.channels;  // later splits must fit the first one's channels
    classes = std::max(classes, file.classes);
    files.push_back({slot, split, p, std::move(file)});
  }
  for (const auto& sf : files)
    *sf.slot = std::make_shared<event_dataset>(
        sf.file.store, classes, channels,
        fmt::format("{} {}: {} ({} samples, {} spikes)", format, sf.split, sf.path.string(), sf.file.store->size(),
                    sf.file.store->total_events()),
        sensor_layout{}, format == "shd" ? shd_names() : std::vector<std::string>{});
  if (!s.train) s.missing_train = expected("train");
  if (!s.test && known) s.missing_test = expected("test");
  return s;
}

}  // namespace evsnn::data
