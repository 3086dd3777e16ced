#pragma once
// learning_rule: what the trainer knows of a rule. A rule has one shared part (this object: its
// hyper-parameters and own learned state, e.g. SFDFA's feedback matrices) and one rule_worker per
// training thread, a hook bound to that thread's simulator. Each sample runs through the simulator
// with the worker's hooks; at its end the trainer computes the loss gradient at the output and calls
// rule_worker::accumulate, which adds the sample's contributions into fixed-point sums. After a batch
// the trainer merges every worker's sums (order-independent, see fixed_sum) and calls end_batch,
// which turns them into dL/dw per layer (mean over the batch) for the optimizer and updates the
// rule's own state. Rules never change the engine: they read the network through hooks, projection
// columns and the layer_chain.
// Invariants: make_sums() gives the layout every worker's accumulate() writes; grads[l] has one
// value per synapse of layer l's projection, in its synapse order.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/hook.hpp"
#include "engine/json_node.hpp"
#include "engine/simulator.hpp"
#include "rules/worker_pool.hpp"
#include "rules/fixed_sum.hpp"
#include "rules/layer_chain.hpp"
#include "rules/loss.hpp"

namespace evsnn::rules {

// The loss gradient of one sample at the output layer.
struct output_error {
  loss_input input = loss_input::counts;  // which output quantity grad refers to
  std::span<const double> grad;           // dL/dn_o, dL/dt_first_o or dL/dv_o
  double duration_ms = 0.0;               // the sample's end, relative to its begin
};

class rule_worker : public hook {
 public:
  // Adds the sample that just ran into sums.
  virtual void accumulate(const output_error& err, fixed_sum_set& sums) = 0;
  // Called by the trainer before each sample runs, with its label (rules whose loss runs inside the
  // sample, tick by tick, need it from the start).
  virtual void set_target(std::uint32_t /*label*/) {}
  // Called with set_target: the duration of the sample about to run (rules whose loss counts only its
  // last part need its end from the start).
  virtual void set_duration(double /*duration_ms*/) {}
  // Online rules (learning_rule::online_step_ms() > 0): adds the gradient of the steps run since the last
  // call into sums and forgets it; the trainer calls it after each lockstep step.
  virtual void accumulate_tick(fixed_sum_set& /*sums*/) {}
  // Rules that compute the loss themselves (loss "tick_ce"): the loss and prediction of the sample that
  // just ran, learning on or off; nullopt for rules that use the trainer's loss.
  virtual std::optional<loss_value> sample_loss() const { return std::nullopt; }
  // Rules that run each training sample several times (learning_rule::passes_per_sample() > 1, e.g. anp's
  // noisy and clean copies): the trainer calls begin_pass(k) before pass k and end_pass(k, loss) after it
  // with the trainer's loss of that pass; passes run k = passes-1 down to 0, so pass 0 runs last, is the
  // one scored (and seen by an alignment reference), and accumulate follows it (with split passes, below, the
  // passes may run on different workers and accumulate follows the last to finish). Evaluation runs once,
  // without these calls.
  virtual void begin_pass(unsigned /*pass*/) {}
  virtual void end_pass(unsigned /*pass*/, double /*loss*/) {}
  // Rules whose passes may run on different workers (learning_rule::splits_passes): export_pass writes into
  // record what pass k left in this worker that accumulate needs (called after end_pass(k)); the worker that
  // accumulates the sample, after its own pass, gets the other passes' records through import_pass, so that
  // its accumulate adds exactly what one worker running every pass would. record keeps its capacity.
  virtual void export_pass(unsigned /*pass*/, std::vector<double>& /*record*/) const {}
  virtual void import_pass(unsigned /*pass*/, std::span<const double> /*record*/) {}
  // Rules that differentiate through the input (bp_exact): after accumulate, dL/dt of each input spike of the
  // sample, as (channel, time relative to the sample begin, dL/dt) in arrival order; empty for the others.
  struct input_spike_gradient {
    std::uint32_t channel;
    double t_ms;
    double dl_dt;
  };
  virtual std::vector<input_spike_gradient> input_time_gradient() const { return {}; }
  // Off: the hooks do nothing (evaluation passes run the plain network) beyond what sample_loss needs.
  void set_learning(bool on) { learning_ = on; }
  bool learning() const { return learning_; }
  // The threads a training batch leaves idle (the trainer's sample_helpers), for rows of a sample's own work
  // at its end; none given: the calling thread alone.
  void set_sample_rows(parallel_rows par) { sample_rows_ = std::move(par); }

 protected:
  // row(0) .. row(rows - 1), spread over those threads; each row must touch only its own outputs.
  void for_sample_rows(std::size_t rows, index_fn row) const { spread_rows(sample_rows_, rows, row); }

  bool learning_ = true;

