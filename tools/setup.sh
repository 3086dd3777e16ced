#!/usr/bin/env bash
# Installs every dependency evsnn needs from Debian 12 packages (run as root, or with sudo present).
# Idempotent: skips apt when all packages are already installed.
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config
      libboost-dev libfmt-dev doctest-dev nlohmann-json3-dev libcli11-dev
      libbenchmark-dev libhdf5-dev zlib1g-dev
      clang libclang-rt-14-dev python3
      pybind11-dev python3-dev python3-numpy python3-pytest python3-h5py
      libopenmpi-dev openmpi-bin)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}"
fi
# Data sets (installed by the datasets set-up when present).
if [ -x "$(dirname "$0")/setup_data.sh" ]; then
  bash "$(dirname "$0")/setup_data.sh"
fi
echo "evsnn: dependencies installed"
