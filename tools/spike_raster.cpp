#include "tools/spike_raster.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "engine/atomic_file.hpp"
#include "engine/error.hpp"
#include "engine/svg_writer.hpp"

namespace evsnn::cli {

namespace {

// Geometry (pixels): left margin, gap before the rate bars, their width, right margin.
constexpr double margin_l = 80, gap_rates = 30, rates_w = 150, margin_r = 26;
// Cell shades, lightest (fewest spikes) to darkest (most).
constexpr std::array<const char*, 4> shades = {"#8fb4dc", "#4a7fbf", "#1f4e9c", "#0b2455"};
constexpr std::uint32_t cell_max = std::numeric_limits<std::uint32_t>::max();

// A plot's height: 8 px per row, within 40..200 px.
double plot_height(std::uint32_t rows) { return std::clamp(8.0 * rows, 40.0, 200.0); }

std::string neurons_text(std::uint64_t n) { return fmt::format("{} neuron{}", n, n == 1 ? "" : "s"); }

// upper[l]: the most spikes a cell of shade l holds (log scale up to the panel's fullest cell), so
// shade(c) is the first l with c <= upper[l]; a panel whose cells hold one spike each is darkest.
std::array<std::uint64_t, shades.size()> shade_bounds(std::uint64_t fullest) {
  std::array<std::uint64_t, shades.size()> upper{};
  const double levels = static_cast<double>(shades.size());
  for (std::size_t l = 0; l < shades.size(); ++l) {
    const double u = std::pow(1.0 + static_cast<double>(fullest), static_cast<double>(l + 1) / levels) - 1.0;
    upper[l] = std::min<std::uint64_t>(fullest, static_cast<std::uint64_t>(std::floor(u + 1e-9)));
  }
  upper.back() = fullest;
  return upper;
}

std::size_t shade_of(std::uint64_t c, const std::array<std::uint64_t, shades.size()>& upper) {
  std::size_t l = 0;
  while (l + 1 < upper.size() && c > upper[l]) ++l;
  return l;
}

}  // namespace

spike_raster::spike_raster(const network& net, double span_ms, std::size_t time_bins, std::uint32_t max_rows)
    : bins_(std::max<std::size_t>(1, time_bins)), span_(span_ms > 0 && std::isfinite(span_ms) ? span_ms : 0.0) {
  max_rows = std::max<std::uint32_t>(1, max_rows);
  for (std::uint32_t p = 0; p < net.population_count(); ++p) {
    const population& pop = net.pop(p);
    grid g;
    g.name = pop.name();
    g.model = pop.model();
    g.size = pop.size();
    g.spiking = pop.spiking();
    if (g.spiking && g.size > 0) {
      g.per_row = g.size <= max_rows ? 1 : (g.size + max_rows - 1) / max_rows;
      g.rows = (g.size + g.per_row - 1) / g.per_row;
      g.cells.assign(static_cast<std::size_t>(g.rows) * bins_, 0);
      g.row_spikes.assign(g.rows, 0);
    }
    pops_.push_back(std::move(g));
  }
}

void spike_raster::set_span(double span_ms) {
  if (!binned_ && span_ms > 0 && std::isfinite(span_ms)) span_ = span_ms;
}

std::size_t spike_raster::bin_of(double t_ms) const {
  if (!(t_ms > 0) || !(span_ > 0)) return 0;
  const double b = std::floor(t_ms / span_ * static_cast<double>(bins_));
  return b >= static_cast<double>(bins_) ? bins_ - 1 : static_cast<std::size_t>(b);
}

void spike_raster::grow(double t_ms) {
  if (!(span_ > 0)) span_ = 1.0;
  while (t_ms > span_ * (1 + 1e-9) && std::isfinite(span_)) {
    span_ *= 2;
    // Bin b of the old span lies in bin b / 2 of the doubled one.
    for (grid& g : pops_)
      for (std::uint32_t r = 0; r < g.rows; ++r) {
        std::uint32_t* c = g.cells.data() + static_cast<std::size_t>(r) * bins_;
        for (std::size_t b = 0; b < bins_; b += 2) {
          const std::uint64_t sum = std::uint64_t{c[b]} + (b + 1 < bins_ ? c[b + 1] : 0);
          c[b / 2] = static_cast<std::uint32_t>(std::min<std::uint64_t>(sum, cell_max));
        }
        std::fill(c + (bins_ + 1) / 2, c + bins_, 0);
      }
  }
}

void spike_raster::on_spike(const spike_record& s) {
  if (s.population >= pops_.size()) return;
  grid& g = pops_[s.population];
  if (g.rows == 0) return;  // does not spike
  if (!(span_ > 0) || s.time_ms > span_ * (1 + 1e-9)) grow(s.time_ms);
  last_ms_ = binned_ ? std::max(last_ms_, s.time_ms) : s.time_ms;
  binned_ = true;
  const std::uint32_t row = std::min(s.neuron / g.per_row, g.rows - 1);
  std::uint32_t& c = g.cells[static_cast<std::size_t>(row) * bins_ + bin_of(s.time_ms)];
  if (c != cell_max) ++c;
  ++g.row_spikes[row];
  ++g.spikes;
}

std::uint32_t spike_raster::neurons_in_row(std::uint32_t pop, std::uint32_t row) const {
  const grid& g = pops_[pop];
  return std::min(g.per_row, g.size - row * g.per_row);
}

double spike_raster::row_rate_hz(std::uint32_t pop, std::uint32_t row, double rate_ms) const {
  if (!(rate_ms > 0)) return 0.0;
  return static_cast<double>(pops_[pop].row_spikes[row]) / neurons_in_row(pop, row) / (rate_ms * 1e-3);
}

std::size_t spike_raster::grid_bytes() const {
  std::size_t n = 0;
  for (const grid& g : pops_) n += g.cells.size() * sizeof(std::uint32_t) + g.row_spikes.size() * sizeof(std::uint64_t);
  return n;
}

std::string spike_raster::svg(const raster_labels& lb) const {
  const double pw = static_cast<double>(bins_);
  double end = lb.end_ms > 0 ? lb.end_ms : span_;
  if (binned_) end = std::max(end, last_ms_);
  if (!(end > 0)) end = 1.0;
  const double rate_ms = lb.rate_ms > 0 ? lb.rate_ms : end;
  const double bin_ms = span_ > 0 ? span_ / pw : end / pw, bin_px = pw * bin_ms / end;
  const double width = margin_l + pw + gap_rates + rates_w + margin_r;
  const double rates_l = margin_l + pw + gap_rates;
  auto x_of = [&](double t) { return margin_l + pw * t / end; };

  // Notes: the caller's, then the populations left out.
  std::vector<std::string> notes = lb.notes;
  std::string silent;
  for (const grid& g : pops_)
    if (g.rows == 0)
      silent += fmt::format("{}{} ({}, {})", silent.empty() ? "" : ", ", g.name, g.model, neurons_text(g.size));
  if (!silent.empty()) notes.push_back("not drawn, they do not spike: " + silent);
  double height = 36 + 16.0 * static_cast<double>(notes.size());
  const double panels_top = height;
  bool any_panel = false;
  for (const grid& g : pops_)
    if (g.rows > 0) {
      height += 38 + plot_height(g.rows) + 52;
      any_panel = true;
    }
  height += any_panel ? 8 : 38;

  svg_writer svg(width, height, svg_writer::default_font, "font-size=\"12\"");
  svg.text(margin_l, 24, lb.title, "font-size=\"16\" font-weight=\"bold\"");
  for (std::size_t k = 0; k < notes.size(); ++k)
    svg.text(margin_l, 44 + 16.0 * static_cast<double>(k), notes[k], "fill=\"#444\"");
  if (!any_panel) svg.text(margin_l, panels_top + 18, "no spiking population", "fill=\"#444\"");

  const axis_scale ts = nice_axis(0.0, end, 8);
  std::vector<svg_tick> time_ticks;
  for (double t : ts.ticks)
    if (t >= 0 && t <= end * (1 + 1e-9)) time_ticks.push_back({x_of(t), format_tick(t, ts.step)});
  const bool stopped = lb.stopped_at_ms >= 0 && lb.stopped_at_ms < end;

  double y = panels_top;
  for (std::uint32_t p = 0; p < pops_.size(); ++p) {
    const grid& g = pops_[p];
    if (g.rows == 0) continue;
    const double h = plot_height(g.rows), T = y + 38, B = T + h;
    auto y_of = [&](double n) { return B - h * n / g.size; };  // neuron index n upwards from the bottom
    svg.begin_group(fmt::format("class=\"population\" id=\"pop{}\"", p));
    // Heading: name, model, size, spikes, mean rate, rows; then the cell and its shades.
    const double mean_hz = static_cast<double>(g.spikes) / g.size / (rate_ms * 1e-3);
    svg.text_markup(margin_l, y + 14,
                    fmt::format("<tspan font-weight=\"bold\">{}</tspan> ({}): {}, {} spike{}, {:.2f} Hz mean{}",
                                xml_escape(g.name), xml_escape(g.model), neurons_text(g.size), g.spikes,
                                g.spikes == 1 ? "" : "s", mean_hz,
                                g.per_row > 1 ? fmt::format("; rows of {} neurons", g.per_row) : ""),
                    "font-size=\"13\"");
    std::uint64_t fullest = 0;
    for (std::uint32_t c : g.cells) fullest = std::max<std::uint64_t>(fullest, c);
    const auto upper = shade_bounds(std::max<std::uint64_t>(fullest, 1));
    svg.text(margin_l, y + 29,
             fmt::format("cell: {:.4g} ms × {}", bin_ms, neurons_text(g.per_row)),
             "font-size=\"11\" fill=\"#555\"");
    if (fullest > 0) {
      std::vector<std::pair<std::size_t, std::string>> slots;  // shade, the counts it stands for
      for (std::size_t l = 0; l < upper.size(); ++l) {
        const std::uint64_t lo = l == 0 ? 1 : upper[l - 1] + 1;
        if (upper[l] >= lo) slots.emplace_back(l, upper[l] == lo ? fmt::format("{}", lo) : fmt::format("{}-{}", lo, upper[l]));
      }
      constexpr double slot_w = 72;
      double sx = margin_l + pw - slot_w * static_cast<double>(slots.size());
      svg.text(sx - 6, y + 29, "spikes per cell:", "font-size=\"11\" fill=\"#555\" text-anchor=\"end\"");
      for (const auto& [l, label] : slots) {
        svg.rect(sx, y + 20, 10, 10, fmt::format("fill=\"{}\"", shades[l]));
        svg.text(sx + 14, y + 29, label, "font-size=\"11\" fill=\"#555\"");
        sx += slot_w;
      }
    }
    // Raster: grid lines, the stopped part shaded, cells, frame, axes.
    for (const svg_tick& t : time_ticks) svg.line(t.at, T, t.at, B, "stroke=\"#ececec\"");
    if (stopped) {
      const double xs = x_of(lb.stopped_at_ms);
      svg.rect(xs, T, margin_l + pw - xs, h, "fill=\"#eeeeee\"");
      svg.line(xs, T, xs, B, "stroke=\"#d62728\" stroke-dasharray=\"4 3\"");
    }
    // Cells in grid units (x: bins, y: neurons down from the top) under one transform: each run of
    // cells of one shade in a row is a horizontal segment as thick as the row (butt ends: exactly the
    // cells' rectangle), relative to the previous one of its path in the row.
    const double view_bins = end / bin_ms;  // bins inside the axis (a grown span reaches past end)
    svg.begin_group(fmt::format("transform=\"translate({} {}) scale({:.9g} {:.9g})\" fill=\"none\"", svg_number(margin_l),
                                svg_number(T), bin_px, h / g.size));
    for (const bool last : {false, true}) {  // full rows, then a shorter last row (its own thickness)
      const std::uint32_t first_row = last ? g.rows - 1 : 0, end_row = last || g.size % g.per_row == 0 ? g.rows : g.rows - 1;
      if (last && g.size % g.per_row == 0) break;
      std::array<std::string, shades.size()> d;
      std::array<std::int64_t, shades.size()> path_row, path_end;
      path_row.fill(-1);
      for (std::uint32_t r = first_row; r < end_row; ++r) {
        const double yc = g.size - static_cast<double>(r) * g.per_row - neurons_in_row(p, r) / 2.0;
        const std::uint32_t* c = g.cells.data() + static_cast<std::size_t>(r) * bins_;
        for (std::size_t b = 0; b < bins_ && static_cast<double>(b) < view_bins;) {
          if (c[b] == 0) {
            ++b;
            continue;
          }
          const std::size_t l = shade_of(c[b], upper);
          std::size_t e = b + 1;
          while (e < bins_ && c[e] != 0 && shade_of(c[e], upper) == l) ++e;
          const double len = std::min(static_cast<double>(e), view_bins) - static_cast<double>(b);
          if (path_row[l] == r)
            fmt::format_to(std::back_inserter(d[l]), "m{} 0h{}", static_cast<std::int64_t>(b) - path_end[l], svg_number(len));
          else
            fmt::format_to(std::back_inserter(d[l]), "M{} {}h{}", b, svg_number(yc), svg_number(len));
          path_row[l] = r;
          path_end[l] = static_cast<std::int64_t>(e);
          b = e;
        }
      }
      const double thick = last ? g.size - (g.rows - 1.0) * g.per_row : g.per_row;
      for (std::size_t l = 0; l < shades.size(); ++l)
        if (!d[l].empty()) svg.path(d[l], fmt::format("stroke=\"{}\" stroke-width=\"{}\"", shades[l], svg_number(thick)));
    }
    svg.end_group();
    if (g.spikes == 0) svg.text(margin_l + pw / 2, T + h / 2 + 4, "no spikes", "text-anchor=\"middle\" fill=\"#888\"");
    svg.rect(margin_l, T, pw, h, "fill=\"none\" stroke=\"#888\"");
    svg.x_ticks(time_ticks, B, B + 4, B + 16, "stroke=\"#888\"", "font-size=\"10\" fill=\"#444\"");
    svg.text(margin_l + pw / 2, B + 32, lb.time_label, "text-anchor=\"middle\" font-size=\"11\"");
    const axis_scale ns = nice_axis(0.0, g.size, h < 80 ? 3 : 5, 1.0);
    std::vector<svg_tick> neuron_ticks;
    for (double n : ns.ticks)
      if (n >= 0 && n <= g.size - 1.0) neuron_ticks.push_back({y_of(n + 0.5), format_tick(n, ns.step)});
    svg.y_ticks(neuron_ticks, margin_l - 4, margin_l, margin_l - 6, "stroke=\"#888\"", "font-size=\"10\" fill=\"#444\"");
    svg.vertical_text(margin_l - 46, T + h / 2, "neuron", "text-anchor=\"middle\" font-size=\"11\"");
    // Rates: one bar per row (Hz per neuron), the mean dashed.
    double top_hz = 0;
    for (std::uint32_t r = 0; r < g.rows; ++r) top_hz = std::max(top_hz, row_rate_hz(p, r, rate_ms));
    const axis_scale rs = nice_axis(0.0, top_hz > 0 ? top_hz : 1.0, 3);
    auto xr_of = [&](double hz) { return rates_l + rates_w * hz / rs.hi; };
    std::vector<svg_tick> rate_ticks;
    for (double v : rs.ticks) rate_ticks.push_back({xr_of(v), format_tick(v, rs.step)});
    for (const svg_tick& t : rate_ticks) svg.line(t.at, T, t.at, B, "stroke=\"#ececec\"");
    svg.begin_group("fill=\"#7a9cc6\"");
    for (std::uint32_t r = 0; r < g.rows; ++r) {
      if (g.row_spikes[r] == 0) continue;
      const std::uint32_t first = r * g.per_row, n = neurons_in_row(p, r);
      const double hz = row_rate_hz(p, r, rate_ms);
      const double yt = y_of(first + n), yb = y_of(first);
      svg.rect(rates_l, yt, xr_of(hz) - rates_l, yb - yt, "",
               n == 1 ? fmt::format("neuron {}: {:.4g} Hz ({} spikes)", first, hz, g.row_spikes[r])
                      : fmt::format("neurons {}-{}: {:.4g} Hz per neuron ({} spikes)", first, first + n - 1, hz,
                                    g.row_spikes[r]));
    }
    svg.end_group();
    if (g.spikes > 0) {
      svg.line(xr_of(mean_hz), T, xr_of(mean_hz), B, "stroke=\"#d62728\" stroke-dasharray=\"4 3\"");
      svg.text(xr_of(mean_hz), T - 3, "mean", "text-anchor=\"middle\" font-size=\"9\" fill=\"#d62728\"");
    }
    svg.line(rates_l, T, rates_l, B, "stroke=\"#888\"");
    svg.line(rates_l, B, rates_l + rates_w, B, "stroke=\"#888\"");
    svg.x_ticks(rate_ticks, B, B + 4, B + 16, "stroke=\"#888\"", "font-size=\"10\" fill=\"#444\"");
    svg.text(rates_l + rates_w / 2, B + 32, "rate (Hz)", "text-anchor=\"middle\" font-size=\"11\"");
    svg.end_group();
    y = B + 52;
  }
  return svg.finish();
}

void check_figure_path(const std::filesystem::path& path, std::string_view option) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw input_error(fmt::format("{} {}: is a folder; give a file name", option, path.string()));
  if (written_in_place(path)) {
    if (::access(path.c_str(), W_OK) != 0)
      throw input_error(fmt::format("{} {}: is not writable", option, path.string()));
    return;
  }
  const fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  if (!fs::is_directory(dir, ec))
    throw input_error(fmt::format("{} {}: folder {} {}", option, path.string(), dir.string(),
                                  fs::exists(dir, ec) ? "is not a folder" : "does not exist"));
  if (::access(dir.c_str(), W_OK) != 0)
    throw input_error(fmt::format("{} {}: folder {} is not writable", option, path.string(), dir.string()));
}

}  // namespace evsnn::cli
