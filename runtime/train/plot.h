/* plot.h: the training curve as an SVG picture. */
#ifndef SEQ_PLOT_H
#define SEQ_PLOT_H

#include "base/util.h"

/* The training curve: per-epoch series (e.g. loss and val_loss, accuracy and
 * val_accuracy) drawn as two panels in one self-contained SVG, written
 * atomically; x is the epoch 1..N_EPOCHS. With N_METRIC == 0 only the loss
 * panel is drawn. Same input, same bytes. */
typedef struct seq_plot_series {
    const char *name;
    const double *y;  /* n values, NaN = missing */
} seq_plot_series;

int seq_plot_curve(const char *path, const char *title, int n_epochs,
                   const seq_plot_series *loss, int n_loss,
                   const seq_plot_series *metric, int n_metric, const char *metric_label,
                   seq_err *err);

#endif
