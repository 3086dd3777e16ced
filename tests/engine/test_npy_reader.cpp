// npy_reader: NumPy .npy files built byte by byte exactly as numpy.save writes them (header dict, space
// padding to a multiple of 64, '\n'), every accepted dtype and byte order, and one-line refusals.
#include <doctest/doctest.h>

#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/npy_reader.hpp"
#include "tests/support/npy_bytes.hpp"

using namespace evsnn;
using evsnn::test::dict;
using evsnn::test::npy_file;
using evsnn::test::raw;

namespace {

std::string error_of(const std::string& bytes, std::uint64_t max_values = 1000) {
  try {
    parse_npy(bytes, "w.npy", max_values);
  } catch (const input_error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("npy: float64 and float32 in both byte orders, exact") {
  for (bool big : {false, true}) {
    std::string d8, d4;
    for (double v : {0.1, -2.5, 1e-300, 3.0}) d8 += raw(std::bit_cast<std::uint64_t>(v), 8, big);
    for (float v : {0.1f, -2.5f}) d4 += raw(std::bit_cast<std::uint32_t>(v), 4, big);
    const npy_array a = parse_npy(npy_file(dict(big ? ">f8" : "<f8", "(2, 2)"), d8), "a.npy", 100);
    CHECK(a.shape == std::vector<std::uint64_t>{2, 2});
    CHECK(a.values == std::vector<double>{0.1, -2.5, 1e-300, 3.0});
    const npy_array b = parse_npy(npy_file(dict(big ? ">f4" : "<f4", "(2,)"), d4, 2), "b.npy", 100);
    CHECK(b.shape == std::vector<std::uint64_t>{2});
    CHECK(b.values == std::vector<double>{static_cast<double>(0.1f), -2.5});
  }
}

TEST_CASE("npy: integers of every width, signed and unsigned, both byte orders") {
  for (bool big : {false, true}) {
    const char order = big ? '>' : '<';
    for (unsigned size : {2u, 4u, 8u}) {
      const std::uint64_t minus_one = size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
      const std::string data = raw(7, size, big) + raw(minus_one, size, big) + raw(0, size, big);
      const std::string w = std::to_string(size);
      INFO(order << size);
      CHECK(parse_npy(npy_file(dict(std::string(1, order) + "i" + w, "(3,)"), data), "i.npy", 10).values ==
            std::vector<double>{7, -1, 0});
      if (size < 8)
        CHECK(parse_npy(npy_file(dict(std::string(1, order) + "u" + w, "(3,)"), data), "u.npy", 10).values ==
              std::vector<double>{7, static_cast<double>(minus_one), 0});
    }
  }
  CHECK(parse_npy(npy_file(dict("|i1", "(2,)"), "\x05\xfe"), "b.npy", 10).values == std::vector<double>{5, -2});
  CHECK(parse_npy(npy_file(dict("|u1", "(2,)"), "\x05\xfe"), "b.npy", 10).values == std::vector<double>{5, 254});
  // A 0-d array holds one value; an empty one none.
  CHECK(parse_npy(npy_file(dict("<i4", "()"), raw(9, 4, false)), "s.npy", 10).values == std::vector<double>{9});
  CHECK(parse_npy(npy_file(dict("<f8", "(0, 3)"), ""), "e.npy", 10).values.empty());
}

TEST_CASE("npy: refusals name the file and a byte offset, one line") {
  const std::string two = raw(std::bit_cast<std::uint64_t>(1.0), 8, false) + raw(std::bit_cast<std::uint64_t>(2.0), 8, false);
  CHECK(error_of("PK\x03\x04 not numpy") == "w.npy: byte 0: not a NumPy .npy file (bad magic)");
  CHECK(error_of(npy_file(dict("<f8", "(2,)"), two, 4)).find("w.npy: byte 6: .npy format version 4.0") == 0);
  CHECK(error_of(npy_file(dict("<f8", "(2,)", true), two)).find("Fortran-order arrays are not read") != std::string::npos);
  for (const char* bad : {"<f2", "<c16", "|b1", "<U3", "|O", "<M8", "<i3", "|f8"}) {
    INFO(bad);
    const std::string e = error_of(npy_file(dict(bad, "(2,)"), two));
    CHECK((e.find("is not read") != std::string::npos || e.find("has no byte order") != std::string::npos));
    CHECK(e.find("w.npy: byte 10: ") == 0);
  }
  CHECK(error_of(npy_file(dict("<f8", "(3,)"), two)).find("the shape claims more values than the file holds") !=
        std::string::npos);
  CHECK(error_of(npy_file(dict("<f8", "(1,)"), two)).find("truncated or trailing data") != std::string::npos);
  CHECK(error_of(npy_file(dict("<f8", "(1,)"), two.substr(0, 12))).find("truncated or trailing data") != std::string::npos);
  // A shape that claims 2^62 values is refused before any allocation.
  CHECK(error_of(npy_file(dict("<f8", "(4611686018427387904,)"), two)).find("claims more values") != std::string::npos);
  CHECK(error_of(npy_file(dict("<f8", "(99999999999999999999999,)"), two)).find("too large") != std::string::npos);
  CHECK(error_of(npy_file(dict("<f8", "(2,)"), two), 1) == "w.npy: byte 10: 2 values, more than the 1 expected here");
  const std::string inf = raw(std::bit_cast<std::uint64_t>(1.0 / 0.0), 8, false);
  CHECK(error_of(npy_file(dict("<f8", "(1,)"), inf)).find("element 0 is not finite") != std::string::npos);
  CHECK(error_of(npy_file(dict("<u8", "(1,)"), raw(~0ULL, 8, false))).find("beyond 2^53") != std::string::npos);
  CHECK(error_of(npy_file("{'descr': '<f8', 'shape': (2,), }", two)).find("lacks") != std::string::npos);
  CHECK(error_of(npy_file("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (2,), }", two)).find("True or False") !=
        std::string::npos);
  CHECK(error_of(npy_file("{'descr': '<f8', 'extra': 1, 'fortran_order': False, 'shape': (2,), }", two))
            .find("unexpected header key 'extra'") != std::string::npos);
  std::string long_header = npy_file(dict("<f8", "(2,)"), two);
  long_header[8] = '\xff';
  long_header[9] = '\xff';
  CHECK(error_of(long_header).find("runs past the end of the file") != std::string::npos);
  CHECK(error_of(std::string("\x93NUMPY\x01", 7)).find("truncated header") != std::string::npos);
  CHECK_THROWS_AS(read_npy("/nonexistent/evsnn/w.npy", 10), input_error);
}
