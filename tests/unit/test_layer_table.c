/* test_layer_table.c: the layer descriptors (compiler/layer.h) are whole:
 * every kind has a unique type, a Keras class and each callback the
 * pipeline calls without asking; the first kinds keep their order (the
 * message listing the types), and the kinds the pipeline's own checks look
 * for exist (token ids first, an output layer for the loss). */
#include "check.h"
#include "layer.h"

int main(void)
{
    static const char *const first[] = {"embedding", "lstm", "gru", "rnn", "dense", "dropout",
                                        "conv1d", "maxpool1d", "conv2d", "maxpool2d",
                                        "reshape_to_sequence", "char_cnn"};
    int n = 0, ids = 0, output = 0, chars = 0;
    for (; layer_table[n]; n++) {
        const layer_type *t = layer_table[n];
        CHECK_MSG(t->type && t->type[0], "kind %d", n);
        if (!t->type)
            continue;
        CHECK_MSG(t->keras_class && t->keras_class[0], "%s", t->type);
        CHECK_MSG(t->read && t->check && t->describe, "%s: read, check, describe", t->type);
        CHECK_MSG(t->acts && t->grads && t->forward && t->backward,
                  "%s: acts, grads, forward, backward", t->type);
        CHECK_MSG(t->states >= 0 && t->states <= 2, "%s: states %d", t->type, t->states);
        CHECK_MSG(!t->states || (t->flags & LAYER_RECURRENT), "%s: states need a recurrence",
                  t->type);
        CHECK_MSG(!(t->flags & LAYER_TAKES_IDS) || !(t->flags & LAYER_TAKES_CHARS),
                  "%s: ids or chars", t->type);
        for (int j = 0; j < n; j++)
            CHECK_MSG(strcmp(layer_table[j]->type, t->type) != 0, "%s twice", t->type);
        if ((size_t)n < sizeof first / sizeof *first)
            CHECK_MSG(strcmp(t->type, first[n]) == 0, "kind %d is %s, not %s", n, t->type,
                      first[n]);
        ids += (t->flags & LAYER_TAKES_IDS) != 0;
        chars += (t->flags & LAYER_TAKES_CHARS) != 0;
        output += (t->flags & LAYER_OUTPUT) != 0;
    }
    CHECK(n >= (int)(sizeof first / sizeof *first));
    CHECK(n <= SPEC_MAX_LAYER_TYPES);
    CHECK(ids >= 1 && chars >= 1 && output >= 1);
    return check_status("test_layer_table");
}
