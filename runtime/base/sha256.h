/* sha256.h: SHA-256 (FIPS 180-4): a spec's hash in generated code and
 * checkpoints, and the fingerprint of a run's training data. Shared by the
 * compiler and the runtime (sequtil). */
#ifndef SEQ_SHA256_H
#define SEQ_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* A hash fed in pieces: init, update any number of times, then hex. */
typedef struct seq_sha256 {
    uint32_t h[8];
    uint64_t len;             /* bytes fed so far */
    unsigned char block[64];  /* the incomplete block, len % 64 bytes */
} seq_sha256;

void seq_sha256_init(seq_sha256 *s);
void seq_sha256_update(seq_sha256 *s, const void *data, size_t len);
/* Writes the 64 lowercase hex digits and a NUL to HEX; S is spent. */
void seq_sha256_final_hex(seq_sha256 *s, char hex[65]);

/* The hash of DATA[0..len) in one call. */
void seq_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
