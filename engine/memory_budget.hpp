#pragma once
// memory_budget: the memory a structure will need, estimated and charged BEFORE it is allocated, so that a
// network or data set too large for this machine is one clear error ("net.json: /populations/0/size: the
// network needs about 64.0 GiB, more than the 23.4 GiB this process may use") instead of a crash or an
// exhausted machine after minutes of allocation. The limit is the smallest of physical memory, the cgroup
// (container) memory limit and RLIMIT_AS/RLIMIT_DATA. Estimates are per item (bytes per neuron, per synapse)
// and deliberately generous; amounts are doubles so that products like n_pre * n_post cannot overflow.
// Invariants: used() <= limit() after every successful charge.
#include <cstdint>
#include <string>
#include <string_view>

namespace evsnn {

class json_node;

// Bytes of memory this process can use (see above); at least 64 MiB.
std::uint64_t usable_memory_bytes();

// "23.4 GiB", "512 MiB": for messages.
std::string format_bytes(double bytes);

class memory_budget {
 public:
  // Estimates used by the loader (state, CSR and build-time peak together, rounded up from measurements).
  static constexpr double bytes_per_neuron = 64.0;
  static constexpr double bytes_per_synapse = 48.0;
  // The estimate for a whole network of this many neurons and synapses.
  static double network_bytes(double neurons, double synapses) {
    return neurons * bytes_per_neuron + synapses * bytes_per_synapse;
  }

  explicit memory_budget(std::uint64_t limit_bytes = usable_memory_bytes()) : limit_(static_cast<double>(limit_bytes)) {}

  // Adds bytes to the total; when the total exceeds the limit, fails at `where` saying what needs it.
  void charge(double bytes, const json_node& where, std::string_view what);
  double used() const { return used_; }
  double limit() const { return limit_; }

 private:
  double limit_;
  double used_ = 0.0;
};

}  // namespace evsnn
