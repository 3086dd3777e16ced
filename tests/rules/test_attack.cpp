// attack: NES converges to the true gradient on a smooth toy function and makes exactly 2 queries per pair;
// sign steps stay in the ε-ball and [0, 1]; trainer::attack on a small trained e-prop network over IDX
// images: at ε = 0 nothing changes (FGSM and NES accuracy = clean, NES spends exactly its budget, rounded to
// whole estimates, on every clean-correct sample), FGSM at ε > 0 cannot do better than clean, the report does
// not depend on the thread count; refusals (FGSM without a readout chain, data that are not images).
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include <nlohmann/json.hpp>

#include "readout_chain_fixture.hpp"
#include "rule_fixture.hpp"
#include "rules/attack.hpp"
#include "tests/datasets/format_writers.hpp"
#include "tests/support/error_of.hpp"
#include "trainer_fixture.hpp"

using namespace evsnn;
using namespace evsnn::rules;
using nlohmann::json;

TEST_CASE("attack: NES estimates converge to the true gradient; 2 queries per pair; sign steps are projected") {
  const std::vector<double> a = {0.5, -1.0, 2.0, 0.25, -0.75, 1.5};
  const loss_query f = [&](const std::vector<double>& x) {
    double v = 0.0;
    for (std::size_t j = 0; j < x.size(); ++j) v += a[j] * x[j] + 0.5 * (j + 1.0) * x[j] * x[j] + std::sin(x[j]);
    return v;
  };
  const std::vector<double> x = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
  std::vector<double> truth(x.size());
  for (std::size_t j = 0; j < x.size(); ++j) truth[j] = a[j] + (j + 1.0) * x[j] + std::cos(x[j]);
  auto cosine = [&](const std::vector<double>& g) {
    double d = 0, n1 = 0, n2 = 0;
    for (std::size_t j = 0; j < g.size(); ++j) d += g[j] * truth[j], n1 += g[j] * g[j], n2 += truth[j] * truth[j];
    return d / std::sqrt(n1 * n2);
  };
  double previous = -1.0;
  for (std::uint32_t pairs : {10u, 100u, 10000u}) {
    rng r(3);
    std::uint64_t q = 7;
    const auto g = nes_gradient(f, x, 1e-3, pairs, r, q);
    CHECK(q == 7 + 2 * std::uint64_t(pairs));
    const double c = cosine(g);
    CHECK(c > previous - 0.02);
    previous = c;
  }
  CHECK(previous > 0.999);
  const std::vector<double> x0 = {0.0, 0.5, 1.0, 0.95};
  const auto s = sign_step({0.05, 0.5, 0.9, 0.95}, {-1.0, 0.0, 1.0, 2.0}, 0.2, x0, 0.1);
  CHECK(s == std::vector<double>{0.0, 0.5, 1.0, 1.0});
}

namespace {

// 2 classes of 4x4 images: class 0 bright on the left half, class 1 on the right (with some noise).
void write_images(const std::filesystem::path& dir) {
  rng r(5);
  const std::uint32_t n = 40;
  std::vector<unsigned char> px, labels;
  for (std::uint32_t i = 0; i < n; ++i) {
    const int c = static_cast<int>(i % 2);
    labels.push_back(static_cast<unsigned char>(c));
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 4; ++x) {
        const bool on = (x < 2) == (c == 0);
        px.push_back(static_cast<unsigned char>(std::lround((on ? 0.8 : 0.1) * 255 + r.uniform(-20, 20))));
      }
  }
  for (const char* split : {"train", "t10k"}) {
    test::write_bytes(dir / (std::string(split) + "-images-idx3-ubyte"), test::idx_bytes(0x08, {n, 4, 4}, px));
    test::write_bytes(dir / (std::string(split) + "-labels-idx1-ubyte"), test::idx_bytes(0x08, {n}, labels));
  }
}

json attack_config(const std::filesystem::path& data, const std::filesystem::path& out) {
  test::net_shape s;
  s.n_in = 16;
  s.hidden = {8};
  s.n_out = 2;
  s.tau_out_ms = 10.0;
  json cfg = test::small_train_config(test::eprop_network(s, 4), {{"type", "eprop"}}, out);
  cfg["dataset"] = {{"format", "idx"}, {"path", data.string()},
                    {"encoder", {{"type", "rate"}, {"max_rate_hz", 300}, {"duration_ms", 20}}}};
  cfg["loss"] = "tick_ce";
  cfg["optimizer"] = {{"type", "adam"}, {"lr", 0.02}};
  cfg["epochs"] = 4;
  cfg["batch_size"] = 8;
  return cfg;
}

}  // namespace

