// libFuzzer target: CSV event files (and a labels file split off after a NUL byte).
#include <cstddef>
#include <cstdint>
#include <string>

#include "datasets/csv_events_reader.hpp"
#include "engine/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace evsnn::data;
  try {
    const std::string all(reinterpret_cast<const char*>(data), size);
    const auto nul = all.find('\0');
    const std::string text = all.substr(0, nul);
    csv_events_options o;
    o.sort = size % 3 == 0;
    if (nul == std::string::npos) {
      parse_csv_events(text, "fuzz.csv", nullptr, "", o);
    } else {
      const std::string labels = all.substr(nul + 1);
      parse_csv_events(text, "fuzz.csv", &labels, "fuzz.labels", o);
    }
  } catch (const evsnn::input_error&) {
  }
  return 0;
}
