// loss: analytic values on hand-computable cases, gradients against central finite differences, prediction
// tie-breaking, spec errors as one-line input_errors, describe() round trip.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "rules/loss.hpp"

using namespace evsnn;
using namespace evsnn::rules;
using nlohmann::json;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

std::string error_of(const json& spec) {
  try {
    make_loss(spec, "train.json: /loss");
  } catch (const input_error& e) {
    return e.what();
  }
  return "no error";
}

loss_value eval_counts(const loss& l, std::vector<std::uint32_t> counts, std::vector<double> first, std::uint32_t label,
                       std::vector<double>& grad) {
  grad.assign(counts.size(), 99.0);
  output_activity out;
  out.counts = counts;
  out.first_ms = first;
  out.duration_ms = 100.0;
  return l.evaluate(out, label, grad);
}

loss_value eval_first(const loss& l, std::vector<double> first, double duration, std::uint32_t label,
                      std::vector<double>& grad) {
  grad.assign(first.size(), 99.0);
  output_activity out;
  out.first_ms = first;
  out.duration_ms = duration;
  return l.evaluate(out, label, grad);
}

loss_value eval_readout(const loss& l, std::vector<double> readout, std::uint32_t label, std::vector<double>& grad) {
  grad.assign(readout.size(), 99.0);
  output_activity out;
  out.readout = readout;
  return l.evaluate(out, label, grad);
}

}  // namespace

TEST_CASE("count_mse: value, gradient and defaults of the SFDFA paper") {
  auto l = make_loss("count_mse", "t");
  CHECK(std::string(l->name()) == "count_mse");
  CHECK(l->input() == loss_input::counts);
  CHECK(l->describe() == json{{"type", "count_mse"}, {"target_true", 10.0}, {"target_false", 3.0}});
  std::vector<double> g;
  // y = (3, 10, 3), n = (1, 7, 5): diffs (2, 3, -2) -> L = (4 + 9 + 4)/2 = 8.5, grad = n - y = (-2, -3, 2).
  const loss_value v = eval_counts(*l, {1, 7, 5}, {}, 1, g);
  CHECK(v.value == 8.5);
  CHECK(v.prediction == 1);
  CHECK(g == std::vector<double>{-2.0, -3.0, 2.0});

  auto custom = make_loss(json{{"type", "count_mse"}, {"target_true", 4}, {"target_false", 0}}, "t");
  CHECK(eval_counts(*custom, {4, 0}, {}, 0, g).value == 0.0);
  CHECK(g == std::vector<double>{0.0, 0.0});
}

TEST_CASE("count_mse: central differences with step 1 are exact for the quadratic") {
  auto l = make_loss(json{{"type", "count_mse"}, {"target_true", 7.5}, {"target_false", 1.25}}, "t");
  std::vector<std::uint32_t> n = {3, 9, 0, 4};
  std::vector<double> g, scratch;
  eval_counts(*l, n, {}, 2, g);
  for (std::size_t o = 0; o < n.size(); ++o) {
    auto up = n, down = n;
    up[o] += 1;
    down[o] = n[o] == 0 ? 0 : n[o] - 1;
    const double h = static_cast<double>(up[o]) - static_cast<double>(down[o]);
    const double fd = (eval_counts(*l, up, {}, 2, scratch).value - eval_counts(*l, down, {}, 2, scratch).value) / h;
    if (n[o] > 0) CHECK(fd == doctest::Approx(g[o]).epsilon(1e-12));
  }
}

