#pragma once
// trainer: trains a layer chain with a learning rule on a data set, as a train_config says.
// The pieces: worker_pool (threads kept for the run), train_log (the log's schema and formats),
// checkpoint (the file format), alignment (cosines with a reference rule), output_monitor (what the
// loss reads). Each of `threads` workers owns a copy of the network (built from the same document), a simulator, a
// presenter (state reset between samples), an output monitor and the rule's worker hooks. A batch's
// samples (or, for a rule that splits_passes, their passes) are handed to the workers in any order (threads a small
// batch leaves idle take rows of its samples' ends, for a rule that shares_sample_rows); each adds
// its samples' contributions into its own fixed-point sums, which are merged exactly, so the result is
// bit-identical whatever the thread count.
// After each batch the rule turns the sums into mean gradients, the optimizer updates the master
// weights and every worker's copy is refreshed. Every random choice derives from (seed, epoch, sample):
// the shuffle of epoch e, stochastic encoders (draw = e + 1) and the rule's perturbations, so a run
// resumed from the checkpoint of epoch e continues exactly as the uninterrupted run.
// Over several processes (set_communicator; trainer_ranks.cpp) every rank holds the whole state and runs a
// contiguous share of each batch (and of each evaluation); the sums, the loss, the counts and the counters
// are summed over the ranks, so every rank takes the same steps, bit-identical to one process with any
// number of ranks; only rank 0 writes files.
// Invariants: master weights == every worker's projection weights between batches; log_[k] is the
// metrics of epoch k+1 (epoch 0 = evaluation before training when asked, stored in log_.initial).
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/dataset_spec.hpp"
#include "engine/communicator.hpp"
#include "rules/attack.hpp"
#include "engine/energy_profile.hpp"
#include "engine/model_registry.hpp"
#include "engine/weight_init.hpp"
#include "rules/alignment.hpp"
#include "rules/learning_rule.hpp"
#include "rules/plasticity_rules.hpp"
#include "rules/loss.hpp"
#include "rules/optimizer.hpp"
#include "rules/sample_helpers.hpp"
#include "rules/sum_gatherer.hpp"
#include "rules/train_config.hpp"
#include "rules/train_log.hpp"
#include "rules/worker_pool.hpp"

namespace evsnn::rules {

struct eval_result {
  std::size_t samples = 0;
  double loss = not_measured;
  double accuracy = not_measured;
  double spikes_per_sample = not_measured;           // spikes of the trained layers
  double synaptic_events_per_sample = not_measured;
  double energy_per_sample_uj = not_measured;         // event-driven, the config's energy profile
  double wall_time_s = 0.0;
  std::vector<double> silent_neurons;  // per layer: its neurons that spiked in none of the samples (NaN: a readout)
};

class trainer {
 public:
  // Progress of the training pass: epoch (1-based), batches done, batches in the epoch, running mean
  // loss and accuracy of the epoch so far.
  using progress_fn = std::function<void(std::uint64_t, std::size_t, std::size_t, double, double)>;

  // models: builds the network's populations (the caller's registry, e.g. builtin_model_registry()).
  // profile: prices evaluation and training passes event-driven; stepped_profile: the time-stepped estimate
  // of training passes (either may be null: no such figures).
  trainer(train_config cfg, const model_registry& models, std::filesystem::path data_dir,
          std::optional<energy_profile> profile, std::optional<energy_profile> stepped_profile = std::nullopt);
  ~trainer();

  // Runs the epochs after the last completed one, writing log.csv, log.json, checkpoint.evsnn and
  // network.json into the output folder as configured. on_epoch is called after each epoch.
  void train(const progress_fn& progress, const std::function<void(const epoch_metrics&)>& on_epoch);
  // The same, with an on_epoch that says whether to go on: false stops training after that epoch (its log
  // and network written, and its checkpoint, so --resume continues from it). Returns true when every
  // epoch was trained.
  bool train_while(const progress_fn& progress, const std::function<bool(const epoch_metrics&)>& go_on);
  // Shares the work with the other ranks of comm (which must outlive the trainer): each runs its share of
  // every batch and evaluation. Refused (input_error) for a rule that needs a whole batch in one process.
  void set_communicator(communicator& comm);
  // What this rank's sums over the ranks cost so far: collective calls, bytes each rank contributed, and the
  // wall time spent in them (waiting for the slowest rank included).
  struct rank_traffic {
    std::uint64_t calls = 0, bytes = 0;
    double seconds = 0.0;
  };
  const rank_traffic& traffic() const { return traffic_; }
  // Whether this process writes the output folder (rank 0, or the only process).
  bool writes_files() const { return comm_ == nullptr || comm_->rank() == 0; }
  // Restores weights, optimizer, rule state and log from a checkpoint (for --resume and eval).
  void load_checkpoint(const std::filesystem::path& path, bool for_resume);
  void save_checkpoint(const std::filesystem::path& path) const;
  // Writes the trained network as an evsnn-network/1 document (dense weights).
  void write_network(const std::filesystem::path& path) const;

