#include "datasets/json_fields.hpp"

#include <cmath>

#include <fmt/format.h>

#include "engine/error.hpp"

namespace evsnn::data {

json_fields::json_fields(const nlohmann::json& obj, std::string file, std::string pointer)
    : node_(obj, std::move(file), std::move(pointer)) {
  node_.expect_object();
}

const nlohmann::json& json_fields::raw(const std::string& key) { return node_.at(key).raw(); }

void json_fields::fail(const std::string& key, const std::string& message) const {
  throw input_error(fmt::format("{}: {}: {}", file(), pointer(key), message));
}

double json_fields::number(const std::string& key, double fallback, double min, double max) {
  const auto n = node_.get(key);
  if (!n) return fallback;
  const double x = n->as_double();
  if (x < min || x > max) n->fail(fmt::format("{} is out of range [{}, {}]", x, min, max));
  return x;
}

std::uint64_t json_fields::integer(const std::string& key, std::uint64_t fallback, std::uint64_t min,
                                   std::uint64_t max) {
  const auto n = node_.get(key);
  if (!n) return fallback;
  const nlohmann::json& v = n->raw();
  if (v.is_number_unsigned()) {
    const auto x = v.get<std::uint64_t>();
    if (x < min || x > max) n->fail(fmt::format("{} is out of range [{}, {}]", x, min, max));
    return x;
  }
  if (v.is_number_integer()) {
    const auto x = v.get<std::int64_t>();
    if (x < 0 || static_cast<std::uint64_t>(x) < min || static_cast<std::uint64_t>(x) > max)
      n->fail(fmt::format("{} is out of range [{}, {}]", x, min, max));
    return static_cast<std::uint64_t>(x);
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (d == std::floor(d) && d >= static_cast<double>(min) && d <= static_cast<double>(max))
      return static_cast<std::uint64_t>(d);
    n->fail(fmt::format("expected an integer in [{}, {}], got {}", min, max, d));
  }
  (void)n->as_int();  // not a number: fails "expected an integer, got <type>"
  n->fail("expected an integer");
}

std::string json_fields::string(const std::string& key, const std::string& fallback) {
  const auto n = node_.get(key);
  return n ? n->as_string() : fallback;
}

bool json_fields::boolean(const std::string& key, bool fallback) {
  const auto n = node_.get(key);
  return n ? n->as_bool() : fallback;
}

void json_fields::finish() const {
  if (const auto key = node_.first_unread_key()) fail(*key, "unknown key");
}

}  // namespace evsnn::data
