/* change.h: a regeneration's changes in the model's terms (layers, shapes,
 * parameter counts, arena sizes, generated lines), printed by --check
 * before the line diff. */
#ifndef SEQC_CHANGE_H
#define SEQC_CHANGE_H

#include "emit.h"

/* Appends to OUT one line per fact that differs between the committed
 * files OLD_TEXT[i] (NULL: missing) and the fresh FILES[i]. */
void change_summary(const char *const old_text[], out_file files[], int n_files, seq_buf *out);

#endif
