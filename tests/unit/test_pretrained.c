/* test_pretrained.c: `train` with pre-trained, frozen word vectors, on the
 * generated tiny_tsv model with its embedding's tensor info changed by hand
 * (as the compiler writes it for pre-trained vectors; lua/vectors builds such
 * a model from a spec): the vocabulary
 * words' rows come from the vectors file (relative to the spec's folder), a
 * frozen table leaves training bit for bit as it started while the other
 * tensors learn, a resumed run does not read the file again, and a bad file
 * stops training before anything is written.
 * Usage: test_pretrained TRAIN_TSV (tests/specs/tiny_tsv/train.tsv) */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "seqrt.h"
#include "cli/driver.h"
#include "train/init.h"
#include "kernels/pool.h"
#include "store/safetensors.h"
#include "tiny_tsv.h"

enum { E = 0, N_TENSORS = 16 }; /* the embedding is tensor 0 */

static char dir[] = "/tmp/test_pretrained.XXXXXX";
static seq_tensor_info tensors[N_TENSORS];
static seq_model_info info;
static seq_s_model model;

/* tiny_tsv with its embedding from FILE, FROZEN or not. */
static void set_embedding(const char *file, int frozen)
{
    tensors[E].init = SEQ_INIT_FILE;
    tensors[E].path = file;
    tensors[E].frozen = frozen;
}

static int train(const char *train_tsv, const char *out, int resume)
{
    seq_options o;
    memset(&o, 0, sizeof o);
    o.cmd = SEQ_CMD_TRAIN;
    o.out = out;
    o.spec_root = dir;
    o.resume = resume;
    o.epochs = resume ? 2 : 1;
    o.threads = 1;
    o.seed = -1;
    return seq_s_run(&model, &o, train_tsv);
}

static char *in_dir(const char *name)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    return path;
}

/* The parameters the run started from: the seed's draws, then the vectors. */
static float *start_params(const seq_st *ckpt)
{
    const seq_st_tensor *v = seq_st_find(ckpt, "tokenizer/vocab");
    seq_err err;
    seq_vocab *vocab = v ? seq_vocab_load(v->data, v->nbytes, info.data.vocab_size, &err) : NULL;
    float *p = calloc(info.n_params, sizeof *p);
    seq_s_init_params(&info, info.seed, p);
    CHECK(vocab && seq_s_init_files(&info, dir, vocab, p, &err) == 0);
    seq_vocab_free(vocab);
    return p;
}

/* Whether checkpoint tensor NAME (PREFIX + tensor I's) equals WANT there. */
static int same_tensor(const seq_st *ckpt, const char *prefix, int i, const float *want)
{
    char name[128];
    snprintf(name, sizeof name, "%s%s", prefix, tensors[i].name);
    const seq_st_tensor *t = seq_st_find(ckpt, name);
    CHECK_MSG(t && t->nbytes == tensors[i].size * sizeof(float), "%s", name);
    return t && memcmp(t->data, want + tensors[i].offset, t->nbytes) == 0;
}

/* The run's checkpoint: a frozen table still at P0 (the start), when given;
 * else at the start computed here, which is returned. */
static float *check_frozen_run(const char *run_dir, float *p0)
{
    char *path = malloc(strlen(run_dir) + 32);
    sprintf(path, "%s/checkpoint.safetensors", run_dir);
    seq_st ckpt;
    seq_err err;
    seq_st_init(&ckpt);
    CHECK_MSG(seq_st_read(&ckpt, path, &err) == 0, "%s", err.msg);
    float *zeros = calloc(info.n_params, sizeof *zeros);
    if (!p0)
        p0 = start_params(&ckpt);
    const float the[8] = {1, -1, 0.5f, 0.25f, 2, -2, 0, 3};
    const seq_st_tensor *v = seq_st_find(&ckpt, "tokenizer/vocab");
    seq_vocab *vocab = seq_vocab_load(v->data, v->nbytes, info.data.vocab_size, &err);
    CHECK(memcmp(p0 + 8 * seq_vocab_id(vocab, "the", 3), the, sizeof the) == 0);
    CHECK(same_tensor(&ckpt, "", E, p0));              /* frozen: as it started */
    CHECK(same_tensor(&ckpt, "optimizer/m/", E, zeros)); /* and no moments */
    CHECK(same_tensor(&ckpt, "optimizer/v/", E, zeros));
    for (int i = 1; i < info.n_tensors; i++)          /* the others learned */
        CHECK_MSG(!same_tensor(&ckpt, "", i, p0), "%s did not change", tensors[i].name);
    seq_vocab_free(vocab);
    seq_st_free(&ckpt);
    free(zeros), free(path);
    return p0;
}

/* Not frozen, the vectors' rows are trained away from where they started. */
static void check_trainable_run(const char *train_tsv)
{
    char *run_dir = in_dir("trainable"), *path = in_dir("trainable/checkpoint.safetensors");
    set_embedding("vectors.txt", 0);
    CHECK(train(train_tsv, run_dir, 0) == SEQ_EXIT_OK);
    seq_st ckpt;
    seq_err err;
    seq_st_init(&ckpt);
    CHECK_MSG(seq_st_read(&ckpt, path, &err) == 0, "%s", err.msg);
    float *p0 = start_params(&ckpt);
    CHECK(!same_tensor(&ckpt, "", E, p0));
    seq_st_free(&ckpt);
    free(p0), free(run_dir), free(path);
}

int main(int argc, char **argv)
{
    if (argc != 2 || !mkdtemp(dir)) {
        fprintf(stderr, "usage: test_pretrained TRAIN_TSV\n");
        return 2;
    }
    const char *train_tsv = argv[1];
    memcpy(tensors, tiny_tsv_info.tensors, (size_t)tiny_tsv_info.n_tensors * sizeof *tensors);
    CHECK(tiny_tsv_info.n_tensors <= N_TENSORS && strcmp(tensors[E].name, "embedding/embeddings") == 0);
    info = tiny_tsv_info;
    info.tensors = tensors;
    model = tiny_tsv_f32;
    model.info = &info;
    seq_pool_init(1);

    free(check_write_file(dir, "vectors.txt", "the 1 -1 0.5 0.25 2 -2 0 3\n"
                                              "plot 1 2 3 4 5 6 7 8\n"
                                              "zebra 0 0 0 0 0 0 0 0\n"));
    char *run_dir = in_dir("run"), *vectors = in_dir("vectors.txt");
    set_embedding("vectors.txt", 1);
    CHECK(train(train_tsv, run_dir, 0) == SEQ_EXIT_OK);
    float *p0 = check_frozen_run(run_dir, NULL);

    CHECK(unlink(vectors) == 0); /* a resumed run takes its table from the checkpoint */
    CHECK(train(train_tsv, run_dir, 1) == SEQ_EXIT_OK);
    free(check_frozen_run(run_dir, p0));

    free(check_write_file(dir, "vectors.txt", "the 1 -1 0.5 0.25 2 -2 0 3\n"
                                              "plot 1 2 3 4 5 6 7 8\n"));
    check_trainable_run(train_tsv);

    char *bad_dir = in_dir("bad");
    free(check_write_file(dir, "bad.txt", "the 1 2 3 4 5 6 7 8\nplot 1 2 3\n"));
    set_embedding("bad.txt", 1);
    CHECK(train(train_tsv, bad_dir, 0) == SEQ_EXIT_FAIL);
    CHECK(access(bad_dir, F_OK) != 0); /* nothing written */

    check_remove_tree(dir);
    free(run_dir), free(vectors), free(bad_dir);
    return check_status("test_pretrained");
}
