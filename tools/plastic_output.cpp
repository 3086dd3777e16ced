#include "tools/plastic_output.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/svg_writer.hpp"

namespace evsnn::cli {

namespace {

std::filesystem::path absolute_from(const std::filesystem::path& base, const std::string& p) {
  std::filesystem::path path(p);
  if (path.is_relative()) path = base / path;
  return std::filesystem::absolute(path).lexically_normal();
}

}  // namespace

std::vector<std::string> plastic_weight_files(const network& net) {
  std::vector<std::string> files;
  for (std::size_t r = 0; r < net.plasticity_count(); ++r) {
    const std::uint32_t k = net.plastic(r).projection();
    std::string name = net.proj(k).name();
    for (char& c : name)
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
            c == '.'))
        c = '_';
    std::string file = "weights_" + name + ".csv";
    if (std::find(files.begin(), files.end(), file) != files.end()) file = fmt::format("weights_{}_{}.csv", name, k);
    files.push_back(file);
  }
  return files;
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

void write_plastic_outputs(output_folder& out_dir, const network& net, const nlohmann::json& doc,
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
  const std::vector<std::string> files = plastic_weight_files(net);
  for (std::size_t r = 0; r < net.plasticity_count(); ++r) {
    const std::uint32_t k = net.plastic(r).projection();
    const projection& proj = net.proj(k);
    const std::string& file = files[r];
    out_dir.write(file, weights_csv(proj));
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
  out_dir.write("network.json", out.dump(1) + "\n");
}

nlohmann::json plasticity_summary(const simulator& sim, const network& net) {
  nlohmann::json list = nlohmann::json::array();
  const std::vector<std::string> files = plastic_weight_files(net);
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
                        {"weights_file", files[r]},
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

std::vector<std::vector<double>> plastic_weights(const network& net) {
  std::vector<std::vector<double>> out;
  for (std::size_t r = 0; r < net.plasticity_count(); ++r) {
    const projection& proj = net.proj(net.plastic(r).projection());
    std::vector<double> w(proj.synapse_count());
    for (std::uint32_t s = 0; s < proj.synapse_count(); ++s) w[s] = proj.weight(s);
    out.push_back(std::move(w));
  }
  return out;
}

std::string weight_histogram_svg(const network& net, const std::vector<std::vector<double>>& before,
                                 const std::string& title) {
  constexpr int bins = 40;
  constexpr double pw = 520, ph = 240, ml = 70, mr = 20, mt = 50, mb = 60;
  const std::size_t n = net.plasticity_count();
  svg_writer svg(ml + pw + mr, static_cast<double>(n) * (mt + ph + mb), svg_writer::default_font, "font-size=\"12\"");
  const std::vector<std::vector<double>> after = plastic_weights(net);
  for (std::size_t r = 0; r < n; ++r) {
    const plasticity& rule = net.plastic(r);
    const nlohmann::json d = rule.describe();
    double lo = INFINITY, hi = -INFINITY;
    for (const auto* v : {&before[r], &after[r]})
      for (double w : *v) {
        lo = std::min(lo, w);
        hi = std::max(hi, w);
      }
    if (d.contains("w_min") && d.contains("w_max")) {
      lo = d["w_min"].get<double>();
      hi = d["w_max"].get<double>();
    }
    if (!(hi > lo)) hi = lo + 1.0;
    auto histogram = [&](const std::vector<double>& v) {
      std::vector<std::size_t> h(bins, 0);
      for (double w : v) {
        const int k = static_cast<int>(std::floor((w - lo) / (hi - lo) * bins));
        ++h[static_cast<std::size_t>(std::clamp(k, 0, bins - 1))];
      }
      return h;
    };
    const auto hb = histogram(before[r]), ha = histogram(after[r]);
    const double top = static_cast<double>(
        std::max<std::size_t>({*std::max_element(hb.begin(), hb.end()), *std::max_element(ha.begin(), ha.end()), 1}));
    const axis_scale ys = nice_axis(0.0, top, 4, 1.0), xs = nice_axis(lo, hi, 5);
    const double y0 = static_cast<double>(r) * (mt + ph + mb) + mt, bw = pw / bins;
    auto y_of = [&](double c) { return y0 + ph - ph * c / ys.hi; };
    auto x_of = [&](double w) { return ml + pw * (w - lo) / (hi - lo); };
    const std::string name = net.proj(rule.projection()).name();
    svg.text(ml, y0 - 28,
             fmt::format("{}{}{} ({}): weights of {} synapses", title, title.empty() ? "" : ": ", name, rule.rule(),
                         after[r].size()),
             "font-size=\"14\"");
    for (int k = 0; k < bins; ++k) {
      const auto c = static_cast<double>(ha[static_cast<std::size_t>(k)]);
      svg.rect(ml + k * bw, y_of(c), bw - 1, y0 + ph - y_of(c), "fill=\"#3b75af\"",
               fmt::format("after: {} synapses in [{:.4g}, {:.4g})", c, lo + (hi - lo) * k / bins,
                           lo + (hi - lo) * (k + 1) / bins));
    }
    std::vector<std::pair<double, double>> outline;
    for (int k = 0; k < bins; ++k) {
      const double y = y_of(static_cast<double>(hb[static_cast<std::size_t>(k)]));
      outline.emplace_back(ml + k * bw, y);
      outline.emplace_back(ml + (k + 1) * bw, y);
    }
    svg.polyline(outline, "fill=\"none\" stroke=\"#e07b28\" stroke-width=\"2\"");
    std::vector<svg_tick> xt, yt;
    for (double t : xs.ticks)
      if (t >= lo && t <= hi) xt.push_back({x_of(t), format_tick(t, xs.step)});
    for (double t : ys.ticks) yt.push_back({y_of(t), format_tick(t, ys.step)});
    svg.x_ticks(xt, y0 + ph, y0 + ph + 4, y0 + ph + 18, "stroke=\"black\"", "text-anchor=\"middle\"");
    svg.y_ticks(yt, ml - 4, ml, ml - 6, "stroke=\"black\"", "text-anchor=\"end\"");
    svg.line(ml, y0 + ph, ml + pw, y0 + ph, "stroke=\"black\"");
    svg.line(ml, y0, ml, y0 + ph, "stroke=\"black\"");
    svg.text(ml + pw / 2, y0 + ph + 38, "weight", "text-anchor=\"middle\"");
    svg.vertical_text(ml - 48, y0 + ph / 2, "synapses", "text-anchor=\"middle\"");
    svg.rect(ml + pw - 150, y0 - 20, 12, 12, "fill=\"#3b75af\"");
    svg.text(ml + pw - 134, y0 - 10, "after");
    svg.line(ml + pw - 84, y0 - 14, ml + pw - 70, y0 - 14, "stroke=\"#e07b28\" stroke-width=\"2\"");
    svg.text(ml + pw - 66, y0 - 10, "before");
  }
  return svg.finish();
}

}  // namespace evsnn::cli
