#pragma once
// optimizer: updates a set of parameter blocks (one per trained projection, double) from double gradients
// (dL/dparam, to be minimised).
// Invariants: deterministic (same gradients, same results, bit for bit); step() never allocates; every block
// of one optimisation step sees the same step counter t (bias correction uses t + 1 until finish_step());
// state_header() + state_arrays() capture everything, so load_state() continues bit-identically.
// Programming errors (step before bind, wrong block index or span sizes) throw std::logic_error /
// std::invalid_argument; bad specs and mismatching saved states throw evsnn::input_error.
//
// Specs:
//   {"type": "sgd", "lr": 0.01, "momentum": 0}        v = momentum v + g; p -= lr v   (momentum in [0, 1))
//   {"type": "adam", "lr": 3e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}   (the SFDFA paper's defaults)
//        m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)
//   {"type": "adamax", "lr": 2e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}  (Kingma & Ba 2015, Alg. 2)
//        m = b1 m + (1-b1) g; u = max(b2 u, |g|); p -= (lr/(1-b1^t)) m / (u + eps)
//   Every key but "type" is optional (the defaults above); lr > 0, betas in [0, 1), epsilon > 0.
//   Optional "lr_decay": {"factor": 0.5, "every_epochs": 10, "min_lr": 1e-4}: factor in (0, 1] and every_epochs
//   >= 1 required, min_lr in [0, lr] (default 0). lr_scale_for_epoch(e) = max(factor^floor(e/every_epochs), min_lr/lr).
//   Or cosine annealing, {"type": "cosine", "epochs": T, "min_lr": m} (PyTorch's CosineAnnealingLR stepped per
//   epoch, T_max = T): lr(e) = m + (lr − m)(1 + cos(π e / T)) / 2 for epochs e from 0 (past T it goes on along
//   the cosine, as PyTorch's closed form does).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace evsnn::rules {

// Decay of the learning rate by epoch: steps, or cosine annealing over `every_epochs` epochs.
struct lr_decay {
  bool cosine = false;
  double factor = 1.0;            // in (0, 1] (steps)
  std::uint64_t every_epochs = 1; // >= 1 (cosine: T_max)
  double min_lr = 0.0;            // in [0, lr]
};

class optimizer {
 public:
  virtual ~optimizer() = default;
  virtual const char* name() const = 0;

  // Registers the parameter blocks' sizes before the first step: allocates the state, zeroed, and sets t = 0.
  // Calling it again starts afresh.
  void bind(std::span<const std::size_t> block_sizes);
  // One step on block b: params -= update(grad). lr_scale (>= 0) multiplies the learning rate (schedules).
  // params and grad must have the block's bound size.
  void step(std::size_t block, std::span<double> params, std::span<const double> grad, double lr_scale = 1.0) {
    step_range(block, params, grad, lr_scale, 0, params.size());
  }
  // The same step on elements [begin, end) only: every element's update depends on that element alone, so
  // disjoint ranges of one block may be stepped at once (threads), with the bits of one whole-block step.
  void step_range(std::size_t block, std::span<double> params, std::span<const double> grad, double lr_scale,
                  std::size_t begin, std::size_t end);
  // Call once after all blocks of one optimisation step were updated (advances t, used for bias correction).
  void finish_step() { ++t_; }
  // Completed optimisation steps since bind (or as loaded).
  std::uint64_t steps() const { return t_; }

  // Full state for checkpoints. header: {"format": "evsnn-optimizer-state/1", "optimizer": describe(),
  // "t": steps, "block_sizes": [...]}; arrays: state_arrays_per_block() arrays per block, block by block
  // (sgd with momentum: velocity; adam: m, v; adamax: m, u), each of the block's size.
  nlohmann::json state_header() const;
  std::vector<std::span<const double>> state_arrays() const;
  // Restores a saved state into a bound optimizer. Throws input_error ("<where>: <JSON pointer>: <problem>")
  // when the state does not match: other format, other optimizer or hyper-parameters (describe() must be
  // equal), other block sizes, wrong number or sizes of arrays, non-finite values.
  void load_state(const nlohmann::json& header, std::vector<std::vector<double>> arrays,
                  const std::string& where = "optimizer state");

  // The spec with every default filled in; make_optimizer(describe()) behaves identically.
  nlohmann::json describe() const;
  double learning_rate() const { return lr_; }  // the base lr
  const std::optional<lr_decay>& decay() const { return decay_; }
  // Multiplier of the base lr for epoch e (epochs from 0): 1 without lr_decay.
  double lr_scale_for_epoch(std::uint64_t epoch) const;
  std::size_t state_arrays_per_block() const { return arrays_per_block_; }

 protected:
  optimizer(double lr, std::optional<lr_decay> decay, std::size_t arrays_per_block);
  // The type's own hyper-parameters (everything in describe() but type, lr, lr_decay).
  virtual nlohmann::json hyper_parameters() const = 0;
  // Updates elements [begin, end) of params (checked) with the block's state arrays (arrays_per_block of them).
  virtual void update(std::span<std::vector<double>> state, std::span<double> params, std::span<const double> grad,
                      double lr_scale, std::size_t begin, std::size_t end) = 0;

 private:
  double lr_;
  std::optional<lr_decay> decay_;
  std::size_t arrays_per_block_;
  bool bound_ = false;
  std::uint64_t t_ = 0;
  std::vector<std::size_t> block_sizes_;
  std::vector<std::vector<double>> state_;  // [block * arrays_per_block_ + k]
};

// where is prefixed to error messages, e.g. "train.json: /optimizer" -> "train.json: /optimizer/lr: must be > 0, got -1".
std::unique_ptr<optimizer> make_optimizer(const nlohmann::json& spec, const std::string& where);

}  // namespace evsnn::rules
