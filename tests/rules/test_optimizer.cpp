// optimizer: hand-computed first steps of SGD, Adam and Adamax; Adam and Adamax minimise a quadratic; a state
// saved and loaded mid-run continues bit-identically; a step in disjoint ranges equals the whole step; lr decay
// schedule; spec and state errors.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "rules/optimizer.hpp"

using namespace evsnn;
using namespace evsnn::rules;
using nlohmann::json;

namespace {

std::string error_of(const json& spec) {
  try {
    make_optimizer(spec, "train.json: /optimizer");
  } catch (const input_error& e) {
    return e.what();
  }
  return "no error";
}

// Gradient of f(p) = 1/2 sum_i c_i (p_i - target_i)^2.
void quadratic_grad(std::span<const double> p, std::vector<double>& g) {
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double c = 1.0 + static_cast<double>(i);
    const double target = 0.5 - 0.25 * static_cast<double>(i);
    g[i] = c * (static_cast<double>(p[i]) - target);
  }
}

// Two blocks, deterministic pseudo-gradients that depend on the parameters (so state matters).
void run_steps(optimizer& opt, std::vector<double>& a, std::vector<double>& b, int from, int to) {
  std::vector<double> ga(a.size()), gb(b.size());
  for (int s = from; s < to; ++s) {
    for (std::size_t i = 0; i < a.size(); ++i) ga[i] = std::sin(0.7 * s + static_cast<double>(i)) + 0.3 * a[i];
    for (std::size_t i = 0; i < b.size(); ++i) gb[i] = std::cos(1.3 * s - static_cast<double>(i)) - 0.2 * b[i];
    opt.step(0, a, ga, opt.lr_scale_for_epoch(static_cast<std::uint64_t>(s / 3)));
    opt.step(1, b, gb);
    opt.finish_step();
  }
}

}  // namespace

TEST_CASE("sgd: plain and momentum steps by hand") {
  auto opt = make_optimizer(json{{"type", "sgd"}, {"lr", 0.5}}, "t");
  CHECK(std::string(opt->name()) == "sgd");
  CHECK(opt->learning_rate() == 0.5);
  CHECK(opt->describe() == json{{"type", "sgd"}, {"lr", 0.5}, {"momentum", 0.0}});
  CHECK(opt->state_arrays_per_block() == 0);
  const std::vector<std::size_t> sizes = {2};
  opt->bind(sizes);
  std::vector<double> p = {1.0f, -2.0f};
  const std::vector<double> g = {0.5, -1.0};
  opt->step(0, p, g);
  opt->finish_step();
  CHECK(p == std::vector<double>{0.75f, -1.5f});
  opt->step(0, p, g, 2.0);  // lr_scale 2 -> lr 1
  CHECK(p == std::vector<double>{0.25f, -0.5f});

  auto mom = make_optimizer(json{{"type", "sgd"}, {"lr", 0.5}, {"momentum", 0.5}}, "t");
  CHECK(mom->state_arrays_per_block() == 1);
  mom->bind(sizes);
  p = {1.0f, -2.0f};
  mom->step(0, p, g);  // v = g -> p -= 0.5 g
  mom->finish_step();
  CHECK(p == std::vector<double>{0.75f, -1.5f});
  mom->step(0, p, g);  // v = 0.5 g + g = 1.5 g -> p -= 0.75 g
  mom->finish_step();
  CHECK(p == std::vector<double>{0.375f, -0.75f});
  CHECK(mom->steps() == 2);
}

