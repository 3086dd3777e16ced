#pragma once
// partition: which neurons of a network each of several ranks simulates (`mpirun -np N evsnn run`,
// issue 17), as the loader, the simulator and the window loop (engine/partitioned_run) see it.
// A population is either dealt round-robin (global neuron g lives on rank g mod N as local neuron
// g div N) or held whole by one rank (its owner). Populations are held whole when they must be:
//  - spike sources (one input stream or one random stream feeds all their neurons);
//  - populations that settle (discrete-tick models integrate the whole population per step);
//  - readouts (non-spiking: their values are written by rank 0, which holds them);
//  - populations joined by a zero-delay projection (zero-delay spikes cannot wait for a window's end:
//    a connected group of them is held by one rank);
//  - populations of fewer neurons than ranks;
//  - in mode "populations", every population.
// Whole populations go to ranks greedily, the largest first to the least loaded rank (load: neurons,
// a dealt population adding its share to every rank), readouts to rank 0.
// The window: the least delay of any projection whose spikes may cross ranks (a dealt end, or ends
// held by different ranks); +inf when none may. By construction it is > 0.
// Invariants: ranks() >= 1, 0 <= rank() < ranks(); one rank (the default) holds everything whole, so
// local and global indices agree; for a dealt population every rank holds at least one neuron.
#include <cstdint>
#include <string>
#include <vector>

namespace evsnn {

enum class partition_mode { neurons, populations };

// What a rank asks the loader for: its part of a network dealt over `ranks` ranks.
struct partition_request {
  int rank = 0;
  int ranks = 1;
  partition_mode mode = partition_mode::neurons;
};

class partition {
 public:
  // What the plan needs of each population and projection.
  struct population_outline {
    std::uint32_t size = 0;
    bool held_whole = false;  // a source, a settling population
    bool readout = false;     // non-spiking: held by rank 0
  };
  struct projection_outline {
    std::uint32_t pre = 0, post = 0;
    double delay_ms = 0.0;
  };

  partition() = default;
  static partition plan(int rank, int ranks, partition_mode mode, const std::vector<population_outline>& pops,
                        const std::vector<projection_outline>& projs);

  int rank() const { return rank_; }
  int ranks() const { return ranks_; }
  bool whole() const { return ranks_ == 1; }
  // True when population p is dealt round-robin.
  bool dealt(std::uint32_t p) const { return !whole() && owner_[p] < 0; }
  // The rank holding population p whole (-1: dealt).
  int owner(std::uint32_t p) const { return whole() ? 0 : owner_[p]; }
  // True when this rank simulates some of population p.
  bool active(std::uint32_t p) const { return whole() || owner_[p] < 0 || owner_[p] == rank_; }
  // The size of population p's object on this rank: its share when dealt, else the whole population (a
  // population held by another rank is built whole and stays inactive here).
  std::uint32_t local_size(std::uint32_t p, std::uint32_t global_size) const;
  std::uint32_t global_index(std::uint32_t p, std::uint32_t local) const {
    return dealt(p) ? local * static_cast<std::uint32_t>(ranks_) + static_cast<std::uint32_t>(rank_) : local;
  }
  // True when global neuron g of population p is this rank's; then local_index gives its index here.
  bool holds(std::uint32_t p, std::uint32_t g) const {
    return dealt(p) ? g % static_cast<std::uint32_t>(ranks_) == static_cast<std::uint32_t>(rank_) : active(p);
  }
  std::uint32_t local_index(std::uint32_t p, std::uint32_t g) const {
    return dealt(p) ? g / static_cast<std::uint32_t>(ranks_) : g;
  }
  // Spikes emitted in [T, T + window) reach other ranks at T + window or later.
  double window_ms() const { return window_ms_; }
  // One line: how the populations were placed, e.g. "exc dealt, inp on rank 0".
  std::string describe(const std::vector<std::string>& names) const;

 private:
  int rank_ = 0;
  int ranks_ = 1;
  std::vector<int> owner_;  // per population: -1 dealt, else the rank holding it
  double window_ms_ = 0.0;
};

}  // namespace evsnn
