#include "models/builtin_models.hpp"

#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "engine/array_cache.hpp"
#include "engine/error.hpp"
#include "engine/event.hpp"
#include "engine/npy_reader.hpp"
#include "models/cuba_lif.hpp"
#include "models/li.hpp"
#include "models/lif_alpha.hpp"
#include "models/lif_delta.hpp"
#include "models/lif_tick.hpp"
#include "models/spike_source.hpp"

namespace evsnn {
namespace {

std::unique_ptr<population> make_lif_alpha(const std::string& name, std::uint32_t size, const json_node& params,
                                           const model_context&) {
  const double tau_mem = params.at("tau_mem_ms").as_positive();
  if (auto ts = params.get("tau_syn_ms")) {
    const double tau_syn = ts->as_positive();
    if (std::fabs(tau_mem - 2.0 * tau_syn) > 1e-12 * tau_mem)
      ts->fail(fmt::format("lif_alpha needs tau_mem_ms = 2 tau_syn_ms (got {} and {}); use cuba_lif for other ratios",
                           tau_mem, tau_syn));
  }
  spiking_params sp = read_spiking_params(params, size);
  read_max_spikes(params, sp);
  params.finish();
  return std::make_unique<lif_alpha>(name, size, alpha_kernel(tau_mem), std::move(sp));
}

std::unique_ptr<population> make_cuba_lif(const std::string& name, std::uint32_t size, const json_node& params,
                                          const model_context&) {
  const double tau_mem = params.at("tau_mem_ms").as_positive();
  // Any positive tau_syn_ms: equal to tau_mem_ms gives the limit kernel (s/tau_mem) e^{-s/tau_mem}.
  const double tau_syn = params.at("tau_syn_ms").as_positive();
  spiking_params sp = read_spiking_params(params, size);
  read_max_spikes(params, sp);
  params.finish();
  return std::make_unique<cuba_lif>(name, size, exp_kernel(tau_mem, tau_syn), std::move(sp));
}

std::unique_ptr<population> make_lif_delta(const std::string& name, std::uint32_t size, const json_node& params,
                                           const model_context&) {
  const double tau_mem = params.at("tau_mem_ms").as_positive();
  spiking_params sp = read_spiking_params(params, size);
  params.finish();
  return std::make_unique<lif_delta>(name, size, tau_mem, std::move(sp));
}

// if_delta: integrate-and-fire without leak (NIR's IF): lif_delta with an infinite time constant.
std::unique_ptr<population> make_if_delta(const std::string& name, std::uint32_t size, const json_node& params,
                                          const model_context&) {
  spiking_params sp = read_spiking_params(params, size);
  params.finish();
  return std::make_unique<lif_delta>(name, size, std::numeric_limits<double>::infinity(), std::move(sp));
}

// lif_tick: "tick_ms" (default 1), "leak" λ in (0, 1) or "tau_param" (λ = 1/(1+e^{-tau_param}), default 3,
// as the seed's code), "bias" (number or `size` numbers, default 0), "threshold", "reset" (spiking_params),
// "adapt_beta" (ALIF β >= 0, default 0) with "adapt_tau_ms" (τ_a > 0, ρ = e^{-tick_ms/τ_a}).
std::unique_ptr<population> make_lif_tick(const std::string& name, std::uint32_t size, const json_node& params,
                                          const model_context&) {
  lif_tick::parameters p;
  if (auto t = params.get("tick_ms")) {
    // Step indices up to max_time_ms / tick_ms must fit a 64-bit counter.
    p.tick_ms = t->as_positive();
    if (p.tick_ms < 1e-6 || p.tick_ms > max_time_ms)
      t->fail(fmt::format("must be in [1e-06, {}] ms, got {}", max_time_ms, p.tick_ms));
  }
  auto leak = params.get("leak");
  auto tau = params.get("tau_param");
  if (leak && tau) params.fail("give 'leak' or 'tau_param', not both");
  if (leak) {
    p.leak = leak->as_double();
    if (!(p.leak > 0.0 && p.leak < 1.0)) leak->fail(fmt::format("must be in (0, 1), got {}", p.leak));
  } else {
    const double tau_param = tau ? tau->as_double() : 3.0;
    p.leak = 1.0 / (1.0 + std::exp(-tau_param));
    if (!(p.leak > 0.0 && p.leak < 1.0))
      tau->fail(fmt::format("gives leak {} (1/(1+e^-{})), outside (0, 1)", p.leak, tau_param));
  }
  p.bias.assign(size, 0.0);
  if (auto b = params.get("bias")) {
    if (b->is_array()) {
      if (b->size() != size) b->fail(fmt::format("{} biases, expected {} (the population size)", b->size(), size));
      for (std::uint32_t i = 0; i < size; ++i) p.bias[i] = (*b)[i].as_double();
    } else {
      p.bias.assign(size, b->as_double());
    }
  }
  p.spiking = read_spiking_params(params, size);
  if (p.spiking.refractory_ms != 0.0) params.at("refractory_ms").fail("lif_tick has no refractory period");
  if (auto beta = params.get("adapt_beta")) {
    p.adapt_beta = beta->as_nonnegative();
    if (p.adapt_beta > 3e38) beta->fail(fmt::format("must be at most 3e38, got {}", p.adapt_beta));
  }
  if (auto tau_a = params.get("adapt_tau_ms")) {
    const double t = tau_a->as_positive();
    p.adapt_decay = std::exp(-p.tick_ms / t);
  } else if (p.adapt_beta > 0.0) {
    params.fail("adapt_beta > 0 needs adapt_tau_ms (the adaptation's time constant)");
  }
  if (p.adapt_beta > 0.0)
    for (std::uint32_t i = 0; i < size; ++i)
      if (p.bias[i] > 0.0 && p.bias[i] / (1.0 - p.leak) >= p.spiking.threshold[i])
        params.at("bias").fail(fmt::format("neuron {}: bias {} drives the neuron across its threshold {} with no input "
                                           "(bias/(1 - leak) >= threshold); with adapt_beta > 0 that is not supported",
                                           i, p.bias[i], p.spiking.threshold[i]));
  params.finish();
  return std::make_unique<lif_tick>(name, size, std::move(p));
}

std::unique_ptr<population> make_li(const std::string& name, std::uint32_t size, const json_node& params,
                                    const model_context&) {
  const double tau_mem = params.at("tau_mem_ms").as_positive();
  double tau_syn = 0.0;
  if (auto ts = params.get("tau_syn_ms")) tau_syn = ts->as_nonnegative();  // 0: delta synapses; may equal tau_mem
  params.finish();
  return std::make_unique<li>(name, size, tau_mem, tau_syn);
}

// Input spikes from an array of shape (n, 2) or (n, 3): rows (time_ms, channel[, grade]); path names it in errors.
std::vector<input_event> spike_rows(const npy_array& a, const std::string& path, std::uint32_t size) {
  if (a.shape.size() != 2 || (a.shape[1] != 2 && a.shape[1] != 3))
    throw input_error(fmt::format("{}: shape ({}), expected (n, 2) rows of time_ms, channel or (n, 3) with a grade", path,
                                  fmt::join(a.shape, ", ")));
  const std::size_t cols = a.shape[1];
  std::vector<input_event> events(a.shape[0]);
  for (std::size_t k = 0; k < events.size(); ++k) {
    const double t = a.values[k * cols], ch = a.values[k * cols + 1];
    if (!(t >= 0.0 && t <= 1e12)) throw input_error(fmt::format("{}: row {}: time_ms {} is not in [0, 1e12]", path, k, t));
    if (!(ch >= 0.0 && ch < size && ch == std::floor(ch)))
      throw input_error(fmt::format("{}: row {}: channel {} out of range (population size {})", path, k, ch, size));
    events[k].time_ms = t;
    events[k].channel = static_cast<std::uint32_t>(ch);
    if (cols == 3) {
      const double g = a.values[k * cols + 2];
      if (std::fabs(g) > 3.4e38) throw input_error(fmt::format("{}: row {}: grade {} does not fit a float", path, k, g));
      events[k].grade = static_cast<float>(g);
    }
  }
  return events;
}

std::unique_ptr<population> make_spike_source(const std::string& name, std::uint32_t size, const json_node& params,
                                              const model_context& ctx) {
  auto csv = params.get("spikes_csv");
  auto npy = params.get("spikes_npy");
  auto hdf5 = params.get("spikes_hdf5");
  auto rate = params.get("rate_hz");
  auto inline_spikes = params.get("spikes");
  auto external = params.get("external");
  const int modes = (csv ? 1 : 0) + (npy ? 1 : 0) + (hdf5 ? 1 : 0) + (rate ? 1 : 0) + (inline_spikes ? 1 : 0) +
                    (external ? 1 : 0);
  if (modes != 1)
    params.fail("spike_source needs exactly one of 'spikes_csv', 'spikes_npy', 'spikes_hdf5', 'spikes', 'rate_hz' or "
                "'external': true");
  params.finish();
  // At most 3 x 2^32 values: rows of (time, channel, grade), a bound the file's size or the memory check of
  // the reader tightens.
  constexpr std::uint64_t max_values = std::uint64_t(3) << 32;
  if (npy) {
    std::filesystem::path p = npy->as_string();
    if (p.is_relative()) p = ctx.base_dir / p;
    return spike_source::replay(
        name, size, spike_rows(read_array(ctx.arrays, array_format::npy, p.string(), "", max_values), p.string(), size));
  }
  if (hdf5) {
    hdf5->expect_object();
    std::filesystem::path p = hdf5->at("file").as_string();
    const std::string dataset = hdf5->at("dataset").as_string();
    hdf5->finish();
    if (p.is_relative()) p = ctx.base_dir / p;
    return spike_source::replay(name, size,
                                spike_rows(read_array(ctx.arrays, array_format::hdf5, p.string(), dataset, max_values),
                                           fmt::format("{}: {}", p.string(), dataset), size));
  }
  if (csv) {
    std::filesystem::path p = csv->as_string();
    if (p.is_relative()) p = ctx.base_dir / p;
    return spike_source::replay(name, size, read_spike_csv(p.string(), size));
  }
  if (rate) return spike_source::poisson(name, size, rate->as_nonnegative());
  if (inline_spikes) {
    std::vector<input_event> events;
    for (std::size_t k = 0; k < inline_spikes->size(); ++k) {
      const json_node e = (*inline_spikes)[k];
      if (!e.is_array() || e.size() < 2 || e.size() > 3) e.fail("expected [time_ms, channel] or [time_ms, channel, grade]");
      input_event ev;
      ev.time_ms = e[0].as_nonnegative();
      const std::uint64_t ch = e[1].as_uint();
      if (ch >= size) e[1].fail(fmt::format("channel {} out of range (population size {})", ch, size));
      ev.channel = static_cast<std::uint32_t>(ch);
      if (e.size() == 3) {
        const double g = e[2].as_double();
        if (std::fabs(g) > 3.4e38) e[2].fail(fmt::format("grade {} does not fit a float", g));
        ev.grade = static_cast<float>(g);
      }
      events.push_back(ev);
    }
    return spike_source::replay(name, size, std::move(events));
  }
  if (!external->as_bool()) external->fail("'external' must be true when given");
  return spike_source::input(name, size);
}

}  // namespace

void register_builtin_models(model_registry& registry) {
  registry.add("lif_alpha", make_lif_alpha);
  registry.add("cuba_lif", make_cuba_lif);
  registry.add("lif_delta", make_lif_delta);
  registry.add("if_delta", make_if_delta);
  registry.add("lif_tick", make_lif_tick);
  registry.add("li", make_li);
  registry.add("spike_source", make_spike_source);
}

model_registry builtin_model_registry() {
  model_registry r;
  register_builtin_models(r);
  return r;
}

}  // namespace evsnn
