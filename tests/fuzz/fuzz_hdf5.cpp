// libFuzzer target: HDF5 files as evsnn reads them — a numeric dataset for weights, connectivity or input
// spikes (engine/hdf5_array), the SHD/SSC spike files (datasets/hdf5_spikes_reader) and NIR graphs
// (tools/nir_file). The HDF5 library itself parses the file's structure, so this target is mostly a check of
// what that library does with a damaged file: any input must give a result or evsnn::input_error. The input is
// written to one file in a private temporary folder, and all three readers open it. What reads holds exactly
// the product of its shape in finite values, within the cap the caller passes; SHD samples have channels and
// labels within what the reader reports.
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "datasets/hdf5_spikes_reader.hpp"
#include "engine/error.hpp"
#include "engine/hdf5_array.hpp"
#include "tests/fuzz/fuzz_budget.hpp"
#include "tools/nir_file.hpp"

namespace {

std::string scratch_file() {
  std::string dir = (std::filesystem::temp_directory_path() / "evsnn-fuzz-XXXXXX").string();
  if (::mkdtemp(dir.data()) == nullptr) std::abort();
  return dir + "/input.h5";
}

void check_array(const evsnn::npy_array& a, std::uint64_t cap) {
  std::uint64_t count = 1;
  for (std::uint64_t d : a.shape) count *= d;
  if (count != a.values.size() || a.values.size() > cap) __builtin_trap();
  for (double v : a.values)
    if (!std::isfinite(v)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace evsnn;
  static const std::string path = scratch_file();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out) std::abort();
  }
  constexpr std::uint64_t cap = 1u << 20;
  for (const char* dataset : {"/w", "/spikes"}) {
    try {
      check_array(read_hdf5_array(path, dataset, cap), cap);
    } catch (const input_error& e) {
      fuzz::refused(e);
    }
  }
  try {
    data::hdf5_spikes_options options;
    options.max_inflated_bytes = 1u << 24;
    const data::hdf5_spikes_file f = data::read_hdf5_spikes(path, options);
    if (!f.store) __builtin_trap();
    data::sample buf;
    for (std::size_t s = 0; s < f.store->size(); ++s) {
      if (f.store->label(s) >= f.classes) __builtin_trap();
      f.store->copy_to(s, buf);
      for (const input_event& e : buf.events)
        if (e.channel >= f.channels || !std::isfinite(e.time_ms) || !(e.time_ms >= 0)) __builtin_trap();
    }
  } catch (const input_error& e) {
    fuzz::refused(e);
  }
  try {
    const cli::nir_graph g = cli::read_nir(path);
    if (g.nodes.size() > cli::max_nir_nodes) __builtin_trap();
    for (const cli::nir_node& n : g.nodes)
      for (const auto& [key, a] : n.arrays) check_array(a, ~std::uint64_t{0});
  } catch (const input_error& e) {
    fuzz::refused(e);
  }
  return 0;
}
