/* plot.c: the training curve as a self-contained SVG picture. */
#include "plot.h"

#include <math.h>
#include <string.h>

#define SVG_W 720
#define SVG_H 300
#define PLOT_TOP 52.0
#define PLOT_BOTTOM 222.0
#define PLOT_INSET 8.0 /* keeps the first and last epoch off the frame */
#define VALUE_LIMIT 1e300 /* clamp so that ranges never overflow */

static const char *const palette[] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
};

/* A value axis: from LO to HI, ticks at the multiples of STEP between. */
typedef struct value_axis {
    double lo, hi, step;
} value_axis;

/* One panel's plot area and the mapping of epochs and values into it. */
typedef struct panel {
    double left, right;
    int n_epochs;
    value_axis y;
} panel;

static void put_xml_text(seq_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': seq_buf_puts(b, "&amp;"); break;
        case '<': seq_buf_puts(b, "&lt;"); break;
        case '>': seq_buf_puts(b, "&gt;"); break;
        case '"': seq_buf_puts(b, "&quot;"); break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\t')
                seq_buf_add(b, s, 1);
        }
    }
}

/* 1, 2 or 5 times a power of ten, near SPAN / TARGET. */
static double nice_step(double span, int target)
{
    double raw = span / target;
    double mag = pow(10.0, floor(log10(raw)));
    double f = raw / mag;
    return (f < 1.5 ? 1.0 : f < 3.0 ? 2.0 : f < 7.0 ? 5.0 : 10.0) * mag;
}

static double plot_value(double v)
{
    return fmax(-VALUE_LIMIT, fmin(VALUE_LIMIT, v));
}

static value_axis value_range(const seq_plot_series *s, int n, int n_epochs)
{
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++)
        for (int e = 0; e < n_epochs; e++)
            if (isfinite(s[i].y[e])) {
                lo = fmin(lo, plot_value(s[i].y[e]));
                hi = fmax(hi, plot_value(s[i].y[e]));
            }
    if (lo > hi)
        lo = 0, hi = 1;
    /* a flat series gets a band around it; this also keeps the step from
     * underflowing to zero */
    double mag = fmax(fabs(lo), fabs(hi));
    if (hi - lo <= mag * 1e-9 + 1e-200) {
        double pad = mag > 1e-200 ? mag * 0.1 : 1.0;
        lo -= pad, hi += pad;
    }
    /* a margin keeps the extreme points off the frame */
    double margin = (hi - lo) * 0.06;
    value_axis a = {lo - margin, hi + margin, nice_step(hi - lo, 4)};
    return a;
}

static double x_of(const panel *pn, long epoch)
{
    if (pn->n_epochs <= 1)
        return (pn->left + pn->right) / 2;
    double w = pn->right - pn->left - 2 * PLOT_INSET;
    return pn->left + PLOT_INSET + w * (double)(epoch - 1) / (pn->n_epochs - 1);
}

static double y_of(const panel *pn, double v)
{
    double t = (plot_value(v) - pn->y.lo) / (pn->y.hi - pn->y.lo);
    return PLOT_BOTTOM - t * (PLOT_BOTTOM - PLOT_TOP);
}

static void put_tick_label(seq_buf *b, double v, double step)
{
    if (fabs(v) < step * 1e-6)
        v = 0; /* no "-0.00" */
    int decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    if (decimals > 6 || fabs(v) >= 1e6)
        seq_buf_printf(b, "%.3g", v);
    else
        seq_buf_printf(b, "%.*f", decimals, v);
}

static void draw_epoch_tick(seq_buf *b, const panel *pn, long epoch)
{
    double x = x_of(pn, epoch);
    seq_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                      "stroke=\"#999\"/>\n", x, PLOT_BOTTOM, x, PLOT_BOTTOM + 4);
    seq_buf_printf(b, "<text x=\"%.1f\" y=\"236\" text-anchor=\"middle\" font-size=\"10\" "
                      "fill=\"#555\">%ld</text>\n", x, epoch);
}

static void draw_axes(seq_buf *b, const panel *pn, const char *label)
{
    double mid = (pn->left + pn->right) / 2;
    seq_buf_printf(b, "<text x=\"%.1f\" y=\"42\" text-anchor=\"middle\" font-size=\"12\" "
                      "font-weight=\"bold\" fill=\"#333\">", mid);
    put_xml_text(b, label);
    seq_buf_puts(b, "</text>\n");

    /* horizontal grid lines with their value labels */
    double first = ceil(pn->y.lo / pn->y.step);
    for (int i = 0; i <= 40; i++) {
        double v = (first + i) * pn->y.step;
        if (v > pn->y.hi)
            break;
        double y = y_of(pn, v);
        seq_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                          "stroke=\"#e6e6e6\"/>\n", pn->left, y, pn->right, y);
        seq_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"10\" "
                          "fill=\"#555\">", pn->left - 5, y + 3.5);
        put_tick_label(b, v, pn->y.step);
        seq_buf_puts(b, "</text>\n");
    }

    /* epoch ticks: the first epoch, then multiples of a 1-2-5 step */
    long step = 1;
    if (pn->n_epochs > 1) {
        double s = nice_step(pn->n_epochs - 1, 6);
        step = s < 1 ? 1 : (long)s;
    }
    draw_epoch_tick(b, pn, 1);
    for (long e = step; e <= pn->n_epochs; e += step)
        if (e > 1)
            draw_epoch_tick(b, pn, e);
    seq_buf_printf(b, "<text x=\"%.1f\" y=\"252\" text-anchor=\"middle\" font-size=\"11\" "
                      "fill=\"#333\">epoch</text>\n", mid);
    seq_buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                      "fill=\"none\" stroke=\"#999\"/>\n",
                   pn->left, PLOT_TOP, pn->right - pn->left, PLOT_BOTTOM - PLOT_TOP);
}

