/* utf8.c: UTF-8 validation, decoding and encoding. */
#include "utf8.h"

size_t seq_utf8_length(const char *s, size_t avail)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    /* Lead byte: sequence length and the allowed range of the second byte,
     * which excludes overlongs, surrogates and code points past U+10FFFF. */
    size_t n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else
        return 0;
    if (avail < n || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t k = 2; k < n; k++)
        if (!seq_utf8_continues(p[k]))
            return 0;
    return n;
}

int seq_utf8_valid(const char *s, size_t len, size_t *bad_line)
{
    size_t line = 1;
    for (size_t i = 0; i < len;) {
        size_t n = seq_utf8_length(s + i, len - i);
        if (n == 0) {
            if (bad_line)
                *bad_line = line;
            return 0;
        }
        line += s[i] == '\n';
        i += n;
    }
    return 1;
}

int32_t seq_utf8_next(const char *s, size_t len, size_t *i)
{
    const unsigned char *p = (const unsigned char *)s + *i;
    size_t n = seq_utf8_length(s + *i, len - *i);
    if (n == 0) {
        *i += 1;
        return SEQ_UTF8_REPLACEMENT;
    }
    static const unsigned char lead_bits[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    int32_t cp = (int32_t)(p[0] & lead_bits[n]);
    for (size_t k = 1; k < n; k++)
        cp = cp << 6 | (p[k] & 0x3F);
    *i += n;
    return cp;
}

size_t seq_utf8_encode(uint32_t cp, char out[SEQ_UTF8_MAX])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    size_t n = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    static const unsigned char lead[] = {0, 0, 0xC0, 0xE0, 0xF0};
    for (size_t k = n - 1; k > 0; k--, cp >>= 6)
        out[k] = (char)(0x80 | (cp & 0x3F));
    out[0] = (char)(lead[n] | cp);
    return n;
}
