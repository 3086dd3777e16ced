#include "engine/npy_reader.hpp"

#include <bit>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "engine/json_node.hpp"

namespace evsnn {

namespace {

// The header's dict literal: {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }
class header_parser {
 public:
  header_parser(std::string_view text, const std::string& file, std::size_t offset)
      : s_(text), file_(file), offset_(offset) {}

  void parse(npy_array& out, bool& fortran) {
    bool seen_descr = false, seen_order = false, seen_shape = false;
    expect('{');
    while (true) {
      skip();
      if (peek() == '}') break;
      const std::string key = quoted();
      expect(':');
      if (key == "descr") {
        out.dtype = quoted();
        seen_descr = true;
      } else if (key == "fortran_order") {
        fortran = boolean();
        seen_order = true;
      } else if (key == "shape") {
        out.shape = tuple();
        seen_shape = true;
      } else {
        fail(fmt::format("unexpected header key '{}'", key));
      }
      skip();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      skip();
      if (peek() != '}') fail("expected ',' or '}' in the header");
    }
    ++pos_;
    if (!seen_descr || !seen_order || !seen_shape) fail("the header lacks 'descr', 'fortran_order' or 'shape'");
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw input_error(fmt::format("{}: byte {}: {}", file_, offset_ + pos_, what));
  }
  void skip() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n')) ++pos_;
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void expect(char c) {
    skip();
    if (peek() != c) fail(fmt::format("expected '{}' in the header", c));
    ++pos_;
  }
  std::string quoted() {
    skip();
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string in the header");
    const std::size_t end = s_.find(q, pos_ + 1);
    if (end == std::string_view::npos || end - pos_ > 64) fail("unterminated string in the header");
    std::string v(s_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return v;
  }
  bool boolean() {
    skip();
    if (s_.substr(pos_).starts_with("True")) {
      pos_ += 4;
      return true;
    }
    if (s_.substr(pos_).starts_with("False")) {
      pos_ += 5;
      return false;
    }
    fail("expected True or False in the header");
  }
  std::vector<std::uint64_t> tuple() {
    expect('(');
    std::vector<std::uint64_t> dims;
    while (true) {
      skip();
      if (peek() == ')') break;
      std::uint64_t v = 0;
      const std::size_t start = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
        if (v > (UINT64_MAX - 9) / 10) fail("a dimension of the shape is too large");
        v = v * 10 + static_cast<std::uint64_t>(s_[pos_] - '0');
        ++pos_;
      }
      if (pos_ == start) fail("expected a whole number in the shape");
      if (dims.size() == 32) fail("more than 32 dimensions in the shape");
      dims.push_back(v);
      skip();
      if (peek() == ',') ++pos_;
      else if (peek() != ')') fail("expected ',' or ')' in the shape");
    }
    ++pos_;
    return dims;
  }

