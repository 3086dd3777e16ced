// trainer::run_lockstep: a batch of an online rule. Every sample of the batch runs on its own copy of the
// network (a lane); the lanes advance together to the middle of each step, where the rule has handled the
// step, and the trainer takes an optimizer step on the batch mean of the step's gradients before any lane
// runs the next step — the seed-004 online mode (an Adamax step every tick). The lanes are shared among
// the threads in a fixed pattern and the gradients merge in fixed point, so the result does not depend on
// the thread count. Over several ranks each runs its share of the lanes and every step's sums are summed over
// the ranks before the step.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "rules/trainer.hpp"
#include "rules/trainer_worker.hpp"

namespace evsnn::rules {

void trainer::run_lockstep(std::span<const std::size_t> batch, std::uint64_t epoch, std::size_t number,
                           double lr_scale, batch_stats& stats) {
  const std::span<const std::size_t> mine = rank_share(batch);
  const std::size_t B = mine.size();  // this rank's lanes
  const std::size_t threads = pool_->tasks_for(B);
  const double step_ms = rule_->online_step_ms();
  const std::uint64_t uid_base = epoch * splits_.train->size();
  // fn(lane, its index, the thread's index): the lanes in a fixed pattern over the threads.
  auto each_lane = [&](auto&& fn) {
    pool_->run(threads, [&](std::size_t t) {
      for (std::size_t b = t; b < B; b += threads) fn(*workers_[b], b, t);
    });
  };
  while (lockstep_sums_.size() < threads) lockstep_sums_.push_back(rule_->make_sums());
  lanes_.clear();
  for (std::size_t b = 0; b < B; ++b) lanes_.push_back(workers_[b]->rule.get());
  each_lane([&](worker& w, std::size_t b, std::size_t) {
    w.clear_scores();
    splits_.train->load(mine[b], w.buf, epoch + 1);
    w.sim->set_sample_index(uid_base + mine[b]);
    w.rule->set_learning(true);
    w.rule->set_target(w.buf.label);
    w.rule->set_duration(w.buf.duration_ms);
    w.pres->begin(w.buf.events, w.buf.duration_ms);
  });
  double longest = 0.0;
  for (std::size_t b = 0; b < B; ++b) longest = std::max(longest, workers_[b]->buf.duration_ms);
  longest = max_over_ranks(longest);  // every rank takes every step
  // After the lanes have run a step: the rule couples them, then each thread adds its lanes' gradients into
  // its sums, which the gatherer takes into the step's total (fixed point: the grouping does not change it).
  fixed_sum_set* total = nullptr;
  const parallel_rows par = [&](std::size_t rows, index_fn row) {
    pool_->run(threads, [&](std::size_t t) {
      for (std::size_t r = t; r < rows; r += threads) row(r);
    });
  };
  auto gather = [&]() {
    rule_->couple_lanes(lanes_, par);
    gatherer_->begin(threads);
    pool_->run(threads, [&](std::size_t t) {
      try {
        for (std::size_t b = t; b < B; b += threads) workers_[b]->rule->accumulate_tick(lockstep_sums_[t]);
      } catch (...) {
        gatherer_->finish(t, lockstep_sums_[t]);  // the other threads wait for every thread's sums
        throw;
      }
      gatherer_->finish(t, lockstep_sums_[t]);
    });
    total = &gatherer_->total();
    sum_over_ranks(*total);
  };
  // One optimizer step on the gathered sums.
  auto step = [&](double t_ms) {
    if (total->saturated())
      throw input_error(fmt::format("{}: epoch {}, batch {}: a gradient sum left the exact fixed-point range "
                                    "(|sum| < 1.07e9): training has diverged; {}",
                                    cfg_.file, epoch, number, last_good_note()));
    rule_->end_batch(*total, batch.size(), grads_);
    optimizer_step(lr_scale, epoch, number);
    broadcast_weights(t_ms);  // biases only when the copies share the master weights (online rules do)
  };
  const auto steps = static_cast<std::uint64_t>(std::ceil(longest / step_ms - 1e-9));
  for (std::uint64_t k = 0; k < steps; ++k) {
    const double t = (static_cast<double>(k) + 0.5) * step_ms;
    each_lane([&](worker& w, std::size_t, std::size_t) { w.pres->advance_to(t); });
    gather();
    step(t);  // every lane's sample began at 0 (state reset)
  }
  // Steps a lane handles only at its end (a duration off the step grid) get one more optimizer step.
  each_lane([&](worker& w, std::size_t, std::size_t) { w.pres->finish(); });
  gather();
  bool tail = false;
  for (const fixed_sum& s : total->sums)
    for (std::size_t i = 0; i < s.size() && !tail; ++i) tail = s.get(i) != 0.0;
  if (tail) step(-1.0);
  for (std::size_t b = 0; b < B; ++b) {
    worker& w = *workers_[b];
    score_sample(w, mine[b], uid_base + mine[b], fmt::format("epoch {}", epoch));
    stats.add(w);
  }
}

}  // namespace evsnn::rules
