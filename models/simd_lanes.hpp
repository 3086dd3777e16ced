#pragma once
// double2: two doubles as one SIMD value (GCC/Clang vector extension: SSE2 on any x86-64, NEON on AArch64),
// for the neuron models' per-input loops, which the compiler does not vectorise on its own (their 0/1
// outcomes mix double comparisons with integer flags). Lane arithmetic is IEEE double arithmetic, the same
// operations in the same order as the scalar code, so results are bit-identical to it (no contraction:
// the build passes -ffp-contract=off). Comparisons give mask2 lanes of -1 (true) or 0.
// Invariants: load2/store2 accept any alignment.
#include <cstdint>
#include <cstring>

namespace evsnn {

using double2 = double __attribute__((vector_size(16)));
using mask2 = std::int64_t __attribute__((vector_size(16)));

inline double2 load2(const double* p) {
  double2 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline void store2(double* p, double2 v) { std::memcpy(p, &v, sizeof v); }

}  // namespace evsnn
