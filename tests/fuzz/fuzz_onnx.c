/* fuzz_onnx.c: seqcc import's reader (compiler/import.h) on arbitrary bytes:
 * protobuf-c's unpacking of ONNX's ModelProto, then the walk over the graph
 * that turns its nodes into layers; nothing is written. */
#include <stdint.h>

#include "import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int rc = import_onnx_check(data, size);
    if (rc != 0 && rc != 2)
        __builtin_trap();
    return 0;
}
