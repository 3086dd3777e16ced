#pragma once
// trainer: trains a layer chain with a learning rule on a data set, as a train_config says.
// Each of `threads` workers owns a copy of the network (built from the same document), a simulator, a
// presenter (state reset between samples), an output monitor and the rule's worker hooks. A batch's
// samples are handed to the workers in any order; each adds its samples' contributions into its own
// fixed-point sums, which are merged exactly, so the result is bit-identical whatever the thread count.
// After each batch the rule turns the sums into mean gradients, the optimizer updates the master
// weights and every worker's copy is refreshed. Every random choice derives from (seed, epoch, sample):
// the shuffle of epoch e, stochastic encoders (draw = e + 1) and the rule's perturbations, so a run
// resumed from the checkpoint of epoch e continues exactly as the uninterrupted run.
// Invariants: master weights == every worker's projection weights between batches; log_[k] is the
// metrics of epoch k+1 (epoch 0 = evaluation before training when asked, stored in initial_).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/dataset_spec.hpp"
#include "engine/energy_profile.hpp"
#include "rules/learning_rule.hpp"
#include "rules/loss.hpp"
#include "rules/optimizer.hpp"
#include "rules/train_config.hpp"

namespace evsnn::rules {

inline constexpr double not_measured = std::numeric_limits<double>::quiet_NaN();

struct eval_result {
  std::size_t samples = 0;
  double loss = not_measured;
  double accuracy = not_measured;
  double spikes_per_sample = not_measured;           // spikes of the trained layers
  double synaptic_events_per_sample = not_measured;
  double energy_per_sample_uj = not_measured;         // event-driven, the config's energy profile
  double wall_time_s = 0.0;
};

struct epoch_metrics {
  std::uint64_t epoch = 0;
  double loss = not_measured;            // mean training loss over the epoch (weights changing)
  double train_accuracy = not_measured;  // running accuracy on the training samples of the epoch
  double test_accuracy = not_measured;
  double validation_accuracy = not_measured;
  double spikes_per_sample = not_measured;             // on the test (or validation) pass
  double synaptic_events_per_sample = not_measured;
  double energy_per_sample_uj = not_measured;
  double wall_time_s = 0.0;              // training pass of the epoch
  double samples_per_s = not_measured;   // training samples per second
  double lr = not_measured;
  std::vector<double> update_cosine;     // per layer: cos(rule update, bp_exact gradient), mean over measured batches
  std::vector<double> feedback_cosine;   // per hidden layer: cos(B^l, effective output weights)
};

class trainer {
 public:
  // Progress of the training pass: epoch (1-based), batches done, batches in the epoch, running mean
  // loss and accuracy of the epoch so far.
  using progress_fn = std::function<void(std::uint64_t, std::size_t, std::size_t, double, double)>;

  // profile: prices evaluation passes (may be null: no energy figures).
  trainer(train_config cfg, std::filesystem::path data_dir, std::optional<energy_profile> profile);
  ~trainer();

  // Runs the epochs after the last completed one, writing log.csv, log.json, checkpoint.evsnn and
  // network.json into the output folder as configured. on_epoch is called after each epoch.
  void train(const progress_fn& progress, const std::function<void(const epoch_metrics&)>& on_epoch);
  // Restores weights, optimizer, rule state and log from a checkpoint (for --resume and eval).
  void load_checkpoint(const std::filesystem::path& path, bool for_resume);
  void save_checkpoint(const std::filesystem::path& path) const;
  // Writes the trained network as an evsnn-network/1 document (dense weights).
  void write_network(const std::filesystem::path& path) const;

  // Evaluates the current weights on a split ("test", "validation", "train"); limit 0 = all.
  eval_result evaluate(const std::string& split, std::size_t limit);

  const train_config& config() const { return cfg_; }
  const layer_chain& chain() const;
  std::uint64_t epochs_done() const { return epochs_done_; }
  const std::vector<epoch_metrics>& log() const { return log_; }
  const std::optional<epoch_metrics>& initial() const { return initial_; }
  unsigned threads() const;
  std::size_t train_size() const;
  std::span<const float> weights(std::size_t layer) const { return master_[layer]; }
  const learning_rule& rule() const { return *rule_; }

  // Writes log_ (and initial_) as CSV and JSON.
  static std::string log_csv(const std::vector<epoch_metrics>& rows, const std::optional<epoch_metrics>& initial);
  static nlohmann::json log_json(const std::vector<epoch_metrics>& rows, const std::optional<epoch_metrics>& initial);

 private:
  struct worker;
  struct batch_stats;
  void run_parallel(std::span<const std::size_t> indices, const data::dataset& ds, bool learn, std::uint64_t epoch,
                    std::uint64_t uid_base, batch_stats& stats);
  void broadcast_weights();
  void write_outputs() const;
  epoch_metrics evaluate_epoch(std::uint64_t epoch);

  train_config cfg_;
  std::filesystem::path data_dir_;
  std::optional<energy_profile> profile_;
  data::dataset_splits splits_;
  std::unique_ptr<loss> loss_;
  std::unique_ptr<optimizer> optimizer_;
  std::unique_ptr<learning_rule> rule_;
  std::unique_ptr<learning_rule> reference_;  // bp_exact for alignment measurements
  std::vector<std::unique_ptr<worker>> workers_;
  std::vector<std::vector<float>> master_;
  std::vector<std::vector<double>> grads_, ref_grads_;
  std::uint64_t epochs_done_ = 0;
  std::vector<epoch_metrics> log_;
  std::optional<epoch_metrics> initial_;
};

}  // namespace evsnn::rules
