#!/usr/bin/env bash
# install-deps.sh: the Debian packages seqcc builds and tests with. Installs
# only what is missing (as root, or through sudo).
set -euo pipefail

# libdnnl-dev: oneDNN, the peer bench/onednn_rnn.c times (bench/bench_models.py)
packages=(build-essential clang cmake pkg-config libyaml-dev libopenblas-dev libdnnl-dev
          lua5.4 lua-busted lua-dkjson curl ca-certificates libopenmpi-dev openmpi-bin
          gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm gcc-riscv64-unknown-elf
          picolibc-riscv64-unknown-elf)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "installing: ${missing[*]}" >&2
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
