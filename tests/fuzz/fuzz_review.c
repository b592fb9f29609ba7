/* fuzz_review.c: an aclImdb review file with arbitrary bytes, loaded as the
 * runtime loads the folder (seq_imdb_load: reading, UTF-8 and NUL checks)
 * and tokenized as training does. The folder is made once, in a temporary
 * directory removed at exit. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/textset.h"
#include "data/tokenizer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char root[64] = "/tmp/seqcc-fuzz-XXXXXX";
static char review[128], other[128];

static void write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
}

static void remove_folder(void)
{
    char path[128];
    unlink(review);
    unlink(other);
    const char *dirs[] = {"/train/pos", "/train/neg", "/train", ""};
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s%s", root, dirs[i]);
        rmdir(path);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char path[128];
    if (!mkdtemp(root))
        abort();
    snprintf(path, sizeof path, "%s/train", root);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/train/pos", root);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/train/neg", root);
    mkdir(path, 0700);
    snprintf(review, sizeof review, "%s/train/pos/7_9.txt", root);
    snprintf(other, sizeof other, "%s/train/neg/3_2.txt", root);
    write_file(other, "A dull film.", 12);
    atexit(remove_folder);
    return 0;
}

static void count(const char *tok, size_t len, void *ctx)
{
    (void)tok;
    *(size_t *)ctx += len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    write_file(review, data, size);
    seq_textset t;
    seq_err err;
    if (seq_imdb_load(root, "train", 0, &t, &err) != 0)
        return 0;
    if (t.n != 2 || t.lens[1] != size || memcmp(t.texts[1], data, size) != 0)
        abort();
    seq_tok_config cfg = {1, 1, SEQ_PUNCT_STRIP, 100};
    size_t bytes = 0;
    seq_tok_each(&cfg, t.texts[1], t.lens[1], count, &bytes);
    if (bytes > size)
        abort();
    seq_textset_free(&t);
    return 0;
}
