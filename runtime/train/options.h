/* options.h: what a command of the model binary is asked to do, as its
 * command line gives it (cli/cli.c parses it), and its exit statuses. */
#ifndef SEQ_OPTIONS_H
#define SEQ_OPTIONS_H

typedef enum seq_command {
    SEQ_CMD_TRAIN, SEQ_CMD_EVAL, SEQ_CMD_PREDICT, SEQ_CMD_GRADS, SEQ_CMD_GRADCHECK,
    SEQ_CMD_BENCH, SEQ_CMD_SAMPLE, SEQ_CMD_EXPORT, SEQ_CMD_EXPORT_ONNX,
    SEQ_CMD_ENCODE
} seq_command;

/* Exit statuses. */
enum { SEQ_EXIT_OK = 0, SEQ_EXIT_FAIL = 1, SEQ_EXIT_USAGE = 2, SEQ_EXIT_CHECK = 3 };

typedef struct seq_options {
    seq_command cmd;
    const char *data;        /* data folder (default: the spec's path, from its folder) */
    const char *out;         /* train: run folder; grads: output file */
    const char *checkpoint;  /* eval, predict, grads: a checkpoint to load */
    const char *split;       /* eval, grads: train, val or test */
    const char *input;       /* predict: one text per line; "-" is stdin */
    const char *test_data;   /* --test-data: the test part's own file (default: the spec's
                                test_path, from its folder) */
    const char *test_root;   /* resolved by seq_main: test_data, else the spec's test_path
                                from its folder; NULL = the test part is a part of the data */
    const char *spec_root;   /* the spec's folder (resolved by seq_main): a tensor's vectors
                                file is relative to it */
    int probs;               /* predict: every class's probability too; sample: the next
                              * character's probabilities */
    int ids;                 /* predict: each line is token ids, not text */
    const char *init_weights; /* train: the parameters to start from */
    int resume;              /* train: continue from OUT/checkpoint.safetensors */
    int force;               /* train: start afresh in an OUT that holds a run */
    int epochs;              /* train: 0 = the spec's */
    long max_steps;          /* train: stop after this many steps in all (0 = no limit) */
    long checkpoint_every;   /* train: steps between checkpoints (0 = the spec's) */
    long limit;              /* keep the first LIMIT examples per class of each part */
    int threads;             /* worker threads (the results do not depend on it) */
    long seed;               /* -1 = the spec's */
    int samples;             /* gradcheck: entries per tensor */
    double tolerance;        /* gradcheck: largest relative error accepted */
    long steps;              /* bench: steps timed */
    const char *prime;       /* sample: the text to start from */
    long length;             /* sample: characters to generate */
    double temperature;      /* sample: divides the logits (below 1: more conservative) */
    int top_k;               /* sample: draw among the K most likely only (0: all) */
    int int8;                /* export: --weights int8 */
    int no_tokenizer;        /* export: ids in, no vocabulary */
} seq_options;

#endif
