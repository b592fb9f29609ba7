/* utf8.h: UTF-8, the one validator, decoder and encoder of the compiler and
 * the runtime. Well-formed is RFC 3629's: no overlong forms, no surrogates
 * (U+D800..U+DFFF), nothing past U+10FFFF. */
#ifndef SEQ_UTF8_H
#define SEQ_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define SEQ_UTF8_REPLACEMENT 0xFFFD /* what a bad byte decodes to */
#define SEQ_UTF8_MAX 4              /* bytes in the longest sequence */

/* The length (1 to 4) of the well-formed sequence at S, which has AVAIL >= 1
 * bytes; 0 if S does not start one. */
size_t seq_utf8_length(const char *s, size_t avail);

/* Validates UTF-8; returns 1 if valid, else 0 and the 1-based line of the
 * first bad byte in *bad_line (BAD_LINE may be NULL). */
int seq_utf8_valid(const char *s, size_t len, size_t *bad_line);

/* The code point starting at S[*I] (S has LEN bytes), moving *I past it. A
 * byte that does not start a valid UTF-8 sequence reads as U+FFFD on its own. */
int32_t seq_utf8_next(const char *s, size_t len, size_t *i);

/* Writes the code point CP (at most U+10FFFF) to OUT; returns its length. */
size_t seq_utf8_encode(uint32_t cp, char out[SEQ_UTF8_MAX]);

/* Whether byte C continues a sequence (10xxxxxx) rather than starting one. */
static inline int seq_utf8_continues(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

#endif
