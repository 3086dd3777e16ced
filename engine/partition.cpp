#include "engine/partition.hpp"

#include <algorithm>
#include <limits>
#include <numeric>

#include <fmt/format.h>

namespace evsnn {

partition partition::plan(int rank, int ranks, partition_mode mode, const std::vector<population_outline>& pops,
                          const std::vector<projection_outline>& projs) {
  partition part;
  part.rank_ = rank;
  part.ranks_ = ranks;
  const std::size_t n = pops.size();
  part.owner_.assign(n, -1);
  if (ranks <= 1) return part;
  // Groups joined by zero-delay projections (union-find), each held by one rank.
  std::vector<std::size_t> root(n);
  std::iota(root.begin(), root.end(), std::size_t{0});
  auto find = [&](std::size_t a) {
    while (root[a] != a) a = root[a] = root[root[a]];
    return a;
  };
  std::vector<char> whole(n, 0);
  for (std::size_t p = 0; p < n; ++p)
    whole[p] = mode == partition_mode::populations || pops[p].held_whole || pops[p].readout ||
               pops[p].size < static_cast<std::uint32_t>(ranks);
  for (const projection_outline& pr : projs)
    if (pr.delay_ms == 0.0) {
      whole[pr.pre] = whole[pr.post] = 1;
      root[find(pr.pre)] = find(pr.post);
    }
  // Per group: its neurons, and whether it holds a readout (then rank 0 holds it).
  std::vector<double> group_size(n, 0.0);
  std::vector<char> group_readout(n, 0);
  std::vector<double> load(static_cast<std::size_t>(ranks), 0.0);
  for (std::size_t p = 0; p < n; ++p) {
    if (!whole[p]) {
      for (double& l : load) l += static_cast<double>(pops[p].size) / ranks;
      continue;
    }
    group_size[find(p)] += pops[p].size;
    group_readout[find(p)] |= static_cast<char>(pops[p].readout);
  }
  std::vector<std::size_t> groups;
  for (std::size_t p = 0; p < n; ++p)
    if (whole[p] && find(p) == p) groups.push_back(p);
  // Readout groups first (to rank 0), then the largest first; ties by population order.
  std::stable_sort(groups.begin(), groups.end(), [&](std::size_t a, std::size_t b) {
    if (group_readout[a] != group_readout[b]) return group_readout[a] > group_readout[b];
    return group_size[a] > group_size[b];
  });
  std::vector<int> group_owner(n, -1);
  for (std::size_t g : groups) {
    const int r = group_readout[g] ? 0
                                   : static_cast<int>(std::min_element(load.begin(), load.end()) - load.begin());
    group_owner[g] = r;
    load[static_cast<std::size_t>(r)] += group_size[g];
  }
  for (std::size_t p = 0; p < n; ++p)
    if (whole[p]) part.owner_[p] = group_owner[find(p)];
  part.window_ms_ = std::numeric_limits<double>::infinity();
  for (const projection_outline& pr : projs) {
    const bool local = part.owner_[pr.pre] >= 0 && part.owner_[pr.pre] == part.owner_[pr.post];
    if (!local) part.window_ms_ = std::min(part.window_ms_, pr.delay_ms);
  }
  return part;
}

std::uint32_t partition::local_size(std::uint32_t p, std::uint32_t global_size) const {
  if (!dealt(p)) return global_size;
  const auto r = static_cast<std::uint32_t>(ranks_), k = static_cast<std::uint32_t>(rank_);
  return global_size / r + (k < global_size % r ? 1 : 0);
}

std::string partition::describe(const std::vector<std::string>& names) const {
  std::string out;
  for (std::size_t p = 0; p < names.size(); ++p) {
    if (!out.empty()) out += ", ";
    const auto id = static_cast<std::uint32_t>(p);
    out += dealt(id) ? fmt::format("{} dealt", names[p]) : fmt::format("{} on rank {}", names[p], owner(id));
  }
  return out;
}

}  // namespace evsnn
