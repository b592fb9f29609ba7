#!/usr/bin/env bash
# install-deps.sh: the Debian packages seqcc builds and tests with. Installs
# only what is missing (as root, or through sudo).
set -euo pipefail

# libdnnl-dev: oneDNN, the peer bench/onednn_rnn.c times (bench/bench_models.py);
# python3-torch: the peer of the parity test and the benchmarks, and the
# exporter of seqcc import's test models (tests/onnx/torch_models.py)
packages=(build-essential clang cmake pkg-config libyaml-dev libopenblas-dev libdnnl-dev
          lua5.4 lua-busted lua-dkjson curl ca-certificates libopenmpi-dev openmpi-bin
          gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm gcc-riscv64-unknown-elf
          picolibc-riscv64-unknown-elf
          libprotobuf-c-dev protobuf-c-compiler libonnx-dev python3-onnx
          python3-torch python3-yaml python3-numpy)
# ONNX Runtime for the ONNX export's test (tests/onnx/ort.js): the npm
# package onnxruntime-node, with its CPU library; --ignore-scripts, as its
# install script fetches GPU extras only, from a host not always reachable.
ort_ready() {
    command -v node >/dev/null && command -v npm >/dev/null &&
        NODE_PATH=$(npm root -g) node -e "require('onnxruntime-node')" 2>/dev/null
}
install_ort() {
    ort_ready && return 0
    echo "installing: onnxruntime-node (npm, global)" >&2
    "${sudo[@]}" npm install -g --ignore-scripts --no-audit --no-fund onnxruntime-node >/dev/null
}

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
fi
if [ ${#missing[@]} -eq 0 ]; then
    install_ort
    exit 0
fi

echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
install_ort
