// trainer::run_lockstep: a batch of an online rule. Every sample of the batch runs on its own copy of the
// network (a lane); the lanes advance together to the middle of each step, where the rule has handled the
// step, and the trainer takes an optimizer step on the batch mean of the step's gradients before any lane
// runs the next step — the seed-004 online mode (an Adamax step every tick). The lanes are shared among
// the threads in a fixed pattern and the gradients merge in fixed point, so the result does not depend on
// the thread count.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "rules/trainer.hpp"
#include "rules/trainer_worker.hpp"

namespace evsnn::rules {

void trainer::run_lockstep(std::span<const std::size_t> batch, std::uint64_t epoch, std::size_t number,
                           double lr_scale, batch_stats& stats) {
  const std::size_t B = batch.size();
  const std::size_t threads = std::min<std::size_t>(pool_->size(), B);
  const double step_ms = rule_->online_step_ms();
  const std::uint64_t uid_base = epoch * splits_.train->size();
  auto each_lane = [&](auto&& fn) {
    pool_->run(threads, [&](std::size_t t) {
      for (std::size_t b = t; b < B; b += threads) fn(*workers_[b], b);
    });
  };
  each_lane([&](worker& w, std::size_t b) {
    w.sums.clear();
    w.loss_sum.clear();
    w.correct = w.samples = w.steps = 0;
    w.sim->counters().reset();
    splits_.train->load(batch[b], w.buf, epoch + 1);
    w.sim->set_sample_index(uid_base + batch[b]);
    w.rule->set_learning(true);
    w.rule->set_target(w.buf.label);
    w.pres->begin(w.buf.events, w.buf.duration_ms);
  });
  double longest = 0.0;
  for (std::size_t b = 0; b < B; ++b) longest = std::max(longest, workers_[b]->buf.duration_ms);
  // One optimizer step on the lanes' merged sums; false when the rule handed in nothing.
  auto step = [&]() {
    fixed_sum_set total = rule_->make_sums();
    for (std::size_t b = 0; b < B; ++b) total.merge(workers_[b]->sums);
    if (total.saturated())
      throw input_error(fmt::format("{}: epoch {}, batch {}: a gradient sum left the exact fixed-point range "
                                    "(|sum| < 1.07e9): training has diverged; {}",
                                    cfg_.file, epoch, number, last_good_note()));
    rule_->end_batch(total, B, grads_);
    for (std::size_t l = 0; l < master_.size(); ++l) optimizer_->step(l, master_[l], grads_[l], lr_scale);
    optimizer_->finish_step();
    check_weights_finite(epoch, number);
    broadcast_weights();
  };
  const auto steps = static_cast<std::uint64_t>(std::ceil(longest / step_ms - 1e-9));
  for (std::uint64_t k = 0; k < steps; ++k) {
    const double t = (static_cast<double>(k) + 0.5) * step_ms;
    each_lane([&](worker& w, std::size_t) {
      w.sums.clear();
      w.pres->advance_to(t);
      w.rule->accumulate_tick(w.sums);
    });
    step();
  }
  // Steps a lane handles only at its end (a duration off the step grid) get one more optimizer step.
  bool tail = false;
  each_lane([&](worker& w, std::size_t) {
    w.sums.clear();
    w.pres->finish();
    w.rule->accumulate_tick(w.sums);
  });
  for (std::size_t b = 0; b < B && !tail; ++b)
    for (const fixed_sum& s : workers_[b]->sums.sums)
      for (std::size_t i = 0; i < s.size() && !tail; ++i) tail = s.get(i) != 0.0;
  if (tail) step();
  for (std::size_t b = 0; b < B; ++b) {
    worker& w = *workers_[b];
    score_sample(w, batch[b], uid_base + batch[b], fmt::format("epoch {}", epoch));
    stats.loss_sum.merge(w.loss_sum);
    stats.correct += w.correct;
    stats.samples += w.samples;
    stats.steps += w.steps;
    stats.counters.add(w.sim->counters());
  }
}

}  // namespace evsnn::rules
