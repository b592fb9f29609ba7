/* strset.h: a set of strings, each with the index it was added at, for
 * finding repeats (duplicate keys, columns) in time linear in their number. */
#ifndef SEQC_STRSET_H
#define SEQC_STRSET_H

#include <stddef.h>

typedef struct strset {
    const char **keys; /* borrowed: they must outlive the set */
    int *index;
    size_t cap, n;
} strset;

/* Adds KEY with INDEX; returns the index KEY had before (then it has INDEX
 * now), or -1 if it is new. */
int strset_add(strset *set, const char *key, int index);
/* The index of KEY, or -1. */
int strset_find(const strset *set, const char *key);
void strset_free(strset *set);

#endif
