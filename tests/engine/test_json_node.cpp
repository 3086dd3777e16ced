// json_node: where() names file and JSON pointer; at_where() turns such a string back into a node.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "engine/json_node.hpp"

using namespace evsnn;

namespace {

std::string message_of(const json_node& n) {
  try {
    n.fail("boom");
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

}  // namespace

TEST_CASE("json_node: at_where inverts where") {
  const nlohmann::json doc = {{"lr", -1}};
  const json_node a = json_node::at_where(doc, "train.json: /optimizer");
  CHECK(a.file() == "train.json");
  CHECK(a.path() == "/optimizer");
  CHECK(a.where() == "train.json: /optimizer");
  CHECK(a.at("lr").where() == "train.json: /optimizer/lr");
  CHECK(message_of(a.at("lr")) == "train.json: /optimizer/lr: boom");

  const json_node b = json_node::at_where(doc, "train.json: /");
  CHECK(b.path().empty());
  CHECK(b.where() == "train.json: /");

  const json_node c = json_node::at_where(doc, "optimizer state");
  CHECK(c.file() == "optimizer state");
  CHECK(c.path().empty());
  CHECK(c.at("lr").where() == "optimizer state: /lr");

  // A file name containing ": " but no pointer after it stays whole.
  const json_node d = json_node::at_where(doc, "C: drive.json");
  CHECK(d.file() == "C: drive.json");
}

TEST_CASE("json_node: unread keys and wrong types fail with the path") {
  const nlohmann::json doc = {{"a", 1}, {"typo", 2}};
  const json_node n(doc, "f.json");
  CHECK(n.at("a").as_int() == 1);
  CHECK_THROWS_WITH_AS(n.finish(), "f.json: /: unknown key 'typo'", input_error);
  CHECK_THROWS_WITH_AS(n.at("a").as_string(), doctest::Contains("f.json: /a"), input_error);
}

TEST_CASE("parse_json_text: hostile documents give one line with the path, never a crash") {
  // Nesting: 256 levels parse, one more is refused before anything deep is built (a stack overflow before).
  const auto nested = [](std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  CHECK(parse_json_text(nested(max_json_depth), "d.json").is_array());
  CHECK_THROWS_WITH_AS(parse_json_text(nested(max_json_depth + 1), "d.json"),
                       doctest::Contains("d.json: /0/0/0/0/0/0/0/0/...: nesting deeper than 256 levels"), input_error);
  CHECK_THROWS_WITH_AS(parse_json_text("{\"a\":" + nested(300000) + "}", "d.json"),
                       doctest::Contains("nesting deeper than 256 levels"), input_error);
  // A key repeated in one object (a typo never passes silently); the same key in two objects is fine.
  CHECK_THROWS_WITH_AS(parse_json_text(R"({"p": [{"a": 1}, {"b": 1, "b": 2}]})", "k.json"),
                       "k.json: /p/1/b: duplicate key 'b'", input_error);
  CHECK(parse_json_text(R"({"x": {"a": 1}, "y": {"a": 1}, "a": [{"a": 2}]})", "k.json")["a"][0]["a"] == 2);
  // Numbers beyond a double name their path (this was "internal error", exit 3).
  CHECK_THROWS_WITH_AS(parse_json_text(R"({"seed": 3, "w": [[0.5, 1e400]]})", "n.json"),
                       "n.json: /w/0/1: number overflow parsing '1e400'", input_error);
  CHECK_THROWS_WITH_AS(parse_json_text("-1e999", "n.json"), "n.json: /: number overflow parsing '-1e999'",
                       input_error);
  // Syntax errors keep the byte offset.
  CHECK_THROWS_WITH_AS(parse_json_text("{\"a\": [1, 2,]}", "s.json"), doctest::Contains("s.json: byte 13:"),
                       input_error);
  // Keys with '/' and '~' are escaped in the pointer.
  CHECK_THROWS_WITH_AS(parse_json_text(R"({"a/b~": {"k": 1, "k": 1}})", "e.json"), "e.json: /a~1b~0/k: duplicate key 'k'",
                       input_error);
}

TEST_CASE("read_text_file: a folder or a missing file is one clear line") {
  const auto dir = std::filesystem::temp_directory_path();
  CHECK_THROWS_WITH_AS(read_text_file(dir.string()), (dir.string() + ": is a folder, not a file").c_str(), input_error);
  CHECK_THROWS_WITH_AS(parse_json_file((dir / "evsnn-no-such-file.json").string()),
                       doctest::Contains("cannot open file"), input_error);
}
