#include "engine/json_node.hpp"

#include <cmath>
#include <filesystem>
#include <functional>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "engine/error.hpp"
#include "engine/json_fast_parse.hpp"

namespace evsnn {
namespace {

std::string escape_pointer_token(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

const char* type_name(const nlohmann::json& j) {
  if (j.is_null()) return "null";
  if (j.is_boolean()) return "a boolean";
  if (j.is_number()) return "a number";
  if (j.is_string()) return "a string";
  if (j.is_array()) return "an array";
  return "an object";
}

}  // namespace

json_node::json_node(const nlohmann::json& value, std::string file, std::string path)
    : json_node(&value, std::make_shared<const std::string>(std::move(file)), std::move(path),
                std::make_shared<std::set<std::string>>()) {}

json_node::json_node(const nlohmann::json* value, std::shared_ptr<const std::string> file, std::string path,
                     std::shared_ptr<std::set<std::string>> used)
    : value_(value), file_(std::move(file)), path_(std::move(path)), used_(std::move(used)) {}

json_node json_node::at_where(const nlohmann::json& value, const std::string& where) {
  const auto pos = where.rfind(": /");
  if (pos == std::string::npos) return json_node(value, where);
  std::string pointer = where.substr(pos + 2);
  if (pointer == "/") pointer.clear();
  return json_node(value, where.substr(0, pos), pointer);
}

std::string json_node::where() const { return fmt::format("{}: {}", *file_, path_.empty() ? "/" : path_); }

void json_node::fail(const std::string& message) const { throw input_error(fmt::format("{}: {}", where(), message)); }

void json_node::expect_object() const {
  if (!value_->is_object()) fail(fmt::format("expected an object, got {}", type_name(*value_)));
}

void json_node::expect_array() const {
  if (!value_->is_array()) fail(fmt::format("expected an array, got {}", type_name(*value_)));
}

bool json_node::has(const std::string& key) const { return value_->is_object() && value_->contains(key); }

std::optional<json_node> json_node::get(const std::string& key) const {
  expect_object();
  auto it = value_->find(key);
  used_->insert(key);
  if (it == value_->end()) return std::nullopt;
  return json_node(&*it, file_, path_ + "/" + escape_pointer_token(key), std::make_shared<std::set<std::string>>());
}

json_node json_node::at(const std::string& key) const {
  auto n = get(key);
  if (!n) fail(fmt::format("missing required key '{}'", key));
  return *n;
}

std::optional<std::string> json_node::first_unread_key() const {
  expect_object();
  for (auto it = value_->begin(); it != value_->end(); ++it)
    if (!used_->count(it.key())) return it.key();
  return std::nullopt;
}

void json_node::finish() const {
  if (const auto key = first_unread_key()) fail(fmt::format("unknown key '{}'", *key));
}

std::size_t json_node::size() const {
  expect_array();
  return value_->size();
}

json_node json_node::operator[](std::size_t index) const {
  expect_array();
  return json_node(&(*value_)[index], file_, fmt::format("{}/{}", path_, index),
                   std::make_shared<std::set<std::string>>());
}

std::string json_node::as_string() const {
  if (!value_->is_string()) fail(fmt::format("expected a string, got {}", type_name(*value_)));
  return value_->get<std::string>();
}

double json_node::as_double() const {
  if (!value_->is_number()) fail(fmt::format("expected a number, got {}", type_name(*value_)));
  const double v = value_->get<double>();
  if (!std::isfinite(v)) fail("expected a finite number");
  return v;
}

bool json_node::as_bool() const {
  if (!value_->is_boolean()) fail(fmt::format("expected true or false, got {}", type_name(*value_)));
  return value_->get<bool>();
}

std::int64_t json_node::as_int() const {
  if (value_->is_number_integer()) return value_->get<std::int64_t>();
  if (value_->is_number_float()) {
    const double v = value_->get<double>();
    if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9.0e15) return static_cast<std::int64_t>(v);
    fail(fmt::format("expected an integer, got {}", v));
  }
  fail(fmt::format("expected an integer, got {}", type_name(*value_)));
}

std::uint64_t json_node::as_uint() const {
  if (value_->is_number_unsigned()) return value_->get<std::uint64_t>();
  const std::int64_t v = as_int();
  if (v < 0) fail(fmt::format("must be >= 0, got {}", v));
  return static_cast<std::uint64_t>(v);
}

double json_node::as_double_min(double min, bool inclusive) const {
  const double v = as_double();
  if (inclusive ? !(v >= min) : !(v > min)) fail(fmt::format("must be {} {}, got {}", inclusive ? ">=" : ">", min, v));
  return v;
}

std::string json_node::as_choice(const std::vector<std::string>& choices) const {
  std::string v = as_string();
  for (const auto& c : choices)
    if (c == v) return v;
  fail(fmt::format("'{}' is not one of: {}", v, fmt::join(choices, ", ")));
}

namespace {

// Tracks where the parser is (a JSON pointer) so that errors raised mid-parse name the path, refuses nesting
// beyond max_json_depth before anything deep is built (deep documents would overflow the stack when copied or
// destroyed recursively), and refuses a key repeated in one object.
class parse_guard {
 public:
  explicit parse_guard(const std::string& name) : name_(name) {}