TEST_CASE("count_ce: analytic value and finite-difference gradient") {
  auto l = make_loss(json{{"type", "count_ce"}}, "t");
  CHECK(l->describe() == json{{"type", "count_ce"}, {"scale", 1.0}});
  std::vector<double> g;
  // Equal counts: p = 1/3 each -> L = log 3, grad = p - onehot.
  loss_value v = eval_counts(*l, {2, 2, 2}, {}, 0, g);
  CHECK(v.value == doctest::Approx(std::log(3.0)));
  CHECK(g[0] == doctest::Approx(1.0 / 3.0 - 1.0));
  CHECK(g[1] == doctest::Approx(1.0 / 3.0));
  // Two outputs, counts (0, 1): L(label 0) = log(1 + e).
  v = eval_counts(*l, {0, 1}, {}, 0, g);
  CHECK(v.value == doctest::Approx(std::log(1.0 + std::exp(1.0))));
  CHECK(v.prediction == 1);

  // A tiny scale makes a count step of 1 a logit step of 1e-3: central differences are then accurate to ~1e-7.
  const double scale = 1e-3;
  auto small = make_loss(json{{"type", "count_ce"}, {"scale", scale}}, "t");
  std::vector<std::uint32_t> n = {1200, 300, 2500, 40};
  std::vector<double> scratch;
  eval_counts(*small, n, {}, 1, g);
  double sum = 0.0;
  for (std::size_t o = 0; o < n.size(); ++o) {
    auto up = n, down = n;
    ++up[o];
    --down[o];
    const double fd =
        (eval_counts(*small, up, {}, 1, scratch).value - eval_counts(*small, down, {}, 1, scratch).value) / 2.0;
    CHECK(fd == doctest::Approx(g[o]).epsilon(1e-5));
    sum += g[o];
  }
  CHECK(sum == doctest::Approx(0.0).scale(1e-3));  // softmax gradients sum to zero
}

TEST_CASE("count_ce: huge counts stay finite (stable softmax)") {
  auto l = make_loss(json{{"type", "count_ce"}, {"scale", 10}}, "t");
  std::vector<double> g;
  const loss_value v = eval_counts(*l, {100000, 100100}, {}, 0, g);
  CHECK(std::isfinite(v.value));
  CHECK(v.value == doctest::Approx(1000.0));
  CHECK(g[0] == doctest::Approx(-10.0));
  CHECK(g[1] == doctest::Approx(10.0));
}

TEST_CASE("count losses: prediction ties go to the earliest first spike, then the lowest index") {
  for (const char* type : {"count_mse", "count_ce"}) {
    auto l = make_loss(type, "t");
    std::vector<double> g;
    CHECK(eval_counts(*l, {3, 5, 5, 1}, {}, 0, g).prediction == 1);                      // no times: lowest index
    CHECK(eval_counts(*l, {3, 5, 5, 1}, {1.0, 9.0, 4.0, 2.0}, 0, g).prediction == 2);    // earlier first spike wins
    CHECK(eval_counts(*l, {3, 5, 5, 1}, {1.0, 4.0, 4.0, 2.0}, 0, g).prediction == 1);    // same time: lowest index
    CHECK(eval_counts(*l, {0, 0, 0}, {inf, inf, inf}, 2, g).prediction == 0);            // no spikes: output 0
    CHECK(eval_counts(*l, {2, 7, 3}, {0.5, 6.0, 1.0}, 0, g).prediction == 1);            // count beats time
  }
}

TEST_CASE("first_spike_ce: value, finite-difference gradient, silent neurons") {
  const double tau = 2.5;
  auto l = make_loss(json{{"type", "first_spike_ce"}, {"tau_ms", tau}}, "t");
  CHECK(l->input() == loss_input::first_spike);
  CHECK(make_loss("first_spike_ce", "t")->describe() == json{{"type", "first_spike_ce"}, {"tau_ms", 5.0}});
  std::vector<double> g, scratch;
  // Same time for both: L = log 2; dL/dt_label = -(1/2 - 1)/tau = 0.2, other -0.2.
  loss_value v = eval_first(*l, {3.0, 3.0}, 50.0, 0, g);
  CHECK(v.value == doctest::Approx(std::log(2.0)));
  CHECK(g[0] == doctest::Approx(0.2));
  CHECK(g[1] == doctest::Approx(-0.2));
  CHECK(v.prediction == 0);

  const std::vector<double> t = {4.0, 1.5, 7.25, 3.0};
  v = eval_first(*l, t, 20.0, 2, g);
  CHECK(v.prediction == 1);
  const double h = 1e-5;
  for (std::size_t o = 0; o < t.size(); ++o) {
    auto up = t, down = t;
    up[o] += h;
    down[o] -= h;
    const double fd = (eval_first(*l, up, 20.0, 2, scratch).value - eval_first(*l, down, 20.0, 2, scratch).value) / (2 * h);
    CHECK(fd == doctest::Approx(g[o]).epsilon(1e-6));
  }

  // A silent neuron uses t = duration (here it equals neuron 0's time -> L = log 2 for label 0) and gets gradient 0.
  v = eval_first(*l, {10.0, inf}, 10.0, 0, g);
  CHECK(v.value == doctest::Approx(std::log(2.0)));
  CHECK(g[1] == 0.0);
  CHECK(g[0] == doctest::Approx(0.2));
  CHECK(v.prediction == 0);
  // The label neuron silent: the loss is large, its gradient still 0.
  v = eval_first(*l, {1.0, inf}, 51.0, 1, g);
  CHECK(v.value == doctest::Approx(20.0 + std::log1p(std::exp(-20.0))));
  CHECK(g[1] == 0.0);
  CHECK(g[0] == doctest::Approx(-1.0 / tau).epsilon(1e-6));  // the early wrong neuron should move later
}

