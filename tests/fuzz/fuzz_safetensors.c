/* fuzz_safetensors.c: the safetensors reader (header length, JSON header,
 * dtypes, shapes, offsets, metadata) on arbitrary bytes; a file it accepts
 * is serialized again and must read back the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    seq_st st;
    seq_err err;
    seq_st_init(&st);
    if (seq_st_parse(&st, "fuzz.safetensors", data, size, &err) == 0) {
        for (size_t i = 0; i < st.n_tensors; i++)
            if (seq_st_find(&st, st.tensors[i].name) == NULL)
                abort();
        seq_buf again = {0};
        seq_st_serialize(&st, &again);
        seq_st back;
        seq_st_init(&back);
        if (seq_st_parse(&back, "again.safetensors", again.data, again.len, &err) != 0 ||
            back.n_tensors != st.n_tensors || back.n_meta != st.n_meta)
            abort();
        seq_st_free(&back);
        seq_buf_free(&again);
    }
    seq_st_free(&st);
    return 0;
}
