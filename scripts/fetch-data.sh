#!/usr/bin/env bash
# fetch-data.sh: fetch, verify and unpack the data sets seqcc trains on.
#
# Each file is looked for in $SEQCC_DATA_MIRROR, then in shared/data beside
# the checkout, then at its official URL. Checksums are those of
# shared/data/README.md. Re-running is cheap: a data set whose verified copy
# is already in DEST (recorded by a stamp file DEST/.NAME.stamp) is left alone.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: scripts/fetch-data.sh [--dest DIR] [--only NAME...]

Fetches, verifies and unpacks the data sets into DIR (default: data/ in the
checkout). NAME is one of: aclImdb hamlet_pg2265.txt tinyshakespeare.txt
airline_tweets.csv GOOG.csv (the extension may be left out).

Looks in $SEQCC_DATA_MIRROR, then ../shared/data beside the checkout, then
downloads from the official URL where there is one.
EOF
}

checkout=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
all_sets=(aclImdb hamlet_pg2265.txt tinyshakespeare.txt airline_tweets.csv GOOG.csv)
imdb_url=https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz
imdb_per_folder=12500

note() { printf '%s\n' "$*" >&2; }
fail() { printf 'fetch-data: error: %s\n' "$*" >&2; }

expected_sum() {
    case $1 in
    aclImdb_v1_labeled.tar.gz) echo f4f975b76a8079c172b9b0d42e034a63264327e8dd49440b771004a55e6048f3 ;;
    hamlet_pg2265.txt) echo 048e9e99c691ebac2756b8442a15291ca13adb7880104a3486cdb2c67e42bdaf ;;
    tinyshakespeare.txt) echo 86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed ;;
    airline_tweets.csv) echo 4224f422a6aad17e89e898f5484ebcbc460d1df7a4896e107f61ba045bf589d2 ;;
    GOOG.csv) echo 85c4dd1dc07c00a7aed3896fdae23f9e409953e5d9dfa735811e1826f67e2b0c ;;
    *) return 1 ;;
    esac
}

official_url() {
    case $1 in
    hamlet_pg2265.txt) echo https://www.gutenberg.org/cache/epub/2265/pg2265.txt ;;
    tinyshakespeare.txt) echo https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt ;;
    *) return 1 ;;
    esac
}

sha256_of() {
    if command -v sha256sum >/dev/null; then
        sha256sum -- "$1" | cut -d' ' -f1
    else
        shasum -a 256 -- "$1" | cut -d' ' -f1
    fi
}

# ---- arguments -------------------------------------------------------------

