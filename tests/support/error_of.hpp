#pragma once
// Test support: the message of the input_error a callable throws, or "(no error)".
#include <functional>
#include <string>

#include "engine/error.hpp"

namespace evsnn::test {

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const input_error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace evsnn::test
