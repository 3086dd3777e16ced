#pragma once
// raster_svg: draws one sample as a spike raster in SVG (time on x, channel on y, one short
// tick per event; for a 2-polarity sensor, ON events blue and OFF events red), with axes, ticks and
// a title. Pure text output; the caller writes it (atomically).
#include <string>

#include "datasets/dataset.hpp"
#include "datasets/sample.hpp"

namespace evsnn::data {

std::string raster_svg(const sample& s, const sensor_layout& layout, const std::string& title);

}  // namespace evsnn::data
