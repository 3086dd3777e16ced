// trainer_outputs: /active_outputs, the check of the initial network that every output neuron spikes. Each scored
// sample counts the output neurons that spiked (worker::fired, trainer_parallel.cpp); the check runs the first
// training samples as an evaluation does and draws the incoming weights of the output neurons that spiked in too
// few of them again, from their projection's {"init": ...}, until each spikes often enough.
// Invariants: the redraws depend only on (seed, round, neuron) and the fired counts, which are exact sums over
// workers and ranks, so the weights that leave the check are the same bits on any thread or rank count.
#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "engine/json_node.hpp"
#include "engine/rng.hpp"
#include "rules/streams.hpp"
#include "rules/trainer.hpp"
#include "rules/trainer_worker.hpp"

namespace evsnn::rules {

void trainer::prepare_active_outputs() {
  if (cfg_.active_samples == 0) return;
  const layer_info& out = chain().output();
  const std::string where = cfg_.file + ": /active_outputs";
  if (out.readout)
    throw input_error(fmt::format("{}: the output layer '{}' is a readout (li): it has no spikes to check", where,
                                  out.name));
  if (cfg_.active_redraws == 0) return;  // checked only: no distribution needed
  const json_node root(cfg_.network, cfg_.network_file);
  const json_node w = root.at("projections")[out.projection].at("weights");
  if (!w.is_object() || !w.has("init"))
    throw input_error(fmt::format("{}: the output neurons' weights ({}) are given, not drawn from an \"init\" "
                                  "distribution, so there is nothing to draw them again from (\"redraws\": 0 only "
                                  "checks them)",
                                  where, w.where()));
  const weight_init d = read_weight_init(w);
  if (!d.random())
    throw input_error(fmt::format("{}: the output neurons' weights ({}) are a constant: drawing them again gives the "
                                  "same weights",
                                  where, w.where()));
  output_init_ = d;
}

const trainer::output_check& trainer::check_active_outputs() {
  if (cfg_.active_samples == 0 || output_check_.ran || epochs_done_ > 0) return output_check_;
  output_check& c = output_check_;
  c.ran = true;
  const layer_info& out = chain().output();
  const std::size_t block = chain().layers.size() - 1;  // the output layer's feed-forward projection
  const trained_block& b = chain().blocks[block];
  c.samples = std::min(cfg_.active_samples, splits_.train->size());
  // ceil(fraction x samples), without the product's rounding pushing an exact count up by one (0.07 x 100 is
  // 7.000000000000001 in doubles).
  c.needed = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(cfg_.active_min_fraction * static_cast<double>(c.samples) - 1e-9)));
  std::vector<std::size_t> idx(c.samples);
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  const auto probe = [&] {
    batch_stats stats;
    run_parallel(rank_share(idx), *splits_.train, false, 0, streams::check_samples, stats);
    sum_over_ranks(stats);
    stats.fired.resize(out.size, 0);
    return stats.fired;
  };
  c.fired = probe();
  c.fired_initially = c.fired;
  c.redraws.assign(out.size, 0);
  std::vector<double>& w = master_[block];
  for (std::uint64_t round = 1;; ++round) {
    std::vector<std::uint32_t> low;
    for (std::uint32_t j = 0; j < out.size; ++j)
      if (c.fired[j] < c.needed) low.push_back(j);
    if (low.empty()) break;
    if (round > cfg_.active_redraws) {
      std::string which;
      for (std::uint32_t j : low)
        which += fmt::format("{}{} ({} of {})", which.empty() ? "" : ", ", j, c.fired[j], c.samples);
      throw input_error(fmt::format(
          "{}: /active_outputs: after {} redraw round(s), output neuron(s) {} of '{}' still spike in fewer than {} of "
          "the first {} training samples; {}, or lower /active_outputs/min_fraction",
          cfg_.file, cfg_.active_redraws, which, out.name, c.needed, c.samples,
          output_init_ ? "widen the output projection's init" : "draw them again (/active_outputs/redraws)"));
    }
    // A neuron's incoming weights are column j of the pre-major block; only the neurons below are drawn again.
    for (std::uint32_t j : low) {
      rng r(rng::derive(rng::derive(cfg_.seed, streams::output_redraw, round), j));
      for (std::uint32_t i = 0; i < b.n_pre; ++i) {
        double v = output_init_->draw(r);
        if (float32_layers_[block]) v = static_cast<double>(static_cast<float>(v));
        w[static_cast<std::size_t>(i) * b.n_post + j] = v;
      }
      ++c.redraws[j];
    }
    broadcast_weights();
    c.fired = probe();
  }
  return c;
}

}  // namespace evsnn::rules
