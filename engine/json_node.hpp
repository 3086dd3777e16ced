#pragma once
// json_node: a view of one value inside a parsed JSON document that knows where it is — the file
// name and the JSON pointer path — so every error it raises is one line such as
//   "net.json: /projections/1/delay_ms: must be >= 0, got -1".
// Objects remember which keys were read; finish() rejects any key nobody asked for (typos never pass
// silently). Numbers are checked for type, finiteness and range on access.
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace evsnn {

class json_node {
 public:
  json_node(const nlohmann::json& value, std::string file, std::string path = "");
  // The inverse of where(): "train.json: /loss" -> a node of file "train.json" at pointer "/loss";
  // a where without ": /" names the file, and the node is the root.
  static json_node at_where(const nlohmann::json& value, const std::string& where);

  const std::string& file() const { return *file_; }
  const std::string& path() const { return path_; }
  // "file: /path" for messages (the root path shows as "/").
  std::string where() const;
  [[noreturn]] void fail(const std::string& message) const;

  const nlohmann::json& raw() const { return *value_; }
  bool is_object() const { return value_->is_object(); }
  bool is_array() const { return value_->is_array(); }
  bool is_string() const { return value_->is_string(); }
  bool is_number() const { return value_->is_number(); }

  // Object access. at() fails when the key is missing; get() returns nullopt.
  json_node at(const std::string& key) const;
  std::optional<json_node> get(const std::string& key) const;
  bool has(const std::string& key) const;
  // Fails naming the first key of this object that was never read.
  void finish() const;
  // The first key of this object that was never read, if any.
  std::optional<std::string> first_unread_key() const;
  void expect_object() const;

  // Array access.
  std::size_t size() const;
  json_node operator[](std::size_t index) const;
  void expect_array() const;

  std::string as_string() const;
  double as_double() const;
  bool as_bool() const;
  std::int64_t as_int() const;
  std::uint64_t as_uint() const;
  // Checked ranges.
  double as_double_min(double min, bool inclusive = true) const;
  double as_positive() const { return as_double_min(0.0, false); }
  double as_nonnegative() const { return as_double_min(0.0, true); }
  std::string as_choice(const std::vector<std::string>& choices) const;

 private:
  json_node(const nlohmann::json* value, std::shared_ptr<const std::string> file, std::string path,
            std::shared_ptr<std::set<std::string>> used);
  const nlohmann::json* value_;
  std::shared_ptr<const std::string> file_;
  std::string path_;
  std::shared_ptr<std::set<std::string>> used_;  // keys read from this object
};

// The one way evsnn parses JSON. Syntax errors name the byte offset ("net.json: byte 120: parse error: ...");
// nesting deeper than max_json_depth, a key repeated within one object and numbers that overflow a double
// name the JSON path ("net.json: /seed: number overflow parsing '1e400'"). All throw input_error.
inline constexpr std::size_t max_json_depth = 256;
nlohmann::json parse_json_text(std::string_view text, const std::string& name);
nlohmann::json parse_json_file(const std::string& path);
// A whole file as bytes; a folder or an unreadable path is an input_error naming it.
std::string read_text_file(const std::string& path);

}  // namespace evsnn
