#pragma once
// process_memory: how the evsnn process asks glibc's allocator to treat memory; called once, first thing in
// main (never by the library, the Python module or the tests, whose hosts own their allocator).
//
// Why: on the machines evsnn is measured on (VMs), the first touch of a fresh 4 KiB page costs about 15 us (a
// guest page fault, then the host backing the page), 40x what writing the page costs once it is mapped. A run
// that parsed a 10.6 MB network spent more time in page faults (17,000 of them) than in parsing: glibc returns
// freed blocks above 128 KiB to the kernel, so the JSON DOM, the file's text, each growing vector and each
// per-phase buffer landed on fresh pages again (docs/benchmarks.md, "Fresh pages").
//
// What it does, each step only a hint that may be refused without harm:
//  1. Freed memory stays in the process for reuse: blocks up to 32 MiB come from the heap (M_MMAP_THRESHOLD at
//     glibc's maximum, so they are not mapped and unmapped each time), and the heap's free top is kept
//     (M_TRIM_THRESHOLD 1 GiB). Resident memory then stays at the run's peak until exit, never above it.
//  2. The heap is grown once by `heap_reserve_bytes()` of address space (untouched pages cost no memory)
//     and marked MADV_HUGEPAGE, so where the kernel offers transparent huge pages ("madvise" or "always"),
//     first touches map 2 MiB at a time. Heap growth beyond the reserve gets ordinary pages.
// Skipped entirely: with another C library, under AddressSanitizer or ThreadSanitizer (their allocators
// replace glibc's), and when GLIBC_TUNABLES already sets any glibc.malloc tunable (the user's choice wins;
// `GLIBC_TUNABLES=glibc.malloc.perturb=0`, a tunable that changes nothing, keeps glibc's defaults).
#include <cstddef>

namespace evsnn::cli {

// min(256 MiB, an eighth of RLIMIT_AS and of RLIMIT_DATA); 0 (no reserve) when that is under 32 MiB.
std::size_t heap_reserve_bytes();

// Applies the policy above; returns whether it was applied.
bool tune_process_memory();

}  // namespace evsnn::cli
