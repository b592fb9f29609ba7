/* report.c: progress bar and log lines, JSON-lines metrics. */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "store/json.h"

/* ---- progress ---------------------------------------------------------- */

#define BAR_WIDTH 20
#define REDRAW_SECONDS 0.1

static void put_epoch(seq_buf *b, const seq_progress *p)
{
    if (p->epochs > 0)
        seq_buf_printf(b, "epoch %d/%d", p->epoch, p->epochs);
    else
        seq_buf_printf(b, "epoch %d", p->epoch);
}

static void put_count(seq_buf *b, const seq_progress *p)
{
    if (p->total > 0)
        seq_buf_printf(b, "%ld/%ld", p->done, p->total);
    else
        seq_buf_printf(b, "%ld", p->done);
}

static void put_means(seq_buf *b, const seq_progress *p)
{
    if (p->loss_weight > 0)
        seq_buf_printf(b, " loss %.4f", p->loss_sum / p->loss_weight);
    if (p->acc_weight > 0)
        seq_buf_printf(b, " acc %.3f", p->acc_sum / p->acc_weight);
}

static double examples_per_second(const seq_progress *p, double now)
{
    double elapsed = now - p->t_start;
    return elapsed > 0 ? (double)p->examples / elapsed : 0.0;
}

static void put_eta(seq_buf *b, const seq_progress *p, double now)
{
    if (p->total <= 0 || p->done <= 0 || p->done >= p->total)
        return;
    double eta = (now - p->t_start) / (double)p->done * (double)(p->total - p->done);
    if (!(eta < 100.0 * 3600)) {
        seq_buf_puts(b, " ETA --:--");
        return;
    }
    long s = lround(eta);
    if (s >= 3600)
        seq_buf_printf(b, " ETA %ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        seq_buf_printf(b, " ETA %ld:%02ld", s / 60, s % 60);
}

static void emit(seq_progress *p, seq_buf *b)
{
    fputs(b->data, p->out);
    fflush(p->out);
    seq_buf_free(b);
}

/* The terminal line: back to column 0, redraw, clear what is left of a
 * longer previous line. */
static void draw_bar(seq_progress *p, double now)
{
    seq_buf b = {0};
    seq_buf_puts(&b, "\r");
    put_epoch(&b, p);
    if (p->total > 0) {
        int filled = BAR_WIDTH;
        if (p->done < p->total)
            filled = (int)((double)BAR_WIDTH * (double)p->done / (double)p->total);
        seq_buf_puts(&b, " [");
        for (int i = 0; i < BAR_WIDTH; i++)
            seq_buf_puts(&b, i < filled ? "=" : i == filled ? ">" : " ");
        seq_buf_puts(&b, "]");
    }
    seq_buf_puts(&b, " ");
    put_count(&b, p);
    put_means(&b, p);
    seq_buf_printf(&b, " %.0f ex/s", examples_per_second(p, now));
    put_eta(&b, p, now);
    seq_buf_puts(&b, "\033[K");
    emit(p, &b);
    p->t_last_draw = now;
}

static void log_line(seq_progress *p, double now)
{
    seq_buf b = {0};
    put_epoch(&b, p);
    seq_buf_puts(&b, " step ");
    put_count(&b, p);
    put_means(&b, p);
    seq_buf_printf(&b, " %.0f ex/s\n", examples_per_second(p, now));
    emit(p, &b);
}

static int logged_at(const seq_progress *p, long done)
{
    return done > 0 && (done % p->log_every == 0 || done == p->total);
}

void seq_progress_start(seq_progress *p, FILE *out, int epoch, int epochs, long total)
{
    memset(p, 0, sizeof *p);
    p->out = out;
    p->tty = out && isatty(fileno(out));
    p->epoch = epoch;
    p->epochs = epochs;
    p->total = total > 0 ? total : 0;
    p->log_every = p->total / 10 > 1 ? p->total / 10 : 1;
    p->t_start = p->t_last_draw = seq_now();
    if (p->tty)
        draw_bar(p, p->t_start);
}

void seq_progress_step(seq_progress *p, long examples, double loss, double acc)
{
    p->done++;
    if (examples > 0) {
        double w = (double)examples;
        p->examples += examples;
        p->loss_sum += w * loss;
        p->loss_weight += w;
        if (!isnan(acc)) {
            p->acc_sum += w * acc;
            p->acc_weight += w;
        }
    }
    if (!p->out)
        return;
    double now = seq_now();
    if (p->tty) {
        if (now - p->t_last_draw >= REDRAW_SECONDS || p->done == p->total)
            draw_bar(p, now);
    } else if (logged_at(p, p->done)) {
        log_line(p, now);
    }
}

void seq_progress_end(seq_progress *p)
{
    if (!p->out)
        return;
    double now = seq_now();
    if (p->tty) {
        draw_bar(p, now);
        fputc('\n', p->out);
    } else if (p->done > 0 && !logged_at(p, p->done)) {
        log_line(p, now);
    }
    seq_buf b = {0};
    put_epoch(&b, p);
    seq_buf_printf(&b, " done in %.1f s: %ld steps, %ld examples, %.0f ex/s",
                   now - p->t_start, p->done, p->examples, examples_per_second(p, now));
    if (p->loss_weight > 0 || p->acc_weight > 0)
        seq_buf_puts(&b, ",");
    put_means(&b, p);
    seq_buf_puts(&b, "\n");
    emit(p, &b);
}

/* ---- metrics ----------------------------------------------------------- */

int seq_metrics_append(const char *path, const char *event, const seq_metric *m,
                       int n, seq_err *err)
{
    if (n < 0 || (n > 0 && !m))
        return seq_fail(err, "%s: metrics line with %d values and %s array", path,
                        n, m ? "an" : "no");
    for (int i = 0; i < n; i++)
        if (!m[i].key)
            return seq_fail(err, "%s: metric %d has no key", path, i);
    seq_buf b = {0};
    seq_buf_puts(&b, "{");
    if (event) {
        seq_buf_puts(&b, "\"event\":");
        seq_json_put_string(&b, event);
    }
    for (int i = 0; i < n; i++) {
        if (event || i > 0)
            seq_buf_puts(&b, ",");
        seq_json_put_string(&b, m[i].key);
        seq_buf_puts(&b, ":");
        /* JSON has no NaN or infinity */
        if (isfinite(m[i].value))
            seq_buf_printf(&b, "%.9g", m[i].value);
        else
            seq_buf_puts(&b, "null");
    }
    seq_buf_puts(&b, "}\n");

    /* O_APPEND and one write: concurrent appenders never interleave a line */
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd < 0) {
        seq_buf_free(&b);
        return seq_fail(err, "%s: cannot open for appending: %s", path, strerror(errno));
    }
    int rc = 0;
    if (seq_write_fd(fd, b.data, b.len, path) != 0)
        rc = seq_fail(err, "%s: write failed: %s", path, strerror(errno));
    if (close(fd) != 0 && rc == 0)
        rc = seq_fail(err, "%s: close failed: %s", path, strerror(errno));
    if (rc == 0)
        seq_test_stage("appended", path);
    seq_buf_free(&b);
    return rc;
}
