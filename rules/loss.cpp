#include "rules/loss.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "engine/json_node.hpp"
#include "engine/registry.hpp"

namespace evsnn::rules {
namespace {

void check_label(std::uint32_t label, std::size_t outputs) {
  if (outputs == 0) throw std::invalid_argument("loss: no output neurons");
  if (label >= outputs)
    throw std::invalid_argument(fmt::format("loss: label {} out of range for {} outputs", label, outputs));
}

void check_size(const char* what, std::size_t size, std::size_t outputs) {
  if (size != outputs)
    throw std::invalid_argument(fmt::format("loss: {} has {} entries, expected {}", what, size, outputs));
}

// Counts must be given; first_ms may be empty (no tie-break by time) or have one entry per output.
void check_counts(const output_activity& out, std::size_t outputs) {
  check_size("counts", out.counts.size(), outputs);
  if (!out.first_ms.empty()) check_size("first_ms", out.first_ms.size(), outputs);
}

// Argmax count; ties to the earliest first spike (when first_ms is given), then the lowest index.
std::uint32_t count_prediction(const output_activity& out) {
  std::size_t best = 0;
  for (std::size_t o = 1; o < out.counts.size(); ++o) {
    if (out.counts[o] > out.counts[best]) best = o;
    else if (out.counts[o] == out.counts[best] && !out.first_ms.empty() && out.first_ms[o] < out.first_ms[best])
      best = o;
  }
  return static_cast<std::uint32_t>(best);
}

// Argmax, ties to the lowest index.
std::uint32_t argmax(std::span<const double> v) {
  std::size_t best = 0;
  for (std::size_t o = 1; o < v.size(); ++o)
    if (v[o] > v[best]) best = o;
  return static_cast<std::uint32_t>(best);
}

class count_mse final : public loss {
 public:
  count_mse(double target_true, double target_false) : target_true_(target_true), target_false_(target_false) {}
  const char* name() const override { return "count_mse"; }
  loss_input input() const override { return loss_input::counts; }
  loss_value evaluate(const output_activity& out, std::uint32_t label, std::span<double> grad) const override {
    check_label(label, grad.size());
    check_counts(out, grad.size());
    double value = 0.0;
    for (std::size_t o = 0; o < grad.size(); ++o) {
      const double diff = (o == label ? target_true_ : target_false_) - static_cast<double>(out.counts[o]);
      value += 0.5 * diff * diff;
      grad[o] = -diff;
    }
    return {value, count_prediction(out)};
  }
  nlohmann::json describe() const override {
    return {{"type", name()}, {"target_true", target_true_}, {"target_false", target_false_}};
  }

 private:
  double target_true_;
  double target_false_;
};

class count_ce final : public loss {
 public:
  explicit count_ce(double scale) : scale_(scale) {}
  const char* name() const override { return "count_ce"; }
  loss_input input() const override { return loss_input::counts; }
  loss_value evaluate(const output_activity& out, std::uint32_t label, std::span<double> grad) const override {
    check_label(label, grad.size());
    check_counts(out, grad.size());
    for (std::size_t o = 0; o < grad.size(); ++o) grad[o] = scale_ * static_cast<double>(out.counts[o]);
    const double value = softmax_cross_entropy(grad, label, grad);
    for (double& g : grad) g *= scale_;  // dL/dn = scale * dL/dlogit
    return {value, count_prediction(out)};
  }
  nlohmann::json describe() const override { return {{"type", name()}, {"scale", scale_}}; }

 private:
  double scale_;
};

class first_spike_ce final : public loss {
 public:
  explicit first_spike_ce(double tau_ms) : tau_ms_(tau_ms) {}
  const char* name() const override { return "first_spike_ce"; }
  loss_input input() const override { return loss_input::first_spike; }
  loss_value evaluate(const output_activity& out, std::uint32_t label, std::span<double> grad) const override {
    check_label(label, grad.size());
    check_size("first_ms", out.first_ms.size(), grad.size());
    if (!out.counts.empty()) check_size("counts", out.counts.size(), grad.size());
    if (!std::isfinite(out.duration_ms))
      throw std::invalid_argument(fmt::format("loss: duration_ms must be finite, got {}", out.duration_ms));
    bool any_spike = false;
    std::size_t first = 0;
    for (std::size_t o = 0; o < grad.size(); ++o) {
      const double t = out.first_ms[o];
      const bool spiked = std::isfinite(t);
      if (spiked && (!any_spike || t < out.first_ms[first])) first = o;
      any_spike = any_spike || spiked;
      grad[o] = -(spiked ? t : out.duration_ms) / tau_ms_;
    }
    const double value = softmax_cross_entropy(grad, label, grad);
    // dL/dt = dL/dlogit * dlogit/dt = -dL/dlogit / tau; a neuron without a spike has no time to move.
    for (std::size_t o = 0; o < grad.size(); ++o) grad[o] = std::isfinite(out.first_ms[o]) ? -grad[o] / tau_ms_ : 0.0;
    std::uint32_t prediction = static_cast<std::uint32_t>(first);
    if (!any_spike) prediction = out.counts.empty() ? 0 : count_prediction(out);
    return {value, prediction};
  }
  nlohmann::json describe() const override { return {{"type", name()}, {"tau_ms", tau_ms_}}; }

