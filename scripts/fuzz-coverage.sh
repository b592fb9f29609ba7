#!/usr/bin/env bash
# fuzz-coverage.sh: the line coverage of each fuzz target's corpus (its seeds
# and what fuzzing found in FOUND/NAME, by default build-asan/tests/fuzz/found)
# over the files it reads with: a clang build with -fprofile-instr-generate in
# build-fuzzcov/, each target run once over its corpus, llvm-cov's report.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
found=${1:-$root/build-asan/tests/fuzz/found}
build=$root/build-fuzzcov
out=$build/coverage
targets=(spec safetensors json csv text review)

cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DSEQCC_FUZZ=ON -DSEQCC_BUILD_TESTS=ON \
      -DCMAKE_C_FLAGS="-fprofile-instr-generate -fcoverage-mapping" \
      -DCMAKE_EXE_LINKER_FLAGS="-fprofile-instr-generate" >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}" >/dev/null
mkdir -p "$out"

# The files each target reads with.
files() {
    case $1 in
    spec) echo compiler/node.c compiler/spec.c compiler/check.c compiler/strset.c compiler/diag.c ;;
    safetensors) echo runtime/store/safetensors.c runtime/store/json.c ;;
    json) echo runtime/store/json.c ;;
    csv) echo runtime/data/csv.c ;;
    text) echo runtime/data/textset.c runtime/data/tokenizer.c runtime/data/chars.c ;;
    review) echo runtime/data/textset.c runtime/data/tokenizer.c ;;
    esac
}

for t in "${targets[@]}"; do
    corpus=("$root/tests/fuzz/corpus/$t")
    [ "$t" = spec ] && corpus+=("$root/specs" "$root/tests/specs" "$root/tests/bad_specs")
    [ -d "$found/$t" ] && corpus+=("$found/$t")
    LLVM_PROFILE_FILE=$out/$t.profraw "$build/tests/fuzz/fuzz_$t" -runs=0 "${corpus[@]}" \
        >"$out/$t.log" 2>&1
    llvm-profdata merge -o "$out/$t.profdata" "$out/$t.profraw"
    echo "== fuzz_$t: $(find "${corpus[@]}" -type f | wc -l) inputs"
    (cd "$root" && llvm-cov report "$build/tests/fuzz/fuzz_$t" -instr-profile="$out/$t.profdata" \
        $(files "$t")) | awk 'NR > 2 && $1 !~ /^-/ { n = split($1, p, "/")
        printf "  %-16s %5s lines, %4s missed, %s\n", p[n], $8, $9, $10 }'
done
