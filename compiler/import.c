/* import.c: an ONNX graph of PyTorch's into a spec and a weights file
 * (import.h). The graph's nodes are walked in order, each value given a
 * meaning (token ids, a sequence in one of three layouts, a vector, a
 * recurrent operator's outputs, a shape computation), and the layers
 * collected; the spec written from them is then read, checked and planned
 * as any spec, and the weights converted into the plan's tensors. */
#include "import.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/util.h"
#include "diag.h"
#include "node.h"
#include "plan.h"
#include "spec.h"
#include "store/safetensors.h"

#ifdef SEQCC_ONNX

#include "onnx/onnx.pb-c.h"

enum { MAX_LAYERS = 32, MAX_STATES = 16 };

/* What a value of the graph is. */
typedef enum kind {
    K_NONE,    /* not known (yet): an error where it is used */
    K_IDS,     /* the token ids: [N, T] (or [T, N] transposed) */
    K_SEQ,     /* a sequence: [N, T, F], [T, N, F] or [N, F, T] */
    K_VEC,     /* one vector per example [N, F] */
    K_RNN_Y,   /* a recurrent operator's Y [T, D, N, H] (or [T, N, D, H] transposed) */
    K_STATES,  /* final states [k, N, H]: Y_h's, concatenated */
    K_PICKED,  /* final states picked [N, k*H]: Gather from K_STATES, concatenated */
    K_SHAPE,   /* a shape computation (Shape, its Gather, Unsqueeze, Concat) */
    K_ZERO,    /* zeros (ConstantOfShape 0 and its Slices): initial states */
    K_CONST,   /* a Constant */
    K_WEIGHT   /* an initializer */
} kind;

typedef enum layout { BATCH_FIRST, TIME_MAJOR, CHANNELS_FIRST } layout;

typedef struct state_ref {
    int layer, dir;
} state_ref;

typedef struct value {
    const char *name;
    kind kind;
    layout lay;
    int features, steps;
    int layer;      /* the layer whose output it is (K_SEQ from a recurrent layer, K_RNN_Y) */
    int transposed; /* K_RNN_Y: [T, N, D, H] */
    state_ref states[MAX_STATES];
    int n_states;
    const Onnx__TensorProto *tensor; /* K_CONST, K_WEIGHT */
} value;

typedef struct layer_in {
    const char *type; /* the spec's */
    const char *act;  /* NULL: none */
    int units, dirs, return_sequences, input_dim, output_dim, kernel_size, same, pool_size;
    const Onnx__TensorProto *w[3];    /* W, R, B (every direction); kernel, bias; the table */
    int transposed_b;                 /* a Gemm's B is [out, in] (transB) */
} layer_in;

typedef struct importer {
    const char *path;
    const Onnx__GraphProto *g;
    value *values;
    size_t n_values, cap_values;
    layer_in layers[MAX_LAYERS];
    int n_layers;
    int seq_len, vocab;
    const Onnx__NodeProto *at; /* the node being read, for messages */
    size_t at_index;
    int failed;
} importer;

static int fail(importer *im, const char *fmt, ...) SEQ_PRINTF(2, 3);

/* A string field of the message: protobuf-c leaves an absent one NULL. */
static const char *text(const char *s)
{
    return s ? s : "";
}

