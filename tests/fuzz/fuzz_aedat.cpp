// libFuzzer target: AEDAT 3.1 header and packet indexing, and reading a time window.
#include <cstddef>
#include <cstdint>

#include "datasets/aedat_reader.hpp"
#include "engine/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace evsnn::data;
  try {
    const auto idx = index_aedat({data, size}, "fuzz.aedat");
    sample s;
    read_aedat_window({data, size}, idx, "fuzz.aedat", 0, std::int64_t{1} << 40, 128, 128, s);
    for (const auto& e : s.events)
      if (e.channel >= 2 * 128 * 128 || e.time_ms < 0) __builtin_trap();
  } catch (const evsnn::input_error&) {
  }
  return 0;
}