TEST_CASE("adam: first two steps by hand") {
  auto opt = make_optimizer(json{{"type", "adam"}}, "t");
  CHECK(opt->describe() == json{{"type", "adam"}, {"lr", 3e-3}, {"beta1", 0.9}, {"beta2", 0.999}, {"epsilon", 1e-8}});
  const std::vector<std::size_t> sizes = {3};
  opt->bind(sizes);
  std::vector<double> p = {1.0f, 1.0f, 1.0f};
  std::vector<double> g = {2.0, -0.5, 0.0};
  opt->step(0, p, g);
  opt->finish_step();
  // Step 1: mhat = g, vhat = g^2 -> p -= lr * g/(|g| + eps) = lr * sign(g) (0 for g = 0).
  CHECK(p[0] == 1.0 - 3e-3 * 2.0 / (2.0 + 1e-8));
  CHECK(p[1] == 1.0 + 3e-3 * 0.5 / (0.5 + 1e-8));
  CHECK(p[2] == 1.0f);
  // Step 2 with g0 = 1: m = 0.9*0.2 + 0.1 = 0.28, v = 0.999*0.004 + 0.001 = 0.004996.
  const double before = p[0];
  g = {1.0, 0.0, 0.0};
  opt->step(0, p, g);
  const double m_hat = 0.28 / (1.0 - 0.81);
  const double v_hat = (0.999 * 0.004 + 0.001) / (1.0 - 0.999 * 0.999);
  CHECK(p[0] == static_cast<double>(before) - 3e-3 * m_hat / (std::sqrt(v_hat) + 1e-8));
}

TEST_CASE("adamax: first two steps by hand") {
  auto opt = make_optimizer(json{{"type", "adamax"}, {"lr", 0.01}}, "t");
  CHECK(opt->describe() == json{{"type", "adamax"}, {"lr", 0.01}, {"beta1", 0.9}, {"beta2", 0.999}, {"epsilon", 1e-8}});
  CHECK(make_optimizer(json{{"type", "adamax"}}, "t")->learning_rate() == 2e-3);
  const std::vector<std::size_t> sizes = {2};
  opt->bind(sizes);
  std::vector<double> p = {0.0f, 0.0f};
  std::vector<double> g = {4.0, 0.0};
  opt->step(0, p, g);
  opt->finish_step();
  // Step 1: m = 0.4, u = 4 -> p -= (0.01/0.1) * 0.4/(4 + eps) = 0.01; u = 0 -> eps guards, m = 0 -> no move.
  CHECK(p[0] == doctest::Approx(0.0 - (0.01 / (1.0 - 0.9)) * 0.4 / (4.0 + 1e-8)).epsilon(1e-14));
  CHECK(p[1] == 0.0f);
  // Step 2, g = -1: m = 0.36 - 0.1 = 0.26, u = max(0.999*4, 1) = 3.996.
  const double before = p[0];
  g = {-1.0, 0.0};
  opt->step(0, p, g);
  CHECK(p[0] == doctest::Approx(before - (0.01 / (1.0 - 0.81)) * 0.26 / (3.996 + 1e-8)).epsilon(1e-14));
}

TEST_CASE("adam, adamax and sgd minimise a quadratic") {
  for (const json& spec : {json{{"type", "adam"}, {"lr", 0.05}}, json{{"type", "adamax"}, {"lr", 0.05}},
                           json{{"type", "sgd"}, {"lr", 0.05}, {"momentum", 0.9}}}) {
    auto opt = make_optimizer(spec, "t");
    const std::vector<std::size_t> sizes = {4};
    opt->bind(sizes);
    std::vector<double> p = {3.0f, -2.0f, 1.0f, 5.0f};
    std::vector<double> g(4);
    for (int s = 0; s < 3000; ++s) {
      quadratic_grad(p, g);
      opt->step(0, p, g);
      opt->finish_step();
    }
    for (std::size_t i = 0; i < p.size(); ++i)
      CHECK_MESSAGE(p[i] == doctest::Approx(0.5 - 0.25 * static_cast<double>(i)).epsilon(1e-3), spec.dump());
  }
}