static void draw_series(seq_buf *b, const panel *pn, const seq_plot_series *s, const char *colour)
{
    int points = 0;
    for (int e = 0; e < pn->n_epochs; e++)
        points += isfinite(s->y[e]) != 0;
    if (points == 0)
        return;
    seq_buf_printf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.8\" "
                      "stroke-linejoin=\"round\" points=\"", colour);
    const char *sep = "";
    for (int e = 0; e < pn->n_epochs; e++)
        if (isfinite(s->y[e])) {
            seq_buf_printf(b, "%s%.1f,%.1f", sep, x_of(pn, e + 1), y_of(pn, s->y[e]));
            sep = " ";
        }
    seq_buf_puts(b, "\"/>\n");
    double r = pn->n_epochs <= 60 ? 2.5 : 1.5;
    for (int e = 0; e < pn->n_epochs; e++)
        if (isfinite(s->y[e]))
            seq_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\"/>\n",
                           x_of(pn, e + 1), y_of(pn, s->y[e]), r, colour);
}

/* The legend sits under the panel; text width is estimated at ~6.5 px per
 * character of the 11 px font. */
static void draw_legend(seq_buf *b, const panel *pn, const seq_plot_series *s, int n)
{
    double x = pn->left;
    for (int i = 0; i < n; i++) {
        const char *colour = palette[i % (int)(sizeof palette / sizeof palette[0])];
        seq_buf_printf(b, "<line x1=\"%.1f\" y1=\"276\" x2=\"%.1f\" y2=\"276\" stroke=\"%s\" "
                          "stroke-width=\"1.8\"/>\n", x, x + 18, colour);
        seq_buf_printf(b, "<circle cx=\"%.1f\" cy=\"276\" r=\"2.5\" fill=\"%s\"/>\n",
                       x + 9, colour);
        seq_buf_printf(b, "<text x=\"%.1f\" y=\"280\" font-size=\"11\" fill=\"#333\">",
                       x + 23);
        put_xml_text(b, s[i].name);
        seq_buf_puts(b, "</text>\n");
        x += 23 + 6.5 * (double)strlen(s[i].name) + 16;
    }
}

static void draw_panel(seq_buf *b, double left, double right, int n_epochs,
                       const char *label, const seq_plot_series *s, int n)
{
    panel pn = {left, right, n_epochs, value_range(s, n, n_epochs)};
    draw_axes(b, &pn, label);
    for (int i = 0; i < n; i++)
        draw_series(b, &pn, &s[i], palette[i % (int)(sizeof palette / sizeof palette[0])]);
    draw_legend(b, &pn, s, n);
}

static int check_series(const char *path, const seq_plot_series *s, int n, int n_epochs,
                        seq_err *err)
{
    if (n < 0 || (n > 0 && !s))
        return seq_fail(err, "%s: %d series and %s array", path, n, s ? "an" : "no");
    for (int i = 0; i < n; i++) {
        if (!s[i].name)
            return seq_fail(err, "%s: series %d has no name", path, i);
        if (!s[i].y && n_epochs > 0)
            return seq_fail(err, "%s: series \"%s\" has no values", path, s[i].name);
    }
    return 0;
}

int seq_plot_curve(const char *path, const char *title, int n_epochs,
                   const seq_plot_series *loss, int n_loss,
                   const seq_plot_series *metric, int n_metric, const char *metric_label,
                   seq_err *err)
{
    if (n_epochs < 0)
        return seq_fail(err, "%s: training curve over %d epochs; expected 0 or more",
                        path, n_epochs);
    if (check_series(path, loss, n_loss, n_epochs, err) != 0 ||
        check_series(path, metric, n_metric, n_epochs, err) != 0)
        return -1;

    seq_buf b = {0};
    seq_buf_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                       "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n",
                   SVG_W, SVG_H, SVG_W, SVG_H);
    seq_buf_printf(&b, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", SVG_W, SVG_H);
    seq_buf_printf(&b, "<text x=\"%d\" y=\"22\" text-anchor=\"middle\" font-size=\"14\" "
                       "font-weight=\"bold\" fill=\"#222\">", SVG_W / 2);
    put_xml_text(&b, title ? title : "");
    seq_buf_puts(&b, "</text>\n");
    if (n_metric > 0) {
        draw_panel(&b, 52, 340, n_epochs, "loss", loss, n_loss);
        draw_panel(&b, 412, 700, n_epochs, metric_label ? metric_label : "metric",
                   metric, n_metric);
    } else {
        draw_panel(&b, 52, 700, n_epochs, "loss", loss, n_loss);
    }
    seq_buf_puts(&b, "</svg>\n");
    int rc = seq_write_file_atomic(path, b.data, b.len, err);
    seq_buf_free(&b);
    return rc;
}
