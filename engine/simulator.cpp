#include "engine/simulator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "engine/zero_delay_order.hpp"

namespace evsnn {

simulator::simulator(network& net, std::uint64_t seed) : net_(net), seed_(seed) {
  net_.finalize();
  counters_.populations.assign(net_.population_count(), {});
  counters_.projections.assign(net_.projection_count(), {});
  pre_hooks_.assign(net_.projection_count(), {});
  post_hooks_.assign(net_.population_count(), {});
  std::vector<char> edge(net_.projection_count(), 0);
  for (std::uint32_t j = 0; j < net_.projection_count(); ++j) {
    const projection& pr = net_.proj(j);
    edge[j] = pr.delay_ms() == 0.0 && net_.pop(pr.pre_population()).settles() && net_.pop(pr.post_population()).settles();
  }
  settle_rank_ = zero_delay_ranks(net_, edge);
  for (std::uint32_t r : settle_rank_)
    if (r > max_settle_rank) throw input_error("more than 65535 tick populations chained by zero-delay projections");
  for (std::uint32_t p = 0; p < net_.population_count(); ++p) net_.pop(p).attach(p, this, &counters_.populations[p]);
  // One arrival stream per fan-out group (event_queue.hpp): a group's arrivals come in emission order.
  stream_base_.assign(net_.population_count(), 0);
  std::uint32_t streams = 0;
  for (std::uint32_t p = 0; p < net_.population_count(); ++p) {
    stream_base_[p] = streams;
    streams += static_cast<std::uint32_t>(net_.fanout(p).size());
  }
  queue_.set_streams(streams);
  sole_target_.assign(streams, no_target);
  for (std::uint32_t p = 0; p < net_.population_count(); ++p) {
    const auto& groups = net_.fanout(p);
    for (std::uint32_t g = 0; g < groups.size(); ++g) {
      const auto& projs = groups[g].projections;
      if (projs.empty()) continue;
      const std::uint32_t post = net_.proj(projs[0]).post_population();
      bool sole = net_.pop(post).defers_predictions();
      for (std::uint32_t j : projs) sole = sole && net_.proj(j).post_population() == post;
      if (sole) sole_target_[stream_base_[p] + g] = post;
    }
  }
  pending_limit_ = default_pending_limit();
  // Per projection, the one rank that counts its spikes_in and per-spike rule work: the rank holding both
  // ends when one rank does (its spikes stay there), else rank 0 (every rank applies every spike).
  const partition& part = net_.part();
  counts_arrivals_.assign(net_.projection_count(), 1);
  for (std::uint32_t j = 0; j < net_.projection_count() && !part.whole(); ++j) {
    const int pre_owner = part.owner(net_.proj(j).pre_population());
    const bool local = pre_owner >= 0 && pre_owner == part.owner(net_.proj(j).post_population());
    counts_arrivals_[j] = part.rank() == (local ? pre_owner : 0) ? 1 : 0;
  }
  for (std::size_t k = 0; k < net_.plasticity_count(); ++k) {
    plasticity& rule = net_.plastic(k);
    rule.bind_counters(&counters_.projections[rule.projection()]);
    add_hook(rule, rule.subscription());
  }
}

void simulator::report_outcome(const sample_outcome& outcome) {
  for (hook_entry& h : hooks_)
    if (h.sub.samples) h.h->on_sample_outcome(outcome);
}

void simulator::settle() {
  for (std::size_t k = 0; k < net_.plasticity_count(); ++k) net_.plastic(k).settle(now());
}

void simulator::add_hook(hook& h, const hook_subscription& sub) {
  hooks_.push_back({&h, sub});
  for (std::uint32_t p : sub.pre_projections) pre_hooks_.at(p).push_back(&h);
  for (std::uint32_t p : sub.post_projections) post_hooks_.at(net_.proj(p).post_population()).push_back({&h, p});
}

void simulator::set_stop_poll(std::function<bool()> poll, std::uint64_t every_events) {
  stop_poll_ = std::move(poll);
  poll_every_ = every_events > 0 ? every_events : 1;
  next_poll_ = stop_poll_ ? events_processed_ + poll_every_ : no_limit;
  update_check_point();
}

void simulator::set_limits(std::uint64_t max_events, std::uint64_t max_spikes) {
  auto from_now = [](std::uint64_t base, std::uint64_t n) { return n == 0 || n > no_limit - base ? no_limit : base + n; };
  event_limit_ = from_now(events_processed_, max_events);
  spike_limit_ = from_now(spikes_emitted_, max_spikes);
  update_check_point();
}

std::uint64_t simulator::default_pending_limit() const {
  double slots = 0.0;
  for (std::uint32_t p = 0; p < net_.population_count(); ++p)
    slots += static_cast<double>(net_.pop(p).size()) * static_cast<double>(std::max<std::size_t>(1, net_.fanout(p).size()));
  constexpr double floor = 1u << 20, per_slot = 64.0;
  return static_cast<std::uint64_t>(std::min(std::max(floor, per_slot * slots), 0x1p62));
}

std::string_view simulator::runaway_cause() {
  return "the network's activity outruns its delays (a runaway, e.g. recurrent excitation with no refractory "
         "period firing ever faster)";
}

std::string simulator::pending_stop_text() const {
  return fmt::format("{} events pending at t = {} ms, more than the limit of {}: {}", queue_.size(), now(),
                     pending_limit_, runaway_cause());
}

void simulator::update_check_point() {
  check_at_ = spikes_emitted_ > spike_limit_ || queue_.size() > pending_limit_ ? 0 : std::min(next_poll_, event_limit_);
}

bool simulator::check_stop() {
  if (queue_.size() > pending_limit_) {
    stop_ = stop_reason::max_pending;
  } else if (spikes_emitted_ > spike_limit_) {
    stop_ = stop_reason::max_spikes;
  } else if (events_processed_ >= event_limit_) {
    stop_ = stop_reason::max_events;
  } else if (events_processed_ >= next_poll_) {
    next_poll_ = events_processed_ + poll_every_;
    if (stop_poll_()) stop_ = stop_reason::requested;
  }
  update_check_point();
  return stop_ != stop_reason::none;
}

void simulator::begin_sample(double t_ms, bool reset_state) {
  if (stop_ != stop_reason::none) return;
  if (reset_state) {
    queue_.clear(t_ms);
    for (std::uint32_t p = 0; p < net_.population_count(); ++p)
      if (net_.part().active(p)) net_.pop(p).reset(t_ms);
    for (hook_entry& h : hooks_)
      if (h.sub.samples) h.h->on_reset(t_ms);
    for (std::uint32_t h = 0; h < hooks_.size(); ++h)
      if (hooks_[h].sub.tick_period_ms > 0.0) {
        const hook_subscription& sub = hooks_[h].sub;
        queue_.push(t_ms + (sub.tick_first_ms > 0.0 ? sub.tick_first_ms : sub.tick_period_ms), event_kind::tick, h, 0);
      }
  }
  queue_.push(t_ms, event_kind::sample_begin, 0, 0, static_cast<std::uint32_t>(sample_index_));
  run_until(t_ms);
}

void simulator::end_sample(double t_ms) {
  run_until(t_ms);
  if (stop_ != stop_reason::none) return;
  queue_.push(t_ms, event_kind::sample_end, 0, 0, static_cast<std::uint32_t>(sample_index_));
  run_until(t_ms);
  ++sample_index_;
}

void simulator::run(double duration_ms) {
  begin_sample(0.0, true);
  end_sample(duration_ms);
}

void simulator::run_until(double t_ms) {
  // time <= t is time < the next double above t (event times are finite, so t = +inf runs every event).
  run_before(std::nextafter(t_ms, std::numeric_limits<double>::infinity()));
}

void simulator::run_before(double t_ms) {
  while (stop_ == stop_reason::none && !queue_.empty() && queue_.next_time() < t_ms) {
    if (events_processed_ >= check_at_ && check_stop()) break;
    ++events_processed_;
    dispatch(queue_.pop());
  }
  if (held_ != no_target) finish_held();  // the run stopped between same-time rows
  counters_.queue_pushes += queue_.pushes() - pushes_at_sync_;
  counters_.queue_pops += queue_.pops() - pops_at_sync_;
  pushes_at_sync_ = queue_.pushes();
  pops_at_sync_ = queue_.pops();
}

void simulator::dispatch(const event& e) {
  ++counters_.events;
  switch (e.kind()) {
    case event_kind::arrival:
      deliver_arrival(e);
      break;
    case event_kind::wakeup:
      net_.pop(e.target).wakeup(e.time_ms, e.index, e.aux);
      break;
    case event_kind::settle:
      net_.pop(e.target).settle(e.time_ms);
      break;
    case event_kind::tick: {
      hook_entry& h = hooks_[e.target];
      ++counters_.ticks;
      h.h->on_tick(e.time_ms);
      queue_.push(e.time_ms + h.sub.tick_period_ms, event_kind::tick, e.target, 0);
      break;
    }
    case event_kind::sample_begin: {
      for (std::uint32_t p = 0; p < net_.population_count(); ++p)
        if (net_.part().active(p)) net_.pop(p).begin_sample(e.time_ms, population_seed(seed_, sample_index_, p));
      for (hook_entry& h : hooks_)
        if (h.sub.samples) h.h->on_sample_begin(e.time_ms, sample_index_);
      break;
    }
    case event_kind::sample_end:
      for (hook_entry& h : hooks_)
        if (h.sub.samples) h.h->on_sample_end(e.time_ms, sample_index_);
      break;
  }
}

void simulator::finish_held() {
  const std::uint32_t p = held_;
  held_ = no_target;
  net_.pop(p).finish_predictions();
}

void simulator::deliver_arrival(const event& e) {
  const network::fanout_group& group = net_.fanout(e.target)[e.aux];
  // Same-time rows to one population (population::defer_predictions): deferred while the next event is an
  // arrival at this time whose rows all go to the same population; finished after the last one's rows.
  const std::uint32_t sole = sole_target_[stream_base_[e.target] + e.aux];
  bool defer = false;
  if (sole != no_target && !queue_.empty()) {
    const event& next = queue_.peek();
    defer = next.time_ms == e.time_ms && next.kind() == event_kind::arrival &&
            sole_target_[stream_base_[next.target] + next.aux] == sole;
  }
  if (held_ != no_target && held_ != sole) finish_held();  // (only after a deferral the population ended itself)
  if (defer) {
    held_ = sole;
    net_.pop(sole).defer_predictions();
  }
  for (std::uint32_t p : group.projections) {
    projection& pr = net_.proj(p);
    projection_counters& pc = counters_.projections[p];
    for (hook* h : pre_hooks_[p]) h->on_pre(pre_context{pr, p, e.index, e.time_ms, e.grade, pc, counts_arrivals_[p]});
    const projection::row_view row = pr.row(e.index);
    pc.spikes_in += counts_arrivals_[p];
    if (row.post.empty()) continue;
    const float scale = pr.graded() ? e.grade : 1.0f;
    (pr.graded() ? pc.graded_events : pc.synaptic_events) += row.post.size();
    population& target = net_.pop(pr.post_population());
    if (pr.dense())
      target.deliver_dense(e.time_ms, row.weights, scale);
    else
      target.deliver_sparse(e.time_ms, row.post, row.weights, scale);
  }
  if (!defer && held_ != no_target) finish_held();
}

void simulator::emit_spike(std::uint32_t population, std::uint32_t neuron, double t_ms, float grade) {
  ++counters_.populations[population].spikes;
  const std::uint32_t global = net_.part().global_index(population, neuron);
  if (record_spikes_) spikes_.push_back({t_ms, population, global, grade});
  if (sink_ != nullptr) sink_->on_spike({t_ms, population, global, grade});
  if (++spikes_emitted_ > spike_limit_) check_at_ = 0;
  for (const post_hook& ph : post_hooks_[population]) {
    projection& pr = net_.proj(ph.projection);
    ph.h->on_post(post_context{pr, ph.projection, neuron, t_ms, grade, counters_.projections[ph.projection]});
  }
  const auto& groups = net_.fanout(population);
  for (std::uint32_t g = 0; g < groups.size(); ++g)
    queue_.push_arrival(t_ms + groups[g].delay_ms, t_ms, population, global, g, grade, stream_base_[population] + g);
  note_pending();
}

void simulator::receive_spike(const spike_record& s) {
  const auto& groups = net_.fanout(s.population);
  const double window = net_.part().window_ms();
  for (std::uint32_t g = 0; g < groups.size(); ++g)
    // A group faster than the window holds only projections within the sender's rank.
    if (groups[g].delay_ms >= window)
      queue_.push_arrival(s.time_ms + groups[g].delay_ms, s.time_ms, s.population, s.neuron, g, s.grade,
                          stream_base_[s.population] + g);
  note_pending();
}

void simulator::schedule_wakeup(std::uint32_t population, std::uint32_t neuron, double t_ms, std::uint32_t version) {
  ++counters_.populations[population].wakeups_scheduled;
  queue_.push(t_ms, event_kind::wakeup, population, neuron, version);
  note_pending();
}

void simulator::schedule_settle(std::uint32_t population, double t_ms) {
  queue_.push_settle(t_ms, population, settle_rank_[population]);
}

}  // namespace evsnn
