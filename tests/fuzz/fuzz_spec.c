/* fuzz_spec.c: the spec front end (YAML tree, spec reader, shape checks) on
 * arbitrary bytes, as seqcc runs it before emitting; nothing is written. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "node.h"
#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static FILE *quiet;
    quiet = fopen("/dev/null", "w"); /* the messages, not the sanitizers' reports */
    diag_set_stream(quiet);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    diag_init("fuzz.yaml");
    spec s;
    memset(&s, 0, sizeof s);
    node *root = node_parse((const char *)data, size);
    if (root && spec_read(&s, root, "fuzz/fuzz.yaml") == 0)
        spec_check(&s);
    spec_free(&s);
    node_free_all();
    return 0;
}