  std::string_view s_;
  const std::string& file_;
  std::size_t offset_;
  std::size_t pos_ = 0;
};

std::uint64_t load_uint(const unsigned char* p, unsigned size, bool big) {
  std::uint64_t v = 0;
  for (unsigned b = 0; b < size; ++b) v |= std::uint64_t(p[big ? size - 1 - b : b]) << (8 * b);
  return v;
}

}  // namespace

npy_array parse_npy(std::string_view bytes, const std::string& file, std::uint64_t max_values) {
  static constexpr std::string_view magic("\x93NUMPY", 6);
  if (!bytes.starts_with(magic)) throw input_error(fmt::format("{}: byte 0: not a NumPy .npy file (bad magic)", file));
  if (bytes.size() < 10) throw input_error(fmt::format("{}: byte {}: truncated header", file, bytes.size()));
  const auto major = static_cast<unsigned char>(bytes[6]);
  if (major < 1 || major > 3)
    throw input_error(fmt::format("{}: byte 6: .npy format version {}.{} (this reader knows 1.0, 2.0 and 3.0)", file,
                                  major, static_cast<unsigned char>(bytes[7])));
  const unsigned len_size = major == 1 ? 2 : 4;
  if (bytes.size() < 8 + len_size) throw input_error(fmt::format("{}: byte {}: truncated header", file, bytes.size()));
  const auto* u = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::uint64_t header_len = load_uint(u + 8, len_size, false);
  const std::size_t header_at = 8 + len_size;
  if (header_len > bytes.size() - header_at)
    throw input_error(fmt::format("{}: byte {}: the header of {} bytes runs past the end of the file ({} bytes)", file,
                                  8, header_len, bytes.size()));
  npy_array out;
  bool fortran = false;
  header_parser(bytes.substr(header_at, header_len), file, header_at).parse(out, fortran);
  if (fortran)
    throw input_error(fmt::format("{}: byte {}: Fortran-order arrays are not read (save a C-order array: "
                                  "np.save(f, np.ascontiguousarray(a)))",
                                  file, header_at));
  // dtype: byte order, kind, size.
  const std::string& d = out.dtype;
  const bool ok_form = d.size() == 3 && (d[0] == '<' || d[0] == '>' || d[0] == '|' || d[0] == '=') &&
                       (d[1] == 'f' || d[1] == 'i' || d[1] == 'u') && d[2] >= '1' && d[2] <= '8';
  const unsigned size = ok_form ? static_cast<unsigned>(d[2] - '0') : 0;
  const bool ok_size = d.size() == 3 && (d[1] == 'f' ? (size == 4 || size == 8) : (size == 1 || size == 2 || size == 4 || size == 8));
  if (!ok_form || !ok_size)
    throw input_error(fmt::format("{}: byte {}: dtype '{}' is not read (float32, float64, int8..int64 or "
                                  "uint8..uint64, either byte order)",
                                  file, header_at, d));
  if (d[0] == '|' && size != 1)
    throw input_error(fmt::format("{}: byte {}: dtype '{}' has no byte order", file, header_at, d));
  const bool big = d[0] == '>';
  // Shape against the data actually present, before allocating anything of the claimed size.
  const std::size_t data_at = header_at + static_cast<std::size_t>(header_len);
  const std::uint64_t available = (bytes.size() - data_at) / size;
  std::uint64_t count = 1;
  for (std::uint64_t dim : out.shape) {
    if (dim != 0 && count > available / dim)
      throw input_error(fmt::format("{}: byte {}: the shape claims more values than the file holds", file, header_at));
    count *= dim;
  }
  if (count * size != bytes.size() - data_at)
    throw input_error(fmt::format("{}: byte {}: the shape needs {} bytes of data, the file has {} (truncated or "
                                  "trailing data)",
                                  file, data_at, count * size, bytes.size() - data_at));
  if (count > max_values)
    throw input_error(fmt::format("{}: byte {}: {} values, more than the {} expected here", file, header_at, count,
                                  max_values));
  out.values.resize(static_cast<std::size_t>(count));
  const unsigned char* p = u + data_at;
  constexpr double exact_int = 9007199254740992.0;  // 2^53
  for (std::size_t k = 0; k < out.values.size(); ++k, p += size) {
    const std::uint64_t raw = load_uint(p, size, big);
    double v = 0.0;
    if (d[1] == 'f') {
      v = size == 4 ? static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(raw)))
                    : std::bit_cast<double>(raw);
      if (!std::isfinite(v))
        throw input_error(fmt::format("{}: byte {}: element {} is not finite", file, data_at + k * size, k));
    } else if (d[1] == 'u') {
      v = static_cast<double>(raw);
      if (v > exact_int) throw input_error(fmt::format("{}: byte {}: value {} is beyond 2^53", file, data_at + k * size, raw));
    } else {
      const std::uint64_t sign = std::uint64_t(1) << (8 * size - 1);
      const std::int64_t s = size == 8 ? std::bit_cast<std::int64_t>(raw)
                                       : static_cast<std::int64_t>(raw ^ sign) - static_cast<std::int64_t>(sign);
      v = static_cast<double>(s);
      if (std::fabs(v) > exact_int)
        throw input_error(fmt::format("{}: byte {}: value {} is beyond 2^53", file, data_at + k * size, s));
    }
    out.values[k] = v;
  }
  return out;
}

npy_array read_npy(const std::string& path, std::uint64_t max_values) {
  const std::string bytes = read_text_file(path);
  return parse_npy(bytes, path, max_values);
}

}  // namespace evsnn
