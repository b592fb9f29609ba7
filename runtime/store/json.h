/* json.h: a small JSON reader (RFC 8259) for safetensors headers and
 * metadata, and string escaping for the JSON writers. */
#ifndef SEQ_JSON_H
#define SEQ_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

typedef enum seq_json_kind {
    SEQ_JSON_NULL, SEQ_JSON_BOOL, SEQ_JSON_NUMBER, SEQ_JSON_STRING,
    SEQ_JSON_ARRAY, SEQ_JSON_OBJECT
} seq_json_kind;

typedef struct seq_json seq_json;
struct seq_json {
    seq_json_kind kind;
    int boolean;
    double number;
    int is_integer;   /* written without fraction or exponent, and fits int64 */
    int64_t integer;  /* then its exact value */
    char *string;     /* STRING: decoded UTF-8, NUL-terminated */
    size_t len;       /* STRING: byte length; ARRAY/OBJECT: element count */
    char **keys;      /* OBJECT: keys, in document order */
    seq_json *items;  /* ARRAY/OBJECT: elements */
};

/* Parses TEXT[0..len) (no NUL needed). Depth is limited (64) so hostile
 * input cannot exhaust the stack. Strings must be valid UTF-8; object keys
 * may not contain \u0000; duplicate keys are kept (seq_json_get finds the
 * first); numbers beyond double range are rejected. On failure, returns NULL
 * and *err says what was expected and at which byte. */
seq_json *seq_json_parse(const char *text, size_t len, seq_err *err);
void seq_json_free(seq_json *v);
const seq_json *seq_json_get(const seq_json *obj, const char *key); /* NULL if absent */

/* Appends S as a quoted, escaped JSON string; valid UTF-8 is kept as is,
 * a byte that is not UTF-8 becomes \ufffd. */
void seq_json_put_string(seq_buf *b, const char *s);

#endif