 private:
  double tau_ms_;
};

class readout_ce final : public loss {
 public:
  const char* name() const override { return "readout_ce"; }
  loss_input input() const override { return loss_input::readout; }
  loss_value evaluate(const output_activity& out, std::uint32_t label, std::span<double> grad) const override {
    check_label(label, grad.size());
    check_size("readout", out.readout.size(), grad.size());
    const double value = softmax_cross_entropy(out.readout, label, grad);
    return {value, argmax(out.readout)};
  }
  nlohmann::json describe() const override { return {{"type", name()}}; }
};

// The per-tick softmax cross-entropy of the online family (ottt ... bptt): the rule computes the loss
// inside the sample, tick by tick (rule_worker::sample_loss); here only the prediction from the counts,
// with an output that never spiked counted as wrong (the seed-004 convention).
class tick_ce final : public loss {
 public:
  const char* name() const override { return "tick_ce"; }
  loss_input input() const override { return loss_input::counts; }
  bool computed_by_rule() const override { return true; }
  loss_value evaluate(const output_activity& out, std::uint32_t label, std::span<double> grad) const override {
    check_label(label, grad.size());
    check_counts(out, grad.size());
    std::fill(grad.begin(), grad.end(), 0.0);
    const bool any = std::any_of(out.counts.begin(), out.counts.end(), [](std::uint32_t c) { return c > 0; });
    return {std::numeric_limits<double>::quiet_NaN(),
            any ? count_prediction(out) : static_cast<std::uint32_t>(grad.size())};
  }
  nlohmann::json describe() const override { return {{"type", name()}}; }
};

// Builds a loss from its spec object (its "type" already read); reads its own keys.
using loss_factory = std::function<std::unique_ptr<loss>(const json_node& spec)>;

// One line per loss.
registry<loss_factory> loss_registry() {
  registry<loss_factory> r("loss");
  r.add("count_mse", [](const json_node& spec) {
    double target_true = 10.0, target_false = 3.0;
    if (auto n = spec.get("target_true")) target_true = n->as_nonnegative();
    if (auto n = spec.get("target_false")) target_false = n->as_nonnegative();
    return std::unique_ptr<loss>(std::make_unique<count_mse>(target_true, target_false));
  });
  r.add("count_ce", [](const json_node& spec) {
    double scale = 1.0;
    if (auto n = spec.get("scale")) scale = n->as_positive();
    return std::unique_ptr<loss>(std::make_unique<count_ce>(scale));
  });
  r.add("first_spike_ce", [](const json_node& spec) {
    double tau_ms = 5.0;
    if (auto n = spec.get("tau_ms")) tau_ms = n->as_positive();
    return std::unique_ptr<loss>(std::make_unique<first_spike_ce>(tau_ms));
  });
  r.add("readout_ce", [](const json_node&) { return std::unique_ptr<loss>(std::make_unique<readout_ce>()); });
  r.add("tick_ce", [](const json_node&) { return std::unique_ptr<loss>(std::make_unique<tick_ce>()); });
  return r;
}

}  // namespace

double softmax_cross_entropy(std::span<const double> logits, std::uint32_t label, std::span<double> grad) {
  const double top = *std::max_element(logits.begin(), logits.end());
  const double z_label = logits[label] - top;
  double sum = 0.0;
  for (std::size_t o = 0; o < logits.size(); ++o) {
    grad[o] = std::exp(logits[o] - top);
    sum += grad[o];
  }
  for (std::size_t o = 0; o < grad.size(); ++o) grad[o] /= sum;
  grad[label] -= 1.0;
  return std::log(sum) - z_label;
}

std::unique_ptr<loss> make_loss(const nlohmann::json& spec, const std::string& where) {
  const json_node root = json_node::at_where(spec, where);
  const registry<loss_factory> losses = loss_registry();
  if (root.is_string()) {
    // A plain name: the type with every default (an empty object at the same place).
    const nlohmann::json empty = nlohmann::json::object();
    return losses.lookup(root)(json_node(empty, root.file(), root.path()));
  }
  if (!root.is_object()) root.fail("expected an object or a string naming the loss type");
  std::unique_ptr<loss> made = losses.lookup(root.at("type"))(root);
  root.finish();
  return made;
}

}  // namespace evsnn::rules
