# long-functions.awk: C functions longer than LIMIT lines (default 80), from
# the first line of the signature to the closing brace, for code written in
# the project's style (signature and braces in column 0).
#   awk -f scripts/long-functions.awk runtime/*.c compiler/*.c | sort -rn
BEGIN { if (!LIMIT) LIMIT = 80 }
FNR == 1 { sig = ""; infn = 0 }
/^[A-Za-z_].*\(/ && !infn { sig = $0; sl = FNR }
/^\{/ && sig != "" { infn = 1; start = sl }
/^\}/ && infn {
    n = FNR - start + 1
    if (n > LIMIT)
        printf "%4d %s:%d %s\n", n, FILENAME, start, sig
    infn = 0
    sig = ""
}
