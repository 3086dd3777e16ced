#include "tools/training_plot.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <limits>

#include <fmt/format.h>

#include "engine/error.hpp"

namespace evsnn::cli {

namespace {

// Series colours of the schema's scalar columns; other columns take the extra palette in turn.
constexpr std::array<std::pair<std::string_view, const char*>, 10> column_colors = {{
    {"loss", "#f28e2b"},
    {"train_accuracy", "#4e79a7"},
    {"test_accuracy", "#e15759"},
    {"validation_accuracy", "#59a14f"},
    {"spikes_per_sample", "#b07aa1"},
    {"synaptic_events_per_sample", "#76b7b2"},
    {"energy_per_sample_uj", "#9c755f"},
    {"wall_time_s", "#17becf"},
    {"samples_per_s", "#bcbd22"},
    {"lr", "#7f7f7f"},
}};
constexpr std::array<const char*, 6> extra_colors = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"};

// How a column is shown: from the schema for its scalar columns; a per-layer column (update_cosine_1)
// or an unknown one goes by its own name.
struct column_style {
  std::string_view title, axis, legend;
  const char* color = nullptr;  // nullptr: the next extra colour
  rules::column_kind kind = rules::column_kind::other;
};

column_style style_of(std::string_view name) {
  const rules::train_log_column* c = known_column(name);
  if (!c) return {name, name, name};
  if (c->per_layer) return {name, c->axis, name};
  column_style s{c->title, c->axis, c->legend, nullptr, c->kind};
  for (const auto& [n, color] : column_colors)
    if (n == name) s.color = color;
  return s;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
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
    panels.push_back(plot_panel{std::string(style_of(c.name).title), {c.name}, false});
  };
  auto accuracies_with_values = [&] {
    std::vector<const training_column*> out;
    for (const auto& m : rules::train_log_columns())
      if (m.kind == rules::column_kind::accuracy)
        if (const training_column* c = log.find(m.name); c && c->measured() > 0) out.push_back(c);
    return out;
  };
  if (chosen.empty()) {
    if (const training_column* loss = log.find("loss"); loss && loss->measured() > 0) add(*loss);
    for (const training_column* c : accuracies_with_values()) add(*c);
    if (panels.empty())
      throw input_error(fmt::format("{}: no loss or accuracy values to plot; choose columns with --metrics (available: {})",
                                    log.file, join_names(available_metrics(log))));
    return panels;
  }
  for (const auto& name : chosen) {
    if (name == "accuracy" && !log.find(name)) {
      const auto acc = accuracies_with_values();
      if (acc.empty())
        throw input_error(fmt::format("{}: --metrics accuracy: no accuracy values in the log (available: {})", log.file,
                                      join_names(available_metrics(log))));
      for (const training_column* c : acc) add(*c);
      continue;
    }
    const training_column* c = log.find(name);
    if (!c)
      throw input_error(fmt::format("--metrics: unknown metric '{}'; {} has: {}", name, log.file, join_names(available_metrics(log))));
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

  svg_writer svg(W, H);
  const std::string shown_title = title.empty() ? std::filesystem::path(log.file).filename().string() : title;
  svg.text(margin, 34, shown_title, "font-size=\"20\" font-weight=\"bold\"");
  const std::string span = e_lo == e_hi ? "epoch " + format_epoch(e_lo) : "epochs " + format_epoch(e_lo) + "–" + format_epoch(e_hi);
  svg.text(margin, 56, fmt::format("{}: {} row{}, {}", log.file, log.epochs.size(), log.epochs.size() == 1 ? "" : "s", span),
           "font-size=\"13\" fill=\"#555\"");

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

    svg.begin_group("class=\"panel\"");
    svg.text(L, py + 20, panel.title, "font-size=\"15\" font-weight=\"bold\"");
    // Grid and ticks.
    std::vector<svg_tick> y_ticks, x_ticks;
    for (double t : y_axis.ticks) y_ticks.push_back({y_of(t), format_tick(t, y_axis.step)});
    for (double t : x_axis.ticks) x_ticks.push_back({x_of(t), format_tick(t, x_axis.step)});
    svg.y_ticks(y_ticks, L, R, L - 6, "stroke=\"#e3e3e3\"", "font-size=\"11\" fill=\"#444\"");
    svg.x_ticks(x_ticks, T, B, B + 16, "stroke=\"#e3e3e3\"", "font-size=\"11\" fill=\"#444\"");
    svg.rect(L, T, plot_w, plot_h, "fill=\"none\" stroke=\"#888\"");
    svg.text(L + plot_w / 2, B + 34, "epoch", "font-size=\"12\" text-anchor=\"middle\"");
    const std::string axis_label =
        panel.accuracy ? "accuracy (%)" : std::string(series.empty() ? std::string_view(panel.title) : style_of(series.front()->name).axis);
    svg.vertical_text(px + 16, T + plot_h / 2, axis_label, "font-size=\"12\" text-anchor=\"middle\"");
    // Series: a polyline through the measured points, a marker (with a tooltip) on each.
    std::size_t extra = 0;
    for (std::size_t si = 0; si < series.size(); ++si) {
      const training_column& c = *series[si];
      const column_style style = style_of(c.name);
      const std::string color = style.color ? style.color : extra_colors[extra++ % extra_colors.size()];
      const std::string label(style.legend);
      const std::size_t count = c.measured();
      const double r = count > 150 ? 1.5 : (count > 50 ? 2.2 : 3.2);
      std::vector<std::pair<double, double>> points;
      std::size_t last = 0, best = 0;
      bool have = false;
      for (std::size_t i = 0; i < c.values.size(); ++i) {
        const double v = c.values[i];
        if (std::isnan(v)) continue;
        points.emplace_back(x_of(log.epochs[i]), y_of(v * scale));
        const bool better = style.kind == rules::column_kind::loss ? v < c.values[best] : v > c.values[best];
        if (!have || better) best = i;
        last = i;
        have = true;
      }
      svg.begin_group(fmt::format("fill=\"{0}\" stroke=\"{0}\"", color));
      svg.polyline(points, "fill=\"none\" stroke-width=\"2\" stroke-linejoin=\"round\"");
      svg.begin_group("stroke=\"white\" stroke-width=\"0.8\"");
      for (std::size_t i = 0, p = 0; i < c.values.size(); ++i)
        if (!std::isnan(c.values[i])) {
          svg.circle(points[p].first, points[p].second, r, "",
                     fmt::format("{} epoch {}: {}", label, format_epoch(log.epochs[i]), format_value(c.values[i], panel.accuracy)));
          ++p;
        }
      svg.end_group();
      svg.end_group();
      // Legend row: swatch, name, last value and the best one (lowest loss, highest accuracy).
      const double ly = B + 56 + 18.0 * static_cast<double>(si);
      svg.line(px + 16, ly - 4, px + 40, ly - 4, fmt::format("stroke=\"{}\" stroke-width=\"2\"", color));
      svg.circle(px + 28, ly - 4, 3.2, fmt::format("fill=\"{}\"", color));
      std::string text = fmt::format("<tspan font-weight=\"bold\">{}</tspan>", xml_escape(label));
      if (have) {
        text += fmt::format(": {} at epoch {}", format_value(c.values[last], panel.accuracy), format_epoch(log.epochs[last]));
        if (style.kind != rules::column_kind::other && c.values[best] != c.values[last])
          text += fmt::format(", {} {} at epoch {}", style.kind == rules::column_kind::loss ? "lowest" : "best",
                              format_value(c.values[best], panel.accuracy), format_epoch(log.epochs[best]));
      }
      svg.text_markup(px + 48, ly, text, "font-size=\"12\"");
    }
    svg.end_group();
  }
  return svg.finish();
}

}  // namespace evsnn::cli
