/* read.h: reading a spec's mappings key by key (read.c). Every reader
 * reports through diag, pointing at the value (or, for a missing key, at
 * the mapping), and returns -1 after an error, else 0. WHAT names the
 * mapping in messages ("'data'", "layer 2 (lstm)"). An absent optional key
 * leaves *out as it is: set the default before reading. */
#ifndef SEQC_READ_H
#define SEQC_READ_H

#include <stdint.h>

#include "spec.h"

enum { SHOWN_CHARS = 40, SHOWN_BUF = 4 * SHOWN_CHARS + 8 };

/* The value of KEY in mapping MAP (marked used), or NULL. */
node *field(node *map, const char *key);
/* TEXT fit for a one-line message (control characters escaped, cut after
 * SHOWN_CHARS characters), in BUF of SHOWN_BUF bytes. */
const char *shown(const char *text, char *buf);
/* YAML's null: nothing after the colon, ~ or null. */
int is_empty(const node *v);
/* Requires N to be a mapping whose keys are all in ALLOWED (NULL-terminated);
 * an unknown key is reported with the closest allowed one. */
int check_map(node *n, const char *what, const char *const *allowed);
/* Reports that V, the value of KEY, is not EXPECTED ("an integer", ...). */
int bad_value(const node *v, const char *key, const char *expected);
/* Reports that MAP (WHAT) lacks the required KEY. */
int missing(node *map, const char *key, const char *what);

/* Integers in [lo, hi]: of node V; of KEY in MAP (REQUIRED or optional). */
int read_int_node(node *v, const char *key, int64_t lo, int64_t hi, int64_t *out);
int read_int(node *map, const char *key, const char *what, int required, int64_t lo, int64_t hi,
             int64_t *out);
int read_int32(node *map, const char *key, const char *what, int required, int lo, int hi,
               int *out);
/* A size in steps and width: one integer for both, or [steps, width]. */
int read_size2(node *map, const char *key, int lo, int hi, int out[2]);
/* A decimal number in [lo, hi]. */
int read_num(node *map, const char *key, const char *what, int required, double lo, double hi,
             double *out);
int read_bool(node *map, const char *key, int *out);
/* A string; an empty value reads as "". */
int read_str(node *map, const char *key, const char *what, int required, const char **out);
/* One of NAMES (NULL-terminated), as its index. */
int read_enum_node(node *v, const char *key, const char *const *names, int *out);
int read_enum(node *map, const char *key, const char *what, int required,
              const char *const *names, int *out);
/* A name that becomes part of C identifiers and file names. */
int read_name(node *map, const char *key, const char *what, int required, const char **out);
/* An initializer: a name, or {type: NAME, limit|stddev|gain: X}. */
int read_init(node *map, const char *key, init_spec *out);
/* The same, or pre-trained word vectors: {type: file, path: P} (out->path,
 * relative to the spec's folder); the embedding checks the file. */
int read_init_file(node *map, const char *key, init_spec *out);
/* 'activation': none, relu, tanh, sigmoid or softmax. */
int read_activation(node *map, const char *what, activation *out);

#endif
