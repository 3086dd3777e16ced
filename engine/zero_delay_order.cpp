#include "engine/zero_delay_order.hpp"

#include <algorithm>

#include "engine/error.hpp"

namespace evsnn {

std::vector<std::uint32_t> zero_delay_ranks(const network& net, const std::vector<char>& edge) {
  const auto n = static_cast<std::uint32_t>(net.population_count());
  std::vector<std::uint32_t> rank(n, 0), pending_in(n, 0), ready;
  for (std::uint32_t j = 0; j < net.projection_count(); ++j)
    if (edge[j]) ++pending_in[net.proj(j).post_population()];
  for (std::uint32_t p = 0; p < n; ++p)
    if (pending_in[p] == 0) ready.push_back(p);
  std::uint32_t done = 0;
  while (!ready.empty()) {  // Kahn: a population is ranked once every edge into it is
    const std::uint32_t p = ready.back();
    ready.pop_back();
    ++done;
    for (const auto& g : net.fanout(p))
      for (std::uint32_t j : g.projections) {
        if (!edge[j]) continue;
        const std::uint32_t q = net.proj(j).post_population();
        rank[q] = std::max(rank[q], rank[p] + 1);
        if (--pending_in[q] == 0) ready.push_back(q);
      }
  }
  if (done == n) return rank;
  // Some populations sit on or behind a cycle: walk edges backwards among them until a population
  // repeats; the edge leaving the repeated one lies on the cycle.
  std::uint32_t p = 0;
  while (pending_in[p] == 0) ++p;
  std::vector<std::uint32_t> via(n, UINT32_MAX);  // via[p]: the edge into p the walk took
  std::vector<char> seen(n, 0);
  while (!seen[p]) {
    seen[p] = 1;
    for (std::uint32_t j : net.incoming(p)) {
      const std::uint32_t q = net.proj(j).pre_population();
      if (edge[j] && pending_in[q] > 0) {
        via[p] = j;
        p = q;
        break;
      }
    }
  }
  // p repeats: the walk left p backwards through via[p], an edge of the cycle.
  throw input_error("zero-delay loop through projection '" + net.proj(via[p]).name() +
                    "' between tick populations: give it a delay >= tick_ms");
}

}  // namespace evsnn