/* Reports at the node being read: "MODEL.onnx: node 12 'name' (LSTM): ...". */
static int fail(importer *im, const char *fmt, ...)
{
    if (im->failed++)
        return -1;
    fprintf(stderr, "%s: ", im->path);
    if (im->at)
        fprintf(stderr, "node %zu '%s' (%s): ", im->at_index + 1,
                im->at->name && im->at->name[0] ? im->at->name : "unnamed", text(im->at->op_type));
    fprintf(stderr, "error: ");
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

static value *find(importer *im, const char *name)
{
    for (size_t i = im->n_values; i-- > 0;)
        if (strcmp(im->values[i].name, name) == 0)
            return &im->values[i];
    return NULL;
}

static value *define(importer *im, const char *name, kind k)
{
    if (im->n_values == im->cap_values) {
        im->cap_values = im->cap_values ? 2 * im->cap_values : 64;
        im->values = realloc(im->values, im->cap_values * sizeof *im->values);
        if (!im->values)
            seq_die("out of memory");
    }
    value *v = &im->values[im->n_values++];
    memset(v, 0, sizeof *v);
    v->name = name;
    v->kind = k;
    v->layer = -1;
    return v;
}

/* Input I of the node being read: its value, or NULL (absent) after failing
 * when it is required. */
static value *input(importer *im, size_t i)
{
    const Onnx__NodeProto *n = im->at;
    if (i >= n->n_input || !n->input[i][0])
        return NULL;
    value *v = find(im, n->input[i]);
    if (!v)
        fail(im, "input %zu, '%s', is made by no node before it", i + 1, n->input[i]);
    return v;
}

static const Onnx__AttributeProto *attr(const Onnx__NodeProto *n, const char *name)
{
    for (size_t i = 0; i < n->n_attribute; i++)
        if (strcmp(text(n->attribute[i]->name), name) == 0)
            return n->attribute[i];
    return NULL;
}

static long attr_int(const Onnx__NodeProto *n, const char *name, long otherwise)
{
    const Onnx__AttributeProto *a = attr(n, name);
    return a && a->type == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT ? (long)a->i : otherwise;
}

/* The ints attribute NAME: its count (0 when absent) and values into OUT. */
static size_t attr_ints(const Onnx__NodeProto *n, const char *name, long *out, size_t max)
{
    const Onnx__AttributeProto *a = attr(n, name);
    if (!a || a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS)
        return 0;
    for (size_t i = 0; i < a->n_ints && i < max; i++)
        out[i] = (long)a->ints[i];
    return a->n_ints;
}

static int attr_is(const Onnx__NodeProto *n, const char *name, const char *text)
{
    const Onnx__AttributeProto *a = attr(n, name);
    return a && a->type == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING &&
           a->s.len == strlen(text) && memcmp(a->s.data, text, a->s.len) == 0;
}

/* ---- tensors' values ------------------------------------------------------------ */

/* A tensor's values by its dims; SIZE_MAX for more than 2^31 or a negative
 * dim (no tensor seqcc takes). */
static size_t tensor_count(const Onnx__TensorProto *t)
{
    size_t n = 1;
    for (size_t i = 0; i < t->n_dims; i++) {
        if (t->dims[i] < 0 || t->dims[i] > ((int64_t)1 << 31) ||
            (t->dims[i] && n > ((size_t)1 << 31) / (size_t)t->dims[i]))
            return SIZE_MAX;
        n *= (size_t)t->dims[i];
    }
    return n;
}

/* A float tensor's values (malloc'd; float_data or little-endian raw_data),
 * or NULL when it holds another type or too few values. */
static float *tensor_floats(const Onnx__TensorProto *t)
{
    size_t n = tensor_count(t);
    if (t->data_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT || n == SIZE_MAX ||
        (t->n_float_data != n && !(t->has_raw_data && t->raw_data.len == n * 4)))
        return NULL;
    float *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        seq_die("out of memory");
    if (t->n_float_data == n) {
        if (n)
            memcpy(v, t->float_data, n * sizeof *v);
    } else if (t->has_raw_data && t->raw_data.len == n * 4) {
        for (size_t i = 0; i < n; i++) {
            const uint8_t *b = t->raw_data.data + 4 * i;
            uint32_t u = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                         (uint32_t)b[3] << 24;
            memcpy(&v[i], &u, 4);
        }
    } else {
        free(v);
        return NULL;
    }
    return v;
}

/* An integer constant's value I (int64 or int32), or -1 after failing. */
static int const_int(importer *im, const value *v, size_t i, long *out)
{
    const Onnx__TensorProto *t = v && v->kind == K_CONST ? v->tensor : NULL;
    if (!t || i >= tensor_count(t))
        return fail(im, "expected a constant integer there");
    if (t->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__INT64) {
        if (t->n_int64_data > i) {
            *out = (long)t->int64_data[i];
            return 0;
        }
        if (t->has_raw_data && t->raw_data.len >= 8 * (i + 1)) {
            uint64_t u = 0;
            for (int k = 0; k < 8; k++)
                u |= (uint64_t)t->raw_data.data[8 * i + (size_t)k] << (8 * k);
            *out = (long)(int64_t)u;
            return 0;
        }
    }
    return fail(im, "expected a constant integer there");
}

/* The weight W's dims, or failing: RANK dims. */
static const Onnx__TensorProto *weight(importer *im, const value *v, size_t rank, const char *what)
{
    if (!v || v->kind != K_WEIGHT || v->tensor->n_dims != rank ||
        v->tensor->data_type != ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT) {
        fail(im, "%s must be a float initializer of rank %zu", what, rank);
        return NULL;
    }
    return v->tensor;
}

/* ---- the nodes -------------------------------------------------------------------- */

static layer_in *add_layer(importer *im, const char *type)
{
    if (im->n_layers == MAX_LAYERS) {
        fail(im, "more than %d layers", MAX_LAYERS);
        return NULL;
    }
    layer_in *l = &im->layers[im->n_layers++];
    memset(l, 0, sizeof *l);
    l->type = type;
    return l;
}

/* Output I of the node being read: a value of kind K, as LIKE (copied
 * first: LIKE may be a value of the table that growing it moves). */
static int output_of(importer *im, size_t i, const value *like, kind k)
{
    if (i >= im->at->n_output || !im->at->output[i][0])
        return 0;
    value copy = {.layer = -1};
    if (like)
        copy = *like;
    value *v = define(im, im->at->output[i], k);
    copy.name = v->name;
    copy.kind = k;
    *v = copy;
    return 0;
}

/* The time axis of a sequence in LAY. */
static int time_axis(layout lay)
{
    return lay == TIME_MAJOR ? 0 : lay == BATCH_FIRST ? 1 : 2;
}

static int node_gather(importer *im)
{
    value *data = input(im, 0), *idx = input(im, 1);
    long axis = attr_int(im->at, "axis", 0);
    if (!data || !idx)
        return fail(im, "Gather needs its data and indices");
    if (data->kind == K_WEIGHT && idx->kind == K_IDS) { /* an embedding */
        const Onnx__TensorProto *t = weight(im, data, 2, "the embedding's table");
        if (!t || axis != 0 || im->n_layers)
            return t ? fail(im, "an embedding must be the first layer, gathering rows") : -1;
        layer_in *l = add_layer(im, "embedding");
        if (!l)
            return -1;
        l->input_dim = (int)t->dims[0], l->output_dim = (int)t->dims[1];
        l->w[0] = t;
        im->vocab = l->input_dim;
        value seq = {.kind = K_SEQ, .lay = idx->lay, .features = l->output_dim,
                     .steps = im->seq_len, .layer = 0};
        return output_of(im, 0, &seq, K_SEQ);
    }
    if (data->kind == K_SHAPE || data->kind == K_CONST)
        return output_of(im, 0, NULL, K_SHAPE);
    long k;
    if (data->kind == K_STATES) { /* h_n[k]: one layer's one direction */
        if (axis != 0 || const_int(im, idx, 0, &k) != 0)
            return fail(im, "expected h_n[k], a constant k");
        if (k < 0)
            k += data->n_states;
        if (k < 0 || k >= data->n_states)
            return fail(im, "h_n[%ld] is not one of its %d states", k, data->n_states);
        value picked = {.kind = K_PICKED, .n_states = 1, .layer = -1};
        picked.states[0] = data->states[k];
        picked.features = im->layers[data->states[k].layer].units;
        return output_of(im, 0, &picked, K_PICKED);
    }
    if (data->kind == K_SEQ) { /* out[:, -1, :]: the last step */
        if (const_int(im, idx, 0, &k) != 0 || k != -1 || axis != time_axis(data->lay) ||
            data->lay == CHANNELS_FIRST)
            return fail(im, "only the last step of a sequence can be taken (x[:, -1])");
        const layer_in *from = data->layer >= 0 ? &im->layers[data->layer] : NULL;
        if (from && from->dirs == 2)
            return fail(im, "x[:, -1] of a bidirectional %s holds its backward direction's "
                        "first step; seqcc's bidirectional layer gives each direction's final "
                        "state: take torch.cat((h_n[-2], h_n[-1]), 1)", from->type);
        if (!from || !from->dirs)
            return fail(im, "the last step of a sequence that no recurrent layer made (seqcc's "
                        "last step is a recurrent layer's final state)");
        im->layers[data->layer].return_sequences = 0;
        value vec = {.kind = K_VEC, .features = data->features, .layer = data->layer};
        return output_of(im, 0, &vec, K_VEC);
    }
    return fail(im, "a Gather seqcc cannot represent (of %s)", data->name);
}

static int node_transpose(importer *im)
{
    /* what each axis of a layout holds: 0 the batch, 1 time, 2 the features */
    static const int roles[3][3] = {[BATCH_FIRST] = {0, 1, 2}, [TIME_MAJOR] = {1, 0, 2},
                                    [CHANNELS_FIRST] = {0, 2, 1}};
    value *x = input(im, 0);
    long perm[8];
    size_t n = attr_ints(im->at, "perm", perm, 8);
    if (!x)
        return -1;
    value y = *x;
    if (x->kind == K_IDS && n == 2 && perm[0] == 1 && perm[1] == 0) {
        y.lay = x->lay == BATCH_FIRST ? TIME_MAJOR : BATCH_FIRST;
    } else if (x->kind == K_SEQ && n == 3) {
        int found = -1;
        for (int l = 0; l < 3; l++) {
            int same = 1;
            for (int i = 0; i < 3; i++)
                same &= perm[i] >= 0 && perm[i] < 3 && roles[x->lay][perm[i]] == roles[l][i];
            found = same ? l : found;
        }
        if (found < 0)
            return fail(im, "a sequence transposed other than between [N, T, F], [T, N, F] "
                        "and [N, F, T]");
        y.lay = (layout)found;
    } else if (x->kind == K_RNN_Y && !x->transposed && n == 4 && perm[0] == 0 && perm[1] == 2 &&
               perm[2] == 1 && perm[3] == 3) {
        y.transposed = 1;
    } else {
        return fail(im, "a Transpose seqcc cannot represent");
    }
    return output_of(im, 0, &y, y.kind);
}

/* LSTM, GRU and RNN: one layer (both directions when bidirectional). */
static int node_recurrent(importer *im, const char *type, int gates)
{
    value *x = input(im, 0);
    if (!x || x->kind != K_SEQ || x->lay != TIME_MAJOR)
        return fail(im, "its input must be a sequence [T, N, F]");
    const Onnx__TensorProto *W = weight(im, input(im, 1), 3, "W"),
                            *R = weight(im, input(im, 2), 3, "R");
    value *bv = input(im, 3), *lens = input(im, 4), *h0 = input(im, 5),
          *c0 = gates == 4 ? input(im, 6) : NULL;
    if (!W || !R)
        return -1;
    const Onnx__TensorProto *B = bv ? weight(im, bv, 2, "B") : NULL;
    if (bv && !B)
        return -1;
    if (lens)
        return fail(im, "sequence_lens: pack_padded_sequence has no seqcc form (masked: true "
                    "needs its padding at the end, and seqcc computes the lengths itself)");
    if ((h0 && h0->kind != K_ZERO) || (c0 && c0->kind != K_ZERO))
        return fail(im, "initial states other than zeros");
    if (im->at->n_input > 7 && im->at->input[7][0])
        return fail(im, "peepholes (P) have no seqcc form");
    long H = attr_int(im->at, "hidden_size", 0);
    int dirs = attr_is(im->at, "direction", "bidirectional") ? 2 : 1;
    if (attr(im->at, "direction") && dirs == 1 && !attr_is(im->at, "direction", "forward"))
        return fail(im, "direction reverse has no seqcc form (forward or bidirectional)");
    if (attr(im->at, "clip") || attr_int(im->at, "input_forget", 0) || attr_int(im->at, "layout", 0))
        return fail(im, "clip, input_forget and layout 1 have no seqcc form");
    if (gates == 3 && attr_int(im->at, "linear_before_reset", 0) != 1)
        return fail(im, "a GRU with linear_before_reset 0 (seqcc's GRU is Keras' reset_after, "
                    "PyTorch's own)");
    const Onnx__AttributeProto *acts = attr(im->at, "activations");
    for (size_t i = 0; acts && i < acts->n_strings; i++) /* PyTorch's: an RNN's Tanh */
        if (gates != 1 || acts->strings[i].len != 4 || memcmp(acts->strings[i].data, "Tanh", 4))
            return fail(im, "activations other than the defaults (an RNN's Tanh)");
    if (H < 1 || H > 65536 || W->dims[0] != dirs || W->dims[1] != gates * H || W->dims[2] != x->features ||
        R->dims[0] != dirs || R->dims[1] != gates * H || R->dims[2] != H ||
        (B && (B->dims[0] != dirs || B->dims[1] != 2 * gates * H)))
        return fail(im, "W, R and B do not have the shapes of %d direction(s) of %ld units on "
                    "%d features", dirs, H, x->features);
    layer_in *l = add_layer(im, type);
    if (!l)
        return -1;
    l->units = (int)H, l->dirs = dirs, l->return_sequences = 1;
    l->w[0] = W, l->w[1] = R, l->w[2] = B;
    int me = im->n_layers - 1;
    value y = {.kind = K_RNN_Y, .layer = me, .features = dirs * (int)H, .steps = x->steps};
    output_of(im, 0, &y, K_RNN_Y);
    value states = {.kind = K_STATES, .n_states = dirs, .layer = me};
    for (int d = 0; d < dirs; d++)
        states.states[d] = (state_ref){me, d};
    output_of(im, 1, &states, K_STATES);
    return output_of(im, 2, NULL, K_NONE); /* Y_c: not used */
}

static int node_squeeze_reshape(importer *im, int reshape)
{
    value *x = input(im, 0), *arg = input(im, 1);
    if (!x)
        return -1;
    if (x->kind == K_SHAPE || x->kind == K_CONST)
        return output_of(im, 0, NULL, K_SHAPE);
    long a, b = 0, c = 0;
    if (x->kind == K_RNN_Y && !reshape && !x->transposed && im->layers[x->layer].dirs == 1) {
        if (const_int(im, arg, 0, &a) != 0 || a != 1) /* Y [T, 1, N, H] -> [T, N, H] */
            return fail(im, "expected Y squeezed on its direction axis (1)");
    } else if (x->kind == K_RNN_Y && reshape && x->transposed) {
        if (const_int(im, arg, 0, &a) || const_int(im, arg, 1, &b) || const_int(im, arg, 2, &c) ||
            a != 0 || b != 0 || c != -1) /* [T, N, D, H] -> [T, N, D*H] */
            return fail(im, "expected Y's directions joined, a Reshape to [0, 0, -1]");
    } else {
        return fail(im, "a %s seqcc cannot represent", reshape ? "Reshape" : "Squeeze");
    }
    value seq = {.kind = K_SEQ, .lay = TIME_MAJOR, .features = x->features, .steps = x->steps,
                 .layer = x->layer};
    return output_of(im, 0, &seq, K_SEQ);
}

static int node_concat(importer *im)
{
    long axis = attr_int(im->at, "axis", 0);
    value joined = {.kind = K_NONE, .layer = -1};
    for (size_t i = 0; i < im->at->n_input; i++) {
        value *v = input(im, i);
        if (!v)
            return -1;
        if (v->kind == K_SHAPE || v->kind == K_CONST)
            return output_of(im, 0, NULL, K_SHAPE);
        if ((v->kind != K_STATES && v->kind != K_PICKED) || (i && v->kind != joined.kind) ||
            axis != (v->kind == K_STATES ? 0 : 1) || joined.n_states + v->n_states > MAX_STATES)
            return fail(im, "a Concat seqcc cannot represent (only of h_n's and of states "
                        "picked from them)");
        joined.kind = v->kind;
        for (int k = 0; k < v->n_states; k++)
            joined.states[joined.n_states++] = v->states[k];
        joined.features += v->features;
    }
    return output_of(im, 0, &joined, joined.kind);
}

static int node_conv(importer *im)
{
    value *x = input(im, 0);
    const Onnx__TensorProto *W = weight(im, input(im, 1), 3, "the kernel"),
                            *B = input(im, 2) ? weight(im, input(im, 2), 1, "the bias") : NULL;
    if (!x || x->kind != K_SEQ || x->lay != CHANNELS_FIRST)
        return fail(im, "a Conv's input must be a sequence [N, F, T] (Conv1d)");
    if (!W)
        return -1;
    long pads[4] = {0, 0}, v[4];
    size_t np = attr_ints(im->at, "pads", pads, 4);
    int K = (int)W->dims[2];
    if (attr_int(im->at, "group", 1) != 1 ||
        (attr_ints(im->at, "strides", v, 4) && v[0] != 1) ||
        (attr_ints(im->at, "dilations", v, 4) && v[0] != 1) || attr(im->at, "auto_pad"))
        return fail(im, "groups, strides, dilations and auto_pad have no seqcc form");
    int same = np == 2 && K % 2 == 1 && pads[0] == (K - 1) / 2 && pads[1] == (K - 1) / 2;
    if (!same && np && (pads[0] || pads[1]))
        return fail(im, "padding (%ld, %ld) is neither 'same' (an odd kernel_size K and "
                    "padding (K - 1) / 2) nor 'valid' (0)", pads[0], pads[1]);
    if (W->dims[1] != x->features || (B && B->dims[0] != W->dims[0]))
        return fail(im, "the kernel [%ld, %ld, %ld] does not fit %d channels",
                    (long)W->dims[0], (long)W->dims[1], (long)W->dims[2], x->features);
    if (!B)
        return fail(im, "a Conv without a bias (seqcc's conv1d has one)");
    layer_in *l = add_layer(im, "conv1d");
    if (!l)
        return -1;
    l->units = (int)W->dims[0], l->kernel_size = K, l->same = same;
    l->w[0] = W, l->w[1] = B;
    value y = {.kind = K_SEQ, .lay = CHANNELS_FIRST, .features = l->units,
               .steps = same ? x->steps : x->steps - K + 1, .layer = im->n_layers - 1};
    return output_of(im, 0, &y, K_SEQ);
}

static int node_maxpool(importer *im)
{
    value *x = input(im, 0);
    long k[4], s[4], p[4] = {0, 0};
    size_t nk = attr_ints(im->at, "kernel_shape", k, 4), ns = attr_ints(im->at, "strides", s, 4),
           np = attr_ints(im->at, "pads", p, 4);
    if (!x || x->kind != K_SEQ || x->lay != CHANNELS_FIRST || nk != 1)
        return fail(im, "a MaxPool's input must be a sequence [N, F, T] (MaxPool1d)");
    if (k[0] < 1 || k[0] > 65536)
        return fail(im, "a MaxPool of %ld steps", k[0]);
    if ((ns && s[0] != k[0]) || (np && (p[0] || p[1])) || attr_int(im->at, "ceil_mode", 0))
        return fail(im, "a MaxPool with a stride other than its kernel, padding or ceil_mode");
    layer_in *l = add_layer(im, "maxpool1d");
    if (!l)
        return -1;
    l->pool_size = (int)k[0];
    value y = *x;
    y.steps = x->steps / l->pool_size;
    y.layer = im->n_layers - 1;
    return output_of(im, 0, &y, K_SEQ);
}

static int node_reduce(importer *im, const char *type)
{
    value *x = input(im, 0);
    long axes[4];
    size_t n = attr_ints(im->at, "axes", axes, 4);
    if (!n && input(im, 1)) { /* opset 18: axes as an input */
        if (const_int(im, input(im, 1), 0, &axes[0]) != 0)
            return -1;
        n = 1;
    }
    if (!x || x->kind != K_SEQ)
        return fail(im, "a reduction over something other than a sequence");
    if (n != 1 || (axes[0] != time_axis(x->lay) && axes[0] != time_axis(x->lay) - 3) ||
        attr_int(im->at, "keepdims", 1) != 0)
        return fail(im, "only the %s over time (x.%s(dim=time), keepdims false) has a seqcc "
                    "form", type[7] == 'a' ? "mean" : "maximum", type[7] == 'a' ? "mean" : "amax");
    layer_in *l = add_layer(im, type);
    if (!l)
        return -1;
    value y = {.kind = K_VEC, .features = x->features, .layer = im->n_layers - 1};
    return output_of(im, 0, &y, K_VEC);
}

/* The vector a dense layer reads: a K_VEC, or the final states of the last
 * recurrent layer picked from h_n. */
static int dense_input(importer *im, value *x)
{
    if (x->kind == K_VEC)
        return x->features;
    if (x->kind != K_PICKED)
        return fail(im, "a Linear's input must be one vector per example");
    int top = -1;
    for (int i = 0; i < im->n_layers; i++)
        if (im->layers[i].dirs)
            top = i;
    int ok = top >= 0 && x->n_states == im->layers[top].dirs;
    for (int k = 0; ok && k < x->n_states; k++)
        ok = x->states[k].layer == top && x->states[k].dir == k;
    if (!ok)
        return fail(im, "the states picked from h_n are not the last recurrent layer's final "
                    "states in direction order (h_n[-1], or torch.cat((h_n[-2], h_n[-1]), 1)), "
                    "what seqcc's recurrent layer gives");
    im->layers[top].return_sequences = 0;
    return x->features;
}

static int node_gemm(importer *im)
{
    value *x = input(im, 0);
    if (!x)
        return -1;
    int F = dense_input(im, x);
    if (F < 0)
        return -1;
    const Onnx__TensorProto *W = weight(im, input(im, 1), 2, "B (the weight)"),
                            *C = input(im, 2) ? weight(im, input(im, 2), 1, "C (the bias)") : NULL;
    if (!W || (input(im, 2) && !C))
        return -1;
    int trans_b = (int)attr_int(im->at, "transB", 0);
    const Onnx__AttributeProto *alpha = attr(im->at, "alpha"), *beta = attr(im->at, "beta");
    if (attr_int(im->at, "transA", 0) || (alpha && alpha->f != 1) || (beta && beta->f != 1))
        return fail(im, "a Gemm with transA, alpha or beta other than 0, 1 and 1");
    int in = (int)W->dims[trans_b ? 1 : 0], out = (int)W->dims[trans_b ? 0 : 1];
    if (in != F || !C || C->dims[0] != out)
        return fail(im, "the weight and bias do not fit %d features (a Linear with a bias)", F);
    layer_in *l = add_layer(im, "dense");
    if (!l)
        return -1;
    l->units = out, l->transposed_b = trans_b;
    l->w[0] = W, l->w[1] = C;
    value y = {.kind = K_VEC, .features = out, .layer = im->n_layers - 1};
    return output_of(im, 0, &y, K_VEC);
}

/* Relu, Tanh, Sigmoid, Softmax: the activation of the layer before. */
static int node_activation(importer *im, const char *act)
{
    value *x = input(im, 0);
    if (!x || (x->kind != K_VEC && x->kind != K_SEQ) || x->layer < 0)
        return fail(im, "an activation of something that is not a layer's output");
    layer_in *l = &im->layers[x->layer];
    if (x->layer != im->n_layers - 1 || l->act ||
        (strcmp(l->type, "dense") != 0 && strcmp(l->type, "conv1d") != 0))
        return fail(im, "an activation seqcc has only right after a Linear or a Conv1d");
    if (strcmp(act, "softmax") == 0) {
        long axis = attr_int(im->at, "axis", -1);
        if (x->kind != K_VEC || (axis != -1 && axis != 1))
            return fail(im, "a softmax other than over a Linear's units");
    }
    l->act = act;
    return output_of(im, 0, x, x->kind);
}

static int read_node(importer *im)
{
    const char *op = text(im->at->op_type);
    if (strcmp(op, "Constant") == 0) {
        const Onnx__AttributeProto *v = attr(im->at, "value");
        if (!v || !v->t)
            return fail(im, "a Constant without a tensor value");
        value c = {.kind = K_CONST, .tensor = v->t, .layer = -1};
        return output_of(im, 0, &c, K_CONST);
    }
    if (strcmp(op, "Shape") == 0)
        return output_of(im, 0, NULL, K_SHAPE);
    if (strcmp(op, "Unsqueeze") == 0) {
        value *x = input(im, 0);
        if (!x || (x->kind != K_SHAPE && x->kind != K_CONST))
            return fail(im, "an Unsqueeze seqcc cannot represent");
        return output_of(im, 0, NULL, K_SHAPE);
    }
    if (strcmp(op, "ConstantOfShape") == 0) {
        const Onnx__AttributeProto *v = attr(im->at, "value");
        float *z = v && v->t ? tensor_floats(v->t) : NULL;
        int zero = !v || (z && z[0] == 0);
        free(z);
        if (!zero)
            return fail(im, "a ConstantOfShape of a value other than 0");
        return output_of(im, 0, NULL, K_ZERO);
    }
    if (strcmp(op, "Expand") == 0) { /* zeros of a constant broadcast: initial states */
        value *x = input(im, 0);
        float *z = x && x->kind == K_CONST ? tensor_floats(x->tensor) : NULL;
        int zero = z != NULL || (x && x->kind == K_ZERO);
        for (size_t i = 0; z && i < tensor_count(x->tensor); i++)
            zero &= z[i] == 0;
        free(z);
        if (!zero)
            return fail(im, "an Expand of other than zeros (seqcc's initial states are zero)");
        return output_of(im, 0, NULL, K_ZERO);
    }
    if (strcmp(op, "Slice") == 0) {
        value *x = input(im, 0);
        if (!x || (x->kind != K_ZERO && x->kind != K_SHAPE))
            return fail(im, "a Slice seqcc cannot represent (x[:, -1] is a Gather)");
        return output_of(im, 0, NULL, x->kind);
    }
    if (strcmp(op, "Gather") == 0)
        return node_gather(im);
    if (strcmp(op, "Transpose") == 0)
        return node_transpose(im);
    if (strcmp(op, "LSTM") == 0)
        return node_recurrent(im, "lstm", 4);
    if (strcmp(op, "GRU") == 0)
        return node_recurrent(im, "gru", 3);
    if (strcmp(op, "RNN") == 0)
        return node_recurrent(im, "rnn", 1);
    if (strcmp(op, "Squeeze") == 0 || strcmp(op, "Reshape") == 0)
        return node_squeeze_reshape(im, op[0] == 'R');
    if (strcmp(op, "Concat") == 0)
        return node_concat(im);
    if (strcmp(op, "Conv") == 0)
        return node_conv(im);
    if (strcmp(op, "MaxPool") == 0)
        return node_maxpool(im);
    if (strcmp(op, "ReduceMean") == 0)
        return node_reduce(im, "global_avg_pool1d");
    if (strcmp(op, "ReduceMax") == 0)
        return node_reduce(im, "global_max_pool1d");
    if (strcmp(op, "Gemm") == 0)
        return node_gemm(im);
    if (strcmp(op, "Relu") == 0 || strcmp(op, "Tanh") == 0 || strcmp(op, "Sigmoid") == 0 ||
        strcmp(op, "Softmax") == 0)
        return node_activation(im, op[0] == 'R' ? "relu" : op[0] == 'T' ? "tanh"
                                   : op[1] == 'i'  ? "sigmoid" : "softmax");
    if (strcmp(op, "Dropout") == 0 || strcmp(op, "Identity") == 0) {
        value *x = input(im, 0);
        return x ? output_of(im, 0, x, x->kind) : -1;
    }
    return fail(im, "operator %s has no seqcc form (seqcc imports Embedding, LSTM, GRU, RNN, "
                "Conv1d, MaxPool1d, Linear, Dropout, ReLU/tanh/sigmoid/softmax, the last step "
                "and the mean or maximum over time)", op);
}

/* The graph's one input, the token ids [N, T] with T fixed; its initializers. */
static int read_inputs(importer *im)
{
    const Onnx__GraphProto *g = im->g;
    for (size_t i = 0; i < g->n_initializer; i++) {
        value *v = define(im, text(g->initializer[i]->name), K_WEIGHT);
        v->tensor = g->initializer[i];
    }
    int inputs = 0;
    for (size_t i = 0; i < g->n_input; i++) {
        const Onnx__ValueInfoProto *in = g->input[i];
        const char *in_name = text(in->name);
        if (find(im, in_name)) /* an initializer listed as an input too */
            continue;
        inputs++;
        const Onnx__TypeProto__Tensor *t =
            in->type && in->type->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE
                ? in->type->tensor_type : NULL;
        const Onnx__TensorShapeProto *sh = t ? t->shape : NULL;
        if (!t || (t->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__INT64 &&
                   t->elem_type != ONNX__TENSOR_PROTO__DATA_TYPE__INT32) ||
            !sh || sh->n_dim != 2)
            return fail(im, "input '%s' is not token ids, int64 [batch, seq_len]", in_name);
        const Onnx__TensorShapeProto__Dimension *T = sh->dim[1];
        if (T->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE ||
            T->dim_value < 1 || T->dim_value > 1000000)
            return fail(im, "input '%s' has no fixed sequence length (seqcc compiles for one "
                        "seq_len: export with a fixed one)", in_name);
        im->seq_len = (int)T->dim_value;
        value *v = define(im, in_name, K_IDS);
        v->lay = BATCH_FIRST;
    }
    if (inputs != 1)
        return fail(im, "%d inputs; seqcc imports models of one input, the token ids", inputs);
    return 0;
}

/* The graph's one output must be the probabilities of the last Linear:
 * a sigmoid of one unit, or a softmax. */
static int check_output(importer *im)
{
    im->at = NULL;
    if (im->g->n_output != 1)
        return fail(im, "%zu outputs; seqcc imports models of one output", im->g->n_output);
    const char *out_name = text(im->g->output[0]->name);
    value *v = find(im, out_name);
    layer_in *last = im->n_layers ? &im->layers[im->n_layers - 1] : NULL;
    if (!v || v->kind != K_VEC || !last || v->layer != im->n_layers - 1 ||
        strcmp(last->type, "dense") != 0 || !last->act ||
        (strcmp(last->act, "softmax") != 0 && !(strcmp(last->act, "sigmoid") == 0 && last->units == 1)))
        return fail(im, "the output '%s' is not a sigmoid of one unit or a softmax of a "
                    "Linear (the class probabilities seqcc's classifiers give)", out_name);
    if (strcmp(im->layers[0].type, "embedding") != 0)
        return fail(im, "the first layer is not an embedding of the token ids");
    return 0;
}

/* ---- the spec and the weights ----------------------------------------------------- */

static void write_spec(const importer *im, const char *name, seq_buf *out)
{
    const layer_in *last = &im->layers[im->n_layers - 1];
    seq_buf_printf(out,
                   "# %s: imported from %s by seqcc import. The layers and their weights\n"
                   "# (%s.safetensors) are the ONNX file's; fill in the data section with\n"
                   "# your labelled examples (docs/spec.md) and train with --init-weights to\n"
                   "# fine-tune, or predict --ids with the weights as they are.\n"
                   "name: %s\n\ninput:\n  batch: 32\n  seq_len: %d\n\n", name, im->path, name,
                   name, im->seq_len);
    seq_buf_printf(out,
                   "data:\n  kind: text-classification\n  format: csv\n"
                   "  path: %s.csv            # fill in: a CSV of texts and labels\n"
                   "  text_column: text\n  label_column: label\n  test_split: 0.2\n"
                   "  tokenizer:\n    vocab_size: %d\n  padding: pre\n  truncation: post\n\n"
                   "layers:\n", name, im->vocab);
    for (int i = 0; i < im->n_layers; i++) {
        const layer_in *l = &im->layers[i];
        seq_buf_printf(out, "  - type: %s\n", l->type);
        if (strcmp(l->type, "embedding") == 0)
            seq_buf_printf(out, "    input_dim: %d\n    output_dim: %d\n", l->input_dim,
                           l->output_dim);
        else if (l->dirs)
            seq_buf_printf(out, "    units: %d\n%s%s", l->units,
                           l->dirs == 2 ? "    bidirectional: true\n" : "",
                           l->return_sequences ? "    return_sequences: true\n" : "");
        else if (strcmp(l->type, "conv1d") == 0)
            seq_buf_printf(out, "    filters: %d\n    kernel_size: %d\n    padding: %s\n",
                           l->units, l->kernel_size, l->same ? "same" : "valid");
        else if (strcmp(l->type, "maxpool1d") == 0)
            seq_buf_printf(out, "    pool_size: %d\n", l->pool_size);
        else if (strcmp(l->type, "dense") == 0)
            seq_buf_printf(out, "    units: %d\n", l->units);
        if (l->act)
            seq_buf_printf(out, "    activation: %s\n", l->act);
    }
    seq_buf_printf(out, "\nloss: %s\n\noptimizer:\n  type: adam\n  lr: 0.001\n\n"
                        "train:\n  epochs: 3\n",
                   strcmp(last->act, "sigmoid") == 0 ? "binary_crossentropy"
                                                    : "sparse_categorical_crossentropy");
}

/* OUT[r * cols + c] = IN[c * rows + r]: IN [cols, rows] transposed. */
static void transpose(const float *in, size_t rows, size_t cols, float *out)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            out[r * cols + c] = in[c * rows + r];
}

