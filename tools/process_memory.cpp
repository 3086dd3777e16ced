#include "tools/process_memory.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>

#if defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#endif

// glibc's allocator is the one in use unless a sanitizer replaced it (GCC and Clang define these macros).
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define EVSNN_GLIBC_ALLOCATOR 1
#else
#define EVSNN_GLIBC_ALLOCATOR 0
#endif

namespace evsnn::cli {

namespace {
constexpr std::size_t mib = std::size_t{1} << 20;
}  // namespace

std::size_t heap_reserve_bytes() {
  std::size_t reserve = 256 * mib;
#if defined(__GLIBC__)
  for (const int resource : {RLIMIT_AS, RLIMIT_DATA}) {
    rlimit limit{};
    if (getrlimit(resource, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
      reserve = std::min<std::size_t>(reserve, static_cast<std::size_t>(limit.rlim_cur / 8));
  }
#endif
  return reserve < 32 * mib ? 0 : reserve;
}

bool tune_process_memory() {
#if EVSNN_GLIBC_ALLOCATOR
  if (const char* tunables = std::getenv("GLIBC_TUNABLES"); tunables && std::strstr(tunables, "glibc.malloc."))
    return false;
  // glibc's ceiling for the threshold is 32 MiB on 64-bit systems (mallopt refuses more).
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(32 * mib));
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(1024 * mib));
  const std::size_t reserve = heap_reserve_bytes();
  if (reserve == 0) return true;
  // Grow the heap by allocating blocks below the threshold (so they come from the heap, not from mmap) and
  // freeing them: they merge into the heap's free top, which the trim threshold keeps. Only their headers
  // are written.
  auto* const begin = static_cast<char*>(sbrk(0));
  constexpr std::size_t block = 30 * mib;
  void* blocks[16] = {};
  std::size_t count = 0;
  for (std::size_t got = 0; got < reserve && count < std::size(blocks); got += block) {
    blocks[count] = std::malloc(block);
    if (!blocks[count]) break;
    ++count;
  }
  for (std::size_t i = count; i-- > 0;) std::free(blocks[i]);
  auto* const end = static_cast<char*>(sbrk(0));
  constexpr std::uintptr_t huge = 2 * mib;
  const std::uintptr_t from = (reinterpret_cast<std::uintptr_t>(begin) + huge - 1) & ~(huge - 1);
  const std::uintptr_t to = reinterpret_cast<std::uintptr_t>(end) & ~(huge - 1);
  if (begin != reinterpret_cast<char*>(-1) && end != reinterpret_cast<char*>(-1) && to > from)
    madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE);  // refused where THP is off: harmless
  return true;
#else
  return false;
#endif
}

}  // namespace evsnn::cli
