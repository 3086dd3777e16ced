// trainer_step: the per-batch arithmetic of the trainer, spread over its worker pool so that no serial phase
// grows with the threads: the rows of the rules' end_batch and the optimizer step (with float32 rounding and
// the divergence check), each with the bits of one serial pass. (The workers' sums: sum_gatherer.)
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "rules/trainer.hpp"
#include "rules/trainer_worker.hpp"

namespace evsnn::rules {

parallel_rows trainer::block_rows() {
  return [pool = pool_.get()](std::size_t rows, index_fn row) {
    // Blocks of at least 16 rows (a row is hundreds to thousands of operations).
    const std::size_t tasks = pool->tasks_for(rows / 16);
    pool->run(tasks, [&](std::size_t t) {
      for (std::size_t r = rows * t / tasks; r < rows * (t + 1) / tasks; ++r) row(r);
    });
  };
}

void trainer::cut_step_chunks() {
  // Each block in at most one piece per thread, of at least 16,384 elements.
  for (std::size_t l = 0; l < master_.size(); ++l) {
    const std::size_t n = master_[l].size(), pieces = pool_->tasks_for(n / 16384);
    for (std::size_t p = 0; p < pieces; ++p) step_chunks_.push_back({l, n * p / pieces, n * (p + 1) / pieces});
  }
}

void trainer::optimizer_step(double lr_scale, std::uint64_t epoch, std::size_t batch) {
  // Every element's update depends on that element alone: the blocks are cut into chunks of at least 16384
  // elements spread over the pool (the bits of one serial pass, no serial phase that grows with the threads).
  // The chunks depend on the layer sizes and the pool alone: cut once, by the constructor.
  const std::vector<step_chunk>& chunks = step_chunks_;
  for (const std::vector<double>& m : master_) optimizer_updates_ += m.size();
  const std::size_t tasks = pool_->tasks_for(chunks.size());
  std::vector<char>& out_of_range = step_out_of_range_;
  out_of_range.assign(tasks, 0);
  pool_->run(tasks, [&](std::size_t t) {
    for (std::size_t c = t; c < chunks.size(); c += tasks) {
      const step_chunk& k = chunks[c];
      const std::span<double> w = master_[k.layer];
      optimizer_->step_range(k.layer, w, grads_[k.layer], lr_scale, k.begin, k.end);
      for (std::size_t i = k.begin; i < k.end; ++i) {
        if (float32_layers_[k.layer]) w[i] = static_cast<double>(static_cast<float>(w[i]));  // float32 values
        if (!(std::fabs(w[i]) <= 3.0e38)) out_of_range[t] = 1;
      }
    }
  });
  optimizer_->finish_step();
  if (std::find(out_of_range.begin(), out_of_range.end(), 1) != out_of_range.end()) check_weights_finite(epoch, batch);
}

void trainer::check_weights_finite(std::uint64_t epoch, std::size_t batch) const {
  for (std::size_t l = 0; l < master_.size(); ++l) {
    // Beyond the loader's limit of +-3e38 (or not finite): a weight no network file could hold, and one that
    // can make a neuron fire without end.
    const auto bad = std::find_if(master_[l].begin(), master_[l].end(), [](double v) { return !(std::fabs(v) <= 3.0e38); });
    if (bad == master_[l].end()) continue;
    const trained_block& b = chain().blocks[l];
    throw input_error(fmt::format("{}: epoch {}, batch {}: the {} of layer {} ('{}'{}) became {} after the optimizer "
                                  "step (they stay within +-3e38): training has diverged; {}",
                                  cfg_.file, epoch, batch, b.bias ? "biases" : "weights", b.layer + 1,
                                  chain().layers[b.layer].name, b.bias ? "" : fmt::format(", projection '{}'", b.name),
                                  *bad, last_good_note()));
  }
}

}  // namespace evsnn::rules
