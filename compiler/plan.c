/* plan.c: the arenas, planned at compile time: every parameter's and every
 * activation's place (offsets in reals), per pass, through the layers'
 * params, acts and grads callbacks (layer.h). */
#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layer.h"

size_t arena_add(arena *a, const char *name, size_t size, const char *dims)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 16;
        a->r = seq_xrealloc(a->r, (size_t)a->cap * sizeof *a->r);
    }
    region *r = &a->r[a->n++];
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->dims, sizeof r->dims, "%s", dims);
    r->offset = a->total;
    r->size = size;
    a->total += size;
    return r->offset;
}

size_t pass_add(pass *ps, const layer *l, const char *what, long a, long b, long c)
{
    char name[96], d[64];
    if (strncmp(what, "d ", 2) == 0)
        snprintf(name, sizeof name, "d %s.%s", l->name, what + 2);
    else
        snprintf(name, sizeof name, "%s.%s", l->name, what);
    if (c)
        dims3(d, sizeof d, a, b, c);
    else
        dims2(d, sizeof d, a, b);
    return arena_add(&ps->acts, name, (size_t)a * (size_t)b * (size_t)(c ? c : 1), d);
}

size_t pass_add_seq(pass *ps, const layer *l, const char *what, long steps, long features)
{
    char name[96], d[80];
    if (strncmp(what, "d ", 2) == 0)
        snprintf(name, sizeof name, "d %s.%s", l->name, what + 2);
    else
        snprintf(name, sizeof name, "%s.%s", l->name, what);
    snprintf(d, sizeof d, "[%d, %ld, %d, %ld]", ps->blocks, steps, ps->rows, features);
    return arena_add(&ps->acts, name, (size_t)ps->batch * (size_t)steps * (size_t)features, d);
}

void plan_param(plan *pl, const layer *l, const char *what, int rank, const int *dims,
                init_spec init, int fan_in, int fan_out, int forget_units)
{
    pl->params = seq_xrealloc(pl->params, (size_t)(pl->n_params + 1) * sizeof *pl->params);
    param *p = &pl->params[pl->n_params++];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s/%s", l->name, what);
    p->rank = rank;
    p->size = 1;
    char d[64];
    int len = 0;
    for (int i = 0; i < rank; i++) {
        p->dims[i] = dims[i];
        p->size *= (size_t)dims[i];
        len += snprintf(d + len, sizeof d - (size_t)len, "%s%d", i ? ", " : "[", dims[i]);
    }
    snprintf(d + len, sizeof d - (size_t)len, "]");
    p->offset = arena_add(&pl->params_arena, p->name, p->size, d);
    p->init = init;
    p->fan_in = fan_in;
    p->fan_out = fan_out;
    p->forget_units = forget_units;
    p->frozen = l->frozen;
    p->quantized = rank >= 2 && !strstr(what, "bias"); /* a GRU's bias is [2, 3 units] */
    p->q8_offset = p->quantized ? pl->q8_total : 0;
    p->f32_offset = pl->q8_floats;
    pl->q8_total += p->quantized ? p->size : 0;
    pl->q8_floats += p->quantized ? (size_t)dims[rank - 1] : p->size;
}

const param *layer_param(const plan *pl, const layer *l, int k)
{
    return &pl->params[pl->param_base[l->index] + k];
}

activation layer_activation(const plan *pl, const layer *l)
{
    const spec *s = pl->s;
    if (l->index == s->n_layers - 1) /* the sigmoid or softmax goes with the loss */
        return ACT_NONE;
    return l->act;
}

/* Blocks of at least 16 rows (a GEMM of fewer rows wastes the SIMD units),
 * as many as divide the batch, up to 8, an even number where one divides
 * it (two cores then share them evenly: a batch of 100 is 4 blocks of 25,
 * not 5 of 20, which 2 threads would run as 3 and 2). */
static int batch_blocks(int batch)
{
    int blocks = 1, even = 0;
    for (int n = 2; n <= 8; n++)
        if (batch % n == 0 && batch / n >= 16) {
            blocks = n;
            if (n % 2 == 0)
                even = n;
        }
    return even ? even : blocks;
}

int steps_in(const pass *ps, const layer *l)
{
    return ps->steps ? ps->steps : l->in.steps;
}

int steps_out(const pass *ps, const layer *l)
{
    return ps->steps ? ps->steps : l->out.steps;
}

/* The states stateful layers carry from batch to batch, first in the
 * arena so that one range resets or saves them all. */
static void plan_states(const spec *s, pass *ps)
{
    for (int i = 0; s->train.stateful && i < s->n_layers; i++) {
        const layer *l = &s->layers[i];
        if (!l->kind->states)
            continue;
        ps->io[i].stateful = 1;
        ps->io[i].state[0][0] = pass_add(ps, l, "state_h", ps->batch, l->units, 0);
        if (l->kind->states == 2)
            ps->io[i].state[0][1] = pass_add(ps, l, "state_c", ps->batch, l->units, 0);
    }
    ps->state_size = ps->acts.total;
}