TEST_CASE("optimizer state saved and loaded mid-run continues bit-identically") {
  for (const json& spec : {json{{"type", "adam"}, {"lr", 0.01}, {"lr_decay", {{"factor", 0.5}, {"every_epochs", 2}}}},
                           json{{"type", "adamax"}, {"beta1", 0.8}}, json{{"type", "sgd"}, {"momentum", 0.7}},
                           json{{"type", "sgd"}}}) {
    const std::vector<std::size_t> sizes = {5, 3};
    auto whole = make_optimizer(spec, "t");
    whole->bind(sizes);
    std::vector<double> a(5, 0.25f), b(3, -1.0f);
    run_steps(*whole, a, b, 0, 20);

    auto first = make_optimizer(spec, "t");
    first->bind(sizes);
    std::vector<double> a2(5, 0.25f), b2(3, -1.0f);
    run_steps(*first, a2, b2, 0, 9);
    // Through text, as a checkpoint would go.
    const json header = json::parse(first->state_header().dump());
    std::vector<std::vector<double>> arrays;
    for (std::span<const double> s : first->state_arrays()) arrays.emplace_back(s.begin(), s.end());
    CHECK(arrays.size() == 2 * first->state_arrays_per_block());
    CHECK(header["t"] == 9);
    CHECK(header["block_sizes"] == json{5, 3});

    auto second = make_optimizer(json::parse(first->describe().dump()), "t");
    second->bind(sizes);
    second->load_state(header, std::move(arrays));
    CHECK(second->steps() == 9);
    run_steps(*second, a2, b2, 9, 20);
    CHECK_MESSAGE(a2 == a, spec.dump());
    CHECK_MESSAGE(b2 == b, spec.dump());
  }
}

TEST_CASE("lr decay schedule") {
  auto none = make_optimizer(json{{"type", "sgd"}}, "t");
  CHECK(none->lr_scale_for_epoch(0) == 1.0);
  CHECK(none->lr_scale_for_epoch(1000) == 1.0);
  CHECK(!none->decay());

  auto opt = make_optimizer(
      json{{"type", "adam"}, {"lr", 0.01}, {"lr_decay", {{"factor", 0.5}, {"every_epochs", 10}, {"min_lr", 1e-3}}}}, "t");
  CHECK(opt->lr_scale_for_epoch(0) == 1.0);
  CHECK(opt->lr_scale_for_epoch(9) == 1.0);
  CHECK(opt->lr_scale_for_epoch(10) == 0.5);
  CHECK(opt->lr_scale_for_epoch(19) == 0.5);
  CHECK(opt->lr_scale_for_epoch(20) == 0.25);
  CHECK(opt->lr_scale_for_epoch(30) == 0.125);
  CHECK(opt->lr_scale_for_epoch(40) == doctest::Approx(0.1));  // 0.0625 floored at min_lr / lr
  CHECK(opt->lr_scale_for_epoch(1000) == doctest::Approx(0.1));
  CHECK(opt->describe()["lr_decay"] == json{{"factor", 0.5}, {"every_epochs", 10}, {"min_lr", 1e-3}});
  // min_lr defaults to 0.
  auto plain = make_optimizer(json{{"type", "sgd"}, {"lr_decay", {{"factor", 0.1}, {"every_epochs", 1}}}}, "t");
  CHECK(plain->describe()["lr_decay"]["min_lr"] == 0.0);
  CHECK(plain->lr_scale_for_epoch(3) == doctest::Approx(1e-3));
}

