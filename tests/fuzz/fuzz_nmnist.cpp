// libFuzzer target: N-MNIST 40-bit event records.
#include <cstddef>
#include <cstdint>

#include "datasets/nmnist_reader.hpp"
#include "engine/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace evsnn::data;
  try {
    sample s;
    nmnist_options o;
    o.sort = size % 2 == 1;
    parse_nmnist({data, size}, "fuzz.bin", o, s);
    for (std::size_t k = 1; k < s.events.size(); ++k)
      if (s.events[k].time_ms < s.events[k - 1].time_ms || s.events[k].channel >= 2312) __builtin_trap();
  } catch (const evsnn::input_error&) {
  }
  return 0;
}
