// svg_writer: a complete document with a white background, escaped text and titles, compact numbers,
// balanced groups, and axis ticks; nice_axis / format_tick are tested with the training plot.
#include <doctest/doctest.h>

#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "engine/svg_writer.hpp"

using namespace evsnn;

namespace {

std::size_t count_of(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

}  // namespace

TEST_CASE("xml_escape and svg_number") {
  CHECK(xml_escape("a <b> & \"c\"") == "a &lt;b&gt; &amp; &quot;c&quot;");
  CHECK(xml_escape("plain") == "plain");
  CHECK(svg_number(470) == "470");
  CHECK(svg_number(12.5) == "12.5");
  CHECK(svg_number(1.0 / 3.0) == "0.33");
  CHECK(svg_number(-0.001) == "0");
  CHECK(svg_number(-3.25) == "-3.25");
  CHECK(svg_number(std::numeric_limits<double>::quiet_NaN()) == "0");
}

TEST_CASE("svg_writer: document, shapes, escaping and groups") {
  svg_writer svg(200, 100.5, "sans-serif", "font-size=\"12\"");
  svg.text(10, 20, "x < y & \"z\"", "font-weight=\"bold\"");
  svg.text_markup(10, 40, "<tspan>kept</tspan>");
  svg.vertical_text(5, 50, "label");
  svg.begin_group("class=\"panel\"");
  svg.line(0, 1, 2, 3, "stroke=\"#333\"");
  svg.rect(1, 2, 3, 4, "fill=\"red\"", "a <tip>");
  svg.circle(5, 6, 1.5, "", "dot");
  const std::vector<std::pair<double, double>> pts = {{0, 0}, {1.255, 2}, {3, 4}};
  svg.polyline(pts, "fill=\"none\"");
  svg.path("M0 0v5", "stroke=\"blue\"");
  svg.begin_group();  // left open: finish() closes it
  const std::string s = svg.finish();
  CHECK(s.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"100.5\" viewBox=\"0 0 200 100.5\" "
                      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"200\" height=\"100.5\" fill=\"white\"/>\n"));
  CHECK(s.ends_with("</g>\n</g>\n</svg>\n"));
  CHECK(s.find("<text x=\"10\" y=\"20\" font-weight=\"bold\">x &lt; y &amp; &quot;z&quot;</text>") != std::string::npos);
  CHECK(s.find(">kept</tspan></text>") != std::string::npos);
  CHECK(s.find("transform=\"rotate(-90 5 50)\">label</text>") != std::string::npos);
  CHECK(s.find("<line x1=\"0\" y1=\"1\" x2=\"2\" y2=\"3\" stroke=\"#333\"/>") != std::string::npos);
  CHECK(s.find("<title>a &lt;tip&gt;</title></rect>") != std::string::npos);
  CHECK(s.find("<circle cx=\"5\" cy=\"6\" r=\"1.5\"><title>dot</title></circle>") != std::string::npos);
  CHECK(s.find("points=\"0,0 1.25,2 3,4\"") != std::string::npos);  // 1.255 rounds at two decimals
  CHECK(s.find("<path d=\"M0 0v5\" stroke=\"blue\"/>") != std::string::npos);
  CHECK(count_of(s, "<g") == count_of(s, "</g>"));
  CHECK(count_of(s, "<text") == count_of(s, "</text>"));
}

TEST_CASE("svg_writer: axis ticks draw a line and a label per tick") {
  svg_writer svg(100, 100);
  const std::vector<svg_tick> ticks = {{10, "0"}, {50, "0.5"}, {90, "1 & more"}};
  svg.x_ticks(ticks, 80, 85, 95, "stroke=\"#333\"", "font-size=\"11\"");
  svg.y_ticks(ticks, 5, 10, 4, "stroke=\"#ddd\"", "");
  const std::string s = svg.finish();
  CHECK(count_of(s, "<line") == 6);
  CHECK(s.find("<line x1=\"50\" y1=\"80\" x2=\"50\" y2=\"85\" stroke=\"#333\"/>") != std::string::npos);
  CHECK(s.find("<text x=\"50\" y=\"95\" text-anchor=\"middle\" font-size=\"11\">0.5</text>") != std::string::npos);
  CHECK(s.find("<text x=\"4\" y=\"54\" text-anchor=\"end\">0.5</text>") != std::string::npos);
  CHECK(s.find("1 &amp; more") != std::string::npos);
  const axis_scale a = nice_axis(0, 97, 5);
  CHECK(a.step == 20);
  CHECK(format_tick(25000, 5000) == "25k");
}
