#!/usr/bin/env bash
# main.sh: the main job, from a fresh checkout on Debian: install what is
# missing, build, fetch the IMDB reviews, compile specs/imdb_lstm.yaml, train
# it, and evaluate it on the 25,000 test reviews.
#
# The run folder is runs/imdb_lstm (a fresh run each time: --force); the evaluated checkpoint is the epoch with
# the best validation accuracy (20% of the training reviews, never the test
# set). SEQCC_THREADS sets the thread count (default: all cores).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build" -j"$(nproc)" --target imdb_lstm
"$root/scripts/fetch-data.sh" --only aclImdb

model="$root/build/imdb_lstm"
run="$root/runs/imdb_lstm"
"$model" summary
"$model" train --out "$run" --force   # a fresh run, also when main.sh runs again
"$model" eval --checkpoint "$run/best.safetensors" --split test
