/* sha256.h: SHA-256 (FIPS 180-4), to name a spec in generated code and
 * checkpoints. */
#ifndef SEQC_SHA256_H
#define SEQC_SHA256_H

#include <stddef.h>

/* Writes the 64 lowercase hex digits and a NUL to HEX. */
void sha256_hex(const void *data, size_t len, char hex[65]);

#endif