TEST_CASE("cosine lr decay: PyTorch's CosineAnnealingLR per epoch, errors name the path") {
  auto opt = make_optimizer(json{{"type", "adam"}, {"lr", 1e-4},
                                 {"lr_decay", {{"type", "cosine"}, {"epochs", 4}, {"min_lr", 2.5e-5}}}},
                            "t");
  // lr(e) = m + (lr - m)(1 + cos(pi e / T)) / 2, as a scale of lr.
  const double m = 0.25;
  for (int e = 0; e <= 8; ++e)
    CHECK(opt->lr_scale_for_epoch(static_cast<std::uint64_t>(e)) ==
          doctest::Approx(m + (1 - m) * 0.5 * (1 + std::cos(std::numbers::pi * e / 4.0))).epsilon(1e-14));
  CHECK(opt->lr_scale_for_epoch(0) == 1.0);
  CHECK(opt->lr_scale_for_epoch(4) == doctest::Approx(0.25).epsilon(1e-14));
  CHECK(opt->describe()["lr_decay"] == json{{"type", "cosine"}, {"epochs", 4}, {"min_lr", 2.5e-5}});
  auto again = make_optimizer(opt->describe(), "t");
  CHECK(again->describe() == opt->describe());
  auto error_of = [](const json& spec) {
    try {
      make_optimizer(spec, "cfg.json: /optimizer");
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(error_of(json{{"type", "adam"}, {"lr_decay", {{"type", "cosine"}}}}).find("/optimizer/lr_decay") !=
        std::string::npos);
  CHECK(error_of(json{{"type", "adam"}, {"lr_decay", {{"type", "cosine"}, {"epochs", 0}}}})
            .find("/optimizer/lr_decay/epochs: must be >= 1") != std::string::npos);
  CHECK(error_of(json{{"type", "adam"}, {"lr_decay", {{"type", "exp"}, {"epochs", 3}}}})
            .find("/optimizer/lr_decay/type") != std::string::npos);
  CHECK(error_of(json{{"type", "adam"}, {"lr_decay", {{"type", "cosine"}, {"epochs", 3}, {"factor", 0.5}}}})
            .find("factor") != std::string::npos);
}

TEST_CASE("optimizer describe() round trip") {
  for (const json& spec :
       {json{{"type", "sgd"}, {"lr", 0.2}, {"momentum", 0.3}}, json{{"type", "adam"}, {"epsilon", 1e-6}},
        json{{"type", "adamax"}, {"lr_decay", {{"factor", 0.9}, {"every_epochs", 4}}}}}) {
    auto a = make_optimizer(spec, "t");
    auto b = make_optimizer(json::parse(a->describe().dump()), "t");
    CHECK(a->describe() == b->describe());
    const std::vector<std::size_t> sizes = {5, 3};
    a->bind(sizes);
    b->bind(sizes);
    std::vector<double> pa(5, 1.0f), qa(3, 2.0f), pb(5, 1.0f), qb(3, 2.0f);
    run_steps(*a, pa, qa, 0, 12);
    run_steps(*b, pb, qb, 0, 12);
    CHECK(pa == pb);
    CHECK(qa == qb);
  }
}

TEST_CASE("optimizer spec errors are one-line input_errors with the JSON pointer") {
  CHECK(error_of(json{{"type", "adam"}, {"lr", -1}}) == "train.json: /optimizer/lr: must be > 0, got -1");
  CHECK(error_of(json{{"type", "sgd"}, {"lr", 0}}) == "train.json: /optimizer/lr: must be > 0, got 0");
  CHECK(error_of(json{{"type", "adam"}, {"lr", "0.1"}}) == "train.json: /optimizer/lr: expected a number, got a string");
  CHECK(error_of(json{{"type", "adam"}, {"beta1", 1}}) == "train.json: /optimizer/beta1: must be < 1, got 1");
  CHECK(error_of(json{{"type", "adamax"}, {"beta2", -0.1}}) == "train.json: /optimizer/beta2: must be >= 0, got -0.1");
  CHECK(error_of(json{{"type", "adam"}, {"epsilon", 0}}) == "train.json: /optimizer/epsilon: must be > 0, got 0");
  CHECK(error_of(json{{"type", "sgd"}, {"momentum", 1}}) == "train.json: /optimizer/momentum: must be < 1, got 1");
  CHECK(error_of(json{{"type", "sgd"}, {"momentum", -0.5}}) ==
        "train.json: /optimizer/momentum: must be >= 0, got -0.5");
  CHECK(error_of(json{{"type", "sgd"}, {"beta1", 0.9}}) == "train.json: /optimizer: unknown key 'beta1'");
  CHECK(error_of(json{{"type", "adam"}, {"momentum", 0.9}}) == "train.json: /optimizer: unknown key 'momentum'");
  CHECK(error_of(json{{"type", "adam"}, {"learning_rate", 0.1}}) ==
        "train.json: /optimizer: unknown key 'learning_rate'");
  CHECK(error_of(json{{"type", "rmsprop"}}) == "train.json: /optimizer/type: unknown optimizer 'rmsprop' (known: adam, adamax, sgd)");
  CHECK(error_of(json{{"lr", 0.1}}) == "train.json: /optimizer: missing required key 'type'");
  CHECK(error_of(json("adam")) == "train.json: /optimizer: expected an object, got a string");
  CHECK(error_of(json{{"type", "sgd"}, {"lr_decay", {{"factor", 0}, {"every_epochs", 1}}}}) ==
        "train.json: /optimizer/lr_decay/factor: must be > 0, got 0");
  CHECK(error_of(json{{"type", "sgd"}, {"lr_decay", {{"factor", 1.5}, {"every_epochs", 1}}}}) ==
        "train.json: /optimizer/lr_decay/factor: must be <= 1, got 1.5");
  CHECK(error_of(json{{"type", "sgd"}, {"lr_decay", {{"factor", 0.5}, {"every_epochs", 0}}}}) ==
        "train.json: /optimizer/lr_decay/every_epochs: must be >= 1, got 0");
  CHECK(error_of(json{{"type", "sgd"}, {"lr_decay", {{"factor", 0.5}, {"every_epochs", 1.5}}}}) ==
        "train.json: /optimizer/lr_decay/every_epochs: expected an integer, got 1.5");
  CHECK(error_of(json{{"type", "sgd"}, {"lr_decay", {{"factor", 0.5}}}}) ==
        "train.json: /optimizer/lr_decay: missing required key 'every_epochs'");
  CHECK(error_of(json{{"type", "sgd"}, {"lr", 0.01}, {"lr_decay", {{"factor", 0.5}, {"every_epochs", 2}, {"min_lr", 0.1}}}}) ==
        "train.json: /optimizer/lr_decay/min_lr: must be <= lr (0.01), got 0.1");
  CHECK(error_of(json{{"type", "sgd"}, {"lr_decay", {{"factor", 0.5}, {"every_epochs", 2}, {"gamma", 1}}}}) ==
        "train.json: /optimizer/lr_decay: unknown key 'gamma'");
  CHECK(error_of(json{{"type", "sgd"}, {"lr_decay", 0.5}}) ==
        "train.json: /optimizer/lr_decay: expected an object, got a number");
}

TEST_CASE("load_state rejects states that do not match") {
  const std::vector<std::size_t> sizes = {4, 2};
  auto adam = make_optimizer(json{{"type", "adam"}}, "t");
  adam->bind(sizes);
  const json header = adam->state_header();
  auto arrays_of = [](const optimizer& o) {
    std::vector<std::vector<double>> arrays;
    for (std::span<const double> s : o.state_arrays()) arrays.emplace_back(s.begin(), s.end());
    return arrays;
  };
  auto error_loading = [&](optimizer& target, const json& h, std::vector<std::vector<double>> arrays) -> std::string {
    try {
      target.load_state(h, std::move(arrays), "ckpt.json: /optimizer_state");
    } catch (const input_error& e) {
      return e.what();
    }
    return "no error";
  };

  auto other_sizes = make_optimizer(json{{"type", "adam"}}, "t");
  const std::vector<std::size_t> sizes2 = {4, 3};
  other_sizes->bind(sizes2);
  CHECK(error_loading(*other_sizes, header, arrays_of(*adam)) ==
        "ckpt.json: /optimizer_state/block_sizes/1: block size 2, this optimizer has 3");
  const std::vector<std::size_t> sizes1 = {4};
  other_sizes->bind(sizes1);
  CHECK(error_loading(*other_sizes, header, arrays_of(*adam)) ==
        "ckpt.json: /optimizer_state/block_sizes: 2 blocks, this optimizer has 1");

  auto adamax = make_optimizer(json{{"type", "adamax"}}, "t");
  adamax->bind(sizes);
  CHECK(error_loading(*adamax, header, arrays_of(*adam)).starts_with(
      "ckpt.json: /optimizer_state/optimizer: saved optimizer {\"beta1\":0.9"));
  auto other_lr = make_optimizer(json{{"type", "adam"}, {"lr", 0.1}}, "t");
  other_lr->bind(sizes);
  CHECK(error_loading(*other_lr, header, arrays_of(*adam)).find("does not match this one") != std::string::npos);

  auto same = make_optimizer(json{{"type", "adam"}}, "t");
  same->bind(sizes);
  auto arrays = arrays_of(*adam);
  arrays.pop_back();
  CHECK(error_loading(*same, header, arrays) == "ckpt.json: /optimizer_state: 3 state arrays, expected 4");
  arrays = arrays_of(*adam);
  arrays[2].push_back(0.0);
  CHECK(error_loading(*same, header, arrays) == "ckpt.json: /optimizer_state: state array 2 has 3 values, expected 2");
  arrays = arrays_of(*adam);
  arrays[1][3] = std::nan("");
  CHECK(error_loading(*same, header, arrays) == "ckpt.json: /optimizer_state: state array 1 value 3 is not finite");
  json bad = header;
  bad["format"] = "other/1";
  CHECK(error_loading(*same, bad, arrays_of(*adam)) ==
        "ckpt.json: /optimizer_state/format: expected \"evsnn-optimizer-state/1\", got \"other/1\"");
  bad = header;
  bad["t"] = -3;
  CHECK(error_loading(*same, bad, arrays_of(*adam)) == "ckpt.json: /optimizer_state/t: must be >= 0, got -3");
  bad = header;
  bad["extra"] = 1;
  CHECK(error_loading(*same, bad, arrays_of(*adam)) == "ckpt.json: /optimizer_state: unknown key 'extra'");
  bad = header;
  bad.erase("t");
  CHECK(error_loading(*same, bad, arrays_of(*adam)) == "ckpt.json: /optimizer_state: missing required key 't'");
  CHECK(error_loading(*same, header, arrays_of(*adam)) == "no error");
}

TEST_CASE("optimizer programming errors") {
  auto opt = make_optimizer(json{{"type", "adam"}}, "t");
  std::vector<double> p(3);
  std::vector<double> g(3);
  CHECK_THROWS_AS(opt->step(0, p, g), std::logic_error);  // before bind
  CHECK_THROWS_AS(opt->load_state(opt->state_header(), {}), std::logic_error);
  const std::vector<std::size_t> sizes = {3};
  opt->bind(sizes);
  CHECK_THROWS_AS(opt->step(1, p, g), std::invalid_argument);
  std::vector<double> g2(2);
  CHECK_THROWS_AS(opt->step(0, p, g2), std::invalid_argument);
  CHECK_THROWS_AS(opt->step(0, p, g, -1.0), std::invalid_argument);
  CHECK_NOTHROW(opt->step(0, p, g, 0.0));
}

TEST_CASE("step_range: disjoint ranges stepped in any order give one whole step's bits") {
  for (const json& spec : {json{{"type", "sgd"}, {"lr", 0.1}, {"momentum", 0.9}}, json{{"type", "adam"}, {"lr", 0.01}},
                           json{{"type", "adamax"}, {"lr", 0.02}}}) {
    CAPTURE(spec.dump());
    auto whole = make_optimizer(spec, "t"), parts = make_optimizer(spec, "t");
    const std::vector<std::size_t> sizes = {7};
    whole->bind(sizes);
    parts->bind(sizes);
    std::vector<double> a(7, 0.25), b(7, 0.25), g(7);
    for (int s = 0; s < 5; ++s) {
      for (std::size_t i = 0; i < g.size(); ++i) g[i] = std::sin(0.9 * s + static_cast<double>(i)) + 0.1 * a[i];
      whole->step(0, a, g, 0.5);
      parts->step_range(0, b, g, 0.5, 4, 7);  // out of order, uneven
      parts->step_range(0, b, g, 0.5, 0, 1);
      parts->step_range(0, b, g, 0.5, 1, 4);
      whole->finish_step();
      parts->finish_step();
      CHECK(a == b);
    }
    CHECK(whole->state_arrays().size() == parts->state_arrays().size());
    for (std::size_t k = 0; k < whole->state_arrays().size(); ++k) {
      const auto x = whole->state_arrays()[k], y = parts->state_arrays()[k];
      CHECK(std::equal(x.begin(), x.end(), y.begin(), y.end()));
    }
    CHECK_THROWS_AS(parts->step_range(0, b, g, 0.5, 5, 8), std::invalid_argument);
    CHECK_THROWS_AS(parts->step_range(0, b, g, 0.5, 3, 2), std::invalid_argument);
  }
}
