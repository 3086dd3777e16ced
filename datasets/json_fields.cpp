#include "datasets/json_fields.hpp"

#include <cmath>

#include <fmt/format.h>

#include "engine/error.hpp"

namespace evsnn::data {

namespace {
const char* type_name(const nlohmann::json& j) {
  if (j.is_null()) return "null";
  if (j.is_boolean()) return "a boolean";
  if (j.is_number()) return "a number";
  if (j.is_string()) return "a string";
  if (j.is_array()) return "an array";
  return "an object";
}
}  // namespace

json_fields::json_fields(const nlohmann::json& obj, std::string file, std::string pointer)
    : obj_(obj), file_(std::move(file)), pointer_(std::move(pointer)) {
  if (!obj_.is_object())
    throw input_error(fmt::format("{}: {}: expected an object, got {}", file_, pointer_.empty() ? "/" : pointer_,
                                  type_name(obj_)));
}

bool json_fields::has(const std::string& key) const { return obj_.contains(key); }

const nlohmann::json& json_fields::raw(const std::string& key) {
  read_.insert(key);
  return obj_.at(key);
}

void json_fields::skip(const std::string& key) { read_.insert(key); }

void json_fields::fail(const std::string& key, const std::string& message) const {
  throw input_error(fmt::format("{}: {}: {}", file_, pointer(key), message));
}

double json_fields::number(const std::string& key, double fallback, double min, double max) {
  read_.insert(key);
  if (!obj_.contains(key)) return fallback;
  const auto& v = obj_.at(key);
  if (!v.is_number()) fail(key, fmt::format("expected a number, got {}", type_name(v)));
  const double x = v.get<double>();
  if (!std::isfinite(x) || x < min || x > max) fail(key, fmt::format("{} is out of range [{}, {}]", x, min, max));
  return x;
}

std::uint64_t json_fields::integer(const std::string& key, std::uint64_t fallback, std::uint64_t min,
                                   std::uint64_t max) {
  read_.insert(key);
  if (!obj_.contains(key)) return fallback;
  const auto& v = obj_.at(key);
  if (v.is_number_unsigned()) {
    const auto x = v.get<std::uint64_t>();
    if (x < min || x > max) fail(key, fmt::format("{} is out of range [{}, {}]", x, min, max));
    return x;
  }
  if (v.is_number_integer()) {
    const auto x = v.get<std::int64_t>();
    if (x < 0 || static_cast<std::uint64_t>(x) < min || static_cast<std::uint64_t>(x) > max)
      fail(key, fmt::format("{} is out of range [{}, {}]", x, min, max));
    return static_cast<std::uint64_t>(x);
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (d == std::floor(d) && d >= static_cast<double>(min) && d <= static_cast<double>(max))
      return static_cast<std::uint64_t>(d);
    fail(key, fmt::format("expected an integer in [{}, {}], got {}", min, max, d));
  }
  fail(key, fmt::format("expected an integer, got {}", type_name(v)));
}

std::string json_fields::string(const std::string& key, const std::string& fallback) {
  read_.insert(key);
  if (!obj_.contains(key)) return fallback;
  const auto& v = obj_.at(key);
  if (!v.is_string()) fail(key, fmt::format("expected a string, got {}", type_name(v)));
  return v.get<std::string>();
}

bool json_fields::boolean(const std::string& key, bool fallback) {
  read_.insert(key);
  if (!obj_.contains(key)) return fallback;
  const auto& v = obj_.at(key);
  if (!v.is_boolean()) fail(key, fmt::format("expected true or false, got {}", type_name(v)));
  return v.get<bool>();
}

void json_fields::finish() const {
  for (auto it = obj_.begin(); it != obj_.end(); ++it)
    if (!read_.contains(it.key())) fail(it.key(), "unknown key");
}

}  // namespace evsnn::data