/* Keras' gate K of a recurrent layer as ONNX orders them (LSTM: Keras
 * i, f, c, o; ONNX i, o, f, c; GRU and RNN alike). */
static int onnx_gate(const layer_in *l, int k)
{
    static const int lstm[4] = {0, 2, 3, 1};
    return strcmp(l->type, "lstm") == 0 ? lstm[k] : k;
}

/* Parameter K of layer L into P's values (P's shape is the plan's). */
static int convert(importer *im, const layer_in *l, int k, const param *p, float *out)
{
    int dir = l->dirs ? k / 3 : 0, what = l->dirs ? k % 3 : k; /* per direction: W, R, B */
    const Onnx__TensorProto *t = l->w[what];
    float *v = t ? tensor_floats(t) : NULL;
    if (t && !v)
        return fail(im, "initializer '%s' holds other than %zu floats", text(t->name),
                    tensor_count(t));
    if (l->dirs) { /* W [D, G*H, F], R [D, G*H, H], B [D, 2*G*H] */
        int H = l->units, G = strcmp(l->type, "lstm") == 0 ? 4 : strcmp(l->type, "gru") == 0 ? 3 : 1;
        if (what < 2) { /* kernel [F, G*H] or recurrent [H, G*H] */
            size_t F = (size_t)t->dims[2];
            const float *w = v + (size_t)dir * (size_t)(G * H) * F;
            for (int g = 0; g < G; g++)
                for (int u = 0; u < H; u++)
                    for (size_t f = 0; f < F; f++)
                        out[f * (size_t)(G * H) + (size_t)(g * H + u)] =
                            w[(size_t)(onnx_gate(l, g) * H + u) * F + f];
        } else {
            const float *b = v ? v + (size_t)dir * (size_t)(2 * G * H) : NULL;
            for (int g = 0; g < G; g++)
                for (int u = 0; u < H; u++) {
                    size_t src = (size_t)(onnx_gate(l, g) * H + u), at = (size_t)(g * H + u);
                    float wb = b ? b[src] : 0, rb = b ? b[G * H + src] : 0;
                    if (G == 3) /* a GRU keeps both: [input bias; recurrent bias] */
                        out[at] = wb, out[G * H + at] = rb;
                    else
                        out[at] = wb + rb;
                }
        }
    } else if (strcmp(l->type, "conv1d") == 0 && k == 0) { /* [F, C, K] -> [K, C, F] */
        size_t F = (size_t)t->dims[0], C = (size_t)t->dims[1], K = (size_t)t->dims[2];
        for (size_t kk = 0; kk < K; kk++)
            for (size_t c = 0; c < C; c++)
                for (size_t f = 0; f < F; f++)
                    out[(kk * C + c) * F + f] = v[(f * C + c) * K + kk];
    } else if (strcmp(l->type, "dense") == 0 && k == 0 && l->transposed_b) {
        transpose(v, (size_t)t->dims[1], (size_t)t->dims[0], out); /* [out, in] -> [in, out] */
    } else {
        memcpy(out, v, p->size * sizeof *out);
    }
    free(v);
    return 0;
}

