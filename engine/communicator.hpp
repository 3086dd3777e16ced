#pragma once
// communicator: the processes that share one run (MPI ranks) as the engine and the rules see them, without
// knowing how they talk: the rules sum what their ranks computed through it, and tools/mpi_communicator
// implements it over MPI. A run in one process uses single_process, whose collectives leave the values as
// they are.
// Invariants: 0 <= rank() < size(); every rank makes the same collective calls in the same order with the
// same sizes (a rank that cannot must call abort(), which ends every rank instead of leaving them waiting).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

namespace evsnn {

class communicator {
 public:
  virtual ~communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Element-wise sums over the ranks, in place on every rank. Signed sums saturate at the int64 range (callers
  // keep their values far inside it, so a saturated total is out of their own range and detectable); unsigned
  // sums wrap modulo 2^64. Integer sums are exact and independent of how the ranks are grouped.
  virtual void sum(std::span<std::int64_t> values) = 0;
  virtual void sum(std::span<std::uint64_t> values) = 0;
  // Every rank's bytes (the same count on each), concatenated in rank order, on every rank.
  virtual std::vector<std::byte> gather(std::span<const std::byte> mine) = 0;
  // Every rank's bytes (any count on each, in total < 2^31), concatenated in rank order into all, with
  // each rank's count in counts (size() entries); both buffers are reused, so a loop does not allocate.
  virtual void gather_varied(std::span<const std::byte> mine, std::vector<std::byte>& all,
                             std::vector<std::size_t>& counts) = 0;
  // Ends every rank of the run with this exit status (a rank that failed, so that none waits for it).
  [[noreturn]] virtual void abort(int status) = 0;
};

// One process: rank 0 of 1.
class single_process final : public communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void sum(std::span<std::int64_t>) override {}
  void sum(std::span<std::uint64_t>) override {}
  std::vector<std::byte> gather(std::span<const std::byte> mine) override { return {mine.begin(), mine.end()}; }
  void gather_varied(std::span<const std::byte> mine, std::vector<std::byte>& all,
                     std::vector<std::size_t>& counts) override {
    all.assign(mine.begin(), mine.end());
    counts.assign(1, mine.size());
  }
  [[noreturn]] void abort(int status) override { std::exit(status); }
};

}  // namespace evsnn