TEST_CASE("first_spike_ce: prediction is the earliest spike, ties to the lowest index, count rule when silent") {
  auto l = make_loss("first_spike_ce", "t");
  std::vector<double> g;
  CHECK(eval_first(*l, {inf, 5.0, 2.0, 2.0}, 10.0, 0, g).prediction == 2);
  CHECK(eval_first(*l, {inf, inf, 9.0}, 10.0, 0, g).prediction == 2);
  CHECK(eval_first(*l, {inf, inf, inf}, 10.0, 1, g).prediction == 0);
  // No spike, counts given (all zero): the count rule, lowest index.
  std::vector<std::uint32_t> counts = {0, 0, 0};
  std::vector<double> first = {inf, inf, inf};
  output_activity out;
  out.counts = counts;
  out.first_ms = first;
  out.duration_ms = 10.0;
  g.assign(3, 0.0);
  const loss_value v = l->evaluate(out, 2, g);
  CHECK(v.prediction == 0);
  CHECK(v.value == doctest::Approx(std::log(3.0)));
  CHECK(g == std::vector<double>{0.0, 0.0, 0.0});
}

TEST_CASE("readout_ce: value, finite-difference gradient, stability, prediction") {
  auto l = make_loss(json{{"type", "readout_ce"}}, "t");
  CHECK(l->input() == loss_input::readout);
  CHECK(l->describe() == json{{"type", "readout_ce"}});
  std::vector<double> g, scratch;
  loss_value v = eval_readout(*l, {0.0, 0.0, 0.0, 0.0}, 3, g);
  CHECK(v.value == doctest::Approx(std::log(4.0)));
  CHECK(g[3] == doctest::Approx(-0.75));
  CHECK(g[0] == doctest::Approx(0.25));
  CHECK(v.prediction == 0);

  const std::vector<double> r = {0.3, -1.2, 2.1, 0.7, 2.1};
  v = eval_readout(*l, r, 3, g);
  CHECK(v.prediction == 2);  // tie between 2 and 4: lowest index
  const double h = 1e-6;
  for (std::size_t o = 0; o < r.size(); ++o) {
    auto up = r, down = r;
    up[o] += h;
    down[o] -= h;
    const double fd = (eval_readout(*l, up, 3, scratch).value - eval_readout(*l, down, 3, scratch).value) / (2 * h);
    CHECK(fd == doctest::Approx(g[o]).epsilon(1e-6));
  }

  v = eval_readout(*l, {1000.0, -1000.0, 999.0}, 2, g);
  CHECK(v.value == doctest::Approx(1.0 + std::log1p(std::exp(-1.0))));
  CHECK(std::isfinite(g[0]));
  CHECK(g[1] == 0.0);
}

TEST_CASE("loss: programming errors are std::invalid_argument") {
  auto counts = make_loss("count_mse", "t");
  std::vector<double> g;
  CHECK_THROWS_AS(eval_counts(*counts, {1, 2}, {}, 2, g), std::invalid_argument);      // label out of range
  CHECK_THROWS_AS(eval_counts(*counts, {1, 2}, {1.0}, 0, g), std::invalid_argument);   // first_ms of the wrong size
  CHECK_THROWS_AS(eval_counts(*counts, {}, {}, 0, g), std::invalid_argument);          // no outputs
  std::vector<double> grad(3);
  output_activity wrong;
  std::vector<std::uint32_t> two = {1, 2};
  wrong.counts = two;
  CHECK_THROWS_AS(counts->evaluate(wrong, 0, grad), std::invalid_argument);             // counts size != grad size
  auto first = make_loss("first_spike_ce", "t");
  CHECK_THROWS_AS(first->evaluate(wrong, 0, grad), std::invalid_argument);              // no first_ms
  auto readout = make_loss("readout_ce", "t");
  CHECK_THROWS_AS(readout->evaluate(wrong, 0, grad), std::invalid_argument);            // no readout
}

