// libFuzzer target: the JSON fast path against nlohmann's parser. Whatever the fast path accepts, nlohmann
// must accept too and build the same DOM (types and float bits included); parse_json_text must answer
// every input with a value or evsnn::input_error.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "engine/json_fast_parse.hpp"
#include "engine/json_node.hpp"
#include "tests/support/json_same.hpp"
#include "tests/fuzz/fuzz_budget.hpp"


extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (const auto fast = evsnn::json_fast_parse(text)) {
    nlohmann::json reference;
    try {
      reference = nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::exception&) {
      __builtin_trap();  // the fast path accepted what nlohmann refuses
    }
    if (!evsnn::test::json_same(*fast, reference)) __builtin_trap();
  }
  try {
    (void)evsnn::parse_json_text(text, "fuzz.json");
  } catch (const evsnn::input_error& e) {
    evsnn::fuzz::refused(e);
  }
  return 0;
}
