#include "rules/stdp.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace evsnn::rules {

namespace {

double finite_at(const json_node& n, double value) {
  if (!std::isfinite(value)) n.fail(fmt::format("must be a finite number, got {}", value));
  return value;
}

// Reads a finite number >= 0 (or > 0 when positive) if present, else keeps the default.
void read(const json_node& params, const char* key, double& out, bool positive = false) {
  if (auto n = params.get(key)) out = finite_at(*n, positive ? n->as_positive() : n->as_nonnegative());
}

struct triplet_preset {
  const char* name;
  bool nearest;
  double tau_plus_ms, tau_minus_ms, tau_x_ms, tau_y_ms, a2_plus, a3_plus, a2_minus, a3_minus;
};

// Pfister & Gerstner (2006), visual cortex sets, as rules-spec §7.2 gives them.
constexpr triplet_preset triplet_presets[] = {
    {"visual_cortex_all_to_all", false, 16.8, 33.7, 101.0, 125.0, 7.5e-10, 9.3e-3, 7e-3, 2.3e-4},
    {"visual_cortex_nearest", true, 16.8, 33.7, 714.0, 40.0, 8.8e-11, 5.3e-2, 6.6e-3, 3.1e-3},
};

std::unique_ptr<plasticity> build(const json_node& params, network& net, std::uint32_t projection, bool triplet) {
  params.at("rule");  // read by the registry; marked used here
  const class projection& proj = net.proj(projection);
  stdp_params p;
  p.triplet = triplet;
  if (triplet) {
    if (auto preset = params.get("preset")) {
      std::vector<std::string> names;
      for (const auto& t : triplet_presets) names.emplace_back(t.name);
      const std::string which = preset->as_choice(names);
      for (const auto& t : triplet_presets)
        if (which == t.name) {
          p.nearest = t.nearest;
          p.tau_plus_ms = t.tau_plus_ms;
          p.tau_minus_ms = t.tau_minus_ms;
          p.tau_x_ms = t.tau_x_ms;
          p.tau_y_ms = t.tau_y_ms;
          p.a2_plus = t.a2_plus;
          p.a3_plus = t.a3_plus;
          p.a2_minus = t.a2_minus;
          p.a3_minus = t.a3_minus;
        }
    } else {
      for (const char* key : {"a2_plus", "a3_plus", "a2_minus", "a3_minus"}) params.at(key);  // required
    }
    read(params, "a2_plus", p.a2_plus);
    read(params, "a3_plus", p.a3_plus);
    read(params, "a2_minus", p.a2_minus);
    read(params, "a3_minus", p.a3_minus);
    read(params, "tau_x_ms", p.tau_x_ms, true);
    read(params, "tau_y_ms", p.tau_y_ms, true);
  } else {
    p.a2_plus = finite_at(params.at("a_plus"), params.at("a_plus").as_nonnegative());
    p.a2_minus = finite_at(params.at("a_minus"), params.at("a_minus").as_nonnegative());
  }
  read(params, "tau_plus_ms", p.tau_plus_ms, true);
  read(params, "tau_minus_ms", p.tau_minus_ms, true);
  if (auto n = params.get("interaction")) p.nearest = n->as_choice({"all_to_all", "nearest"}) == "nearest";

  if (auto n = params.get("weight_dependence")) p.weight_dependence = n->as_choice({"additive", "multiplicative", "van_rossum", "gutig"});
  if (p.weight_dependence == "multiplicative") p.mu_plus = p.mu_minus = 1.0;
  if (p.weight_dependence == "van_rossum") p.mu_minus = 1.0;
  if (p.weight_dependence == "gutig") {
    const json_node mu = params.at("mu");
    const double v = finite_at(mu, mu.as_double());
    if (!(v > 0.0 && v <= 1.0)) mu.fail(fmt::format("must be in (0, 1], got {}", v));
    p.mu_plus = p.mu_minus = v;
  } else if (auto mu = params.get("mu")) {
    mu->fail("only with \"weight_dependence\": \"gutig\"");
  }
  if (auto n = params.get("w_min")) p.w_min = finite_at(*n, n->as_double());
  if (auto n = params.get("w_max")) {
    p.w_max = finite_at(*n, n->as_double());
    p.bounded_above = true;
    if (!(p.w_max > p.w_min)) n->fail(fmt::format("must be > w_min ({}), got {}", p.w_min, p.w_max));
  } else if (p.weight_dependence != "additive") {
    params.fail(fmt::format("\"w_max\" is required with \"weight_dependence\": \"{}\"", p.weight_dependence));
  }
  p.dendritic_delay_ms = proj.delay_ms();
  if (auto n = params.get("dendritic_delay_ms")) {
    const double d = finite_at(*n, n->as_nonnegative());
    if (d > proj.delay_ms())
      n->fail(fmt::format("must not exceed the projection's delay_ms ({}), got {}", proj.delay_ms(), d));
    p.dendritic_delay_ms = d;
  }
  params.finish();

  if (proj.graded())
    params.fail(fmt::format("projection '{}' is graded; STDP needs ungraded spikes", proj.name()));
  if (!net.pop(proj.post_population()).spiking())
    params.fail(fmt::format("projection '{}' ends on '{}' ({}), which never spikes; STDP needs a spiking target",
                            proj.name(), net.pop(proj.post_population()).name(),
                            net.pop(proj.post_population()).model()));
  const double hi = p.bounded_above ? p.w_max : std::numeric_limits<double>::infinity();
  for (std::uint32_t s = 0; s < proj.synapse_count(); ++s) {
    const double w = proj.weight(s);
    if (!(w >= p.w_min && w <= hi))
      params.fail(fmt::format("projection '{}': weight {} of synapse {} -> {} lies outside [w_min, w_max] = [{}, {}]",
                              proj.name(), w, proj.pre_of(s), proj.post_of(s), p.w_min, hi));
  }
  return std::make_unique<stdp>(net, projection, p);
}

}  // namespace

