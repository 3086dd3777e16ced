#include "engine/memory_budget.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "engine/json_node.hpp"

namespace evsnn {
namespace {

// A number from the first line of a cgroup file ("max" or absent: no limit).
std::uint64_t cgroup_limit(const char* path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line) || line.empty() || line == "max") return UINT64_MAX;
  try {
    return std::stoull(line);
  } catch (...) {
    return UINT64_MAX;
  }
}

std::uint64_t rlimit_bytes(int resource) {
  rlimit r{};
  if (getrlimit(resource, &r) != 0 || r.rlim_cur == RLIM_INFINITY) return UINT64_MAX;
  return static_cast<std::uint64_t>(r.rlim_cur);
}

}  // namespace

std::uint64_t usable_memory_bytes() {
  std::uint64_t limit = UINT64_MAX;
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) limit = static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page);
  limit = std::min({limit, cgroup_limit("/sys/fs/cgroup/memory.max"),
                    cgroup_limit("/sys/fs/cgroup/memory/memory.limit_in_bytes"), rlimit_bytes(RLIMIT_AS),
                    rlimit_bytes(RLIMIT_DATA)});
  return std::max<std::uint64_t>(limit, std::uint64_t(64) << 20);
}

std::string format_bytes(double bytes) {
  if (bytes >= 1024.0 * 1024 * 1024) return fmt::format("{:.1f} GiB", bytes / (1024.0 * 1024 * 1024));
  return fmt::format("{:.0f} MiB", bytes / (1024.0 * 1024));
}

void memory_budget::charge(double bytes, const json_node& where, std::string_view what) {
  used_ += bytes;
  if (used_ > limit_)
    where.fail(fmt::format("{} would bring the memory needed to about {}, more than the {} this process may use",
                           what, format_bytes(used_), format_bytes(limit_)));
}

}  // namespace evsnn
