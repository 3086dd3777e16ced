#include "rules/optimizer.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <functional>
#include <stdexcept>

#include <fmt/format.h>

#include "engine/json_node.hpp"
#include "engine/registry.hpp"

namespace evsnn::rules {
namespace {

// A decay factor (beta) in [0, 1).
double beta_value(const json_node& n) {
  const double v = n.as_nonnegative();
  if (!(v < 1.0)) n.fail(fmt::format("must be < 1, got {}", v));
  return v;
}

class sgd final : public optimizer {
 public:
  sgd(double lr, std::optional<lr_decay> decay, double momentum)
      : optimizer(lr, decay, momentum > 0.0 ? 1 : 0), momentum_(momentum) {}
  const char* name() const override { return "sgd"; }
  void update(std::span<std::vector<double>> state, std::span<double> params, std::span<const double> grad,
              double lr_scale, std::size_t begin, std::size_t end) override {
    const double lr = learning_rate() * lr_scale;
    if (state.empty()) {
      for (std::size_t i = begin; i < end; ++i)
        params[i] = params[i] - lr * grad[i];
      return;
    }
    std::vector<double>& velocity = state[0];
    for (std::size_t i = begin; i < end; ++i) {
      velocity[i] = momentum_ * velocity[i] + grad[i];
      params[i] = params[i] - lr * velocity[i];
    }
  }

 protected:
  nlohmann::json hyper_parameters() const override { return {{"momentum", momentum_}}; }

 private:
  double momentum_;
};

// Adam and Adamax share their hyper-parameters and first moment; they differ in the second.
class adam_family final : public optimizer {
 public:
  adam_family(bool infinity_norm, double lr, std::optional<lr_decay> decay, double beta1, double beta2, double epsilon)
      : optimizer(lr, decay, 2), infinity_norm_(infinity_norm), beta1_(beta1), beta2_(beta2), epsilon_(epsilon) {}
  const char* name() const override { return infinity_norm_ ? "adamax" : "adam"; }
  void update(std::span<std::vector<double>> state, std::span<double> params, std::span<const double> grad,
              double lr_scale, std::size_t begin, std::size_t end) override {
    std::vector<double>& m = state[0];
    std::vector<double>& second = state[1];  // v (adam) or u (adamax)
    const double t = static_cast<double>(steps() + 1);
    const double lr = learning_rate() * lr_scale;
    const double correction1 = 1.0 - std::pow(beta1_, t);
    if (infinity_norm_) {
      const double lr_t = lr / correction1;
      for (std::size_t i = begin; i < end; ++i) {
        m[i] = beta1_ * m[i] + (1.0 - beta1_) * grad[i];
        second[i] = std::max(beta2_ * second[i], std::fabs(grad[i]));
        params[i] = params[i] - lr_t * m[i] / (second[i] + epsilon_);
      }
      return;
    }
    const double correction2 = 1.0 - std::pow(beta2_, t);
    // Plain pointers and local constants: the loop has no loads that a store could alias, so it
    // vectorises (the operations, and so the bits, are the scalar ones).
    double* const mp = m.data();
    double* const vp = second.data();
    double* const pp = params.data();
    const double* const gp = grad.data();
    const double b1 = beta1_, b2 = beta2_, eps = epsilon_;
    for (std::size_t i = begin; i < end; ++i) {
      const double g = gp[i];
      const double mi = b1 * mp[i] + (1.0 - b1) * g;
      const double vi = b2 * vp[i] + (1.0 - b2) * g * g;
      mp[i] = mi;
      vp[i] = vi;
      const double m_hat = mi / correction1;
      const double v_hat = vi / correction2;
      pp[i] = pp[i] - lr * m_hat / (std::sqrt(v_hat) + eps);
    }
  }

 protected:
  nlohmann::json hyper_parameters() const override {
    return {{"beta1", beta1_}, {"beta2", beta2_}, {"epsilon", epsilon_}};
  }

