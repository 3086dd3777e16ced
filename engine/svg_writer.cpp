#include "engine/svg_writer.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

namespace evsnn {

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string svg_number(double v) {
  if (!std::isfinite(v)) return "0";
  std::string s = fmt::format("{:.2f}", v);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
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

svg_writer::svg_writer(double width, double height, std::string_view font_family, std::string_view root_attrs) {
  const std::string w = svg_number(width), h = svg_number(height);
  fmt::format_to(std::back_inserter(out_),
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
                 "font-family=\"{2}\"{3}{4}>\n<rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n",
                 w, h, xml_escape(font_family), root_attrs.empty() ? "" : " ", root_attrs);
}

void svg_writer::open(std::string_view element, std::string_view attrs) {
  out_ += '<';
  out_ += element;
  if (!attrs.empty()) {
    out_ += ' ';
    out_ += attrs;
  }
}

void svg_writer::text_markup(double x, double y, std::string_view markup, std::string_view attrs) {
  open("text", fmt::format("x=\"{}\" y=\"{}\"{}{}", svg_number(x), svg_number(y), attrs.empty() ? "" : " ", attrs));
  fmt::format_to(std::back_inserter(out_), ">{}</text>\n", markup);
}

void svg_writer::text(double x, double y, std::string_view content, std::string_view attrs) {
  text_markup(x, y, xml_escape(content), attrs);
}

void svg_writer::vertical_text(double x, double y, std::string_view content, std::string_view attrs) {
  text(x, y, content,
       fmt::format("{}{}transform=\"rotate(-90 {} {})\"", attrs, attrs.empty() ? "" : " ", svg_number(x), svg_number(y)));
}

void svg_writer::line(double x1, double y1, double x2, double y2, std::string_view attrs) {
  open("line", fmt::format("x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"", svg_number(x1), svg_number(y1), svg_number(x2),
                           svg_number(y2)));
  fmt::format_to(std::back_inserter(out_), " {}/>\n", attrs);
}

void svg_writer::rect(double x, double y, double w, double h, std::string_view attrs, std::string_view title) {
  open("rect", fmt::format("x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" {}", svg_number(x), svg_number(y),
                           svg_number(w), svg_number(h), attrs));
  out_ += title.empty() ? "/>\n" : fmt::format("><title>{}</title></rect>\n", xml_escape(title));
}

void svg_writer::circle(double cx, double cy, double r, std::string_view attrs, std::string_view title) {
  open("circle", fmt::format("cx=\"{}\" cy=\"{}\" r=\"{}\"{}{}", svg_number(cx), svg_number(cy), svg_number(r),
                             attrs.empty() ? "" : " ", attrs));
  out_ += title.empty() ? "/>\n" : fmt::format("><title>{}</title></circle>\n", xml_escape(title));
}

void svg_writer::polyline(std::span<const std::pair<double, double>> points, std::string_view attrs) {
  out_ += "<polyline points=\"";
  for (std::size_t i = 0; i < points.size(); ++i)
    fmt::format_to(std::back_inserter(out_), "{}{},{}", i ? " " : "", svg_number(points[i].first),
                   svg_number(points[i].second));
  fmt::format_to(std::back_inserter(out_), "\" {}/>\n", attrs);
}

void svg_writer::path(std::string_view d, std::string_view attrs) {
  fmt::format_to(std::back_inserter(out_), "<path d=\"{}\" {}/>\n", d, attrs);
}

void svg_writer::begin_group(std::string_view attrs) {
  open("g", attrs);
  out_ += ">\n";
  ++open_groups_;
}

void svg_writer::end_group() {
  if (open_groups_ == 0) return;
  out_ += "</g>\n";
  --open_groups_;
}

void svg_writer::x_ticks(std::span<const svg_tick> ticks, double y0, double y1, double label_y,
                         std::string_view line_attrs, std::string_view label_attrs) {
  const std::string attrs = fmt::format("text-anchor=\"middle\"{}{}", label_attrs.empty() ? "" : " ", label_attrs);
  for (const svg_tick& t : ticks) {
    line(t.at, y0, t.at, y1, line_attrs);
    text(t.at, label_y, t.label, attrs);
  }
}

void svg_writer::y_ticks(std::span<const svg_tick> ticks, double x0, double x1, double label_x,
                         std::string_view line_attrs, std::string_view label_attrs) {
  const std::string attrs = fmt::format("text-anchor=\"end\"{}{}", label_attrs.empty() ? "" : " ", label_attrs);
  for (const svg_tick& t : ticks) {
    line(x0, t.at, x1, t.at, line_attrs);
    text(label_x, t.at + 4, t.label, attrs);
  }
}

std::string svg_writer::finish() {
  while (open_groups_ > 0) end_group();
  out_ += "</svg>\n";
  return std::move(out_);
}

}  // namespace evsnn