TEST_CASE("attack: trainer::attack on a trained e-prop network — exact query counts, ε = 0, threads") {
  test::temp_dir data;
  write_images(data.path());
  const auto out = test::fresh_dir("attack_train");
  json cfg = attack_config(data.path(), out);
  {
    auto tr = test::make_trainer(cfg);
    tr.train(nullptr, nullptr);
  }
  attack_options o;
  o.eps = {0.0, 0.4};
  o.samples = 12;
  o.nes_pairs = 3;
  o.nes_queries = 50;  // 7 estimates of 2·3 probes + 1 check: 49 queries
  o.nes_sigma = 0.1;
  std::vector<attack_report> reports;
  for (unsigned threads : {1u, 2u}) {
    train_config c = parse_train_config(cfg, "train.json", ".");
    c.threads = threads;  // as --threads does: the checkpoint's config is unchanged
    trainer tr(c, builtin_model_registry(), "data", std::nullopt);
    tr.load_checkpoint(out / "checkpoint.evsnn", false);
    reports.push_back(tr.attack(o));
  }
  const attack_report& r = reports[0];
  REQUIRE(r.rows.size() == 5);
  CHECK(r.rows[0].method == "clean");
  const std::size_t clean = r.rows[0].correct;
  CHECK(clean >= 8);  // it learned the two halves
  CHECK(r.rows[1].method == "fgsm");
  CHECK(r.rows[1].correct == clean);  // ε = 0: the same image
  CHECK(r.rows[2].method == "nes");
  CHECK(r.rows[2].correct == clean);
  CHECK(r.rows[2].queries == clean * 49);
  CHECK(r.rows[3].correct <= clean);
  CHECK(r.rows[4].queries % 7 == 0);
  CHECK(r.rows[4].queries <= clean * 49);
  CHECK(r.width == 4);
  for (const attack_example& e : r.examples) {
    CHECK(e.prediction != e.label);
    for (std::size_t j = 0; j < e.clean.size(); ++j) CHECK(std::fabs(e.adversarial[j] - e.clean[j]) <= e.eps + 1e-12);
  }
  for (std::size_t k = 0; k < r.rows.size(); ++k) {
    CHECK(reports[1].rows[k].correct == r.rows[k].correct);
    CHECK(reports[1].rows[k].queries == r.rows[k].queries);
  }
  CHECK(reports[1].examples.size() == r.examples.size());
  // Refusals.
  json bad = cfg;
  bad["dataset"] = {{"format", "randman"}, {"classes", 2}, {"neurons", 16}, {"samples_per_class", 10}, {"ticks", 10},
                    {"tick_ms", 1}, {"dim", 1}, {"seed", 1}};
  bad["output_dir"] = test::fresh_dir("attack_bad").string();
  CHECK(test::error_of([&] { test::make_trainer(bad).attack(o); }).find("is not an image data set") != std::string::npos);
}

TEST_CASE("attack: FGSM through exact spike times on a TTFS-coded continuous-time network") {
  test::temp_dir data;
  write_images(data.path());
  const auto out = test::fresh_dir("attack_ttfs");
  json cfg = test::small_train_config(test::chain_network({16, 10, 2}, {0.5, 0.5}, {0.3, 0.3}, {0.3, 0.3}, 10.0),
                                      "sfdfa", out);
  cfg["dataset"] = {{"format", "idx"}, {"path", data.path().string()}, {"encoder", {{"type", "ttfs"}, {"t_max_ms", 20}}}};
  cfg["loss"] = "first_spike_ce";  // a gradient at every sample (count losses vanish at their targets)
  cfg["epochs"] = 5;
  cfg["batch_size"] = 5;
  auto tr = test::make_trainer(cfg);
  tr.train(nullptr, nullptr);
  attack_options o;
  o.eps = {0.0, 0.5};
  o.samples = 20;
  o.nes = false;
  const attack_report r = tr.attack(o);
  REQUIRE(r.rows.size() == 3);
  CHECK(r.rows[0].correct >= 12);
  CHECK(r.rows[1].correct == r.rows[0].correct);  // ε = 0
  CHECK(r.rows[2].correct < r.rows[0].correct);   // half the intensity range in the gradient's direction
  // A rate code on this network is refused for FGSM (NES works).
  json rate = cfg;
  rate["dataset"]["encoder"] = {{"type", "rate"}, {"max_rate_hz", 300}, {"duration_ms", 20}};
  rate["output_dir"] = test::fresh_dir("attack_ttfs_rate").string();
  CHECK(test::error_of([&] { test::make_trainer(rate).attack(o); }).find("needs a ttfs or latency code") !=
        std::string::npos);
}
