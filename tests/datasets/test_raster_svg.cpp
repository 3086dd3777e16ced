#include <doctest/doctest.h>

#include "datasets/raster_svg.hpp"

using namespace evsnn;

TEST_CASE("raster_svg: title, axes and one tick per event") {
  data::sample s;
  s.channels = 10;
  s.duration_ms = 50;
  s.events = {{1.0, 0, 1.0f}, {20.0, 9, 1.0f}, {49.0, 5, 1.0f}};
  const auto svg = data::raster_svg(s, {}, "a <title> & more");
  CHECK(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  CHECK(svg.find("a &lt;title&gt; &amp; more") != std::string::npos);
  CHECK(svg.find("time (ms)") != std::string::npos);
  std::size_t moves = 0;
  for (char c : svg) moves += c == 'M' ? 1 : 0;
  CHECK(moves == 3);
  CHECK(svg.ends_with("</svg>\n"));
}
