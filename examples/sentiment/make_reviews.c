/* make_reviews.c: writes a small labelled text set to train the example on:
 * DIR/reviews.tsv (training) and DIR/reviews_test.tsv (testing), one
 * `sentence<TAB>label` per line, no header, labels `positive` and `negative`.
 *
 * The sentences are made from templates, so the set is small and free to
 * ship, but not trivial: a negation flips an opinion ("not good"), and in
 * "X, but Y" the clause after "but" decides. One label in twenty is flipped,
 * as real labels are noisy. The same bytes every run.
 *
 * usage: make_reviews DIR */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static uint64_t state = 0x2545f4914f6cdd1dULL;

static unsigned below(unsigned n) /* xorshift64* */
{
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return (unsigned)((state * 0x2545f4914f6cdd1dULL) >> 33) % n;
}

#define PICK(list) list[below(sizeof list / sizeof *list)]

static const char *const subjects[] = {
    "the film", "the acting", "the plot", "the ending", "the soundtrack", "this movie",
    "the script", "the cast", "the director's work", "the story", "the camera work", "the dialogue"};
static const char *const good[] = {
    "wonderful", "moving", "brilliant", "superb", "delightful", "gripping", "charming",
    "beautiful", "clever", "great", "funny", "touching"};
static const char *const bad[] = {
    "dull", "boring", "awful", "clumsy", "predictable", "tedious", "weak", "silly",
    "painful", "bland", "forgettable", "terrible"};
static const char *const adverbs[] = {"", "", "really ", "truly ", "rather ", "quite ", "so "};
static const char *const openers[] = {
    "", "", "", "Honestly, ", "Well, ", "To be fair, ", "In short, ", "I have to say, "};

/* One clause about a subject with an opinion; returns its polarity (1 good). */
static int clause(char *out, size_t n)
{
    int positive = (int)below(2), negated = below(4) == 0;
    const char *word = positive ? PICK(good) : PICK(bad);
    snprintf(out, n, "%s was %s%s%s", PICK(subjects), negated ? "not " : "",
             negated ? "" : PICK(adverbs), word);
    return positive ^ negated;
}

static void sentence(char *out, size_t n, int *label)
{
    char a[128], b[128];
    int first = clause(a, sizeof a);
    switch (below(3)) {
    case 0:
        snprintf(out, n, "%s%s.", PICK(openers), a);
        *label = first;
        break;
    case 1: { /* "a, but b": b decides */
        int second = clause(b, sizeof b);
        snprintf(out, n, "%s%s, but %s.", PICK(openers), a, b);
        *label = second;
        break;
    }
    default: { /* "a, and b" with the same polarity twice */
        int second;
        do
            second = clause(b, sizeof b);
        while (second != first);
        snprintf(out, n, "%s%s, and %s.", PICK(openers), a, b);
        *label = first;
        break;
    }
    }
    out[0] = (char)(out[0] >= 'a' && out[0] <= 'z' ? out[0] - 32 : out[0]);
    if (below(20) == 0) /* label noise */
        *label = !*label;
}

static int write_set(const char *dir, const char *file, int lines)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "make_reviews: %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (int i = 0; i < lines; i++) {
        char text[512];
        int label;
        sentence(text, sizeof text, &label);
        fprintf(f, "%s\t%s\n", text, label ? "positive" : "negative");
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "make_reviews: %s: %s\n", path, strerror(errno));
        return -1;
    }
    printf("%s: %d reviews\n", path, lines);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_reviews DIR\n");
        return 2;
    }
    if (mkdir(argv[1], 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "make_reviews: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    return write_set(argv[1], "reviews.tsv", 4000) || write_set(argv[1], "reviews_test.tsv", 1000);
}