/* Reports, once, that arena A (WHAT) has grown past SPEC_MAX_ARENA at L. */
static void check_arena(plan *pl, const arena *a, const layer *l, const char *what)
{
    if (pl->too_big || a->total <= (size_t)SPEC_MAX_ARENA)
        return;
    diag_error(l->src->at, "layer %d '%s' (%s): the %s would need %zu reals, more than seqcc's "
               "limit of %lld; make the layers, the batch or seq_len smaller",
               l->index + 1, l->name, layer_class(l), what, a->total, (long long)SPEC_MAX_ARENA);
    pl->too_big = 1;
}

static size_t add_window(pass *ps, const char *name, int steps, int features)
{
    char d[80];
    snprintf(d, sizeof d, "[%d, %d, %d, %d]", ps->blocks, steps, ps->rows, features);
    return arena_add(&ps->acts, name, (size_t)ps->batch * (size_t)steps * (size_t)features, d);
}

/* A series model's input section: its window laid out for the first layer
 * (emit_input.c), and the gradient of it, which the first layer writes. */
static void plan_input(const plan *pl, pass *ps)
{
    const spec *s = pl->s;
    layer_io *first = &ps->io[0];
    if (!s->series)
        return;
    first->in = ps->input = add_window(ps, "input", s->seq_len, s->n_features);
    first->in_stride = (size_t)s->seq_len * ps->rows * s->n_features;
}

static void plan_input_grads(const plan *pl, pass *ps)
{
    const spec *s = pl->s;
    layer_io *first = &ps->io[0];
    if (!s->series)
        return;
    /* the first layer writes the gradient of its input like any other; unused */
    first->din = add_window(ps, "d input", s->seq_len, s->n_features);
    first->din_stride = first->in_stride;
}

/* The loss section (emit_loss.c): the model's output from the last layer's. */
static void plan_loss(const plan *pl, pass *ps)
{
    const spec *s = pl->s;
    const layer *last = &s->layers[s->n_layers - 1];
    char d[64];
    ps->loss.in = ps->io[last->index].out;
    if (last->out.is_seq) /* a prediction at every step */
        ps->loss.out = pass_add_seq(ps, last, "probabilities", steps_out(ps, last), last->units);
    else
        ps->loss.out = arena_add(&ps->acts, "output", (size_t)ps->batch * (size_t)last->units,
                                 dims2(d, sizeof d, ps->batch, last->units));
}

static void plan_pass(plan *pl, pass *ps, const char *suffix, int batch, int steps, int training)
{
    const spec *s = pl->s;
    const char *what = training ? "training pass's activation arena"
                                : "prediction pass's activation arena";
    ps->suffix = suffix;
    ps->batch = batch;
    ps->steps = steps;
    ps->blocks = training && s->codegen.blocks ? s->codegen.blocks : batch_blocks(batch);
    ps->rows = batch / ps->blocks;
    ps->training = training;
    ps->io = seq_xcalloc((size_t)s->n_layers, sizeof *ps->io);
    plan_states(s, ps);
    plan_input(pl, ps);
    for (int i = 0; i < s->n_layers; i++) {
        const layer *l = &s->layers[i];
        if (i > 0) {
            ps->io[i].in = ps->io[i - 1].out;
            ps->io[i].in_stride = ps->io[i - 1].out_stride;
        }
        l->kind->acts(ps, l);
        check_arena(pl, &ps->acts, l, what);
    }
    plan_loss(pl, ps);
    check_arena(pl, &ps->acts, &s->layers[s->n_layers - 1], what);
    if (!training)
        return;
    for (int i = s->n_layers - 1; i >= 0; i--) {
        s->layers[i].kind->grads(ps, &s->layers[i]);
        check_arena(pl, &ps->acts, &s->layers[i], what);
    }
    plan_input_grads(pl, ps);
    check_arena(pl, &ps->acts, &s->layers[0], what);
    for (int i = 1; i < s->n_layers; i++) {
        layer_io *io = &ps->io[i];
        io->din = ps->io[i - 1].dout;
        io->din_stride = ps->io[i - 1].dout_stride;
        if (s->layers[i].kind->flags & LAYER_VIEW) {
            io->dout = io->din;
            io->dout_stride = io->din_stride;
        }
    }
}

void plan_model(plan *pl, const spec *s)
{
    memset(pl, 0, sizeof *pl);
    pl->s = s;
    pl->param_base = seq_xcalloc((size_t)s->n_layers, sizeof *pl->param_base);
    for (int i = 0; i < s->n_layers; i++) {
        pl->param_base[i] = pl->n_params;
        if (s->layers[i].kind->params)
            s->layers[i].kind->params(pl, &s->layers[i]);
        check_arena(pl, &pl->params_arena, &s->layers[i], "parameter arena");
    }
    plan_pass(pl, &pl->train, "forward", s->batch, 0, 1);
    /* a char-lm predicts (samples) one character at a time */
    plan_pass(pl, &pl->predict, "predict", 1, s->char_lm ? 1 : 0, 0);
}

void plan_free(plan *pl)
{
    free(pl->params_arena.r);
    free(pl->params);
    free(pl->param_base);
    free(pl->train.acts.r);
    free(pl->train.io);
    free(pl->predict.acts.r);
    free(pl->predict.io);
}
