#pragma once
// json_fast_parse: a fast path for parse_json_text (json_node.hpp) on the documents evsnn reads most —
// large networks with long inline arrays of numbers. It accepts a strict subset of JSON and builds the very
// DOM nlohmann's parser builds (same value types: unsigned for non-negative integers, integer for negative
// ones, float for numbers with a fraction or exponent, correctly rounded by std::from_chars as strtod
// does); on anything outside the subset — any error, a string with an escape, a control or non-ASCII
// byte, an integer beyond 64 bits, a float that over- or underflows, a key repeated in one object,
// nesting deeper than max_json_depth — it returns nothing and the caller parses with nlohmann, whose
// result or one-line error is then the answer. So the fast path never changes what a document means or
// which error it gets; it only saves time.
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace evsnn {

std::optional<nlohmann::json> json_fast_parse(std::string_view text);

}  // namespace evsnn