  // Attacks the current weights' inputs (rules/attack.hpp) on the first samples of a split; every sample
  // on its own thread's network copy, results independent of the thread count.
  attack_report attack(const attack_options& options);

  // Evaluates the current weights on a split ("test", "validation", "train"); limit 0 = all.
  eval_result evaluate(const std::string& split, std::size_t limit);

  const train_config& config() const { return cfg_; }
  const layer_chain& chain() const;
  std::uint64_t epochs_done() const { return epochs_done_; }
  const std::vector<epoch_metrics>& log() const { return log_.epochs; }
  const std::optional<epoch_metrics>& initial() const { return log_.initial; }
  unsigned threads() const;
  // How many threads can train at once: one task per sample of this rank's share of a batch (per pass where a
  // rule's passes are split), at most threads(). Evaluation and the per-batch steps use every thread.
  std::size_t busy_threads() const;
  std::size_t train_size() const;
  std::span<const double> weights(std::size_t layer) const { return master_[layer]; }
  const learning_rule& rule() const { return *rule_; }
  // Whether threads a batch leaves idle take part of its samples' end-of-sample work (a rule that
  // shares_sample_rows, on more than one thread), and the rows they ran so far.
  bool lends_idle_threads() const { return helpers_ != nullptr; }
  std::size_t rows_lent() const { return helpers_ ? helpers_->served() : 0; }

  // /active_outputs: what the check of the initial network found and did.
  struct output_check {
    bool ran = false;
    std::size_t samples = 0;    // the training split's first samples, run as in evaluation (draw 0)
    std::uint64_t needed = 0;   // samples each output neuron must spike in
    std::vector<std::uint64_t> fired_initially, fired;  // per output neuron: samples it spiked in, before and after
    std::vector<std::uint32_t> redraws;                 // per output neuron: rounds its incoming weights were redrawn
  };
  // Exact gradient rules give a neuron that never spikes no gradient, so an output neuron the initial weights leave
  // silent stays silent and its class is lost. The check runs the first /active_outputs/samples training samples;
  // every output neuron that spikes in fewer than min_fraction of them gets all its incoming weights drawn again
  // from its projection's {"init": ...} (a stream derived from the run's seed, the round and the neuron, so the
  // result does not depend on threads or ranks), up to /active_outputs/redraws rounds; a neuron still below is an
  // input_error naming it ("redraws": 0 only checks, and the weights may then be given rather than drawn). It
  // runs once, on a run that starts from its initial weights (nothing trained, no checkpoint restored):
  // train_while calls it before anything else; a caller may call it first to report it. Not configured, or on a
  // resumed run, it does nothing (ran == false).
  const output_check& check_active_outputs();
  // What the last batch's tasks were dispatched by (in batch order): each one's work when last trained, or its
  // sample's input events when the batch had a task not trained yet (for tests).
  std::span<const std::uint64_t> last_dispatch_costs() const { return dispatch_costs_; }

 private:
  struct worker;
  struct batch_stats;
  // Rows spread over the pool in contiguous blocks (for the rules' end_batch).
  parallel_rows block_rows();
  // trainer_ranks.cpp: this rank's share of a batch or split, and sums over the ranks (no-ops in one process).
  std::span<const std::size_t> rank_share(std::span<const std::size_t> all) const;
  // Dispatched tasks per training sample: its passes where they are split over workers, else 1.
  std::size_t tasks_per_sample() const { return pass_slots_.empty() ? 1 : rule_->passes_per_sample(); }
  void sum_over_ranks(fixed_sum_set& sums) const;
  void sum_over_ranks(batch_stats& stats) const;
  double max_over_ranks(double x) const;
  // Runs the samples of indices on the first workers. Learning, each adds its
  // samples into its sums (and its reference sums, when alignment is measured), which gatherer_ (ref_gatherer_)
  // gathers into the batch's total as the workers finish.
  void run_parallel(std::span<const std::size_t> indices, const data::dataset& ds, bool learn,
                           std::uint64_t epoch, std::uint64_t uid_base, batch_stats& stats);
  // dispatch_costs_ of a batch with tasks not trained yet: every task priced by its sample's input events, the
  // samples loaded (with the draw they will be trained with) on the pool. In the first epoch, from initial
  // weights, input events predict a Fashion-MNIST SFDFA sample's work with correlation 0.71, where the batch's
  // order predicts nothing (docs/benchmarks.md).
  void price_by_input(std::span<const std::size_t> indices, const data::dataset& ds, std::uint64_t epoch,
                      std::size_t per_sample);
  // A batch of an offline rule: the samples in parallel, then one optimizer step on the merged sums
  // (alignment: measure it against the reference on this batch).
  void run_batch(std::span<const std::size_t> batch, std::uint64_t epoch, std::size_t number, double lr_scale,
                 update_alignment* alignment, batch_stats& stats);
  // A batch of an online rule (trainer_lockstep.cpp): every sample on its own network copy, advanced
  // together step by step, an optimizer step after each on the batch mean of the step's gradients.
  void run_lockstep(std::span<const std::size_t> batch, std::uint64_t epoch, std::size_t number, double lr_scale,
                    batch_stats& stats);
  // The loss and prediction of the sample w just ran (the rule's, for losses it computes), added to w's
  // running figures; a loss that is not finite is a divergence error naming `when`. Returns the loss.
  double score_sample(worker& w, std::size_t idx, std::uint64_t uid, const std::string& when);
  // One copy of the network, its array files read through `arrays` (each once for all copies).
  std::unique_ptr<worker> build_copy(const model_registry& models, const plasticity_registry& plastic_rules,
                                     std::size_t copies, array_cache& arrays);
  // Copies the master weights into every network copy that does not share them, and the master biases into
  // every copy's models, as of t_ms (< 0: each copy's simulator time; engine/trainable_bias.hpp).
  void broadcast_weights(double t_ms = -1.0);
  // One optimizer step of every layer on grads_ (float32 layers rounded back to float32 values), spread over
  // the pool; weights beyond +-3e38 or not finite are check_weights_finite's error naming epoch and batch.
  void optimizer_step(double lr_scale, std::uint64_t epoch, std::size_t batch);
  void cut_step_chunks();  // optimizer_step's chunks, from the layer sizes and the pool (by the constructor)
  void write_outputs() const;
  // Divergence: non-finite weights after a step are an error naming the epoch, batch and layer.
  void check_weights_finite(std::uint64_t epoch, std::size_t batch) const;
  std::string last_good_note() const;  // what a divergence error says survives
  epoch_metrics evaluate_epoch(std::uint64_t epoch);
  // trainer_outputs.cpp: /active_outputs checked against the chain (a spiking output) and, when it may redraw,
  // the output projection's {"init": ...} distribution read into output_init_ (by the constructor).
  void prepare_active_outputs();