stdp::stdp(network& net, std::uint32_t projection, stdp_params p)
    : plasticity(projection),
      net_(net),
      p_(std::move(p)),
      r1_(net.proj(projection).n_pre(), p_.tau_plus_ms),
      r2_(p_.triplet ? net.proj(projection).n_pre() : 0, p_.tau_x_ms),
      o1_(net.proj(projection).n_post(), p_.tau_minus_ms),
      o2_(p_.triplet ? net.proj(projection).n_post() : 0, p_.tau_y_ms) {}

hook_subscription stdp::subscription() const {
  hook_subscription sub;
  sub.pre_projections.push_back(projection());
  sub.post_projections.push_back(projection());
  return sub;
}

nlohmann::json stdp::describe() const {
  nlohmann::json j = {{"rule", rule()},
                      {"interaction", p_.nearest ? "nearest" : "all_to_all"},
                      {"tau_plus_ms", p_.tau_plus_ms},
                      {"tau_minus_ms", p_.tau_minus_ms},
                      {"weight_dependence", p_.weight_dependence},
                      {"w_min", p_.w_min},
                      {"dendritic_delay_ms", p_.dendritic_delay_ms}};
  if (p_.triplet) {
    j["tau_x_ms"] = p_.tau_x_ms;
    j["tau_y_ms"] = p_.tau_y_ms;
    j["a2_plus"] = p_.a2_plus;
    j["a3_plus"] = p_.a3_plus;
    j["a2_minus"] = p_.a2_minus;
    j["a3_minus"] = p_.a3_minus;
  } else {
    j["a_plus"] = p_.a2_plus;
    j["a_minus"] = p_.a2_minus;
  }
  if (p_.weight_dependence == "gutig") j["mu"] = p_.mu_plus;
  if (p_.bounded_above) j["w_max"] = p_.w_max;
  return j;
}

void stdp::bump(trace_bank& fast, trace_bank& slow, std::uint32_t neuron, const trace_bank::at_time& fast_at,
                const trace_bank::at_time& slow_at, projection_counters& c, std::uint32_t counted) {
  if (p_.nearest) {
    fast.set(neuron, fast_at, 1.0);
    if (p_.triplet) slow.set(neuron, slow_at, 1.0);
  } else {
    fast.add(neuron, fast_at, 1.0);
    if (p_.triplet) slow.add(neuron, slow_at, 1.0);
  }
  c.trace_updates += (p_.triplet ? 2u : 1u) * counted;
}

double stdp::clip(double w) const {
  if (w < p_.w_min) return p_.w_min;
  if (p_.bounded_above && w > p_.w_max) return p_.w_max;
  return w;
}

