// libFuzzer target: NumPy .npy files as the network loader reads them (weights, sparse lists, input
// spikes). Any input must parse or give evsnn::input_error; what parses holds exactly the product of
// its shape in finite values, and never more than the cap the caller passes.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/error.hpp"
#include "engine/npy_reader.hpp"
#include "tests/fuzz/fuzz_budget.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    const evsnn::npy_array a = evsnn::parse_npy(bytes, "fuzz.npy", 1u << 20);
    std::uint64_t count = 1;
    for (std::uint64_t d : a.shape) count *= d;
    if (count != a.values.size() || a.values.size() > (1u << 20)) __builtin_trap();
    for (double v : a.values)
      if (!std::isfinite(v)) __builtin_trap();
  } catch (const evsnn::input_error& e) {
    evsnn::fuzz::refused(e);
  }
  return 0;
}