dest=$checkout/data
only=()
while (($#)); do
    case $1 in
    --dest)
        (($# >= 2)) || { fail "--dest needs a folder"; exit 2; }
        dest=$2
        shift 2
        ;;
    --only)
        shift
        if (($# == 0)) || [[ $1 == -* ]]; then
            fail "--only needs one or more names"
            exit 2
        fi
        while (($#)) && [[ $1 != -* ]]; do
            only+=("$1")
            shift
        done
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    *)
        fail "unknown argument '$1'"
        usage >&2
        exit 2
        ;;
    esac
done

sets=()
if ((${#only[@]} == 0)); then
    sets=("${all_sets[@]}")
fi
for name in ${only[@]+"${only[@]}"}; do
    found=
    for s in "${all_sets[@]}"; do
        if [[ $name == "$s" || $name == "${s%.*}" ]]; then
            found=$s
        fi
    done
    if [[ -z $found ]]; then
        fail "unknown data set '$name'; expected one of: ${all_sets[*]}"
        exit 2
    fi
    sets+=("$found")
done

# ---- where to look ---------------------------------------------------------

locations=()
if [[ -n ${SEQCC_DATA_MIRROR:-} ]]; then
    if [[ ! -d $SEQCC_DATA_MIRROR ]]; then
        fail "SEQCC_DATA_MIRROR=$SEQCC_DATA_MIRROR is not a folder"
        exit 1
    fi
    locations+=("$(cd "$SEQCC_DATA_MIRROR" && pwd)")
fi
shared=$(dirname "$checkout")/shared/data
if [[ -d $shared ]]; then
    locations+=("$shared")
fi

searched() {
    printf '%s' "\$SEQCC_DATA_MIRROR (${SEQCC_DATA_MIRROR:-unset}) or $shared"
}

# The first of the FILES found in the locations, in order.
locate() {
    local dir file
    for dir in ${locations[@]+"${locations[@]}"}; do
        for file in "$@"; do
            if [[ -f $dir/$file ]]; then
                printf '%s\n' "$dir/$file"
                return 0
            fi
        done
    done
    return 1
}

# ---- temporary files: everything half-done lives under DEST/.NAME.*.PID ----

temps=()
cleanup() {
    local t
    for t in ${temps[@]+"${temps[@]}"}; do
        rm -rf -- "$t"
    done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Removes what a killed run left behind (its process is gone).
remove_stale() {
    local t pid
    for t in "$dest/.$1".*.[0-9]*; do
        [[ -e $t ]] || continue
        pid=${t##*.}
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -rf -- "$t" 2>/dev/null || note "could not remove $t; remove it by hand"
        fi
    done
}

# Downloads URL to OUT; on failure download_error says why.
download_error=
download() {
    local url=$1 out=$2 msg
    note "  downloading $url"
    if command -v curl >/dev/null; then
        msg=$(curl -fsSL --retry 2 --connect-timeout 20 --speed-limit 1024 \
            --speed-time 60 -o "$out" "$url" 2>&1) && return 0
    elif command -v wget >/dev/null; then
        msg=$(wget -q --tries=3 --timeout=60 -O "$out" "$url" 2>&1) && return 0
    else
        msg="neither curl nor wget is installed"
    fi
    download_error="downloading $url failed: ${msg##*$'\n'}"
    return 1
}

write_stamp() {
    local name=$1 sum=$2 from=$3 tmp=$dest/.$1.stamp.tmp.$$
    printf 'sha256 %s\nsource %s\n' "$sum" "$from" >"$tmp" &&
        mv -f -- "$tmp" "$dest/.$name.stamp"
}

stamp_source() {
    sed -n 's/^source //p' "$dest/.$1.stamp"
}

# ---- plain files: copied (or downloaded) and checked ------------------------

install_file() {
    local name=$1 want target=$dest/$1 src from url got
    want=$(expected_sum "$name")
    if [[ -f $dest/.$name.stamp && -f $target ]] && [[ $(sha256_of "$target") == "$want" ]]; then
        echo "$name: ready (already in $dest, from $(stamp_source "$name"))"
        return 0
    fi
    remove_stale "$name"
    local tmp=$dest/.$name.tmp.$$
    temps+=("$tmp")
    if src=$(locate "$name"); then
        cp -- "$src" "$tmp" && chmod 644 -- "$tmp" || return 1
        from=$src
    elif url=$(official_url "$name"); then
        if ! download "$url" "$tmp"; then
            fail "$name: not found in $(searched), and $download_error." \
                "Put $name in a folder and set SEQCC_DATA_MIRROR to it."
            return 1
        fi
        from=$url
    else
        fail "$name: not found in $(searched), and it has no stable official download URL." \
            "Put $name in a folder and set SEQCC_DATA_MIRROR to it."
        return 1
    fi
    got=$(sha256_of "$tmp")
    if [[ $got != "$want" ]]; then
        fail "$name: checksum mismatch for $from: expected sha256 $want, got $got"
        return 1
    fi
    rm -f -- "$dest/.$name.stamp"
    mv -f -- "$tmp" "$target" || return 1
    write_stamp "$name" "$want" "$from" || return 1
    echo "$name: ready (from $from)"
}

# ---- aclImdb: one of two archives, unpacked and checked ---------------------

layout_problem=
imdb_layout_ok() {
    local split label n
    for split in train test; do
        for label in pos neg; do
            n=$(find "$1/$split/$label" -maxdepth 1 -type f -name '*.txt' 2>/dev/null | wc -l)
            n=${n// /}
            if ((n != imdb_per_folder)); then
                layout_problem="$split/$label has $n .txt files, expected $imdb_per_folder"
                return 1
            fi
        done
    done
}

install_imdb() {
    local target=$dest/aclImdb src from sum labeled=
    if [[ -f $dest/.aclImdb.stamp && -d $target ]] && imdb_layout_ok "$target"; then
        echo "aclImdb: ready (already in $dest, from $(stamp_source aclImdb))"
        return 0
    fi
    remove_stale aclImdb
    if src=$(locate aclImdb_v1_labeled.tar.gz aclImdb_v1.tar.gz); then
        from=$src
    else
        src=$dest/.aclImdb.download.$$
        temps+=("$src")
        if ! download "$imdb_url" "$src"; then
            fail "aclImdb: neither aclImdb_v1_labeled.tar.gz nor aclImdb_v1.tar.gz is in" \
                "$(searched), and $download_error." \
                "Put one of them in a folder and set SEQCC_DATA_MIRROR to it."
            return 1
        fi
        from=$imdb_url
    fi
    sum=$(sha256_of "$src")
    if [[ $src == */aclImdb_v1_labeled.tar.gz ]]; then
        labeled=$(expected_sum aclImdb_v1_labeled.tar.gz)
        if [[ $sum != "$labeled" ]]; then
            fail "aclImdb: checksum mismatch for $src: expected sha256 $labeled, got $sum"
            return 1
        fi
    fi

    # unpack beside the target and rename into place: never half a tree
    local work=$dest/.aclImdb.partial.$$
    temps+=("$work")
    mkdir -p -- "$work" || return 1
    note "aclImdb: unpacking $from"
    if ! tar -xzf "$src" -C "$work" --exclude='aclImdb/train/unsup' --exclude='*.feat'; then
        fail "aclImdb: cannot unpack $from (not a gzip'd tar archive, or truncated?)"
        return 1
    fi
    if ! imdb_layout_ok "$work/aclImdb"; then
        fail "aclImdb: $from does not hold the aclImdb layout: $layout_problem"
        return 1
    fi
    rm -f -- "$dest/.aclImdb.stamp"
    if [[ -e $target ]]; then
        mv -- "$target" "$work/previous" || return 1
    fi
    mv -- "$work/aclImdb" "$target" || return 1
    rm -rf -- "$work"
    write_stamp aclImdb "$sum" "$from" || return 1
    echo "aclImdb: ready (from $from)"
}

# ---- main --------------------------------------------------------------------

mkdir -p -- "$dest"
dest=$(cd "$dest" && pwd)
# (errexit is off inside a function called as `f || ...`, so the install
# functions check their steps themselves)
failed=0
for name in "${sets[@]}"; do
    if [[ $name == aclImdb ]]; then
        install_imdb || failed=1
    else
        install_file "$name" || failed=1
    fi
done
if ((failed)); then
    fail "some data sets are missing (see above)"
    exit 1
fi
