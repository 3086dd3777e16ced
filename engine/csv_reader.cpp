#include "engine/csv_reader.hpp"

#include <charconv>
#include <cmath>
#include <system_error>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "engine/json_node.hpp"

namespace evsnn {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "what "text"" or just ""text"" when the caller gave no name.
std::string quoted(std::string_view what, std::string_view text) {
  return what.empty() ? fmt::format("\"{}\"", text) : fmt::format("{} \"{}\"", what, text);
}

std::string named(std::string_view what, std::string_view value) {
  return what.empty() ? std::string(value) : fmt::format("{} {}", what, value);
}

}  // namespace

csv_reader::csv_reader(std::string_view text, std::string name) : text_(text), name_(std::move(name)) {}

std::optional<std::string> csv_reader::read_file(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) return std::nullopt;
  if (std::filesystem::is_directory(status))
    throw input_error(fmt::format("{}: is a folder, not a file", path.string()));
  if (!std::filesystem::is_regular_file(status))
    throw input_error(fmt::format("{}: is not a regular file", path.string()));
  return read_text_file(path.string());  // one read of the whole file
}

bool csv_reader::next(row& r) {
  while (pos_ < text_.size()) {
    // A line ends at "\n", "\r\n" or a lone "\r".
    // (A plain scan: find_first_of calls memchr over its set once per character.)
    std::size_t end = pos_;
    while (end < text_.size() && text_[end] != '\n' && text_[end] != '\r') ++end;
    const std::string_view line = trim(text_.substr(pos_, end - pos_));
    pos_ = end + (end + 1 < text_.size() && text_[end] == '\r' && text_[end + 1] == '\n' ? 2 : 1);
    ++line_;
    if (line.empty() || line.front() == '#') continue;
    r.name_ = &name_;
    r.line_ = line_;
    r.index_ = rows_++;
    r.text_ = line;
    r.fields_.clear();
    std::size_t start = 0;
    while (true) {
      const auto comma = line.find(',', start);
      const std::size_t length = comma == std::string_view::npos ? std::string_view::npos : comma - start;
      r.fields_.push_back(trim(line.substr(start, length)));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    return true;
  }
  return false;
}

std::size_t csv_reader::capped(std::uint64_t claimed) const {
  const std::uint64_t most = text_.size() / 2 + 1;
  return static_cast<std::size_t>(claimed < most ? claimed : most);
}

void csv_reader::fail(const std::string& message) const {
  throw input_error(fmt::format("{}: {}", name_, message));
}

void csv_reader::row::fail(const std::string& message) const {
  throw input_error(fmt::format("{}: line {}: {}", *name_, line_, message));
}

void csv_reader::row::fail(std::size_t column, const std::string& message) const {
  throw input_error(fmt::format("{}: line {}: column {}: {}", *name_, line_, column + 1, message));
}

double csv_reader::row::as_double(std::size_t column, std::string_view what) const {
  const std::string_view s = field(column);
  double v = 0.0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v))
    fail(column, fmt::format("{} is not a finite number", quoted(what, s)));
  return v;
}

double csv_reader::row::as_double(std::size_t column, std::string_view what, double min, double max) const {
  const double v = as_double(column, what);
  if (!(v >= min && v <= max))
    fail(column, fmt::format("{} is out of range [{}, {}]", named(what, fmt::format("{}", v)), min, max));
  return v;
}

std::uint64_t csv_reader::row::as_uint(std::size_t column, std::string_view what, std::uint64_t max) const {
  const std::string_view s = field(column);
  std::uint64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec == std::errc::result_out_of_range && r.ptr == s.data() + s.size())
    fail(column, fmt::format("{} is out of range [0, {}]", named(what, s), max));
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || s.empty())
    fail(column, fmt::format("{} is not a non-negative integer", quoted(what, s)));
  if (v > max) fail(column, fmt::format("{} is out of range [0, {}]", named(what, s), max));
  return v;
}

}  // namespace evsnn
