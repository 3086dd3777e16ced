// libFuzzer target: spike lists "time_ms,channel[,grade]" (models/spike_source.cpp read_spike_csv, the
// "spikes_csv" of a spike_source) and the CSV tokenizer under it (engine/csv_reader). read_spike_csv
// reads a file, so the input is written to one file in a private temporary folder first. Any input
// must give events or evsnn::input_error; the events have channel < the population size and finite
// times >= 0, and a replay source holds them sorted by (time, channel). The same text is then walked
// with csv_reader's typed accessors (each field as an unsigned integer and as a ranged double).
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "engine/csv_reader.hpp"
#include "engine/error.hpp"
#include "models/spike_source.hpp"
#include "tests/fuzz/fuzz_budget.hpp"

namespace {

std::string scratch_file() {
  std::string dir = (std::filesystem::temp_directory_path() / "evsnn-fuzz-XXXXXX").string();
  if (::mkdtemp(dir.data()) == nullptr) std::abort();
  return dir + "/spikes.csv";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace evsnn;
  static const std::string path = scratch_file();
  constexpr std::uint32_t channels = 1000;
  const std::string text(reinterpret_cast<const char*>(data), size);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out) std::abort();
  }
  try {
    auto events = read_spike_csv(path, channels);
    for (const input_event& e : events)
      if (e.channel >= channels || !(e.time_ms >= 0) || !std::isfinite(e.time_ms) || !std::isfinite(e.grade))
        __builtin_trap();
    const auto src = spike_source::replay("fuzz", channels, std::move(events));
    const auto ev = src->events();
    for (std::size_t k = 1; k < ev.size(); ++k)
      if (ev[k].time_ms < ev[k - 1].time_ms || (ev[k].time_ms == ev[k - 1].time_ms && ev[k].channel < ev[k - 1].channel))
        __builtin_trap();
  } catch (const input_error& e) {
    evsnn::fuzz::refused(e);
  }
  try {
    csv_reader reader(text, "fuzz.csv");
    csv_reader::row r;
    std::size_t rows = 0;
    while (reader.next(r)) {
      if (r.line() > reader.lines_read() || r.index() != rows++ || r.size() == 0 || r.size() > text.size() + 1)
        __builtin_trap();
      for (std::size_t c = 0; c < r.size(); ++c) {
        try {
          (void)r.as_uint(c, "count", 1u << 20);
        } catch (const input_error&) {
        }
        try {
          const double v = r.as_double(c, "value", -1.0, 1.0e6);
          if (!(v >= -1.0 && v <= 1.0e6)) __builtin_trap();
        } catch (const input_error&) {
        }
      }
    }
    if (reader.rows_read() != rows || reader.capped(~std::uint64_t{0}) > text.size() + 1) __builtin_trap();
  } catch (const input_error& e) {
    evsnn::fuzz::refused(e);
  }
  return 0;
}
