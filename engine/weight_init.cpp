#include "engine/weight_init.hpp"

#include <cmath>

#include <fmt/format.h>

namespace evsnn {

weight_init read_weight_init(const json_node& w) {
  weight_init d;
  const std::string kind = w.at("init").as_choice({"normal", "uniform", "constant"});
  if (kind == "normal") {
    d.k = weight_init::kind::normal;
    d.p1 = w.get("mean") ? w.at("mean").as_double() : 0.0;
    d.p2 = w.at("std").as_nonnegative();
  } else if (kind == "uniform") {
    d.k = weight_init::kind::uniform;
    const json_node lo = w.at("low"), hi = w.at("high");
    d.p1 = lo.as_double();
    d.p2 = hi.as_double();
    if (!(d.p2 >= d.p1)) hi.fail(fmt::format("must be >= low ({}), got {}", d.p1, d.p2));
  } else {
    d.p1 = w.at("value").as_double();
  }
  constexpr double max_weight = 3.0e38;
  const auto fits = [&](double v) { return std::fabs(v) <= max_weight; };
  if (d.k == weight_init::kind::constant && !fits(d.p1))
    w.at("value").fail(fmt::format("weight {} is beyond +-3e38", d.p1));
  if (d.k == weight_init::kind::uniform && !(fits(d.p1) && fits(d.p2)))
    w.fail(fmt::format("uniform weights in [{}, {}] reach beyond +-3e38", d.p1, d.p2));
  if (d.k == weight_init::kind::normal && !(std::fabs(d.p1) + 40.0 * d.p2 <= max_weight))
    w.fail(fmt::format("normal weights with mean {} and std {} reach beyond +-3e38", d.p1, d.p2));
  return d;
}

}  // namespace evsnn