void stdp::on_pre(const pre_context& ctx) {
  if (!learning()) return;
  mature(ctx.t_ms, ctx.counters);
  const std::uint32_t i = ctx.pre;
  const trace_bank::at_time o1_at = o1_.at(ctx.t_ms);
  const trace_bank::at_time r_at = r1_.at(ctx.t_ms);
  const trace_bank::at_time r2_at = p_.triplet ? r2_.at(ctx.t_ms) : trace_bank::at_time{0.0, 0.0};
  const double amp = p_.a2_minus + (p_.triplet ? p_.a3_minus * r2_.value(i, r2_at) : 0.0);
  evsnn::projection& proj = ctx.proj;
  const projection::row_view row = proj.row(i);
  const double range = p_.bounded_above ? p_.w_max - p_.w_min : 1.0;
  std::uint64_t writes = 0;
  const bool additive = p_.mu_minus == 0.0;
  if (additive && amp != 0.0) {
    // Additive depression, branch-free over the row: a target without a trace changes by exactly 0.
    double* __restrict wr = row.weights.data();
    const double hi = p_.bounded_above ? p_.w_max : std::numeric_limits<double>::infinity();
    const bool f32 = proj.float32();
    for (std::size_t k = 0; k < row.post.size(); ++k) {
      const double y = o1_.value(row.post[k], o1_at);
      writes += y != 0.0;
      const double w = std::min(std::max(wr[k] - y * amp, p_.w_min), hi);
      wr[k] = f32 ? static_cast<double>(static_cast<float>(w)) : w;
    }
  }
  for (std::size_t k = 0; !additive && k < row.post.size(); ++k) {
    const double y = o1_.value(row.post[k], o1_at);
    if (y == 0.0 || amp == 0.0) continue;
    const auto s = static_cast<std::uint32_t>(row.first_synapse + k);
    const double w = proj.weight(s);
    const double f = p_.mu_minus == 0.0 ? 1.0 : std::pow((w - p_.w_min) / range, p_.mu_minus);
    proj.set_weight(s, clip(w - f * y * amp));
    ++writes;
  }
  ctx.counters.weight_updates += writes;
  bump(r1_, r2_, i, r_at, r2_at, ctx.counters, ctx.counts_spike);
}

void stdp::on_post(const post_context& ctx) {
  if (!learning()) return;
  mature(ctx.t_ms, ctx.counters);
  if (fifo_head_ > 0 && fifo_head_ == fifo_.size()) {
    fifo_.clear();
    fifo_head_ = 0;
  }
  fifo_.push_back({ctx.t_ms + 2.0 * p_.dendritic_delay_ms, ctx.post});
  mature(ctx.t_ms, ctx.counters);
}

void stdp::mature(double t_ms, projection_counters& c) {
  while (fifo_head_ < fifo_.size() && fifo_[fifo_head_].t_ms <= t_ms) {
    const pending_post e = fifo_[fifo_head_++];
    potentiate(e.neuron, e.t_ms, c);
  }
  // Keep the buffer compact: drop the consumed prefix once it is the larger part.
  if (fifo_head_ > 64 && 2 * fifo_head_ > fifo_.size()) {
    fifo_.erase(fifo_.begin(), fifo_.begin() + static_cast<std::ptrdiff_t>(fifo_head_));
    fifo_head_ = 0;
  }
}

void stdp::potentiate(std::uint32_t j, double t_ms, projection_counters& c) {
  evsnn::projection& proj = net_.proj(projection());
  const trace_bank::at_time r_at = r1_.at(t_ms);
  const trace_bank::at_time o1_at = o1_.at(t_ms);
  const trace_bank::at_time o2_at = p_.triplet ? o2_.at(t_ms) : trace_bank::at_time{0.0, 0.0};
  const double amp = p_.a2_plus + (p_.triplet ? p_.a3_plus * o2_.value(j, o2_at) : 0.0);
  const double range = p_.bounded_above ? p_.w_max - p_.w_min : 1.0;
  std::uint64_t writes = 0;
  if (amp != 0.0) {
    for (std::uint32_t s : proj.incoming(j)) {
      const double x = r1_.value(proj.pre_of(s), r_at);
      if (x == 0.0) continue;
      const double w = proj.weight(s);
      const double f = p_.mu_plus == 0.0 ? 1.0 : std::pow((p_.w_max - w) / range, p_.mu_plus);
      proj.set_weight(s, clip(w + f * x * amp));
      ++writes;
    }
  }
  c.weight_updates += writes;
  bump(o1_, o2_, j, o1_at, o2_at, c, 1);
}

void stdp::settle(double /*t_ms*/) {
  projection_counters* c = counters();
  projection_counters scratch;
  mature(std::numeric_limits<double>::infinity(), c ? *c : scratch);
}

void stdp::on_reset(double t_ms) {
  settle(t_ms);
  fifo_.clear();
  fifo_head_ = 0;
  r1_.reset(t_ms);
  r2_.reset(t_ms);
  o1_.reset(t_ms);
  o2_.reset(t_ms);
}

std::unique_ptr<plasticity> make_stdp(const json_node& params, network& net, std::uint32_t projection) {
  return build(params, net, projection, false);
}

std::unique_ptr<plasticity> make_stdp_triplet(const json_node& params, network& net, std::uint32_t projection) {
  return build(params, net, projection, true);
}

}  // namespace evsnn::rules
