#!/usr/bin/env bash
# Builds evsnn and runs every test with ctest.
#   tools/test.sh             Release build in build/
#   tools/test.sh --sanitize  AddressSanitizer + UndefinedBehaviorSanitizer build in build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."
werror=OFF
[ "${CI:-}" = "true" ] && werror=ON
if [ "${1:-}" = "--sanitize" ]; then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DEVSNN_SANITIZE=ON -DEVSNN_BENCH=OFF \
        -DEVSNN_WERROR=$werror >/dev/null
  cmake --build build-asan -j"$(nproc)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure
else
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DEVSNN_WERROR=$werror >/dev/null
  cmake --build build -j"$(nproc)"
  ctest --test-dir build --output-on-failure
fi
