// json_node: where() names file and JSON pointer; at_where() turns such a string back into a node.
#include <doctest/doctest.h>

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