 private:
  bool infinity_norm_;
  double beta1_;
  double beta2_;
  double epsilon_;
};

// An optimizer type: its default learning rate, and a factory that reads its own keys from the spec
// (type, lr and lr_decay already read) and builds it.
struct optimizer_kind {
  double default_lr = 0.01;
  std::function<std::unique_ptr<optimizer>(const json_node& spec, double lr, std::optional<lr_decay> decay)> make;
};

std::unique_ptr<optimizer> make_adam_family(bool infinity_norm, const json_node& spec, double lr,
                                            std::optional<lr_decay> decay) {
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
  if (auto n = spec.get("beta1")) beta1 = beta_value(*n);
  if (auto n = spec.get("beta2")) beta2 = beta_value(*n);
  if (auto n = spec.get("epsilon")) epsilon = n->as_positive();
  return std::make_unique<adam_family>(infinity_norm, lr, decay, beta1, beta2, epsilon);
}

// One line per optimizer.
registry<optimizer_kind> optimizer_registry() {
  registry<optimizer_kind> r("optimizer");
  r.add("sgd", {0.01, [](const json_node& spec, double lr, std::optional<lr_decay> decay) {
                  double momentum = 0.0;
                  if (auto n = spec.get("momentum")) momentum = beta_value(*n);
                  return std::unique_ptr<optimizer>(std::make_unique<sgd>(lr, decay, momentum));
                }});
  r.add("adam", {3e-3, [](const json_node& spec, double lr, std::optional<lr_decay> decay) {
                   return make_adam_family(false, spec, lr, decay);
                 }});
  r.add("adamax", {2e-3, [](const json_node& spec, double lr, std::optional<lr_decay> decay) {
                     return make_adam_family(true, spec, lr, decay);
                   }});
  return r;
}

}  // namespace

optimizer::optimizer(double lr, std::optional<lr_decay> decay, std::size_t arrays_per_block)
    : lr_(lr), decay_(decay), arrays_per_block_(arrays_per_block) {}

void optimizer::bind(std::span<const std::size_t> block_sizes) {
  block_sizes_.assign(block_sizes.begin(), block_sizes.end());
  state_.clear();
  for (std::size_t size : block_sizes_)
    for (std::size_t k = 0; k < arrays_per_block_; ++k) state_.emplace_back(size, 0.0);
  t_ = 0;
  bound_ = true;
}

void optimizer::step_range(std::size_t block, std::span<double> params, std::span<const double> grad,
                           double lr_scale, std::size_t begin, std::size_t end) {
  if (!bound_) throw std::logic_error(fmt::format("{}: step before bind", name()));
  if (block >= block_sizes_.size())
    throw std::invalid_argument(fmt::format("{}: block {} out of range ({} bound)", name(), block, block_sizes_.size()));
  if (params.size() != block_sizes_[block] || grad.size() != block_sizes_[block])
    throw std::invalid_argument(fmt::format("{}: block {}: {} parameters and {} gradients, bound size {}", name(),
                                            block, params.size(), grad.size(), block_sizes_[block]));
  if (!(lr_scale >= 0.0) || !std::isfinite(lr_scale))
    throw std::invalid_argument(fmt::format("{}: lr_scale must be finite and >= 0, got {}", name(), lr_scale));
  if (begin > end || end > params.size())
    throw std::invalid_argument(fmt::format("{}: block {}: range [{}, {}) of {} parameters", name(), block, begin, end,
                                            params.size()));
  update(std::span<std::vector<double>>(state_).subspan(block * arrays_per_block_, arrays_per_block_), params, grad,
         lr_scale, begin, end);
}

nlohmann::json optimizer::describe() const {
  nlohmann::json j = {{"type", name()}, {"lr", lr_}};
  j.update(hyper_parameters());
  if (decay_ && decay_->cosine)
    j["lr_decay"] = {{"type", "cosine"}, {"epochs", decay_->every_epochs}, {"min_lr", decay_->min_lr}};
  else if (decay_)
    j["lr_decay"] = {{"factor", decay_->factor}, {"every_epochs", decay_->every_epochs}, {"min_lr", decay_->min_lr}};
  return j;
}

double optimizer::lr_scale_for_epoch(std::uint64_t epoch) const {
  if (!decay_) return 1.0;
  if (decay_->cosine) {
    const double m = decay_->min_lr / lr_;
    const double phase = std::numbers::pi * static_cast<double>(epoch) / static_cast<double>(decay_->every_epochs);
    return m + (1.0 - m) * 0.5 * (1.0 + std::cos(phase));
  }
  const double scale = std::pow(decay_->factor, static_cast<double>(epoch / decay_->every_epochs));
  return std::max(scale, decay_->min_lr / lr_);
}

nlohmann::json optimizer::state_header() const {
  return {{"format", "evsnn-optimizer-state/1"}, {"optimizer", describe()}, {"t", t_}, {"block_sizes", block_sizes_}};
}

std::vector<std::span<const double>> optimizer::state_arrays() const {
  std::vector<std::span<const double>> arrays;
  arrays.reserve(state_.size());
  for (const std::vector<double>& a : state_) arrays.emplace_back(a);
  return arrays;
}

void optimizer::load_state(const nlohmann::json& header, std::vector<std::vector<double>> arrays,
                           const std::string& where) {
  if (!bound_) throw std::logic_error(fmt::format("{}: load_state before bind", name()));
  const json_node root = json_node::at_where(header, where);
  root.expect_object();
  const json_node format = root.at("format");
  if (format.as_string() != "evsnn-optimizer-state/1")
    format.fail(fmt::format("expected \"evsnn-optimizer-state/1\", got \"{}\"", format.as_string()));
  const json_node saved = root.at("optimizer");
  if (saved.raw() != describe())
    saved.fail(fmt::format("saved optimizer {} does not match this one, {}", saved.raw().dump(), describe().dump()));
  const std::uint64_t t = root.at("t").as_uint();
  const json_node sizes = root.at("block_sizes");
  if (sizes.size() != block_sizes_.size())
    sizes.fail(fmt::format("{} blocks, this optimizer has {}", sizes.size(), block_sizes_.size()));
  for (std::size_t b = 0; b < block_sizes_.size(); ++b) {
    const std::uint64_t size = sizes[b].as_uint();
    if (size != block_sizes_[b]) sizes[b].fail(fmt::format("block size {}, this optimizer has {}", size, block_sizes_[b]));
  }
  root.finish();
  if (arrays.size() != state_.size())
    root.fail(fmt::format("{} state arrays, expected {}", arrays.size(), state_.size()));
  for (std::size_t a = 0; a < arrays.size(); ++a) {
    const std::size_t expected = block_sizes_[a / std::max<std::size_t>(arrays_per_block_, 1)];
    if (arrays[a].size() != expected)
      root.fail(fmt::format("state array {} has {} values, expected {}", a, arrays[a].size(), expected));
    for (std::size_t i = 0; i < arrays[a].size(); ++i)
      if (!std::isfinite(arrays[a][i])) root.fail(fmt::format("state array {} value {} is not finite", a, i));
  }
  state_ = std::move(arrays);
  t_ = t;
}

std::unique_ptr<optimizer> make_optimizer(const nlohmann::json& spec, const std::string& where) {
  const json_node root = json_node::at_where(spec, where);
  root.expect_object();
  const registry<optimizer_kind> optimizers = optimizer_registry();
  const optimizer_kind& kind = optimizers.lookup(root.at("type"));
  double lr = kind.default_lr;
  if (auto n = root.get("lr")) lr = n->as_positive();
  std::optional<lr_decay> decay;
  if (auto d = root.get("lr_decay")) {
    d->expect_object();
    lr_decay dc;
    if (auto t = d->get("type")) dc.cosine = t->as_choice({"step", "cosine"}) == "cosine";
    if (dc.cosine) {
      const json_node epochs = d->at("epochs");
      dc.every_epochs = epochs.as_uint();
      if (dc.every_epochs == 0) epochs.fail("must be >= 1, got 0");
    } else {
      const json_node factor = d->at("factor");
      dc.factor = factor.as_positive();
      if (!(dc.factor <= 1.0)) factor.fail(fmt::format("must be <= 1, got {}", dc.factor));
      const json_node every = d->at("every_epochs");
      dc.every_epochs = every.as_uint();
      if (dc.every_epochs == 0) every.fail("must be >= 1, got 0");
    }
    if (auto m = d->get("min_lr")) {
      dc.min_lr = m->as_nonnegative();
      if (!(dc.min_lr <= lr)) m->fail(fmt::format("must be <= lr ({}), got {}", lr, dc.min_lr));
    }
    d->finish();
    decay = dc;
  }
  std::unique_ptr<optimizer> made = kind.make(root, lr, decay);
  root.finish();
  return made;
}

}  // namespace evsnn::rules
