#pragma once
// trainer_worker: the trainer's private parts shared by trainer.cpp and trainer_lockstep.cpp — one copy
// of the network with its simulator, presenter, output monitor and rule workers (a worker per thread, or a
// lane per sample of a batch for online rules), and a batch's statistics.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "datasets/sample.hpp"
#include "engine/error.hpp"
#include "engine/presenter.hpp"
#include "engine/simulator.hpp"
#include "rules/fixed_sum.hpp"
#include "rules/hidden_spike_counter.hpp"
#include "rules/output_monitor.hpp"
#include "rules/trainer.hpp"

namespace evsnn::rules {

struct trainer::worker {
  std::unique_ptr<network> net;
  std::unique_ptr<simulator> sim;
  std::unique_ptr<presenter> pres;
  layer_chain chain;
  output_monitor monitor;
  hidden_spike_counter hidden;  // spikes per hidden neuron since clear_scores()
  std::unique_ptr<rule_worker> rule, reference;
  std::unique_ptr<rule_worker> input_gradient;  // attacks on continuous-time chains: bp_exact's input gradient
  fixed_sum_set sums, ref_sums;
  fixed_scalar loss_sum;
  std::uint64_t correct = 0, samples = 0, steps = 0;
  std::vector<std::uint64_t> fired;  // per spiking output neuron: the scored samples it spiked in
  data::sample buf;
  std::vector<double> grad;
  // Clears the figures score_sample adds to and the simulator's counters (before a batch or an evaluation).
  void clear_scores() {
    loss_sum.clear();
    correct = samples = steps = 0;
    std::fill(fired.begin(), fired.end(), 0);
    hidden.clear();
    sim->counters().reset();
  }
};

// A sample whose simulator stopped at its bound on pending events (a runaway network: simulator.hpp) is an
// input error naming the config, the phase and the sample; training cannot go on from a truncated sample.
inline void throw_if_runaway(const simulator& sim, const std::string& config, const std::string& when, std::size_t idx) {
  if (sim.stopped() == stop_reason::max_pending)
    throw input_error(fmt::format("{}: {}: sample {}: {}; lower the excitation or add a refractory period", config,
                                  when, idx, sim.pending_stop_text()));
}

struct trainer::batch_stats {
  fixed_scalar loss_sum;
  std::uint64_t correct = 0, samples = 0, steps = 0;
  std::vector<std::uint64_t> fired;  // per spiking output neuron: the samples it spiked in
  std::vector<std::uint64_t> hidden_spikes;  // per hidden neuron (hidden_spike_counter's order): its spikes
  run_counters counters;
  // Adds what w scored since its clear_scores().
  void add(const worker& w) {
    loss_sum.merge(w.loss_sum);
    correct += w.correct;
    samples += w.samples;
    steps += w.steps;
    if (fired.size() < w.fired.size()) fired.resize(w.fired.size(), 0);
    for (std::size_t i = 0; i < w.fired.size(); ++i) fired[i] += w.fired[i];
    const std::span<const std::uint64_t> h = w.hidden.counts();
    if (hidden_spikes.size() < h.size()) hidden_spikes.resize(h.size(), 0);
    for (std::size_t i = 0; i < h.size(); ++i) hidden_spikes[i] += h[i];
    counters.add(w.sim->counters());
  }
};

}  // namespace evsnn::rules
