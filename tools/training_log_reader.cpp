#include "tools/training_log_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "engine/json_node.hpp"

namespace evsnn::cli {

namespace {

using rules::not_measured;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Why a cell is not a usable number, or "" when value holds it. Empty cells are not measured.
std::string parse_number(std::string_view cell, double& value) {
  cell = trim(cell);
  if (cell.empty()) {
    value = not_measured;
    return {};
  }
  std::string_view digits = cell;
  if (digits.front() == '+') digits.remove_prefix(1);
  double v = 0.0;
  const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (p != digits.data() + digits.size() || (ec != std::errc() && ec != std::errc::result_out_of_range) ||
      digits.empty())
    return fmt::format("'{}' is not a number", cell);
  if (ec == std::errc::result_out_of_range) v = std::strtod(std::string(digits).c_str(), nullptr);
  if (!std::isfinite(v)) return fmt::format("'{}' is not a finite number", cell);
  value = v;
  return {};
}

// Checks that apply to a known column's value (and to epoch); "" when fine.
std::string check_value(std::string_view column, double v) {
  if (column == "epoch") {
    if (std::isnan(v)) return "empty; every row needs its epoch";
    if (v < 0 || v != std::floor(v) || v > 1e9) return fmt::format("{} is not a whole number >= 0", v);
  } else if (is_accuracy(column) && !std::isnan(v) && (v < 0.0 || v > 1.0)) {
    return fmt::format("{} is not a fraction in [0, 1]", v);
  }
  return {};
}

// Rows in ascending epoch order (stable).
void sort_by_epoch(training_log& log) {
  std::vector<std::size_t> order(log.epochs.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return log.epochs[a] < log.epochs[b]; });
  auto permute = [&](std::vector<double>& v) {
    std::vector<double> out(v.size());
    for (std::size_t i = 0; i < order.size(); ++i) out[i] = v[order[i]];
    v = std::move(out);
  };
  permute(log.epochs);
  for (auto& c : log.columns) permute(c.values);
}

struct csv_field {
  std::string text;
  std::size_t column;  // 1-based character column where the field starts
};

// Splits one CSV line (RFC 4180 quoting within the line: "a,b" and "" for a quote).
std::vector<csv_field> split_csv(std::string_view line, const std::string& file, std::size_t line_no) {
  std::vector<csv_field> out;
  std::size_t i = 0;
  while (true) {
    csv_field f{{}, i + 1};
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            f.text += '"';
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        f.text += line[i++];
      }
      if (!closed) throw input_error(fmt::format("{}:{}:{}: unterminated quoted field", file, line_no, f.column));
      while (i < line.size() && line[i] != ',') {
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
          throw input_error(fmt::format("{}:{}:{}: text after a closing quote", file, line_no, i + 1));
        ++i;
      }
    } else {
      while (i < line.size() && line[i] != ',') f.text += line[i++];
    }
    out.push_back(std::move(f));
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  return out;
}

std::string lowercase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

const rules::train_log_column* known_column(std::string_view name) { return rules::find_train_log_column(name); }

bool is_accuracy(std::string_view name) {
  const rules::train_log_column* c = known_column(name);
  return c && c->kind == rules::column_kind::accuracy;
}

