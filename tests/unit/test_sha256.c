/* test_sha256.c: SHA-256 (runtime/base/sha256.c, shared with the compiler) on
 * FIPS 180-4's test vectors, in one call and fed in pieces of every size. */
#include "check.h"
#include "base/sha256.h"

#include <stdlib.h>

static void check_vector(const char *text, size_t len, const char *want)
{
    char hex[65];
    seq_sha256_hex(text, len, hex);
    CHECK_STR(hex, want);
    /* the same bytes fed in pieces of 1 to 130 bytes */
    for (size_t piece = 1; piece <= 130; piece++) {
        seq_sha256 s;
        seq_sha256_init(&s);
        for (size_t at = 0; at < len; at += piece)
            seq_sha256_update(&s, text + at, len - at < piece ? len - at : piece);
        seq_sha256_final_hex(&s, hex);
        CHECK_MSG(strcmp(hex, want) == 0, "pieces of %zu bytes: %s", piece, hex);
    }
}

int main(void)
{
    check_vector("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check_vector("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check_vector(two, strlen(two),
                 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    size_t n = 1000000;
    char *a = malloc(n);
    memset(a, 'a', n);
    char hex[65];
    seq_sha256_hex(a, n, hex);
    CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
    return check_status("test_sha256");
}
