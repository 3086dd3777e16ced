// trainer_parallel: a batch's (or an evaluation's) samples run on the trainer's workers: the dispatch, longest
// first by what each task cost when last trained or, for tasks not trained yet, by their samples' input events;
// split passes; each sample's scoring; the workers' sums handed to the gatherers as they finish; a batch of fewer
// tasks than threads lending the idle threads to its samples' rows (sample_helpers). Which worker runs which task,
// and which thread which row, changes no bit of the result (fixed-point sums, rows that write only their own).
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "rules/trainer.hpp"
#include "rules/trainer_worker.hpp"

namespace evsnn::rules {

double trainer::score_sample(worker& w, std::size_t idx, std::uint64_t uid, const std::string& when) {
  throw_if_runaway(*w.sim, cfg_.file, when, idx);
  const loss_value lv = loss_->computed_by_rule()
                            ? w.rule->sample_loss().value()
                            : loss_->evaluate(w.monitor.activity(w.buf.duration_ms), w.buf.label, w.grad);
  if (!std::isfinite(lv.value))
    throw input_error(fmt::format("{}: {}: the loss of sample {} is {}: training has diverged (lower "
                                  "/optimizer/lr or the loss targets)",
                                  cfg_.file, when, idx, lv.value));
  w.sim->report_outcome({uid, static_cast<std::int64_t>(w.buf.label), lv.value});
  w.loss_sum.add(lv.value);
  w.correct += lv.prediction == w.buf.label;
  ++w.samples;
  if (!w.fired.empty()) {
    const std::span<const std::uint32_t> counts = w.monitor.activity(w.buf.duration_ms).counts;
    for (std::size_t i = 0; i < w.fired.size(); ++i) w.fired[i] += counts[i] > 0 ? 1 : 0;
  }
  w.steps += static_cast<std::uint64_t>(std::ceil(w.buf.duration_ms / cfg_.energy_dt_ms));
  return lv.value;
}

void trainer::run_parallel(std::span<const std::size_t> indices, const data::dataset& ds, bool learn,
                           std::uint64_t epoch, std::uint64_t uid_base, batch_stats& stats) {
  // Split passes: every pass of a multi-pass sample is a task of its own (task j of a sample runs pass
  // passes-1-j), so that a batch of fewer samples than threads still keeps them busy and a batch's end is
  // finer grained. Otherwise a task is a sample with all its passes.
  const unsigned passes = learn ? rule_->passes_per_sample() : 1;
  const bool split = learn && passes > 1 && !pass_slots_.empty();
  const std::size_t per_sample = split ? passes : 1;
  const std::size_t tasks = indices.size() * per_sample;
  // Longest first (training): the batch's tasks in descending order of what each cost when last trained (its
  // synaptic events and neuron updates, which predict its time: membrane kicks, as in anp's noisy pass, are
  // neuron updates without synaptic events), so that no long task starts last and holds up the batch's end;
  // a batch with a task not trained yet (every batch of the first epoch) is ordered by its samples' input
  // events instead (price_by_input). Which worker runs which task changes no result (the sums are exact).
  const auto cost_at = [&](std::size_t task) { return indices[task / per_sample] * per_sample + task % per_sample; };
  dispatch_costs_.resize(tasks);
  bool unpriced = false;
  for (std::size_t k = 0; k < tasks; ++k) {
    dispatch_costs_[k] = learn ? task_cost_[cost_at(k)] : 0;
    unpriced = unpriced || (learn && dispatch_costs_[k] == 0);
  }
  if (unpriced && tasks > pool_->size()) price_by_input(indices, ds, epoch, per_sample);
  longest_first(dispatch_costs_, dispatch_);
  if (split)
    for (std::size_t k = 0; k < indices.size(); ++k) pass_slots_[k].done.store(0, std::memory_order_relaxed);
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  // A learning worker's sums are zero as the batch begins (the gatherers left them so); it hands them to the
  // gatherers when no sample is left, after an error too.
  const bool gather = learn && rule_->online_step_ms() <= 0.0;
  const bool gather_ref = gather && ref_gatherer_ && workers_[0]->reference->learning();  // alignment measured
  auto body = [&](std::size_t t) {
    worker& w = *workers_[t];
    const auto work = [&w] {
      return w.sim->counters().total_synaptic_events() + w.sim->counters().total_neuron_updates();
    };
    try {
      w.rule->set_learning(learn);
      const loss_input in = loss_->input();
      while (true) {
        const std::size_t k = next.fetch_add(1);
        if (k >= tasks) break;
        const std::size_t task = dispatch_[k], pos = task / per_sample;
        const std::size_t idx = indices[pos];
        const std::uint64_t work_before = work();
        ds.load(idx, w.buf, learn ? epoch + 1 : 0);
        w.rule->set_target(w.buf.label);
        w.rule->set_duration(w.buf.duration_ms);
        if (w.reference) {
          w.reference->set_target(w.buf.label);
          w.reference->set_duration(w.buf.duration_ms);
        }
        // The passes of this task, hi down to lo: all of them (the extra ones first, the scored pass 0 last), or
        // with split passes one.
        const unsigned hi = split ? passes - 1 - static_cast<unsigned>(task % per_sample) : passes - 1;
        const unsigned lo = split ? hi : 0;
        for (unsigned pass = hi;; --pass) {
          w.sim->set_sample_index(uid_base + idx);  // again for each pass: the sample's end advanced it
          if (passes > 1) w.rule->begin_pass(pass);
          w.pres->present(w.buf.events, w.buf.duration_ms);
          if (pass > 0) {
            w.rule->end_pass(pass, loss_->evaluate(w.monitor.activity(w.buf.duration_ms), w.buf.label, w.grad).value);
            w.steps += static_cast<std::uint64_t>(std::ceil(w.buf.duration_ms / cfg_.energy_dt_ms));
          } else {
            const double loss =
                score_sample(w, idx, uid_base + idx, learn ? fmt::format("epoch {}", epoch) : "evaluation");
            if (passes > 1) w.rule->end_pass(0, loss);
          }
          if (pass == lo) break;
        }
        if (!learn) continue;
        task_cost_[cost_at(task)] = work() - work_before;
        const output_error err{in, w.grad, w.buf.duration_ms};
        if (lo == 0 && w.reference && w.reference->learning()) w.reference->accumulate(err, w.ref_sums);
        if (!split) {
          w.rule->accumulate(err, w.sums);
          continue;
        }
        // Split: the pass's record; the worker that finishes the sample's last pass imports the others' and
        // accumulates the sample.
        pass_slot& slot = pass_slots_[pos];
        if (hi == 0) slot.grad.assign(w.grad.begin(), w.grad.end());
        w.rule->export_pass(hi, slot.records[hi]);
        if (slot.done.fetch_add(1, std::memory_order_acq_rel) + 1 < passes) continue;
        for (unsigned p = 0; p < passes; ++p)
          if (p != hi) w.rule->import_pass(p, slot.records[p]);
        w.rule->accumulate(output_error{in, slot.grad, w.buf.duration_ms}, w.sums);
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure) failure = std::current_exception();
      next = tasks;
    }
    if (gather) gatherer_->finish(t, w.sums);
    if (gather_ref) ref_gatherer_->finish(t, w.ref_sums);
  };
  const std::size_t n_workers = pool_->tasks_for(tasks);
  for (std::size_t t = 0; t < n_workers; ++t) {
    workers_[t]->clear_scores();
  }
  if (gather) gatherer_->begin(n_workers);
  if (gather_ref) ref_gatherer_->begin(n_workers);
  if (learn && helpers_ && n_workers < pool_->size()) {
    // Fewer tasks than threads: the others serve the samples' rows (sample_helpers) until the last task ends.
    helpers_->run_tasks(*pool_, n_workers, body);
  } else {
    pool_->run(n_workers, body);
  }
  if (failure) std::rethrow_exception(failure);
  for (std::size_t t = 0; t < n_workers; ++t) stats.add(*workers_[t]);
}

void trainer::price_by_input(std::span<const std::size_t> indices, const data::dataset& ds, std::uint64_t epoch,
                             std::size_t per_sample) {
  std::atomic<std::size_t> next{0};
  pool_->run(pool_->tasks_for(indices.size()), [&](std::size_t t) {
    data::sample& buf = workers_[t]->buf;  // the worker's own, loaded again when it trains the sample
    for (std::size_t k; (k = next.fetch_add(1)) < indices.size();) {
      std::uint64_t events = 0;
      try {
        ds.load(indices[k], buf, epoch + 1);  // the draw the sample will be trained with
        events = buf.events.size();
      } catch (...) {  // left to the training pass, which reports it
      }
      for (std::size_t j = 0; j < per_sample; ++j) dispatch_costs_[k * per_sample + j] = events;
    }
  });
}

}  // namespace evsnn::rules
