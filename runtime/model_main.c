/* model_main.c: main() of a model binary. CMake compiles it once per model
 * with SEQ_MODEL (the spec's name) and SEQ_SPEC_DIR (its folder) defined. */
#include "cli.h"

#define SEQ_CAT_(a, b) a##b
#define SEQ_CAT(a, b) SEQ_CAT_(a, b)

extern const seq_model_info SEQ_CAT(SEQ_MODEL, _info);
extern const seq_s_model SEQ_CAT(SEQ_MODEL, _f32);
extern const seq_d_model SEQ_CAT(SEQ_MODEL, _f64);

int main(int argc, char **argv)
{
    return seq_main(argc, argv, &SEQ_CAT(SEQ_MODEL, _info), &SEQ_CAT(SEQ_MODEL, _f32),
                    &SEQ_CAT(SEQ_MODEL, _f64), SEQ_SPEC_DIR);
}
