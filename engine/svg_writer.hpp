#pragma once
// svg_writer: builds one SVG document for the figures the tools draw (training curves, energy chart,
// spike rasters): the document header with a white background, escaped text, lines, polylines, rects,
// circles, paths, groups, and axis ticks with labels. Coordinates are pixels, written with at most two
// decimals; text and titles are always XML-escaped (markup passes only through text_markup).
// Also here: the round linear axes the figures share (nice_axis, format_tick).
// Invariants: every group opened is closed by finish(); finish() returns a complete document once.
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace evsnn {

// Text made safe for XML/SVG content and attribute values (& < > " escaped).
std::string xml_escape(std::string_view s);
// A coordinate: at most two decimals, no trailing zeros ("470", "12.5", "-3.25"); NaN and inf as "0".
std::string svg_number(double v);

// A linear axis with round ticks: step is 1, 2 or 5 times a power of ten, lo and hi are multiples of
// step with lo <= every value <= hi and lo < hi, and ticks run lo, lo + step, ..., hi.
struct axis_scale {
  double lo = 0.0;
  double hi = 1.0;
  double step = 1.0;
  std::vector<double> ticks;
};
// The scale covering [lo, hi] with about target intervals. A degenerate range (lo == hi, one point or a
// constant series) is widened around the value. min_step bounds the step from below (1 for epochs).
axis_scale nice_axis(double lo, double hi, int target = 5, double min_step = 0.0);
// A tick label with no more digits than the step needs: "0.25", "40", "1.5k", "2.5e-05".
std::string format_tick(double value, double step);

// One tick of an axis: where it is (pixels along the axis) and its label.
struct svg_tick {
  double at = 0.0;
  std::string label;
};

class svg_writer {
 public:
  static constexpr std::string_view default_font = "DejaVu Sans, Helvetica, Arial, sans-serif";

  // The header and a white background; root_attrs are extra attributes of <svg> (e.g. font-size).
  svg_writer(double width, double height, std::string_view font_family = default_font, std::string_view root_attrs = "");

  // attrs: extra attributes, written as given (e.g. "font-size=\"12\" fill=\"#444\"").
  void text(double x, double y, std::string_view content, std::string_view attrs = "");
  void text_markup(double x, double y, std::string_view markup, std::string_view attrs = "");
  // Text turned 90 degrees counter-clockwise about (x, y) (a y-axis label).
  void vertical_text(double x, double y, std::string_view content, std::string_view attrs = "");
  void line(double x1, double y1, double x2, double y2, std::string_view attrs);
  // title: a tooltip (escaped), none when empty.
  void rect(double x, double y, double w, double h, std::string_view attrs, std::string_view title = "");
  void circle(double cx, double cy, double r, std::string_view attrs, std::string_view title = "");
  void polyline(std::span<const std::pair<double, double>> points, std::string_view attrs);
  void path(std::string_view d, std::string_view attrs);
  void begin_group(std::string_view attrs = "");
  void end_group();
  // Ticks of a horizontal axis: a line from y0 to y1 at each tick (a tick mark or a grid line) and its
  // label centred at label_y. y_ticks: lines from x0 to x1, labels right-aligned at label_x.
  void x_ticks(std::span<const svg_tick> ticks, double y0, double y1, double label_y, std::string_view line_attrs,
               std::string_view label_attrs);
  void y_ticks(std::span<const svg_tick> ticks, double x0, double x1, double label_x, std::string_view line_attrs,
               std::string_view label_attrs);

  // Closes open groups and the document and returns it.
  std::string finish();

 private:
  void open(std::string_view element, std::string_view attrs);
  std::string out_;
  int open_groups_ = 0;
};

}  // namespace evsnn
