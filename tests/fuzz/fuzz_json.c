/* fuzz_json.c: the JSON parser on arbitrary bytes; every value it returns is
 * walked (keys looked up again, strings' terminations checked). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const seq_json *v)
{
    if (v->kind == SEQ_JSON_STRING && v->string[v->len] != '\0')
        abort(); /* LEN bytes, then the terminating NUL (\u0000 may come before) */
    if (v->kind != SEQ_JSON_ARRAY && v->kind != SEQ_JSON_OBJECT)
        return;
    for (size_t i = 0; i < v->len; i++) {
        walk(&v->items[i]);
        if (v->kind == SEQ_JSON_OBJECT && !seq_json_get(v, v->keys[i]))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    seq_err err;
    seq_json *v = seq_json_parse((const char *)data, size, &err);
    if (v) {
        walk(v);
        seq_json_free(v);
    }
    return 0;
}
