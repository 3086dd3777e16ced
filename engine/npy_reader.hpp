#pragma once
// npy_reader: NumPy .npy files (format versions 1.0, 2.0 and 3.0) read into doubles, for weights,
// connectivity and input spikes. Accepted: C-order arrays of float32, float64 and (u)int8/16/32/64,
// little- or big-endian ('<', '>', '|' for one-byte types). Refused with one line naming the file and
// the byte offset: a bad magic or version, a header that is not NumPy's dict literal, any other dtype
// (float16, complex, bool, strings, objects, structured), Fortran order, a data size that does not match
// the shape (truncated or trailing bytes), non-finite floats, and integers beyond 2^53 (not exact as a
// double). Memory: the values are bounded by the file's size and by the caller's max_values, checked
// before anything of the claimed shape is allocated.
// Invariant of a result: values.size() == product of shape (1 for a 0-d array).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace evsnn {

struct npy_array {
  std::vector<std::uint64_t> shape;
  std::vector<double> values;  // C order
  std::string dtype;           // as written in the header, e.g. "<f8"
};

// Parses the bytes of a .npy file; file names it in errors.
npy_array parse_npy(std::string_view bytes, const std::string& file, std::uint64_t max_values);
// Reads and parses a file (input_error when it cannot be opened).
npy_array read_npy(const std::string& path, std::uint64_t max_values);

}  // namespace evsnn