  bool operator()(int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using ev = nlohmann::json::parse_event_t;
    switch (event) {
      case ev::object_start:
      case ev::array_start:
        if (depth >= static_cast<int>(max_json_depth))
          throw input_error(fmt::format("{}: {}: nesting deeper than {} levels", name_, pointer(8), max_json_depth));
        frames_.push_back({event == ev::array_start, 0, {}, {}, false});
        break;
      case ev::key: {
        frame& f = frames_.back();
        f.key = parsed.get<std::string>();
        f.has_key = true;
        if (!f.keys.insert(f.key).second)
          throw input_error(fmt::format("{}: {}: duplicate key '{}'", name_, pointer(), f.key));
        break;
      }
      case ev::object_end:
      case ev::array_end:
        frames_.pop_back();
        element_done();
        break;
      case ev::value:
        element_done();
        break;
    }
    return true;
  }

  // The pointer of the value being parsed ("/" at the root), cut after max_tokens levels ("/a/0/...").
  std::string pointer(std::size_t max_tokens = max_json_depth) const {
    std::string out;
    for (std::size_t k = 0; k < frames_.size(); ++k) {
      const frame& f = frames_[k];
      if (k == max_tokens) {
        out += "/...";
        break;
      }
      if (f.is_array)
        out += fmt::format("/{}", f.index);
      else if (f.has_key) {
        out += '/';
        out += escape_pointer_token(f.key);
      }
    }
    return out.empty() ? "/" : out;
  }

 private:
  struct frame {
    bool is_array;
    std::size_t index;
    std::string key;
    std::set<std::string> keys;
    bool has_key;
  };
  void element_done() {
    if (!frames_.empty() && frames_.back().is_array) ++frames_.back().index;
  }
  const std::string& name_;
  std::vector<frame> frames_;
};

}  // namespace

nlohmann::json parse_json_text(std::string_view text, const std::string& name) {
  // The fast path builds the same DOM for the documents it accepts; the rest (and every error) is nlohmann's.
  if (auto fast = json_fast_parse(text)) return std::move(*fast);
  parse_guard guard(name);
  try {
    return nlohmann::json::parse(text.begin(), text.end(), std::ref(guard));
  } catch (const nlohmann::json::parse_error& e) {
    std::string msg = e.what();
    // nlohmann's message starts with "[json.exception.parse_error.101] parse error at line 1, column 2: ".
    auto pos = msg.find("] ");
    if (pos != std::string::npos) msg = msg.substr(pos + 2);
    throw input_error(fmt::format("{}: byte {}: {}", name, e.byte, msg));
  } catch (const nlohmann::json::exception& e) {
    // Number overflow (1e400) and the like: nlohmann gives no offset, the guard knows the path.
    std::string msg = e.what();
    auto pos = msg.find("] ");
    if (pos != std::string::npos) msg = msg.substr(pos + 2);
    throw input_error(fmt::format("{}: {}: {}", name, guard.pointer(), msg));
  }
}

nlohmann::json parse_json_file(const std::string& path) {
  return parse_json_text(read_text_file(path), path);
}

std::string read_text_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw input_error(fmt::format("{}: is a folder, not a file", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error(fmt::format("{}: cannot open file", path));
  std::string text;
  // A regular file is read in one piece into a string of its size (no stream buffer copies); anything else
  // (a pipe, a device) in chunks until its end.
  const auto size = std::filesystem::is_regular_file(path, ec) ? std::filesystem::file_size(path, ec) : std::uintmax_t(0);
  if (!ec && size > 0) {
    text.resize(static_cast<std::size_t>(size));
    in.read(text.data(), static_cast<std::streamsize>(size));
    text.resize(static_cast<std::size_t>(in.gcount()));
  }
  char chunk[65536];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) text.append(chunk, static_cast<std::size_t>(in.gcount()));
  if (in.bad()) throw input_error(fmt::format("{}: read error", path));
  return text;
}

}  // namespace evsnn
