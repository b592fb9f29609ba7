#!/usr/bin/env bash
# test.sh: the whole test suite, from a fresh checkout on Debian.
#
# Installs what is missing, fetches the IMDB reviews, builds with gcc and
# -Werror and runs every test (CTest: C unit tests and the Lua harness); then
# builds again with clang under AddressSanitizer and UndefinedBehaviorSanitizer
# and runs the suite once more, with the libFuzzer targets (tests/fuzz, 20 s
# each). Build trees: build/ and build-asan/.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=$(nproc)

"$root/scripts/install-deps.sh"
"$root/scripts/fetch-data.sh" --only aclImdb airline_tweets.csv hamlet_pg2265.txt tinyshakespeare.txt \
    GOOG.csv

echo "== gcc, -Werror, Release" >&2
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=gcc >/dev/null
cmake --build "$root/build" -j"$jobs"
(cd "$root/build" && ctest --output-on-failure -j"$jobs")

echo "== clang, -Werror, AddressSanitizer + UndefinedBehaviorSanitizer, libFuzzer targets" >&2
cmake -S "$root" -B "$root/build-asan" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=clang \
      -DSEQCC_SANITIZE=ON -DSEQCC_FUZZ=ON >/dev/null
cmake --build "$root/build-asan" -j"$jobs"
(cd "$root/build-asan" && ctest --output-on-failure -j"$jobs")
