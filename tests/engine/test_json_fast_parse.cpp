// json_fast_parse: on every document it accepts, the DOM equals nlohmann's exactly (value types included);
// everything outside its subset is declined, so parse_json_text's answer and errors stay nlohmann's.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "engine/json_fast_parse.hpp"
#include "engine/json_node.hpp"
#include "tests/support/json_same.hpp"

using namespace evsnn;
using nlohmann::json;


TEST_CASE("json fast parse: accepted documents give nlohmann's DOM bit for bit") {
  const std::vector<std::string> accepted = {
      R"({"a": [1, -2, 3.5, -0, -0.0, 0.0, 1e3, 1E-5, 2.5e+2, 18446744073709551615, -9223372036854775808]})",
      R"([0.1, 0.30000000000000004, 1.7976931348623157e308, 2.2250738585072014e-308, 123456789012345678])",
      " \t\r\n{\"format\": \"evsnn-network/1\", \"x\": {}, \"y\": [], \"t\": true, \"f\": false, \"n\": null}\n",
      "{\"\": \"\", \"~/ key\": \"printable ASCII and DEL \x7f\"}",
      "\"just a string\"", "42", "-7", "[[[[[]]]]]",
      R"({"populations": [{"name": "in", "size": 3, "params": {"spikes": [[1.5, 0], [2, 2, 0.5]]}}]})"};
  for (const std::string& doc : accepted) {
    INFO(doc);
    const auto fast = json_fast_parse(doc);
    REQUIRE(fast.has_value());
    CHECK(evsnn::test::json_same(*fast, json::parse(doc)));
    CHECK(evsnn::test::json_same(parse_json_text(doc, "doc.json"), json::parse(doc)));
  }
  std::string deep;  // 256 levels: the limit, still accepted
  for (int k = 0; k < 256; ++k) deep += '[';
  for (int k = 0; k < 256; ++k) deep += ']';
  CHECK(json_fast_parse(deep).has_value());
}

TEST_CASE("json fast parse: outside the subset it declines, and parse_json_text answers as nlohmann does") {
  const std::vector<std::string> declined_valid = {
      R"({"s": "tab\tescape"})", R"({"s": "\u00e9"})", "{\"s\": \"\xc3\xa9\"}", "\xef\xbb\xbf{\"bom\": 1}",
      "[18446744073709551616]", "[-9223372036854775809]", "[1e-400]", "[5e-324]"};
  for (const std::string& doc : declined_valid) {
    INFO(doc);
    CHECK_FALSE(json_fast_parse(doc).has_value());
    CHECK(evsnn::test::json_same(parse_json_text(doc, "doc.json"), json::parse(doc)));
  }
  const std::vector<std::string> errors = {"", "{", "[1,]", "[01]", "[1.]", "[.5]", "[+1]", "[1e]", "{\"a\" 1}",
                                           "{\"a\": 1, \"a\": 2}", "[1] x", "[1e400]", "nul", "[\"a\nb\"]", "{a: 1}"};
  for (const std::string& doc : errors) {
    INFO(doc);
    CHECK_FALSE(json_fast_parse(doc).has_value());
    CHECK_THROWS_AS(parse_json_text(doc, "doc.json"), input_error);
  }
  std::string deeper;  // 257 levels: declined, and refused with the path
  for (int k = 0; k < 257; ++k) deeper += '[';
  for (int k = 0; k < 257; ++k) deeper += ']';
  CHECK_FALSE(json_fast_parse(deeper).has_value());
  CHECK_THROWS_WITH_AS(parse_json_text(deeper, "d.json"), doctest::Contains("nesting deeper than 256 levels"), input_error);
  CHECK_THROWS_WITH_AS(parse_json_text("{\"seed\": 1, \"seed\": 2}", "n.json"), "n.json: /seed: duplicate key 'seed'",
                       input_error);
}