std::string join_names(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::size_t training_column::measured() const {
  return static_cast<std::size_t>(std::count_if(values.begin(), values.end(), [](double v) { return !std::isnan(v); }));
}

const training_column* training_log::find(std::string_view name) const {
  for (const auto& c : columns)
    if (c.name == name) return &c;
  return nullptr;
}

training_log parse_training_log_csv(std::string_view text, const std::string& file) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  training_log log;
  log.file = file;
  std::size_t pos = 0, line_no = 0;
  auto next_line = [&](std::string_view& line) {
    while (pos < text.size()) {
      const std::size_t end = std::min(text.find('\n', pos), text.size());
      line = text.substr(pos, end - pos);
      pos = end + 1;
      ++line_no;
      if (!trim(line).empty()) return true;
    }
    return false;
  };
  std::string_view line;
  if (!next_line(line))
    throw input_error(fmt::format("{}: empty file; expected a CSV header line starting with epoch", file));
  const std::size_t header_line = line_no;
  const auto header = split_csv(line, file, header_line);
  std::vector<std::string> names;
  std::size_t epoch_index = header.size();
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string name(trim(header[i].text));
    if (name.empty())
      throw input_error(fmt::format("{}:{}:{}: header column {} has no name", file, header_line, header[i].column, i + 1));
    if (std::find(names.begin(), names.end(), name) != names.end())
      throw input_error(fmt::format("{}:{}:{}: column '{}' appears twice in the header", file, header_line, header[i].column, name));
    if (name == "epoch") epoch_index = i;
    names.push_back(name);
  }
  if (epoch_index == header.size())
    throw input_error(fmt::format("{}:{}: missing required column 'epoch' (the header has: {})", file, header_line, join_names(names)));
  // Column j of the log for header field i (epoch is kept apart).
  std::vector<std::size_t> column_of(header.size(), 0);
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (i == epoch_index) continue;
    column_of[i] = log.columns.size();
    log.columns.push_back(training_column{names[i], {}, true, {}});
  }
  while (next_line(line)) {
    const auto cells = split_csv(line, file, line_no);
    if (cells.size() != header.size())
      throw input_error(fmt::format("{}:{}: {} field{}, the header has {}", file, line_no, cells.size(),
                                    cells.size() == 1 ? "" : "s", header.size()));
    for (std::size_t i = 0; i < cells.size(); ++i) {
      double v = not_measured;
      std::string why = parse_number(cells[i].text, v);
      if (why.empty()) why = check_value(names[i], v);
      if (i == epoch_index) {
        if (!why.empty())
          throw input_error(fmt::format("{}:{}:{}: epoch: {}", file, line_no, cells[i].column, why));
        log.epochs.push_back(v);
        continue;
      }
      training_column& c = log.columns[column_of[i]];
      if (!why.empty()) {
        const std::string message = fmt::format("{}:{}:{}: {}: {}", file, line_no, cells[i].column, names[i], why);
        if (known_column(names[i])) throw input_error(message);
        // An extra column of text: kept, and an error only if someone plots it.
        if (c.numeric) c.error = message;
        c.numeric = false;
        v = not_measured;
      }
      c.values.push_back(v);
    }
  }
  if (log.epochs.empty())
    throw input_error(fmt::format("{}: no data rows: only the header (line {}); the log has no epochs yet", file, header_line));
  sort_by_epoch(log);
  return log;
}

