#pragma once
// npy_bytes: .npy files built byte by byte exactly as numpy.save writes them (format 1.0 or 2.0: magic,
// version, header length, the header dict padded with spaces to a multiple of 64 and ended by '\n', then
// the raw data), for the tests of the .npy reader and of the loaders that use it.
#include <bit>
#include <cstdint>
#include <string>
#include <vector>

namespace evsnn::test {

// A .npy file: version `major`, this header dict, then raw data bytes.
inline std::string npy_file(const std::string& dict, const std::string& data, int major = 1) {
  const std::size_t prefix = major == 1 ? 10 : 12;
  std::string header = dict;
  while ((prefix + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out("\x93NUMPY", 6);
  out += static_cast<char>(major);
  out += '\0';
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  for (std::size_t b = 0; b < len_bytes; ++b) out += static_cast<char>((header.size() >> (8 * b)) & 0xff);
  return out + header + data;
}

inline std::string dict(const std::string& descr, const std::string& shape, bool fortran = false) {
  return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }";
}

// Bytes of v in the given width and byte order.
inline std::string raw(std::uint64_t v, unsigned size, bool big) {
  std::string s;
  for (unsigned b = 0; b < size; ++b) s += static_cast<char>((v >> (8 * (big ? size - 1 - b : b))) & 0xff);
  return s;
}

// Little-endian float64 data of these values.
inline std::string f8(const std::vector<double>& v) {
  std::string s;
  for (double x : v) s += raw(std::bit_cast<std::uint64_t>(x), 8, false);
  return s;
}

}  // namespace evsnn::test
