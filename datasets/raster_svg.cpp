#include "datasets/raster_svg.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/xml_escape.hpp"

namespace evsnn::data {

namespace {

// A "nice" tick step (1, 2 or 5 times a power of ten) giving about `target` ticks over span.
double nice_step(double span, int target) {
  if (!(span > 0.0)) return 1.0;
  const double raw = span / target;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= raw) return m * p;
  return 10.0 * p;
}

}  // namespace

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

  std::string svg;
  svg += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n",
      width, height);
  svg += fmt::format("<rect width=\"{}\" height=\"{}\" fill=\"white\"/>\n", width, height);
  svg += fmt::format("<text x=\"{}\" y=\"28\" text-anchor=\"middle\" font-size=\"16\">{}</text>\n", width / 2,
                     xml_escape(title));
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#333\"/>\n", left, top,
                     pw, ph);
  // Ticks.
  const double ts = nice_step(t_end, 8);
  for (double t = 0.0; t <= t_end * (1 + 1e-9); t += ts) {
    const double x = x_of(t);
    svg += fmt::format("<line x1=\"{0:.2f}\" y1=\"{1}\" x2=\"{0:.2f}\" y2=\"{2}\" stroke=\"#333\"/>", x, top + ph,
                       top + ph + 5);
    svg += fmt::format("<text x=\"{:.2f}\" y=\"{}\" text-anchor=\"middle\">{:g}</text>\n", x, top + ph + 18, t);
  }
  const double cs = std::max(1.0, nice_step(channels, 8));
  for (double c = 0.0; c < channels; c += cs) {
    const double y = y_of(c);
    svg += fmt::format("<line x1=\"{0}\" y1=\"{1:.2f}\" x2=\"{2}\" y2=\"{1:.2f}\" stroke=\"#333\"/>", left - 5, y, left);
    svg += fmt::format("<text x=\"{}\" y=\"{:.2f}\" text-anchor=\"end\">{:g}</text>\n", left - 8, y + 4, c);
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">time (ms)</text>\n", left + pw / 2, height - 15);
  svg += fmt::format(
      "<text x=\"18\" y=\"{0}\" text-anchor=\"middle\" transform=\"rotate(-90 18 {0})\">channel</text>\n",
      top + ph / 2);
  // Events: one path per colour, a short vertical tick per event (at least 1 px tall).
  const double tick = std::max(3.0, std::min(6.0, ph / channels));
  const std::uint32_t per_polarity = layout.width > 0 ? layout.width * layout.height : 0;
  std::string on, off;
  for (const auto& e : s.events) {
    const bool is_off = layout.polarities == 2 && per_polarity > 0 && e.channel < per_polarity;
    (is_off ? off : on) += fmt::format("M{:.1f} {:.1f}v{:.1f}", x_of(e.time_ms), y_of(e.channel) - tick / 2, tick);
  }
  if (!on.empty())
    svg += fmt::format("<path d=\"{}\" stroke=\"#1f4e9c\" stroke-width=\"2\" fill=\"none\"/>\n", on);
  if (!off.empty())
    svg += fmt::format("<path d=\"{}\" stroke=\"#c0392b\" stroke-width=\"2\" fill=\"none\"/>\n", off);
  svg += "</svg>\n";
  return svg;
}

}  // namespace evsnn::data
