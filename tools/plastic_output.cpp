#include "tools/plastic_output.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/atomic_file.hpp"

namespace evsnn::cli {

namespace {

std::filesystem::path absolute_from(const std::filesystem::path& base, const std::string& p) {
  std::filesystem::path path(p);
  if (path.is_relative()) path = base / path;
  return std::filesystem::absolute(path).lexically_normal();
}

}  // namespace

std::string plastic_weights_file(const projection& proj) {
  std::string name = proj.name();
  for (char& c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
          c == '.'))
      c = '_';
  return "weights_" + name + ".csv";
}

std::string weights_csv(const projection& proj) {
  fmt::memory_buffer buf;
  if (proj.dense()) {
    for (std::uint32_t i = 0; i < proj.n_pre(); ++i) {
      for (std::uint32_t j = 0; j < proj.n_post(); ++j)
        fmt::format_to(std::back_inserter(buf), "{}{}", j ? "," : "", proj.weight(i * proj.n_post() + j));
      buf.push_back('\n');
    }
  } else {
    fmt::format_to(std::back_inserter(buf), "pre,post,w\n");
    for (std::uint32_t s = 0; s < proj.synapse_count(); ++s)
      fmt::format_to(std::back_inserter(buf), "{},{},{}\n", proj.pre_of(s), proj.post_of(s), proj.weight(s));
  }
  return {buf.data(), buf.size()};
}

void write_plastic_outputs(const std::filesystem::path& dir, const network& net, const nlohmann::json& doc,
                           const std::filesystem::path& base_dir) {
  nlohmann::json out = doc;
  // Paths in the source resolve against its folder; the written network lives elsewhere.
  if (out.contains("populations"))
    for (auto& p : out["populations"])
      if (p.contains("params") && p["params"].is_object())
        for (auto& [key, value] : p["params"].items())
          if (key.size() > 4 && key.ends_with("_csv") && value.is_string())
            value = absolute_from(base_dir, value.get<std::string>()).string();
  for (std::size_t k = 0; k < net.projection_count(); ++k) {
    auto& w = out["projections"][k]["weights"];
    if (w.is_object() && w.contains("csv") && w["csv"].is_string())
      w["csv"] = absolute_from(base_dir, w["csv"].get<std::string>()).string();
  }
  for (std::size_t r = 0; r < net.plasticity_count(); ++r) {
    const std::uint32_t k = net.plastic(r).projection();
    const projection& proj = net.proj(k);
    const std::string file = plastic_weights_file(proj);
    write_file_atomic(dir / file, weights_csv(proj));
    auto& w = out["projections"][k]["weights"];
    if (proj.dense()) {
      w = {{"csv", file}};
    } else {
      nlohmann::json pre = nlohmann::json::array(), post = nlohmann::json::array(), val = nlohmann::json::array();
      for (std::uint32_t s = 0; s < proj.synapse_count(); ++s) {
        pre.push_back(proj.pre_of(s));
        post.push_back(proj.post_of(s));
        val.push_back(proj.weight(s));
      }
      w = {{"pre", pre}, {"post", post}, {"w", val}};
    }
  }
  write_file_atomic(dir / "network.json", out.dump(1) + "\n");
}

nlohmann::json plasticity_summary(const simulator& sim, const network& net) {
  nlohmann::json list = nlohmann::json::array();
  for (std::size_t r = 0; r < net.plasticity_count(); ++r) {
    const plasticity& rule = net.plastic(r);
    const projection& proj = net.proj(rule.projection());
    const projection_counters& c = sim.counters().projections[rule.projection()];
    double sum = 0.0, lo = INFINITY, hi = -INFINITY;
    for (std::uint32_t s = 0; s < proj.synapse_count(); ++s) {
      const double w = proj.weight(s);
      sum += w;
      lo = std::min(lo, w);
      hi = std::max(hi, w);
    }
    const double n = static_cast<double>(proj.synapse_count());
    nlohmann::json e = {{"projection", proj.name()},
                        {"rule", rule.rule()},
                        {"weights_file", plastic_weights_file(proj)},
                        {"weight_updates", c.weight_updates},
                        {"trace_updates", c.trace_updates},
                        {"synapses", proj.synapse_count()},
                        {"weight_mean", n > 0 ? sum / n : 0.0},
                        {"weight_min", n > 0 ? lo : 0.0},
                        {"weight_max", n > 0 ? hi : 0.0},
                        {"parameters", rule.describe()}};
    list.push_back(e);
  }
  return list;
}

}  // namespace evsnn::cli
