#!/usr/bin/env bash
# Configures and builds evsnn in build/ (Release). Usage: tools/build.sh [extra cmake args]
set -euo pipefail
cd "$(dirname "$0")/.."
werror=OFF
[ "${CI:-}" = "true" ] && werror=ON
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DEVSNN_WERROR=$werror "$@" >/dev/null
cmake --build build -j"$(nproc)"
