#include "tools/training_plot.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "engine/xml_escape.hpp"

namespace evsnn::cli {

namespace {

constexpr double not_measured = std::numeric_limits<double>::quiet_NaN();

enum class metric_kind { loss, accuracy, other };

// The columns `evsnn train` writes, in its order, with how the plot shows them.
struct metric_info {
  const char* name;
  metric_kind kind;
  const char* title;   // panel title
  const char* axis;    // y-axis label
  const char* legend;  // series name in the legend
  const char* color;
};

constexpr std::array<metric_info, 10> known_metrics = {{
    {"loss", metric_kind::loss, "Loss", "loss", "loss", "#f28e2b"},
    {"train_accuracy", metric_kind::accuracy, "Accuracy", "accuracy (%)", "train", "#4e79a7"},
    {"test_accuracy", metric_kind::accuracy, "Accuracy", "accuracy (%)", "test", "#e15759"},
    {"validation_accuracy", metric_kind::accuracy, "Accuracy", "accuracy (%)", "validation", "#59a14f"},
    {"spikes_per_sample", metric_kind::other, "Spikes per sample", "spikes per sample", "spikes", "#b07aa1"},
    {"synaptic_events_per_sample", metric_kind::other, "Synaptic events per sample", "synaptic events per sample",
     "synaptic events", "#76b7b2"},
    {"energy_per_sample_uj", metric_kind::other, "Energy per sample", "energy per sample (µJ)", "energy", "#9c755f"},
    {"wall_time_s", metric_kind::other, "Wall time", "wall time (s)", "wall time", "#17becf"},
    {"samples_per_s", metric_kind::other, "Throughput", "samples per second", "samples/s", "#bcbd22"},
    {"lr", metric_kind::other, "Learning rate", "learning rate", "learning rate", "#7f7f7f"},
}};

constexpr std::array<const char*, 6> extra_colors = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"};

const metric_info* find_known(std::string_view name) {
  for (const auto& m : known_metrics)
    if (name == m.name) return &m;
  return nullptr;
}

bool is_accuracy(std::string_view name) {
  const metric_info* m = find_known(name);
  return m && m->kind == metric_kind::accuracy;
}

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

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string lowercase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "97.21%", "0.1234", "1.235M": a value for legends and tooltips.
std::string format_value(double v, bool accuracy) {
  if (accuracy) return fmt::format("{:.2f}%", 100.0 * v);
  const double a = std::fabs(v);
  if (a >= 1e4) {
    static constexpr std::array<std::pair<double, const char*>, 4> si = {{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}}};
    for (const auto& [scale, suffix] : si)
      if (a >= scale) return fmt::format("{:.4g}{}", v / scale, suffix);
  }
  if (a == 0.0 || a >= 1e-3) return fmt::format("{:.4g}", v);
  return fmt::format("{:.3e}", v);
}

std::string format_epoch(double e) { return fmt::format("{:.0f}", e); }

}  // namespace

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
    throw input_error(fmt::format("{}:{}: missing required column 'epoch' (the header has: {})", file, header_line, join(names)));
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
        if (find_known(names[i])) throw input_error(message);
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
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // nlohmann's message starts with "[json.exception.parse_error.101] parse error at line 1, column 2: "
    // (or "[json.exception.out_of_range.406] number overflow parsing '1e999'").
    std::string msg = e.what();
    if (const auto p = msg.find("] "); p != std::string::npos) msg = msg.substr(p + 2);
    throw input_error(fmt::format("{}: {}", file, msg));
  }
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
  // Columns: the known ones in the order `evsnn train` writes them, then the others by name.
  std::vector<std::string> names;
  for (const auto& m : known_metrics)
    for (const auto& row : rows)
      if (row.is_object() && row.contains(m.name)) {
        names.emplace_back(m.name);
        break;
      }
  for (const auto& row : rows)
    if (row.is_object())
      for (auto it = row.begin(); it != row.end(); ++it)
        if (it.key() != "epoch" && !find_known(it.key()) && std::find(names.begin(), names.end(), it.key()) == names.end())
          names.push_back(it.key());
  for (const auto& n : names) log.columns.push_back(training_column{n, {}, true, {}});
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const nlohmann::json& row = rows[r];
    const std::string where = fmt::format("{}: /epochs/{}", file, r);
    if (!row.is_object()) throw input_error(fmt::format("{}: expected an object, got {}", where, row.type_name()));
    auto value_of = [&](const std::string& key, double& v) -> std::string {
      v = not_measured;
      if (!row.contains(key) || row[key].is_null()) return {};
      const nlohmann::json& x = row[key];
      if (!x.is_number()) return fmt::format("expected a number or null, got {}", x.dump());
      v = x.get<double>();
      if (!std::isfinite(v)) return fmt::format("{} is not a finite number", x.dump());
      return check_value(key, v);
    };
    double epoch = 0;
    if (!row.contains("epoch")) throw input_error(fmt::format("{}: missing required key 'epoch'", where));
    if (const std::string why = value_of("epoch", epoch); !why.empty())
      throw input_error(fmt::format("{}/epoch: {}", where, why));
    log.epochs.push_back(epoch);
    for (auto& c : log.columns) {
      double v = 0;
      const std::string why = value_of(c.name, v);
      if (!why.empty()) {
        const std::string message = fmt::format("{}/{}: {}", where, c.name, why);
        if (find_known(c.name)) throw input_error(message);
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

axis_scale nice_axis(double lo, double hi, int target, double min_step) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0.0, hi = 1.0;
  if (hi < lo) std::swap(lo, hi);
  if (hi - lo <= 1e-9 * std::max(std::fabs(lo), std::fabs(hi))) {
    // One value: widen around it so the axis has a range and the point sits inside.
    const double pad = lo == 0.0 ? 1.0 : 0.05 * std::fabs(lo);
    lo -= pad;
    hi += pad;
  }
  target = std::max(1, target);
  const double raw = (hi - lo) / target;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10.0 * p;
  for (double m : {1.0, 2.0, 5.0})
    if (m * p >= raw * (1 - 1e-9)) {
      step = m * p;
      break;
    }
  step = std::max(step, min_step);
  const double first = std::floor(lo / step + 1e-9), last = std::ceil(hi / step - 1e-9);
  axis_scale a;
  a.step = step;
  const auto n = static_cast<long long>(std::llround(last - first));
  for (long long i = 0; i <= std::max(1LL, n); ++i) a.ticks.push_back((first + static_cast<double>(i)) * step);
  a.lo = a.ticks.front();
  a.hi = a.ticks.back();
  return a;
}

std::string format_tick(double value, double step) {
  if (std::fabs(value) < std::fabs(step) * 1e-6) value = 0.0;
  const double a = std::fabs(value);
  auto decimals_for = [](double s) { return std::max(0, static_cast<int>(-std::floor(std::log10(s) + 1e-9))); };
  if (a >= 1e4) {
    static constexpr std::array<std::pair<double, const char*>, 4> si = {{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}}};
    for (const auto& [scale, suffix] : si)
      if (a >= scale) return fmt::format("{:.{}f}{}", value / scale, decimals_for(step / scale), suffix);
  }
  if (value == 0.0) return "0";
  if (step >= 1e-5) return fmt::format("{:.{}f}", value, decimals_for(step));
  const int digits = std::max(0, static_cast<int>(std::floor(std::log10(a)) - std::floor(std::log10(step) + 1e-9)));
  return fmt::format("{:.{}e}", value, digits);
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

std::vector<plot_panel> plan_panels(const training_log& log, const plot_options& options) {
  std::vector<plot_panel> panels;
  std::vector<std::string> chosen;
  for (const auto& m : options.metrics) {
    const std::string name(trim(m));
    if (!name.empty()) chosen.push_back(name);
  }
  auto accuracy_panel = [&]() -> plot_panel& {
    for (auto& p : panels)
      if (p.accuracy) return p;
    panels.push_back(plot_panel{"Accuracy", {}, true});
    return panels.back();
  };
  auto add = [&](const training_column& c) {
    if (is_accuracy(c.name)) {
      plot_panel& p = accuracy_panel();
      if (std::find(p.columns.begin(), p.columns.end(), c.name) == p.columns.end()) p.columns.push_back(c.name);
      return;
    }
    for (const auto& p : panels)
      if (std::find(p.columns.begin(), p.columns.end(), c.name) != p.columns.end()) return;
    const metric_info* m = find_known(c.name);
    panels.push_back(plot_panel{m ? m->title : c.name, {c.name}, false});
  };
  auto accuracies_with_values = [&] {
    std::vector<const training_column*> out;
    for (const auto& m : known_metrics)
      if (m.kind == metric_kind::accuracy)
        if (const training_column* c = log.find(m.name); c && c->measured() > 0) out.push_back(c);
    return out;
  };
  if (chosen.empty()) {
    if (const training_column* loss = log.find("loss"); loss && loss->measured() > 0) add(*loss);
    for (const training_column* c : accuracies_with_values()) add(*c);
    if (panels.empty())
      throw input_error(fmt::format("{}: no loss or accuracy values to plot; choose columns with --metrics (available: {})",
                                    log.file, join(available_metrics(log))));
    return panels;
  }
  for (const auto& name : chosen) {
    if (name == "accuracy" && !log.find(name)) {
      const auto acc = accuracies_with_values();
      if (acc.empty())
        throw input_error(fmt::format("{}: --metrics accuracy: no accuracy values in the log (available: {})", log.file,
                                      join(available_metrics(log))));
      for (const training_column* c : acc) add(*c);
      continue;
    }
    const training_column* c = log.find(name);
    if (!c)
      throw input_error(fmt::format("--metrics: unknown metric '{}'; {} has: {}", name, log.file, join(available_metrics(log))));
    if (!c->numeric) throw input_error(c->error);
    if (c->measured() == 0)
      throw input_error(fmt::format("{}: --metrics {}: the column has no values (every cell is empty)", log.file, name));
    add(*c);
  }
  return panels;
}

std::string training_plot_svg(const training_log& log, const std::vector<plot_panel>& panels, const std::string& title) {
  const std::size_t n = panels.size();
  const std::size_t cols = n <= 3 ? std::max<std::size_t>(n, 1) : (n == 4 ? 2 : 3);
  const std::size_t rows = (n + cols - 1) / cols;
  // Each row of panels is as tall as its longest legend needs.
  std::vector<double> row_top(rows + 1, 0.0);
  // Panel geometry (relative to the panel's top-left corner).
  const double panel_w = 470, gap = 24, margin = 20, head = 78;
  const double plot_l = 74, plot_r = 22, plot_t = 34, plot_h = 240;
  const double plot_w = panel_w - plot_l - plot_r;
  row_top[0] = head;
  for (std::size_t r = 0; r < rows; ++r) {
    std::size_t legend_rows = 1;
    for (std::size_t k = r * cols; k < std::min(n, (r + 1) * cols); ++k)
      legend_rows = std::max(legend_rows, panels[k].columns.size());
    row_top[r + 1] = row_top[r] + plot_t + plot_h + 56 + 18.0 * static_cast<double>(legend_rows) + gap;
  }
  const double W = 2 * margin + static_cast<double>(cols) * panel_w + static_cast<double>(cols - 1) * gap;
  const double H = row_top[rows] - gap + margin;

  const double e_lo = log.epochs.front(), e_hi = log.epochs.back();
  const axis_scale x_axis = e_lo == e_hi ? nice_axis(std::max(0.0, e_lo - 1), e_lo + 1, 6, 1.0) : nice_axis(e_lo, e_hi, 6, 1.0);

  std::string s;
  auto it = std::back_inserter(s);
  fmt::format_to(it,
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
                 "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n",
                 W, H);
  fmt::format_to(it, "<rect width=\"{}\" height=\"{}\" fill=\"white\"/>\n", W, H);
  const std::string shown_title = title.empty() ? std::filesystem::path(log.file).filename().string() : title;
  fmt::format_to(it, "<text x=\"{}\" y=\"34\" font-size=\"20\" font-weight=\"bold\">{}</text>\n", margin, xml_escape(shown_title));
  const std::string span = e_lo == e_hi ? "epoch " + format_epoch(e_lo) : "epochs " + format_epoch(e_lo) + "–" + format_epoch(e_hi);
  fmt::format_to(it, "<text x=\"{}\" y=\"56\" font-size=\"13\" fill=\"#555\">{}: {} row{}, {}</text>\n", margin,
                 xml_escape(log.file), log.epochs.size(), log.epochs.size() == 1 ? "" : "s", span);

  for (std::size_t k = 0; k < n; ++k) {
    const plot_panel& panel = panels[k];
    const double px = margin + static_cast<double>(k % cols) * (panel_w + gap);
    const double py = row_top[k / cols];
    const double scale = panel.accuracy ? 100.0 : 1.0;
    // The y range over every measured value of the panel's series.
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    std::vector<const training_column*> series;
    for (const auto& name : panel.columns) {
      const training_column* c = log.find(name);
      if (!c) continue;
      series.push_back(c);
      for (double v : c->values)
        if (!std::isnan(v)) {
          lo = std::min(lo, v * scale);
          hi = std::max(hi, v * scale);
        }
    }
    if (!(lo <= hi)) lo = 0.0, hi = 1.0;
    if (panel.accuracy && hi - lo < 1e-9) lo = std::max(0.0, lo - 5.0), hi = std::min(100.0, hi + 5.0);
    const axis_scale y_axis = nice_axis(lo, hi, 5);
    const double L = px + plot_l, T = py + plot_t, B = T + plot_h, R = L + plot_w;
    auto x_of = [&](double e) { return L + (e - x_axis.lo) / (x_axis.hi - x_axis.lo) * plot_w; };
    auto y_of = [&](double v) { return B - (v - y_axis.lo) / (y_axis.hi - y_axis.lo) * plot_h; };

    fmt::format_to(it, "<g class=\"panel\">\n");
    fmt::format_to(it, "<text x=\"{}\" y=\"{}\" font-size=\"15\" font-weight=\"bold\">{}</text>\n", L, py + 20,
                   xml_escape(panel.title));
    // Grid and ticks.
    for (double t : y_axis.ticks) {
      const double y = y_of(t);
      fmt::format_to(it, "<line x1=\"{0}\" y1=\"{1:.2f}\" x2=\"{2}\" y2=\"{1:.2f}\" stroke=\"#e3e3e3\"/>\n", L, y, R);
      fmt::format_to(it, "<text x=\"{}\" y=\"{:.2f}\" font-size=\"11\" text-anchor=\"end\" fill=\"#444\">{}</text>\n", L - 6,
                     y + 4, format_tick(t, y_axis.step));
    }
    for (double t : x_axis.ticks) {
      const double x = x_of(t);
      fmt::format_to(it, "<line x1=\"{0:.2f}\" y1=\"{1}\" x2=\"{0:.2f}\" y2=\"{2}\" stroke=\"#e3e3e3\"/>\n", x, T, B);
      fmt::format_to(it, "<text x=\"{:.2f}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#444\">{}</text>\n", x,
                     B + 16, format_tick(t, x_axis.step));
    }
    fmt::format_to(it, "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#888\"/>\n", L, T, plot_w,
                   plot_h);
    fmt::format_to(it, "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">epoch</text>\n", L + plot_w / 2, B + 34);
    const metric_info* first = series.empty() ? nullptr : find_known(series.front()->name);
    const std::string axis_label = panel.accuracy ? "accuracy (%)" : (first ? first->axis : panel.title);
    fmt::format_to(it, "<text x=\"{0}\" y=\"{1}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 {0} {1})\">{2}</text>\n",
                   px + 16, T + plot_h / 2, xml_escape(axis_label));
    // Series: a polyline through the measured points, a marker (with a tooltip) on each.
    std::size_t extra = 0;
    for (std::size_t si = 0; si < series.size(); ++si) {
      const training_column& c = *series[si];
      const metric_info* m = find_known(c.name);
      const std::string color = m ? m->color : extra_colors[extra++ % extra_colors.size()];
      const std::string label = m ? m->legend : c.name;
      const std::size_t count = c.measured();
      const double r = count > 150 ? 1.5 : (count > 50 ? 2.2 : 3.2);
      std::string points;
      std::string markers;
      std::size_t last = 0, best = 0;
      bool have = false;
      for (std::size_t i = 0; i < c.values.size(); ++i) {
        const double v = c.values[i];
        if (std::isnan(v)) continue;
        const double x = x_of(log.epochs[i]), y = y_of(v * scale);
        fmt::format_to(std::back_inserter(points), "{}{:.2f},{:.2f}", points.empty() ? "" : " ", x, y);
        fmt::format_to(std::back_inserter(markers), "<circle cx=\"{:.2f}\" cy=\"{:.2f}\" r=\"{}\"><title>{} epoch {}: {}</title></circle>\n",
                       x, y, r, xml_escape(label), format_epoch(log.epochs[i]), format_value(v, panel.accuracy));
        const bool better = m && m->kind == metric_kind::loss ? v < c.values[best] : v > c.values[best];
        if (!have || better) best = i;
        last = i;
        have = true;
      }
      fmt::format_to(it, "<g fill=\"{0}\" stroke=\"{0}\">\n", color);
      fmt::format_to(it, "<polyline points=\"{}\" fill=\"none\" stroke-width=\"2\" stroke-linejoin=\"round\"/>\n", points);
      fmt::format_to(it, "<g stroke=\"white\" stroke-width=\"0.8\">\n{}</g>\n</g>\n", markers);
      // Legend row: swatch, name, last value and the best one (lowest loss, highest accuracy).
      const double ly = B + 56 + 18.0 * static_cast<double>(si);
      fmt::format_to(it, "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" stroke-width=\"2\"/>", px + 16, ly - 4,
                     px + 40, color);
      fmt::format_to(it, "<circle cx=\"{}\" cy=\"{}\" r=\"3.2\" fill=\"{}\"/>\n", px + 28, ly - 4, color);
      std::string text = fmt::format("<tspan font-weight=\"bold\">{}</tspan>", xml_escape(label));
      if (have) {
        text += fmt::format(": {} at epoch {}", format_value(c.values[last], panel.accuracy), format_epoch(log.epochs[last]));
        if (m && m->kind != metric_kind::other && c.values[best] != c.values[last])
          text += fmt::format(", {} {} at epoch {}", m->kind == metric_kind::loss ? "lowest" : "best",
                              format_value(c.values[best], panel.accuracy), format_epoch(log.epochs[best]));
      }
      fmt::format_to(it, "<text x=\"{}\" y=\"{}\" font-size=\"12\">{}</text>\n", px + 48, ly, text);
    }
    fmt::format_to(it, "</g>\n");
  }
  s += "</svg>\n";
  return s;
}

}  // namespace evsnn::cli