/* The spec in TEXT (written to SPEC_PATH) read, checked and planned as any,
 * and the weights converted into its parameters; the weights file's bytes
 * into OUT. */
static int build_weights(importer *im, const char *spec_path, const char *text, const char *name,
                         const char *weights_path)
{
    diag_init(spec_path);
    node *root = node_parse(text, strlen(text));
    spec s;
    memset(&s, 0, sizeof s);
    if (!root || spec_read(&s, root, spec_path) != 0 || spec_check(&s) != 0) {
        fprintf(stderr, "%s: error: seqcc cannot compile the spec made from it (above)\n",
                im->path);
        spec_free(&s);
        node_free_all();
        return 2;
    }
    plan pl;
    plan_model(&pl, &s);
    float *params = calloc(pl.params_arena.total ? pl.params_arena.total : 1, sizeof *params);
    if (!params)
        seq_die("out of memory");
    int rc = pl.too_big || s.n_layers != im->n_layers ? 2 : 0;
    seq_st st;
    seq_st_init(&st);
    for (int i = 0; rc == 0 && i < s.n_layers; i++) {
        int first = pl.param_base[i];
        int count = (i + 1 < s.n_layers ? pl.param_base[i + 1] : pl.n_params) - first;
        for (int k = 0; rc == 0 && k < count; k++) {
            const param *p = &pl.params[first + k];
            int64_t shape[4];
            for (int d = 0; d < p->rank; d++)
                shape[d] = p->dims[d];
            rc = convert(im, &im->layers[i], k, p, params + p->offset) ? 2 : 0;
            if (rc == 0)
                seq_st_add(&st, p->name, SEQ_F32, p->rank, shape, params + p->offset);
        }
    }
    if (rc == 0) {
        seq_err err;
        seq_st_set_meta(&st, "format", "seqcc-weights/1");
        seq_st_set_meta(&st, "model", name);
        if (seq_st_write_checksummed(&st, weights_path, &err) != 0) {
            fprintf(stderr, "seqcc: %s\n", err.msg);
            rc = 1;
        }
    }
    seq_st_free(&st);
    free(params);
    plan_free(&pl);
    spec_free(&s);
    node_free_all();
    return rc;
}

