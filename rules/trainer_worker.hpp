#pragma once
// trainer_worker: the trainer's private parts shared by trainer.cpp and trainer_lockstep.cpp — one copy
// of the network with its simulator, presenter, output monitor and rule workers (a worker per thread, or a
// lane per sample of a batch for online rules), and a batch's statistics.
#include <memory>
#include <vector>

#include "datasets/sample.hpp"
#include "engine/presenter.hpp"
#include "engine/simulator.hpp"
#include "rules/fixed_sum.hpp"
#include "rules/output_monitor.hpp"
#include "rules/trainer.hpp"

namespace evsnn::rules {

struct trainer::worker {
  std::unique_ptr<network> net;
  std::unique_ptr<simulator> sim;
  std::unique_ptr<presenter> pres;
  layer_chain chain;
  output_monitor monitor;
  std::unique_ptr<rule_worker> rule, reference;
  std::unique_ptr<rule_worker> input_gradient;  // attacks on continuous-time chains: bp_exact's input gradient
  fixed_sum_set sums, ref_sums;
  fixed_scalar loss_sum;
  std::uint64_t correct = 0, samples = 0, steps = 0;
  data::sample buf;
  std::vector<double> grad;
};

struct trainer::batch_stats {
  fixed_scalar loss_sum;
  std::uint64_t correct = 0, samples = 0, steps = 0;
  run_counters counters;
};

}  // namespace evsnn::rules
