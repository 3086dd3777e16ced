#include "engine/stepped_simulator.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "engine/zero_delay_order.hpp"

namespace evsnn {

stepped_simulator::stepped_simulator(network& net, double dt_ms, std::uint64_t seed)
    : net_(net), dt_ms_(dt_ms), seed_(seed) {
  if (!(std::isfinite(dt_ms) && dt_ms > 0.0)) throw input_error(fmt::format("--dt-ms: must be > 0, got {}", dt_ms));
  net_.finalize();
  std::uint64_t max_delay = 0;
  for (std::uint32_t p = 0; p < net_.population_count(); ++p) {
    pops_.push_back(net_.pop(p).make_stepped(dt_ms));
    if (pops_.back()->is_source()) {
      sources_.push_back(p);
    } else {
      neurons_.push_back(p);
      stepped_neurons_ += pops_.back()->size();
    }
    std::vector<std::uint64_t> d;
    const bool same_step = pops_.back()->same_step();
    for (const auto& g : net_.fanout(p)) {
      d.push_back(same_step ? static_cast<std::uint64_t>(std::max(0.0, std::ceil(g.delay_ms / dt_ms_ - 1e-9)))
                            : delay_steps(g.delay_ms));
      max_delay = std::max(max_delay, d.back());
    }
    group_delay_steps_.push_back(std::move(d));
  }
  for (std::uint32_t p = 0; p < net_.projection_count(); ++p) {
    projection& pr = net_.proj(p);
    std::vector<std::uint32_t> nz(pr.n_pre());
    for (std::uint32_t i = 0; i < pr.n_pre(); ++i) {
      const auto row = pr.row(i);
      nz[i] = static_cast<std::uint32_t>(std::count_if(row.weights.begin(), row.weights.end(), [](double w) { return w != 0.0; }));
    }
    row_nonzero_.push_back(std::move(nz));
  }
  // Step order: zero-delay (same-step) projections of same-step populations into non-sources first.
  std::vector<char> edge(net_.projection_count(), 0);
  for (std::uint32_t p = 0; p < pops_.size(); ++p) {
    if (!pops_[p]->same_step()) continue;
    const auto& groups = net_.fanout(p);
    for (std::uint32_t g = 0; g < groups.size(); ++g)
      if (group_delay_steps_[p][g] == 0)
        for (std::uint32_t j : groups[g].projections) edge[j] = !pops_[net_.proj(j).post_population()]->is_source();
  }
  const std::vector<std::uint32_t> rank = zero_delay_ranks(net_, edge);
  std::stable_sort(neurons_.begin(), neurons_.end(), [&](std::uint32_t a, std::uint32_t b) { return rank[a] < rank[b]; });
  slots_.resize(max_delay + 2);
  std::uint32_t largest = 0;
  for (const auto& sp : pops_) largest = std::max(largest, sp->size());
  buffer_.reserve(largest);
  counters_.populations.assign(net_.population_count(), {});
  counters_.projections.assign(net_.projection_count(), {});
  effective_ops_.assign(net_.projection_count(), 0);
  membrane_updates_.assign(net_.population_count(), 0);
  active_neuron_steps_.assign(net_.population_count(), 0);
}

std::uint64_t stepped_simulator::total_active_neuron_steps() const {
  std::uint64_t n = 0;
  for (std::uint64_t a : active_neuron_steps_) n += a;
  return n;
}

std::uint64_t stepped_simulator::delay_steps(double delay_ms) const {
  return static_cast<std::uint64_t>(std::floor(delay_ms / dt_ms_ + 1e-9));
}

std::uint64_t stepped_simulator::dense_macs(std::uint32_t projection) const {
  const auto& pr = net_.proj(projection);
  return static_cast<std::uint64_t>(pr.n_pre()) * pr.n_post() * steps_;
}

std::uint64_t stepped_simulator::total_dense_macs() const {
  std::uint64_t n = 0;
  for (std::uint32_t p = 0; p < net_.projection_count(); ++p) n += dense_macs(p);
  return n;
}

void stepped_simulator::run(double duration_ms) {
  counters_.reset();
  std::fill(effective_ops_.begin(), effective_ops_.end(), 0);
  std::fill(membrane_updates_.begin(), membrane_updates_.end(), 0);
  std::fill(active_neuron_steps_.begin(), active_neuron_steps_.end(), 0);
  spikes_.clear();
  for (auto& s : slots_) s.clear();
  delivered_step_ = UINT64_MAX;
  steps_ = static_cast<std::uint64_t>(std::ceil(duration_ms / dt_ms_ - 1e-9));
  for (std::uint32_t p = 0; p < pops_.size(); ++p) {
    pops_[p]->reset();
    pops_[p]->begin_sample(simulator::population_seed(seed_, sample_index_, p));  // the simulator's draws
  }
  for (std::uint64_t k = 0; k < steps_; ++k) {
    for (std::uint32_t p : sources_) {
      buffer_.clear();
      pops_[p]->step(k, buffer_);
      for (const stepped_spike& s : buffer_) emit(p, s);
    }
    deliver(k);
    for (std::uint32_t p : neurons_) {
      stepped_population& sp = *pops_[p];
      buffer_.clear();
      const step_counts c = sp.step(k, buffer_);
      counters_.populations[p].neuron_updates += sp.size();
      membrane_updates_[p] += k == 0 ? sp.size() : c.membrane_changes;
      active_neuron_steps_[p] += c.active;
      for (const stepped_spike& s : buffer_) emit(p, s);
    }
  }
  ++sample_index_;
}

void stepped_simulator::emit(std::uint32_t population, const stepped_spike& s) {
  ++counters_.populations[population].spikes;
  if (record_spikes_) spikes_.push_back({s.time_ms, population, s.neuron});
  if (sink_ != nullptr) sink_->on_spike({s.time_ms, population, s.neuron});
  const auto& delays = group_delay_steps_[population];
  for (std::uint32_t g = 0; g < delays.size(); ++g) {
    const std::uint64_t arrival = s.step + delays[g];
    if (arrival >= steps_) continue;
    if (arrival == delivered_step_)  // a same-step population's zero-delay spike: into this step, now
      deliver_one({population, s.neuron, g, s.grade});
    else
      slots_[arrival % slots_.size()].push_back({population, s.neuron, g, s.grade});
  }
}

void stepped_simulator::deliver(std::uint64_t k) {
  std::vector<pending>& slot = slots_[k % slots_.size()];
  for (const pending& a : slot) deliver_one(a);
  slot.clear();
  delivered_step_ = k;
}

void stepped_simulator::deliver_one(const pending& a) {
  for (std::uint32_t p : net_.fanout(a.population)[a.group].projections) {
    projection& pr = net_.proj(p);
    projection_counters& pc = counters_.projections[p];
    const projection::row_view row = pr.row(a.neuron);
    ++pc.spikes_in;
    if (row.post.empty()) continue;
    (pr.graded() ? pc.graded_events : pc.synaptic_events) += row.post.size();
    effective_ops_[p] += row_nonzero_[p][a.neuron];
    const float scale = pr.graded() ? a.grade : 1.0f;
    stepped_population& target = *pops_[pr.post_population()];
    if (pr.dense())
      target.add_dense(row.weights, scale);
    else
      target.add_sparse(row.post, row.weights, scale);
  }
}

}  // namespace evsnn
