/* report.h: what training shows as it runs and leaves behind: a progress
 * bar on a terminal (plain log lines otherwise) and metrics as JSON lines.
 * The training curve is drawn by plot.h. */
#ifndef SEQ_REPORT_H
#define SEQ_REPORT_H

#include <stdio.h>

#include "base/util.h"

/* Progress over TOTAL steps of one epoch. On a terminal it redraws one line
 * at most ten times a second ("epoch 2/5 [=====>    ] 312/625 loss 0.4132
 * acc 0.812 1843 ex/s ETA 0:04"); otherwise it prints a plain line every
 * LOG_EVERY = max(1, TOTAL/10) steps and at the end. Loss and acc are means
 * over the examples seen so far this epoch (each step's value weighted by its
 * EXAMPLES); a NaN acc means "no accuracy" and is left out of the mean, and
 * acc is not shown when no step had one. seq_progress_end finishes the line
 * and prints a summary with the elapsed time. */
typedef struct seq_progress {
    FILE *out;
    int tty;
    int epoch, epochs;
    long total, done, log_every;
    double t_start, t_last_draw;
    long examples;
    double loss_sum, loss_weight;  /* sum of loss * examples, sum of examples */
    double acc_sum, acc_weight;
} seq_progress;

void seq_progress_start(seq_progress *p, FILE *out, int epoch, int epochs, long total);
void seq_progress_step(seq_progress *p, long examples, double loss, double acc);
void seq_progress_end(seq_progress *p);

/* Metrics: one JSON object per line, {"event":EVENT,KEY:VALUE,...}, appended
 * to PATH with a single write. Keys in the order given; numbers printed with
 * %.9g (integers up to 9 digits exactly); NaN and infinities as null. */
typedef struct seq_metric {
    const char *key;
    double value;
} seq_metric;

int seq_metrics_append(const char *path, const char *event, const seq_metric *m,
                       int n, seq_err *err);

#endif
