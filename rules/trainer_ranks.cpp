// trainer_ranks: the trainer over several processes (engine/communicator.hpp, MPI ranks in practice). Each
// rank runs a contiguous share of every batch; what the shares computed is summed over the ranks in exact
// arithmetic (fixed-point gradient sums and loss, integer counts and counters), so every rank ends each batch
// with the totals one process would have and takes the same optimizer step: weights and logs are
// bit-identical to a one-process run whatever the number of ranks (and of threads in each).
#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <string>

#include <fmt/format.h>

#include "engine/error.hpp"
#include "rules/trainer.hpp"
#include "rules/trainer_worker.hpp"

namespace evsnn::rules {

namespace {

// Adds a collective's bytes and wall time to traffic.
class traffic_meter {
 public:
  traffic_meter(trainer::rank_traffic& t, std::size_t bytes) : t_(t), start_(std::chrono::steady_clock::now()) {
    ++t_.calls;
    t_.bytes += bytes;
  }
  ~traffic_meter() { t_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  trainer::rank_traffic& t_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

void trainer::set_communicator(communicator& comm) {
  if (comm.size() > 1 && rule_->couples_lanes())
    throw input_error(fmt::format("{}: /rule: {} couples the samples of a batch at every step, so a batch cannot be "
                                  "split over {} MPI ranks; run it as one process (threads share it)",
                                  cfg_.file, rule_->name(), comm.size()));
  comm_ = &comm;
  if (comm.size() == 1) return;
  // Every rank must run the same config on the same data: a rank whose files differ (another machine's copy)
  // would take other steps or make other collective calls. The config (as every rank applied its overrides),
  // the data set's sizes and the trained blocks' sizes are compared as one fingerprint; the output folder and
  // the threads may differ (only rank 0 writes, and results do not depend on threads).
  nlohmann::json doc = cfg_.doc;
  if (doc.is_object()) {
    doc.erase("output_dir");
    doc.erase("threads");
  }
  std::string what = doc.dump();
  what += fmt::format("|{}|{}|{}", splits_.train->size(), splits_.test ? splits_.test->size() : 0,
                      splits_.validation ? splits_.validation->size() : 0);
  for (const auto& m : master_) what += fmt::format("|{}", m.size());
  const std::uint64_t mine = std::hash<std::string>{}(what);
  const std::vector<std::byte> all = comm.gather(std::as_bytes(std::span(&mine, 1)));
  std::vector<std::uint64_t> prints(static_cast<std::size_t>(comm.size()));
  std::memcpy(prints.data(), all.data(), all.size());
  for (std::size_t r = 1; r < prints.size(); ++r)
    if (prints[r] != prints[0])
      throw input_error(fmt::format("{}: MPI rank {} has another config or data set than rank 0 (the config with "
                                    "its overrides, the data set's split sizes and the trained blocks must be the "
                                    "same on every rank: the same files on every machine)",
                                    cfg_.file, r));
}

std::span<const std::size_t> trainer::rank_share(std::span<const std::size_t> all) const {
  if (comm_ == nullptr || comm_->size() == 1) return all;
  const std::size_t n = all.size(), r = static_cast<std::size_t>(comm_->rank()),
                    ranks = static_cast<std::size_t>(comm_->size());
  const std::size_t begin = n * r / ranks, end = n * (r + 1) / ranks;
  return all.subspan(begin, end - begin);
}

void trainer::sum_over_ranks(fixed_sum_set& sums) const {
  if (comm_ == nullptr || comm_->size() == 1) return;
  // A rank whose own sums saturated makes every rank's total saturated (the caller's divergence error).
  std::vector<std::uint64_t> saturated;
  for (const fixed_sum& s : sums.sums) saturated.push_back(s.saturated() ? 1 : 0);
  {
    const traffic_meter meter(traffic_, saturated.size() * sizeof(std::uint64_t));
    comm_->sum(saturated);
  }
  for (std::size_t k = 0; k < sums.sums.size(); ++k) {
    const traffic_meter meter(traffic_, sums.sums[k].size() * sizeof(std::int64_t));
    comm_->sum(sums.sums[k].raw());
    sums.sums[k].check_range(saturated[k] != 0);
  }
}

void trainer::sum_over_ranks(batch_stats& stats) const {
  if (comm_ == nullptr || comm_->size() == 1) return;
  // The loss: every rank's 128-bit fixed-point sum and flag, added in rank order.
  const traffic_meter meter(traffic_, 0);  // the loss, counts and counters: a few hundred bytes
  unsigned char mine[sizeof(fixed_scalar::wide) + 1];
  const fixed_scalar::wide v = stats.loss_sum.raw();
  std::memcpy(mine, &v, sizeof v);
  mine[sizeof v] = stats.loss_sum.saturated() ? 1 : 0;
  const std::vector<std::byte> all = comm_->gather(std::as_bytes(std::span(mine)));
  fixed_scalar total;
  for (std::size_t r = 0; r < static_cast<std::size_t>(comm_->size()); ++r) {
    fixed_scalar::wide x;
    std::memcpy(&x, all.data() + r * sizeof mine, sizeof x);
    total.merge(fixed_scalar::from_raw(x, all[r * sizeof mine + sizeof x] != std::byte{0}));
  }
  stats.loss_sum = total;
  // The counts, then the outputs' sample counts and the hidden neurons' spike counts, in one sum: every rank's
  // lists have one entry per spiking output neuron and per hidden neuron, whether or not it ran a sample.
  const std::size_t n_fired = workers_[0]->fired.size(), n_hidden = workers_[0]->hidden.counts().size();
  stats.fired.resize(n_fired, 0);
  stats.hidden_spikes.resize(n_hidden, 0);
  std::vector<std::uint64_t> counts = {stats.correct, stats.samples, stats.steps};
  counts.insert(counts.end(), stats.fired.begin(), stats.fired.end());
  counts.insert(counts.end(), stats.hidden_spikes.begin(), stats.hidden_spikes.end());
  comm_->sum(counts);
  stats.correct = counts[0];
  stats.samples = counts[1];
  stats.steps = counts[2];
  std::copy_n(counts.begin() + 3, n_fired, stats.fired.begin());
  std::copy_n(counts.begin() + 3 + static_cast<std::ptrdiff_t>(n_fired), n_hidden, stats.hidden_spikes.begin());
  const network& net = *workers_[0]->net;
  stats.counters.sum_over_ranks(*comm_, net.population_count(), net.projection_count());
}

double trainer::max_over_ranks(double x) const {
  if (comm_ == nullptr || comm_->size() == 1) return x;
  const traffic_meter meter(traffic_, sizeof x);
  const std::vector<std::byte> all = comm_->gather(std::as_bytes(std::span(&x, 1)));
  for (std::size_t r = 0; r < all.size() / sizeof x; ++r) {
    double y;
    std::memcpy(&y, all.data() + r * sizeof y, sizeof y);
    x = std::max(x, y);
  }
  return x;
}

}  // namespace evsnn::rules
