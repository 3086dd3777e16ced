// process_memory: the allocator policy of the evsnn process. Each case runs in a forked child (the policy is
// process-wide and must not leak into the other tests) and reports through its exit status. Under
// AddressSanitizer or ThreadSanitizer the policy is skipped, which is checked too.
#include "tools/process_memory.hpp"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <doctest/doctest.h>

namespace {

constexpr std::size_t mib = std::size_t{1} << 20;

// Runs body in a child process; its return value is the child's exit status.
int in_child(const std::function<int()>& body) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) ::_exit(body());
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool sanitized = true;
#else
constexpr bool sanitized = false;
#endif

// The smaps block of the mapping that holds address p: "THPeligible: 1" when it may get huge pages.
std::string smaps_of(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line, block;
  bool inside = false;
  const auto address = reinterpret_cast<std::uintptr_t>(p);
  while (std::getline(smaps, line)) {
    unsigned long from = 0, to = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &from, &to) == 2) {
      if (inside) return block;
      inside = address >= from && address < to;
      block.clear();
    }
    if (inside) block += line + "\n";
  }
  return inside ? block : std::string();
}

bool kernel_offers_thp_on_madvise() {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string s;
  std::getline(f, s);
  return s.find("[madvise]") != std::string::npos || s.find("[always]") != std::string::npos;
}

}  // namespace

TEST_CASE("process memory: the heap reserve is bounded by the resource limits") {
  const std::size_t unlimited = evsnn::cli::heap_reserve_bytes();
  CHECK(unlimited <= 256 * mib);
  CHECK((unlimited == 0 || unlimited >= 32 * mib));
  // An eighth of RLIMIT_DATA: 1 GiB allows 128 MiB; 128 MiB allows 16 MiB, under the minimum, so none.
  CHECK(in_child([] {
          const rlimit data{1024 * mib, 1024 * mib};
          if (setrlimit(RLIMIT_DATA, &data) != 0) return 2;
          return evsnn::cli::heap_reserve_bytes() == 128 * mib ? 0 : 1;
        }) == 0);
  CHECK(in_child([] {
          const rlimit as{512 * mib, 512 * mib};
          if (setrlimit(RLIMIT_AS, &as) != 0) return 2;
          return evsnn::cli::heap_reserve_bytes() == 64 * mib ? 0 : 1;
        }) == 0);
  CHECK(in_child([] {
          const rlimit data{128 * mib, 128 * mib};
          if (setrlimit(RLIMIT_DATA, &data) != 0) return 2;
          return evsnn::cli::heap_reserve_bytes() == 0 ? 0 : 1;
        }) == 0);
}

TEST_CASE("process memory: freed blocks stay in the heap for reuse, and the heap asks for huge pages") {
#if defined(__GLIBC__)
  if (sanitized) {
    CHECK_FALSE(evsnn::cli::tune_process_memory());
    return;
  }
  // The policy: an 8 MiB block (mapped on its own under glibc's first threshold, 128 KiB) comes from the heap, freeing it returns nothing to the kernel, and an equal block
  // takes the same memory again.
  CHECK(in_child([] {
          if (!evsnn::cli::tune_process_memory()) return 1;
          const std::size_t mapped = mallinfo2().hblkhd;
          char* p = static_cast<char*>(std::malloc(8 * mib));
          if (!p) return 2;
          std::memset(p, 1, 8 * mib);
          if (mallinfo2().hblkhd != mapped) return 3;
          const std::size_t heap = mallinfo2().arena;
          std::free(p);
          if (mallinfo2().arena != heap) return 4;  // not trimmed
          char* q = static_cast<char*>(std::malloc(8 * mib));
          const bool reused = q == p;
          std::free(q);
          return reused ? 0 : 5;
        }) == 0);
  // The reserved heap is eligible for transparent huge pages where the kernel offers them on request.
  if (kernel_offers_thp_on_madvise() && evsnn::cli::heap_reserve_bytes() > 0)
    CHECK(in_child([] {
            if (!evsnn::cli::tune_process_memory()) return 1;
            void* p = std::malloc(16 * mib);
            const std::string block = smaps_of(static_cast<char*>(p) + 8 * mib);
            std::free(p);
            if (block.empty()) return 2;
            const auto at = block.find("THPeligible:");
            if (at == std::string::npos) return 3;
            return std::atoi(block.c_str() + at + std::strlen("THPeligible:")) == 1 ? 0 : 4;
          }) == 0);
  // The user's own allocator tunables win: nothing is changed.
  CHECK(in_child([] {
          ::setenv("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=131072", 1);
          return evsnn::cli::tune_process_memory() ? 1 : 0;
        }) == 0);
#endif
}
