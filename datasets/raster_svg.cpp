#include "datasets/raster_svg.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/svg_writer.hpp"

namespace evsnn::data {

std::string raster_svg(const sample& s, const sensor_layout& layout, const std::string& title) {
  const double width = 960.0, height = 560.0;
  const double left = 80.0, right = 20.0, top = 50.0, bottom = 60.0;
  const double pw = width - left - right, ph = height - top - bottom;
  double t_end = s.duration_ms;
  for (const auto& e : s.events) t_end = std::max(t_end, e.time_ms);
  if (!(t_end > 0.0)) t_end = 1.0;
  const double channels = std::max<double>(1.0, s.channels);
  auto x_of = [&](double t) { return left + pw * t / t_end; };
  auto y_of = [&](double c) { return top + ph - ph * (c + 0.5) / channels; };

  svg_writer svg(width, height, "sans-serif", "font-size=\"12\"");
  svg.text(width / 2, 28, title, "text-anchor=\"middle\" font-size=\"16\"");
  svg.rect(left, top, pw, ph, "fill=\"none\" stroke=\"#333\"");
  // Ticks: round steps inside the drawn range (time up to t_end, channels below the count).
  std::vector<svg_tick> x_ticks, y_ticks;
  const axis_scale ts = nice_axis(0.0, t_end, 8);
  for (double t : ts.ticks)
    if (t >= 0.0 && t <= t_end * (1 + 1e-9)) x_ticks.push_back({x_of(t), format_tick(t, ts.step)});
  const axis_scale cs = nice_axis(0.0, channels, 8, 1.0);
  for (double c : cs.ticks)
    if (c >= 0.0 && c < channels) y_ticks.push_back({y_of(c), format_tick(c, cs.step)});
  svg.x_ticks(x_ticks, top + ph, top + ph + 5, top + ph + 18, "stroke=\"#333\"", "");
  svg.y_ticks(y_ticks, left - 5, left, left - 8, "stroke=\"#333\"", "");
  svg.text(left + pw / 2, height - 15, "time (ms)", "text-anchor=\"middle\"");
  svg.vertical_text(18, top + ph / 2, "channel", "text-anchor=\"middle\"");
  // Events: one path per colour, a short vertical tick per event (at least 1 px tall).
  const double tick = std::max(3.0, std::min(6.0, ph / channels));
  const std::uint32_t per_polarity = layout.width > 0 ? layout.width * layout.height : 0;
  std::string on, off;
  for (const auto& e : s.events) {
    const bool is_off = layout.polarities == 2 && per_polarity > 0 && e.channel < per_polarity;
    (is_off ? off : on) += fmt::format("M{:.1f} {:.1f}v{:.1f}", x_of(e.time_ms), y_of(e.channel) - tick / 2, tick);
  }
  if (!on.empty()) svg.path(on, "stroke=\"#1f4e9c\" stroke-width=\"2\" fill=\"none\"");
  if (!off.empty()) svg.path(off, "stroke=\"#c0392b\" stroke-width=\"2\" fill=\"none\"");
  return svg.finish();
}

}  // namespace evsnn::data