 private:
  parallel_rows sample_rows_;
};

class learning_rule {
 public:
  virtual ~learning_rule() = default;
  virtual const char* name() const = 0;
  // True when the rule's workers compute the loss (sample_loss); the config's loss is then "tick_ce".
  virtual bool computes_loss() const { return false; }
  // > 0: the rule learns online, an optimizer step every this many ms of sample time: the trainer runs a
  // batch's samples in lockstep and steps on the batch mean of accumulate_tick's sums after each period.
  virtual double online_step_ms() const { return 0.0; }
  // Online rules whose step couples the samples of a batch (traces propagation's B×B contrast): called by
  // the lockstep trainer after every lane has run a step and before any lane's accumulate_tick, with the
  // lanes in batch order (made by this rule's make_worker); par spreads independent rows over the trainer's
  // threads (results must not depend on the spread).
  virtual void couple_lanes(std::span<rule_worker* const> /*lanes*/, const parallel_rows& /*par*/) {}
  // True when couple_lanes needs every lane of a batch in one process (a batch is not split over MPI ranks).
  virtual bool couples_lanes() const { return false; }
  // True when the rule's workers change their network's weights during a sample (local plasticity): the
  // trainer then gives every network copy its own weights instead of sharing the master arrays.
  virtual bool writes_weights() const { return false; }
  // The smallest batch the rule can learn from (the trainer refuses smaller /batch_size values).
  virtual std::size_t min_batch_size() const { return 1; }
  // How many times the trainer runs each training sample (same input and weights; rule_worker::begin_pass).
  virtual unsigned passes_per_sample() const { return 1; }
  // True when a sample's passes depend on each other only through rule_worker::export_pass / import_pass: the
  // trainer may then run them on different workers (a batch's work split finer than one sample per thread).
  virtual bool splits_passes() const { return false; }
  // True when the rule's workers spread work at a sample's end with rule_worker::for_sample_rows: a training batch
  // of fewer samples than threads then lends its idle threads to the samples (trainer, sample_helpers).
  virtual bool shares_sample_rows() const { return false; }
  virtual fixed_sum_set make_sums() const = 0;
  // A worker for one simulator whose network has the trainer's chain (same ids); it subscribes its
  // hooks to sim.
  virtual std::unique_ptr<rule_worker> make_worker(simulator& sim, const layer_chain& chain) = 0;
  // total: the merged sums of n samples. Writes the mean gradient per layer into grads.
  virtual void end_batch(const fixed_sum_set& total, std::size_t n, std::vector<std::vector<double>>& grads) = 0;
  // The rule's own learned state (checkpoints), as float blocks; load_state gets the same shapes back.
  virtual std::vector<std::span<const float>> state() const { return {}; }
  virtual void load_state(const std::vector<std::vector<float>>& /*blocks*/) {}
  // Hyper-parameters with defaults filled in.
  virtual nlohmann::json describe() const = 0;
  // Feedback matrices B^l (n_l x n_out, row-major) of the hidden layers, for alignment measurements;
  // empty for rules without feedback.
  virtual std::vector<std::span<const float>> feedback() const { return {}; }
  // The trainer's threads for end_batch's independent rows (none given: the calling thread alone).
  void set_parallel_rows(parallel_rows par) { par_ = std::move(par); }

 protected:
  // row(0) .. row(rows - 1), spread over the trainer's threads when it gave them; each row must touch only
  // its own outputs, so results do not depend on the spread.
  void for_rows(std::size_t rows, index_fn row) const { spread_rows(par_, rows, row); }
  // fn(l, begin, end) over every block l of sums in ranges of at most 1024 elements, spread by for_rows.
  template <class Fn>  // Fn: void(std::size_t l, std::size_t begin, std::size_t end)
  void for_elements(const fixed_sum_set& sums, const Fn& fn) const {
    constexpr std::size_t chunk = 1024;
    for (std::size_t l = 0; l < sums.sums.size(); ++l) {
      const std::size_t n = sums.sums[l].size();
      for_rows((n + chunk - 1) / chunk, [&](std::size_t c) { fn(l, c * chunk, std::min(n, (c + 1) * chunk)); });
    }
  }
  // grads[l][i] = total's element i of block l times 1/n, spread by for_rows.
  void mean_gradients(const fixed_sum_set& total, std::size_t n, std::vector<std::vector<double>>& grads) const {
    grads.resize(total.sums.size());
    for (std::size_t l = 0; l < total.sums.size(); ++l) grads[l].resize(total.sums[l].size());
    const double inv = 1.0 / static_cast<double>(n);
    for_elements(total, [&](std::size_t l, std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) grads[l][i] = total.sums[l].get(i) * inv;
    });
  }

 private:
  parallel_rows par_;
};

// Registry of rules by name ("sfdfa", "dfa", "bp_exact", "anp", "local", and the online family on discrete-tick
// chains: "ottt", "ostl", "otpe", "approx_otpe", "f_otpe", "f_approx_otpe", "bptt"). spec is the config's "rule" object
// {"type": NAME, ...} or a plain name; errors name its file and JSON path.
std::unique_ptr<learning_rule> make_rule(const json_node& spec, const layer_chain& chain, loss_input input,
                                         std::uint64_t seed);
std::vector<std::string> rule_names();

}  // namespace evsnn::rules
