#!/usr/bin/env bash
# same-bits.sh: whether two builds of seqcc (before and after a refactor) train
# the same bits. Each seed model named (default: one of every data kind and
# input) is trained in both builds from the same data with the same options;
# the checkpoints' SHA-256 and the eval figures of both must be equal. Then
# the bad-spec corpus (tests/bad_specs) through both compilers and a set of
# broken data files through both model binaries: the same messages and exit
# statuses. Exits 1 after any difference. Exits 1 on the first difference.
#
#   scripts/same-bits.sh OLD_BUILD NEW_BUILD [MODEL...]
#
# e.g. git worktree add /tmp/old REV && cmake -S /tmp/old -B /tmp/old/build
# -DCMAKE_BUILD_TYPE=Release && cmake --build /tmp/old/build, then
# scripts/same-bits.sh /tmp/old/build build.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ $# -lt 2 ]; then
    echo "usage: scripts/same-bits.sh OLD_BUILD NEW_BUILD [MODEL...]" >&2
    exit 2
fi
old=$1 new=$2
shift 2
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(imdb_lstm tweets_lstm charword_cnn_lstm hamlet_charlm stock_lstm sine_lstm)
data=${SEQCC_DATA:-$root/data}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The model's data and a few inputs to predict.
data_of() {
    case $1 in
        imdb_*|charword_*) echo "$data/aclImdb" ;;
        tweets_*) echo "$data/airline_tweets.csv" ;;
        hamlet_*) echo "$data/hamlet_pg2265.txt" ;;
        shakespeare_*) echo "$data/tinyshakespeare.txt" ;;
        stock_*) echo "$data/GOOG.csv" ;;
        *) echo "" ;;
    esac
}

status=0
for m in "${models[@]}"; do
    d=$(data_of "$m")
    for side in old new; do
        bin=$([ $side = old ] && echo "$old" || echo "$new")/$m
        out=$tmp/$side/$m
        mkdir -p "$out"
        limit=()
        split=test
        case $m in
            imdb_*|charword_*|tweets_*) limit=(--limit 300) ;; # examples per class
            *charlm) split=val ;;                              # a char-lm has no test split
        esac
        args=(--threads 2 --max-steps 30 "${limit[@]}")
        [ -n "$d" ] && args+=(--data "$d")
        "$bin" train --out "$out/run" "${args[@]}" >"$out/train.log" 2>&1
        eval_args=(--checkpoint "$out/run/checkpoint.safetensors" --threads 2 --split $split "${limit[@]}")
        [ -n "$d" ] && eval_args+=(--data "$d")
        # the figures without the time taken and the folder
        "$bin" eval "${eval_args[@]}" 2>&1 | sed -e "s| ([0-9.]* s)||" -e "s|$out|OUT|g" >"$out/eval.txt"
        (cd "$out/run" && sha256sum checkpoint.safetensors $(ls best.safetensors 2>/dev/null)) >"$out/sha"
    done
    a=$tmp/old/$m b=$tmp/new/$m
    if cmp -s "$a/sha" "$b/sha" && cmp -s "$a/eval.txt" "$b/eval.txt"; then
        printf '%-20s same bits: checkpoint %s, eval: %s\n' "$m" "$(head -c 16 "$b/sha")" \
            "$(grep -m1 -i 'loss' "$b/eval.txt" | tr -s ' ' | cut -c1-80)"
    else
        printf '%-20s DIFFERENT\n' "$m"
        diff "$a/sha" "$b/sha" || true
        diff "$a/eval.txt" "$b/eval.txt" || true
        status=1
    fi
done

# What BIN ARGS... prints and exits with, the scratch folder's name taken out.
outcome() {
    local rc=0
    "$@" >"$tmp/out" 2>&1 </dev/null || rc=$?
    sed "s|$tmp|TMP|g" "$tmp/out"
    echo "exit $rc"
}

# The bad-spec corpus: each spec's message and status from both compilers.
specs=0 differ=0
for spec in "$root"/tests/bad_specs/*.yaml; do
    a=$(outcome "$old/compiler/seqcc" "$spec" -o "$tmp/o")
    b=$(outcome "$new/compiler/seqcc" "$spec" -o "$tmp/n")
    specs=$((specs + 1))
    if [ "$a" != "$b" ]; then
        differ=$((differ + 1))
        printf '%s: DIFFERENT\n--- old\n%s\n--- new\n%s\n' "${spec#"$root"/}" "$a" "$b"
    fi
done
echo "tests/bad_specs: $specs specs, $differ with other messages"
[ $differ -eq 0 ] || status=1

# Broken data: each file's message and status from both binaries' train.
bad=$tmp/bad
mkdir -p "$bad"
hdr=tweet_id,airline_sentiment,text
printf '%s\n1,positive,good\n2,negative,"unclosed\n' "$hdr" >"$bad/unclosed_quote.csv"
printf '%s\n1,positive,good\n2,negative\n' "$hdr" >"$bad/short_row.csv"
printf '%s\n1,positive,g\377od\n' "$hdr" >"$bad/bad_utf8.csv"
printf '%s\n1,positive,go\000od\n' "$hdr" >"$bad/nul.csv"
printf 'tweet_id,sentiment,text\n1,positive,good\n' >"$bad/no_label_column.csv"
printf '%s\n' "$hdr" >"$bad/header_only.csv"
: >"$bad/empty.csv"
printf 'Date,Open,High,Low,Close,Volume\n2018-10-09,1,2,3,4,5\n2018-10-10,1,2,x,4,5\n' >"$bad/stock_not_a_number.csv"
printf 'Date,Open,High,Low,Close,Volume\n2018-10-09,1,2,3,4,5\n' >"$bad/stock_too_few_rows.csv"
printf 'Date,Open,High,Low,Volume\n2018-10-09,1,2,3,5\n' >"$bad/stock_no_target.csv"
: >"$bad/empty.txt"
printf 'to be or\377 not\n' >"$bad/bad_utf8.txt"
printf 'to be\000 or not\n' >"$bad/nul.txt"
printf 'short\n' >"$bad/short.txt"
cases=0 differ=0
for f in "$bad"/*; do
    case $f in
        *stock_*) m=stock_lstm ;;
        *.txt) m=hamlet_charlm ;;
        *) m=tweets_lstm ;;
    esac
    a=$(outcome "$old/$m" train --data "$f" --out "$tmp/run" --max-steps 2)
    rm -rf "$tmp/run"
    b=$(outcome "$new/$m" train --data "$f" --out "$tmp/run" --max-steps 2)
    rm -rf "$tmp/run"
    cases=$((cases + 1))
    if [ "$a" != "$b" ]; then
        differ=$((differ + 1))
        printf '%s: DIFFERENT\n--- old\n%s\n--- new\n%s\n' "$(basename "$f")" "$a" "$b"
    elif [ "${a##*exit }" = 0 ]; then
        echo "$(basename "$f"): accepted by both (not a bad file)"
    fi
done
echo "broken data files: $cases, $differ with other messages"
[ $differ -eq 0 ] || status=1
exit $status
