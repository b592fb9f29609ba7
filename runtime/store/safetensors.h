/* safetensors.h: reading and writing the safetensors format
 * (https://huggingface.co/docs/safetensors): an 8-byte little-endian header
 * length, a JSON header {"__metadata__": {str: str}, name: {"dtype", "shape",
 * "data_offsets"}}, then the raw little-endian tensor bytes.
 *
 * Writing is byte-deterministic: tensors are laid out in the order added,
 * metadata keys in the order added, no timestamps; the header is padded with
 * spaces to a multiple of 8 bytes. The file is written atomically (see
 * seq_write_file_atomic).
 *
 * Reading checks everything the reference implementation checks; a reader's
 * tensors point into its copy of the file, so their data may be unaligned for
 * the dtype: callers memcpy it out. */
#ifndef SEQ_SAFETENSORS_H
#define SEQ_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "base/util.h"

typedef enum seq_dtype { SEQ_F32, SEQ_F64, SEQ_I32, SEQ_I64, SEQ_U8 } seq_dtype;

size_t seq_dtype_size(seq_dtype t);
const char *seq_dtype_name(seq_dtype t); /* "F32", "F64", "I32", "I64", "U8" */

#define SEQ_ST_MAX_RANK 8

typedef struct seq_st_tensor {
    char *name;
    seq_dtype dtype;
    int rank;
    int64_t shape[SEQ_ST_MAX_RANK];
    const void *data; /* writer: borrowed until seq_st_write; reader: into the file image */
    size_t nbytes;
} seq_st_tensor;

typedef struct seq_st_meta {
    char *key, *value;
} seq_st_meta;

/* Writer and reader share one structure. */
typedef struct seq_st {
    seq_st_tensor *tensors;
    size_t n_tensors, cap_tensors;
    seq_st_meta *meta;
    size_t n_meta, cap_meta;
    char *image; /* reader: the whole file */
    size_t image_len;
} seq_st;

void seq_st_init(seq_st *st);
void seq_st_free(seq_st *st);

/* Writer. NAME is copied, DATA is not: it must stay valid until
 * seq_st_write. A duplicate name, a rank outside 0..SEQ_ST_MAX_RANK or a
 * negative dimension is a bug in the caller and ends the program (seq_die).
 * Setting a metadata key again replaces its value. */
void seq_st_add(seq_st *st, const char *name, seq_dtype dtype, int rank,
                const int64_t *shape, const void *data);
void seq_st_set_meta(seq_st *st, const char *key, const char *value);
int seq_st_write(const seq_st *st, const char *path, seq_err *err);
/* Appends to OUT what seq_st_write writes. */
void seq_st_serialize(const seq_st *st, seq_buf *out);

/* Reader: validates the whole header (JSON syntax, dtypes, shapes, offsets
 * inside the file, sizes that match shapes, tensors that tile the data
 * section with no overlap or gap, unique names) and fails with a message
 * naming PATH on anything malformed. ST is initialized here (free it first
 * if it held anything); on failure it is left empty. */
int seq_st_read(seq_st *st, const char *path, seq_err *err);
int seq_st_parse(seq_st *st, const char *name_for_errors, const void *bytes,
                 size_t len, seq_err *err); /* copies BYTES */
const seq_st_tensor *seq_st_find(const seq_st *st, const char *name);

/* Checksummed files (checkpoints, weights): seq_st_write with the metadata
 * "checksum_sha256", the SHA-256 of the file as written with it all zeros;
 * and its check on a file read (a missing, misplaced or different checksum
 * fails, naming PATH). */
int seq_st_write_checksummed(seq_st *st, const char *path, seq_err *err);
int seq_st_verify_checksum(const seq_st *st, const char *path, seq_err *err);
const char *seq_st_get_meta(const seq_st *st, const char *key); /* NULL if absent */

#endif