training_log parse_training_log_json(std::string_view text, const std::string& file) {
  const nlohmann::json j = parse_json_text(text, file);
  constexpr const char* format = "evsnn-train-log/1";
  if (!j.is_object())
    throw input_error(fmt::format("{}: /: expected an object {{\"format\": \"{}\", \"epochs\": [...]}}", file, format));
  if (!j.contains("format"))
    throw input_error(fmt::format("{}: /format: missing; expected \"{}\"", file, format));
  if (j["format"] != format)
    throw input_error(fmt::format("{}: /format: expected \"{}\", got {}", file, format, j["format"].dump()));
  if (!j.contains("epochs") || !j["epochs"].is_array())
    throw input_error(fmt::format("{}: /epochs: {}; expected an array of per-epoch objects", file,
                                  j.contains("epochs") ? "not an array" : "missing"));
  const nlohmann::json& rows = j["epochs"];
  if (rows.empty()) throw input_error(fmt::format("{}: /epochs: no data rows: the log has no epochs yet", file));
  training_log log;
  log.file = file;
  // Columns: the schema's in the order `evsnn train` writes them (a per-layer array as <name>_<l>), then
  // the others by name.
  std::vector<std::string> names;
  auto is_per_layer = [](const std::string& key) {
    for (const auto& c : rules::train_log_columns())
      if (c.per_layer && key == c.name) return true;
    return false;
  };
  for (const auto& c : rules::train_log_columns()) {
    const std::string key(c.name);
    std::size_t layers = 0;
    bool present = false;
    for (const auto& row : rows)
      if (row.is_object() && row.contains(key)) {
        present = true;
        if (row[key].is_array()) layers = std::max(layers, row[key].size());
      }
    if (c.value && present) names.push_back(key);
    for (std::size_t l = 0; l < layers; ++l) names.push_back(fmt::format("{}_{}", key, l));
  }
  for (const auto& row : rows)
    if (row.is_object())
      for (auto it = row.begin(); it != row.end(); ++it)
        if (it.key() != "epoch" && !known_column(it.key()) && !is_per_layer(it.key()) &&
            std::find(names.begin(), names.end(), it.key()) == names.end())
          names.push_back(it.key());
  for (const auto& n : names) log.columns.push_back(training_column{n, {}, true, {}});
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const nlohmann::json& row = rows[r];
    const std::string where = fmt::format("{}: /epochs/{}", file, r);
    if (!row.is_object()) throw input_error(fmt::format("{}: expected an object, got {}", where, row.type_name()));
    // The cell of column key: row[key], or for a per-layer column <name>_<l> the element l of row[name].
    auto cell_of = [&](const std::string& key, std::string& path) -> const nlohmann::json* {
      path = "/" + key;
      if (row.contains(key)) return &row[key];
      const rules::train_log_column* c = known_column(key);
      if (!c || !c->per_layer) return nullptr;
      const std::string base(c->name);
      const std::size_t l = std::stoul(key.substr(base.size() + 1));
      path = fmt::format("/{}/{}", base, l);
      if (!row.contains(base)) return nullptr;
      if (!row[base].is_array()) return &row[base];  // reported as not a number
      return l < row[base].size() ? &row[base][l] : nullptr;
    };
    auto value_of = [&](const std::string& key, double& v, std::string& path) -> std::string {
      v = not_measured;
      const nlohmann::json* cell = cell_of(key, path);
      if (!cell || cell->is_null()) return {};
      const nlohmann::json& x = *cell;
      if (!x.is_number()) return fmt::format("expected a number or null, got {}", x.dump());
      v = x.get<double>();
      if (!std::isfinite(v)) return fmt::format("{} is not a finite number", x.dump());
      return check_value(key, v);
    };
    std::string path;
    double epoch = 0;
    if (!row.contains("epoch")) throw input_error(fmt::format("{}: missing required key 'epoch'", where));
    if (const std::string why = value_of("epoch", epoch, path); !why.empty())
      throw input_error(fmt::format("{}/epoch: {}", where, why));
    log.epochs.push_back(epoch);
    for (auto& c : log.columns) {
      double v = 0;
      const std::string why = value_of(c.name, v, path);
      if (!why.empty()) {
        const std::string message = fmt::format("{}{}: {}", where, path, why);
        if (known_column(c.name)) throw input_error(message);
        if (c.numeric) c.error = message;
        c.numeric = false;
        v = not_measured;
      }
      c.values.push_back(v);
    }
  }
  sort_by_epoch(log);
  return log;
}

training_log load_training_log(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw input_error(fmt::format("{}: is a folder; expected a training log (CSV or .json)", path));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_error(fmt::format("{}: cannot open file", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  const std::string ext = lowercase(std::filesystem::path(path).extension().string());
  return ext == ".json" ? parse_training_log_json(text, path) : parse_training_log_csv(text, path);
}

std::vector<std::string> available_metrics(const training_log& log) {
  std::vector<std::string> out;
  bool any_accuracy = false;
  for (const auto& c : log.columns) {
    if (!c.numeric) continue;
    out.push_back(c.name);
    any_accuracy = any_accuracy || is_accuracy(c.name);
  }
  if (any_accuracy) out.emplace_back("accuracy");
  return out;
}

}  // namespace evsnn::cli