  train_config cfg_;
  communicator* comm_ = nullptr;  // null: one process
  mutable rank_traffic traffic_;
  std::filesystem::path data_dir_;
  std::optional<energy_profile> profile_, stepped_profile_;
  data::dataset_splits splits_;
  std::unique_ptr<loss> loss_;
  std::unique_ptr<optimizer> optimizer_;
  std::unique_ptr<learning_rule> rule_;
  std::unique_ptr<learning_rule> reference_;  // alignment.reference, when measured and not the rule itself
  std::unique_ptr<learning_rule> input_gradient_;  // attack(): bp_exact for FGSM on continuous-time chains
  std::vector<std::unique_ptr<worker>> workers_;
  std::unique_ptr<worker_pool> pool_;
  // A rule that shares_sample_rows, on more than one thread: the threads a batch of fewer tasks leaves idle serve
  // the running samples' rows (run_parallel).
  std::unique_ptr<sample_helpers> helpers_;
  // The workers' sums (an online rule's: the threads' lockstep sums) into a batch's (a step's) total; the
  // reference rule's sums, when alignment is measured.
  std::unique_ptr<sum_gatherer> gatherer_, ref_gatherer_;
  // Master weights (when shared_weights_, every network copy's own arrays: sized once, never reallocated).
  bool shared_weights_ = false;
  std::vector<std::vector<double>> master_;
  std::vector<char> float32_layers_;  // per layer: its projection holds float32 weights
  std::vector<std::vector<double>> grads_, ref_grads_;
  std::vector<fixed_sum_set> lockstep_sums_;  // one per thread: the lanes' gradients of one step
  std::vector<rule_worker*> lanes_;            // the rule workers of a lockstep batch, in batch order
  // Scratch of the per-batch steps, sized once (no allocation in the steady state): optimizer_step's chunks
  // (fixed by the layer sizes) and range flags.
  struct step_chunk {
    std::size_t layer, begin, end;
  };
  std::vector<step_chunk> step_chunks_;
  std::vector<char> step_out_of_range_;
  // run_parallel's dispatch: per task of a training sample (the sample, or with split passes each of its
  // passes), its synaptic events and neuron updates when last trained (0: not yet); the order (task numbers in
  // the batch) in which the workers take a batch's tasks, and the batch's costs.
  std::vector<std::uint64_t> task_cost_, dispatch_costs_;
  std::vector<std::size_t> dispatch_;
  // run_parallel's split passes (a rule that splits_passes, on more than one thread): per position in the batch,
  // each pass's record (rule_worker::export_pass), the scored pass's loss gradient, and how many of the sample's
  // passes have finished (the last one accumulates the sample).
  struct pass_slot {
    std::vector<std::vector<double>> records;
    std::vector<double> grad;
    std::atomic<unsigned> done{0};
  };
  std::vector<pass_slot> pass_slots_;  // batch_size of them when passes are split, sized once
  std::optional<weight_init> output_init_;  // /active_outputs asked: what redraws draw from
  output_check output_check_;
  std::uint64_t epochs_done_ = 0;
  std::uint64_t optimizer_updates_ = 0;  // trained values written by optimizer steps (for the training price)
  train_log log_;
};

}  // namespace evsnn::rules
