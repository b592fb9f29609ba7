/* strset.c: open addressing with linear probing, kept at most half full. */
#include "strset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The slot of KEY, or the empty slot where it belongs. */
static size_t slot(const strset *set, const char *key)
{
    size_t i = (size_t)hash(key) & (set->cap - 1);
    while (set->keys[i] && strcmp(set->keys[i], key) != 0)
        i = (i + 1) & (set->cap - 1);
    return i;
}

static void grow(strset *set)
{
    strset bigger = {0};
    bigger.cap = set->cap ? 2 * set->cap : 16;
    bigger.keys = seq_xcalloc(bigger.cap, sizeof *bigger.keys);
    bigger.index = seq_xcalloc(bigger.cap, sizeof *bigger.index);
    for (size_t i = 0; i < set->cap; i++) {
        if (!set->keys[i])
            continue;
        size_t j = slot(&bigger, set->keys[i]);
        bigger.keys[j] = set->keys[i];
        bigger.index[j] = set->index[i];
    }
    bigger.n = set->n;
    strset_free(set);
    *set = bigger;
}

int strset_add(strset *set, const char *key, int index)
{
    if (2 * (set->n + 1) > set->cap)
        grow(set);
    size_t i = slot(set, key);
    if (set->keys[i]) {
        int was = set->index[i];
        set->index[i] = index;
        return was;
    }
    set->keys[i] = key;
    set->index[i] = index;
    set->n++;
    return -1;
}

int strset_find(const strset *set, const char *key)
{
    if (set->n == 0)
        return -1;
    size_t i = slot(set, key);
    return set->keys[i] ? set->index[i] : -1;
}

void strset_free(strset *set)
{
    free(set->keys);
    free(set->index);
    memset(set, 0, sizeof *set);
}