TEST_CASE("loss spec errors are one-line input_errors with the JSON pointer") {
  CHECK(error_of(json{{"type", "count_mse"}, {"target_true", -1}}) ==
        "train.json: /loss/target_true: must be >= 0, got -1");
  CHECK(error_of(json{{"type", "count_mse"}, {"target_false", "3"}}) ==
        "train.json: /loss/target_false: expected a number, got a string");
  CHECK(error_of(json{{"type", "count_mse"}, {"target", 3}}) == "train.json: /loss: unknown key 'target'");
  CHECK(error_of(json{{"type", "readout_ce"}, {"scale", 2}}) == "train.json: /loss: unknown key 'scale'");
  CHECK(error_of(json{{"type", "count_ce"}, {"scale", 0}}) == "train.json: /loss/scale: must be > 0, got 0");
  CHECK(error_of(json{{"type", "first_spike_ce"}, {"tau_ms", 0}}) == "train.json: /loss/tau_ms: must be > 0, got 0");
  CHECK(error_of(json{{"type", "first_spike_ce"}, {"tau_ms", -2}}) == "train.json: /loss/tau_ms: must be > 0, got -2");
  CHECK(error_of(json{{"type", "hinge"}}) ==
        "train.json: /loss/type: unknown loss 'hinge' (known: count_ce, count_mse, first_spike_ce, readout_ce, tick_ce)");
  CHECK(error_of("hinge") ==
        "train.json: /loss: unknown loss 'hinge' (known: count_ce, count_mse, first_spike_ce, readout_ce, tick_ce)");
  CHECK(error_of(json{{"target_true", 1}}) == "train.json: /loss: missing required key 'type'");
  CHECK(error_of(json{{"type", 3}}) == "train.json: /loss/type: expected a string, got a number");
  CHECK(error_of(json(5)) == "train.json: /loss: expected an object or a string naming the loss type");
  CHECK(error_of(json::array()) == "train.json: /loss: expected an object or a string naming the loss type");
  // A where without a JSON pointer names the root "/".
  try {
    make_loss(json{{"type", "nope"}}, "loss.json");
    FAIL("no error");
  } catch (const input_error& e) {
    CHECK(std::string(e.what()).starts_with("loss.json: /type: unknown loss 'nope' (known: "));
  }
}

TEST_CASE("loss describe() round trip: the described loss behaves identically") {
  const std::vector<json> specs = {json{{"type", "count_mse"}, {"target_true", 12.5}},
                                   json("count_ce"),
                                   json{{"type", "count_ce"}, {"scale", 0.2}},
                                   json{{"type", "first_spike_ce"}, {"tau_ms", 1.75}},
                                   json("readout_ce")};
  std::vector<std::uint32_t> counts = {4, 9, 9, 2};
  std::vector<double> first = {3.5, 8.0, 2.0, inf};
  std::vector<double> readout = {0.1, -0.4, 1.9, 0.0};
  output_activity out;
  out.counts = counts;
  out.first_ms = first;
  out.readout = readout;
  out.duration_ms = 20.0;
  for (const json& spec : specs) {
    auto a = make_loss(spec, "t");
    const json described = a->describe();
    auto b = make_loss(json::parse(described.dump()), "t");
    CHECK(b->describe() == described);
    CHECK(std::string(a->name()) == b->name());
    CHECK(a->input() == b->input());
    for (std::uint32_t label = 0; label < 4; ++label) {
      std::vector<double> ga(4), gb(4);
      const loss_value va = a->evaluate(out, label, ga);
      const loss_value vb = b->evaluate(out, label, gb);
      CHECK(va.value == vb.value);
      CHECK(va.prediction == vb.prediction);
      CHECK(ga == gb);
    }
  }
}
