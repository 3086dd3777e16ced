// libFuzzer target: IDX parsing (plain or gzip) and TTFS / rate encoding of what parses.
// Any input must give either a result or evsnn::input_error, never a crash.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "datasets/encoder.hpp"
#include "datasets/file_bytes.hpp"
#include "datasets/idx_reader.hpp"
#include "engine/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace evsnn::data;
  try {
    std::vector<unsigned char> bytes(data, data + size);
    if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) bytes = gunzip({data, size}, "fuzz.gz");
    const auto a = parse_idx(bytes, "fuzz", "pixels");
    if (a.type == 0x08 && a.dims.size() == 3 && a.dims[0] <= 4096) {
      auto images = std::make_shared<const file_bytes>(std::move(bytes), "images");
      std::vector<unsigned char> lab{0, 0, 8, 1, 0, 0, static_cast<unsigned char>(a.dims[0] >> 8),
                                     static_cast<unsigned char>(a.dims[0])};
      lab.resize(lab.size() + a.dims[0], 3);
      auto labels = std::make_shared<const file_bytes>(std::move(lab), "labels");
      const auto set = parse_idx_images(images, labels, 10, size % 2 == 0);
      sample s;
      encoder_options o;
      for (std::size_t i = 0; i < set.count && i < 4; ++i) {
        encode_image(o, set, i, i, s);
        o.type = encoder_options::kind::rate;
        o.duration_ms = 10;
        encode_image(o, set, i, i, s);
      }
    }
  } catch (const evsnn::input_error&) {
  }
  return 0;
}
