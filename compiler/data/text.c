/* data/text.c: the text kinds: text-classification (a label per example)
 * and char-lm (the next character at every step of a stream). Both read
 * text from aclimdb, csv or text files through a tokenizer. */
#include <string.h>

#include "check.h"
#include "data.h"
#include "read.h"

const char *const data_text_keys[] = {"kind", "format", "path", "tokenizer", "padding",
                                      "truncation", "validation_split", "test_split",
                                      "test_path", "text_column", "label_column", "delimiter",
                                      "header", NULL};

/* data.tokenizer: words (text classification) or characters (a char-lm). */
static int read_tokenizer(spec *s, node *tok)
{
    static const char *const tok_keys[] = {"lowercase", "strip_html", "punctuation",
                                           "vocab_size", NULL};
    static const char *const char_keys[] = {"vocab_size", NULL};
    if (check_map(tok, s->char_lm ? "'tokenizer' (of characters: id 0 for rare ones, "
                                         "then the most frequent)" : "'tokenizer'",
                  s->char_lm ? char_keys : tok_keys) != 0)
        return -1;
    int rc = 0, punct = SEQ_PUNCT_STRIP;
    s->data.lowercase = 1;
    s->data.strip_html = 1;
    rc |= read_bool(tok, "lowercase", &s->data.lowercase);
    rc |= read_bool(tok, "strip_html", &s->data.strip_html);
    rc |= read_enum(tok, "punctuation", "'tokenizer'", 0, seq_punct_words(), &punct);
    rc |= read_int32(tok, "vocab_size", "'tokenizer'", 1, 3, SPEC_MAX_VOCAB, &s->data.vocab_size);
    s->data.punct = (seq_punct)punct;
    return rc ? -1 : 0;
}

/* A text kind's keys: the format and where the text is, padding, and the
 * tokenizer. */
static int text_read(spec *s, node *n)
{
    const char *const *formats = seq_data_format_words(), *const *sides = seq_pad_words();
    int kind = s->data.kind, format = 0, padding = SEQ_PAD_PRE, truncation = SEQ_PAD_PRE;
    if (check_map(n, "'data'", data_text_keys) != 0)
        return -1;
    int rc = read_enum(n, "format", "'data'", 1, formats, &format);
    if (rc == 0 && format == SEQ_FORMAT_SINE) {
        diag_error(spec_mark(n, "format"), "'format' sine goes with kind series");
        return -1;
    }
    rc |= read_str(n, "path", "'data'", 1, &s->data.path);
    if (s->data.path && !s->data.path[0]) {
        diag_error(field(n, "path")->at, "'path' is empty; give the data folder, relative to the spec");
        rc = -1;
    }
    rc |= read_enum(n, "padding", "'data'", 0, sides, &padding);
    rc |= read_enum(n, "truncation", "'data'", 0, sides, &truncation);
    rc |= read_num(n, "validation_split", "'data'", 0, 0, 0.5, &s->data.validation_split);
    s->data.format = (seq_data_format)format;
    if ((kind == SEQ_DATA_CHAR_LM) != (format == SEQ_FORMAT_TEXT)) {
        diag_error(spec_mark(n, "format"), "'format' %s goes with kind %s", formats[format],
                   format == SEQ_FORMAT_TEXT ? "char-lm (a plain text corpus)" : "text-classification");
        return -1;
    }
    if (format == SEQ_FORMAT_CSV) { /* csv: the columns, and a seeded held-out test part */
        const char *what = "'data' (format csv)";
        int dialect = data_read_dialect(s, n);
        rc |= dialect;
        if (dialect == 0) {
            rc |= data_read_column(s, n, "text_column", what, &s->data.text_column);
            rc |= data_read_column(s, n, "label_column", what, &s->data.label_column);
        }
        rc |= data_read_test_part(s, n, what, -1);
    } else {
        static const char *const csv_only[] = {"text_column", "label_column", "test_split",
                                               "test_path", "delimiter", "header"};
        for (int i = 0; i < 6; i++)
            if (field(n, csv_only[i])) {
                diag_error(spec_mark(n, csv_only[i]), "'%s' is for format csv; the %s", csv_only[i],
                           format == SEQ_FORMAT_ACLIMDB ? "aclimdb layout has its own test part and labels"
                                       : "text format is one corpus");
                rc = -1;
            }
    }
    s->data.padding = (seq_pad)padding;
    s->data.truncation = (seq_pad)truncation;
    node *tok = field(n, "tokenizer");
    if (!tok) {
        diag_error(n->at, "'data' is missing the required key 'tokenizer' (its vocab_size at least)");
        return -1;
    }
    return read_tokenizer(s, tok) != 0 || rc ? -1 : 0;
}

/* mse predicts a value: a series'. */
static int no_mse(const spec *s)
{
    if (s->loss.kind != SEQ_LOSS_MSE)
        return 0;
    diag_error(s->loss.src->at, "mse is for data kind series (a value to predict); classes need "
               "binary_crossentropy or sparse_categorical_crossentropy");
    return -1;
}

/* One prediction per example. */
static int classification_check_loss(spec *s, const layer *last)
{
    char got[64];
    if (no_mse(s) != 0)
        return -1;
    if (s->loss.kind == SEQ_LOSS_SPARSE_CE && last->out.is_seq) {
        diag_error(s->loss.src->at, "text classification needs one prediction per example, "
                   "but layer %d '%s' outputs %s (a sequence)", last->index + 1, last->name,
                   shape_str(last->out, got, sizeof got));
        return -1;
    }
    return check_output(s, last);
}

/* One of vocab_size characters at every step. */
static int char_lm_check_loss(spec *s, const layer *last)
{
    char got[64];
    if (no_mse(s) != 0)
        return -1;
    if (s->loss.kind == SEQ_LOSS_BCE) {
        diag_error(s->loss.src->at, "a char-lm predicts one of vocab_size characters at every "
                   "step: use sparse_categorical_crossentropy");
        return -1;
    }
    if (!last->out.is_seq || last->out.features != s->data.vocab_size ||
        last->out.steps != s->seq_len) {
        diag_error(s->loss.src->at, "a char-lm predicts the next character at every step: "
                   "the last layer must be a time_distributed dense of vocab_size (%d) units "
                   "with one output per step, but layer %d '%s' outputs %s",
                   s->data.vocab_size, last->index + 1, last->name,
                   shape_str(last->out, got, sizeof got));
        return -1;
    }
    return check_output(s, last);
}

const data_type data_text_classification = {
    .kind = SEQ_DATA_TEXT_CLASSIFICATION,
    .api = DATA_API_TEXT,
    .read = text_read,
    .check_loss = classification_check_loss,
};

const data_type data_char_lm = {
    .kind = SEQ_DATA_CHAR_LM,
    .flags = DATA_STREAM,
    .api = DATA_API_NONE,
    .read = text_read,
    .check_loss = char_lm_check_loss,
};
