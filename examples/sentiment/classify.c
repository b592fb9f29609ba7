/* classify.c: a program of one's own that predicts with the reviews model
 * through its C API (reviews.h): one review per line of standard input, the
 * probability of `positive` and the label predicted per line of output,
 * exactly as `reviews predict` prints them.
 *
 * usage: classify CHECKPOINT < reviews.txt */
#include <stdio.h>
#include <string.h>

#include "reviews.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: classify CHECKPOINT < reviews.txt\n");
        return 2;
    }
    seqcc_error err;
    seqcc_model *model;
    if (reviews_open(argv[1], &model, &err) != SEQCC_OK) {
        fprintf(stderr, "classify: %s\n", err.message);
        return 1;
    }
    char line[4096];
    int status = 0;
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = '\0';
        seqcc_prediction p;
        if (reviews_predict_text(model, line, strlen(line), &p, &err) != SEQCC_OK) {
            fprintf(stderr, "classify: %s\n", err.message);
            status = 1;
            break;
        }
        printf("%.6f\t%s\n", p.probability, p.name);
    }
    reviews_close(model);
    return status;
}
