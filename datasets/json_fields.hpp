#pragma once
// json_fields: reads one JSON object of a data set spec with strict checking: getters with a fallback
// for absent keys and a range, on top of engine/json_node (which does the type checks and remembers
// which keys were read). finish() rejects keys that no getter asked for. Errors are
// input_error "<file>: <JSON pointer>: <what is wrong>", the pointer naming the offending key.
// Invariant: the object outlives this reader (it holds a reference).
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/json_node.hpp"

namespace evsnn::data {

class json_fields {
 public:
  // Throws unless obj is an object. pointer is the object's JSON pointer ("" for the root).
  json_fields(const nlohmann::json& obj, std::string file, std::string pointer);

  bool has(const std::string& key) const { return node_.has(key); }
  const nlohmann::json& raw(const std::string& key);  // marks the key read; fails when it is absent
  json_node at(const std::string& key) { return node_.at(key); }  // the same, as a node (for its errors)
  double number(const std::string& key, double fallback, double min, double max);
  std::uint64_t integer(const std::string& key, std::uint64_t fallback, std::uint64_t min, std::uint64_t max);
  std::string string(const std::string& key, const std::string& fallback);
  bool boolean(const std::string& key, bool fallback);
  // Marks a key as known without reading it (read by someone else).
  void skip(const std::string& key) { (void)node_.get(key); }

  std::string pointer(const std::string& key) const { return node_.path() + "/" + key; }
  const std::string& file() const { return node_.file(); }
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;
  // Throws for the first key that no getter asked for.
  void finish() const;

 private:
  json_node node_;
};

}  // namespace evsnn::data
