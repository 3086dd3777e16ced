#pragma once
// json_same: strict equality of two nlohmann values for the JSON parser tests and the json fuzz target —
// equal values of equal types, recursively, floats compared bit for bit (nlohmann's == calls the unsigned
// 5 and the integer 5 equal, and 0.0 equal to -0.0).
#include <bit>
#include <cstdint>

#include <nlohmann/json.hpp>

namespace evsnn::test {

inline bool json_same(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it)
      if (!b.contains(it.key()) || !json_same(it.value(), b.at(it.key()))) return false;
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t k = 0; k < a.size(); ++k)
      if (!json_same(a[k], b[k])) return false;
    return true;
  }
  if (a.is_number_float())
    return std::bit_cast<std::uint64_t>(a.get<double>()) == std::bit_cast<std::uint64_t>(b.get<double>());
  return a == b;
}

}  // namespace evsnn::test
