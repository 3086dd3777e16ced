#pragma once
// IDX reader (the format of MNIST, Fashion-MNIST, EMNIST; plain or gzip), exact to the published
// layout: bytes 0-1 zero, byte 2 the element type (0x08 unsigned byte, 0x09 signed byte,
// 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64), byte 3 the number of dimensions, then
// one big-endian uint32 per dimension, then the elements. evsnn reads unsigned-byte arrays.
// Errors name the file and the byte offset ("...: byte 16: truncated: expected 47040000 bytes of
// pixels, got 1200").
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "datasets/file_bytes.hpp"
#include "datasets/image_set.hpp"

namespace evsnn::data {

// The header of an IDX array and its element bytes.
struct idx_array {
  std::uint8_t type = 0;
  std::vector<std::uint32_t> dims;
  std::span<const unsigned char> data;  // exactly product(dims) * element size bytes
};

// Parses an IDX array held in memory; `what` names the elements for messages ("pixels", "labels").
idx_array parse_idx(std::span<const unsigned char> bytes, const std::string& name, const std::string& what);

// Reads an IDX image file (3 dimensions: count, rows, cols) and its label file (1 dimension).
// classes == 0 means "max label + 1"; otherwise a label >= classes is an error.
image_set read_idx_images(const std::filesystem::path& images, const std::filesystem::path& labels,
                          std::uint32_t classes, bool transposed, int label_offset = 0);
// Same, on bytes already in memory (the fuzzer's entry point).
image_set parse_idx_images(std::shared_ptr<const file_bytes> images, std::shared_ptr<const file_bytes> labels,
                           std::uint32_t classes, bool transposed, int label_offset = 0);

}  // namespace evsnn::data
