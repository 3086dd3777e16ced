#include "engine/json_fast_parse.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

#include "engine/json_node.hpp"

namespace evsnn {

namespace {

// Recursive descent over [p_, end_); every function returns false to give up (the caller falls back).
class fast_parser {
 public:
  explicit fast_parser(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  bool document(nlohmann::json& out) {
    skip();
    if (!value(out, 0)) return false;
    skip();
    return p_ == end_;
  }

 private:
  void skip() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) return false;
    p_ += word.size();
    return true;
  }

  bool value(nlohmann::json& out, std::size_t depth) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{': return object(out, depth);
      case '[': return array(out, depth);
      case '"': {
        std::string s;
        if (!string(s)) return false;
        out = std::move(s);
        return true;
      }
      case 't': out = true; return literal("true");
      case 'f': out = false; return literal("false");
      case 'n': out = nullptr; return literal("null");
      default: return number(out);
    }
  }

  bool object(nlohmann::json& out, std::size_t depth) {
    if (depth >= max_json_depth) return false;
    ++p_;
    out = nlohmann::json::object();
    auto& obj = out.get_ref<nlohmann::json::object_t&>();
    skip();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    std::string key;
    while (true) {
      skip();
      if (p_ == end_ || *p_ != '"' || !string(key)) return false;
      skip();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      skip();
      auto [it, inserted] = obj.emplace(std::move(key), nullptr);
      if (!inserted || !value(it->second, depth + 1)) return false;  // a repeated key: nlohmann reports it
      skip();
      if (p_ == end_) return false;
      if (*p_ == '}') {
        ++p_;
        return true;
      }
      if (*p_ != ',') return false;
      ++p_;
    }
  }

  bool array(nlohmann::json& out, std::size_t depth) {
    if (depth >= max_json_depth) return false;
    ++p_;
    out = nlohmann::json::array();
    auto& arr = out.get_ref<nlohmann::json::array_t&>();
    skip();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    while (true) {
      skip();
      arr.emplace_back();
      if (!value(arr.back(), depth + 1)) return false;
      skip();
      if (p_ == end_) return false;
      if (*p_ == ']') {
        ++p_;
        return true;
      }
      if (*p_ != ',') return false;
      ++p_;
    }
  }

  // Printable ASCII without escapes only; anything else is nlohmann's (escapes, UTF-8 validation).
  bool string(std::string& out) {
    const char* s = ++p_;
    while (p_ < end_ && *p_ != '"') {
      const auto c = static_cast<unsigned char>(*p_);
      if (c < 0x20 || c >= 0x80 || c == '\\') return false;
      ++p_;
    }
    if (p_ == end_) return false;
    out.assign(s, p_);
    ++p_;
    return true;
  }

  static bool digit(char c) { return c >= '0' && c <= '9'; }

  // JSON's grammar exactly: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool number(nlohmann::json& out) {
    const char* s = p_;
    const bool negative = p_ < end_ && *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_ || !digit(*p_)) return false;
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ < end_ && digit(*p_)) ++p_;
    }
    bool is_float = false;
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (p_ == end_ || !digit(*p_)) return false;
      while (p_ < end_ && digit(*p_)) ++p_;
      is_float = true;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !digit(*p_)) return false;
      while (p_ < end_ && digit(*p_)) ++p_;
      is_float = true;
    }
    if (is_float) {
      double v = 0.0;
      const auto r = std::from_chars(s, p_, v);
      // Out of range (overflow, or underflow to 0 or a subnormal): nlohmann's strtod path decides.
      if (r.ec != std::errc() || r.ptr != p_ || !std::isfinite(v) || (v != 0.0 && !std::isnormal(v))) return false;
      out = v;
      return true;
    }
    if (negative) {
      std::int64_t v = 0;
      const auto r = std::from_chars(s, p_, v);
      if (r.ec != std::errc() || r.ptr != p_) return false;
      out = v;
    } else {
      std::uint64_t v = 0;
      const auto r = std::from_chars(s, p_, v);
      if (r.ec != std::errc() || r.ptr != p_) return false;
      out = v;
    }
    return true;
  }

  const char* p_;
  const char* end_;
};

}  // namespace

std::optional<nlohmann::json> json_fast_parse(std::string_view text) {
  nlohmann::json out;
  if (!fast_parser(text).document(out)) return std::nullopt;
  return out;
}

}  // namespace evsnn