static void free_model(Onnx__ModelProto *m)
{
    if (m)
        onnx__model_proto__free_unpacked(m, NULL);
}

/* BYTES as a model: its graph read into IM (IM->path names it); 0, or 2
 * after reporting why not. *M gets the message (free it with free_model). */
static int read_model(importer *im, const void *bytes, size_t len, Onnx__ModelProto **m)
{
    *m = onnx__model_proto__unpack(NULL, len, bytes);
    if (!*m || !(*m)->graph) {
        fprintf(stderr, "%s: error: not an ONNX model: its protobuf does not parse (a damaged "
                        "or truncated file, or not ONNX)\n", im->path);
        return 2;
    }
    long opset = 0;
    for (size_t i = 0; i < (*m)->n_opset_import; i++)
        if (!(*m)->opset_import[i]->domain || !(*m)->opset_import[i]->domain[0])
            opset = (long)(*m)->opset_import[i]->version;
    if (opset < 9) {
        fprintf(stderr, "%s: error: %s; seqcc imports opset 9 or later (ai.onnx)\n", im->path,
                opset ? "an opset before 9" : "no ai.onnx opset (a truncated file?)");
        return 2;
    }
    im->g = (*m)->graph;
    int rc = read_inputs(im);
    for (size_t i = 0; rc == 0 && i < im->g->n_node; i++) {
        im->at = im->g->node[i], im->at_index = i;
        rc = read_node(im);
    }
    if (rc == 0)
        rc = check_output(im);
    return rc ? 2 : 0;
}

