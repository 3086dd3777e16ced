#pragma once
// zero_delay_order: the order in which same-time work of discrete-tick populations must run. Given the
// projections that carry spikes into the SAME step of their target (edges: zero-delay projections
// between tick populations), a population's rank is the length of the longest chain of edges that ends
// at it (0 without incoming edges), so every edge goes from a lower to a higher rank and running
// populations in rank order (ties in any fixed order) delivers each step's spikes before their target
// integrates that step. Used by simulator (settle events) and stepped_simulator (stepping order).
// A cycle of edges has no such order: input_error naming one projection of the cycle.
#include <cstdint>
#include <vector>

#include "engine/network.hpp"

namespace evsnn {

// edge has one entry per projection of net (non-zero: the projection is an edge).
std::vector<std::uint32_t> zero_delay_ranks(const network& net, const std::vector<char>& edge);

}  // namespace evsnn
