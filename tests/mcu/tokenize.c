/* tokenize.c: a host program that prints the ids an exported model's own
 * tokenizer gives a text, for tests/lua/mcu_spec.lua to write the cases.h of
 * firmware that takes ids. Compiled with the export (NAME_infer.c) and
 * -DSEQCC_MODEL=NAME -DSEQCC_MODEL_UPPER=UPPER (examples/mcu/model.h):
 *
 * a text classifier (the export has NAME_infer_tokenize): each stdin line a
 *   text; prints its real ids, space-separated, on a line of their own: the
 *   nonzero ones of NAME_infer_tokenize's SEQ_LEN (0 is the padding, a word
 *   out of the vocabulary is 1), in order: the ids to hand NAME_infer_ids,
 *   which cuts and pads them again as the spec says. A text the tokenizer
 *   refuses prints `status N`.
 * with -DSEQCC_CHAR_LM (a character language model): stdin is one text (the
 *   prime); prints `ids: ...`, NAME_infer_char_id of each of its code
 *   points, then `char ID CODE_POINT` for every id (NAME_infer_char).
 *
 * Exits 1 if a count does not add up (tokenize's count of real tokens is not
 * the number of nonzero ids), 2 on bad input. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "model.h"

#ifndef SEQCC_CHAR_LM

static char line[1 << 20];

int main(void)
{
    int status = 0;
    while (fgets(line, sizeof line, stdin)) {
        size_t len = strlen(line);
        int32_t ids[INFER_C(SEQ_LEN)];
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        int n = INFER(tokenize)(line, len, ids);
        if (n < 0) {
            printf("status %d\n", n);
            continue;
        }
        int real = 0;
        for (int i = 0; i < INFER_C(SEQ_LEN); i++) {
            if (ids[i] != 0) {
                printf("%s%ld", real ? " " : "", (long)ids[i]);
                real++;
            }
        }
        putchar('\n');
        if (real != n) {
            fprintf(stderr, "tokenize.c: %d real tokens, but %d nonzero ids\n", n, real);
            status = 1;
        }
    }
    return status;
}

#else

int main(void)
{
    static unsigned char text[1 << 16];
    size_t len = fread(text, 1, sizeof text, stdin);
    fputs("ids:", stdout);
    for (size_t i = 0; i < len;) {
        unsigned c = text[i];
        int n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
        if (n == 0 || i + (size_t)n > len) {
            fprintf(stderr, "tokenize.c: the text is not UTF-8\n");
            return 2;
        }
        uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1Fu : n == 3 ? c & 0x0Fu : c & 0x07u;
        for (int k = 1; k < n; k++)
            cp = cp << 6 | (text[i + (size_t)k] & 0x3Fu);
        i += (size_t)n;
        printf(" %ld", (long)INFER(char_id)(cp));
    }
    putchar('\n');
    for (int32_t id = 0; id < INFER_C(N_IDS); id++)
        printf("char %ld %lu\n", (long)id, (unsigned long)INFER(char)(id));
    return 0;
}

#endif