int import_onnx_check(const void *bytes, size_t len)
{
    importer im = {.path = "<bytes>"};
    Onnx__ModelProto *m;
    int rc = read_model(&im, bytes, len, &m);
    free(im.values);
    free_model(m);
    return rc;
}

int import_onnx(const char *path, const char *out_dir, const char *name)
{
    seq_err err;
    char *bytes;
    size_t len;
    if (seq_read_file(path, &bytes, &len, &err) != 0) {
        fprintf(stderr, "seqcc: %s\n", err.msg);
        return 1;
    }
    importer im = {.path = path};
    Onnx__ModelProto *m;
    int status = read_model(&im, bytes, len, &m);
    free(bytes);
    char base[256];
    if (!name) { /* the file's name without its folder and .onnx */
        const char *slash = strrchr(path, '/');
        snprintf(base, sizeof base, "%s", slash ? slash + 1 : path);
        char *dot = strrchr(base, '.');
        if (dot && strcmp(dot, ".onnx") == 0)
            *dot = '\0';
        name = base;
    }
    if (status == 0) {
        seq_buf spec_text = {0}, yaml = {0}, weights = {0};
        write_spec(&im, name, &spec_text);
        char *stem = seq_path_join(out_dir, name);
        seq_buf_printf(&yaml, "%s.yaml", stem);
        seq_buf_printf(&weights, "%s.safetensors", stem);
        if (seq_mkdirs(out_dir, &err) != 0) {
            fprintf(stderr, "seqcc: %s\n", err.msg);
            status = 1;
        } else {
            status = build_weights(&im, yaml.data, spec_text.data, name, weights.data);
        }
        if (status == 0 &&
            seq_write_file_atomic(yaml.data, spec_text.data, spec_text.len, &err) != 0) {
            fprintf(stderr, "seqcc: %s\n", err.msg);
            remove(weights.data);
            status = 1;
        }
        if (status == 0)
            printf("%s: %d layers: %s and %s\n", path, im.n_layers, yaml.data, weights.data);
        free(stem);
        seq_buf_free(&yaml), seq_buf_free(&weights), seq_buf_free(&spec_text);
    }
    free(im.values);
    free_model(m);
    return status;
}

#else /* built without protobuf-c */

int import_onnx_check(const void *bytes, size_t len)
{
    (void)bytes, (void)len;
    return 2;
}

int import_onnx(const char *path, const char *out_dir, const char *name)
{
    (void)out_dir, (void)name;
    fprintf(stderr, "seqcc: cannot import %s: this seqcc was built without ONNX (install "
                    "libprotobuf-c-dev, protobuf-c-compiler and libonnx-dev, and build it "
                    "again)\n", path);
    return 1;
}

#endif /* SEQCC_ONNX */
