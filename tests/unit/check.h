/* check.h: the C unit tests' assertions. A failed CHECK prints where and
 * why and marks the test failed; main returns check_status(). */
#ifndef SEQ_CHECK_H
#define SEQ_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_failures;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
            check_failures++;                                                \
        }                                                                    \
    } while (0)

#define CHECK_MSG(cond, ...)                                               \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, \
                    #cond);                                                \
            fprintf(stderr, __VA_ARGS__);                                  \
            fputc('\n', stderr);                                           \
            check_failures++;                                              \
        }                                                                  \
    } while (0)

#define CHECK_STR(a, b)                                                     \
    do {                                                                    \
        const char *check_a_ = (a), *check_b_ = (b);                        \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {   \
            fprintf(stderr, "%s:%d: CHECK_STR failed: \"%s\" != \"%s\"\n",  \
                    __FILE__, __LINE__, check_a_ ? check_a_ : "(null)",     \
                    check_b_ ? check_b_ : "(null)");                        \
            check_failures++;                                               \
        }                                                                   \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                \
    do {                                                                     \
        double check_a_ = (a), check_b_ = (b);                               \
        if (!(fabs(check_a_ - check_b_) <= (tol))) {                         \
            fprintf(stderr, "%s:%d: CHECK_NEAR failed: %s = %.17g, %s = %.17g\n", \
                    __FILE__, __LINE__, #a, check_a_, #b, check_b_);         \
            check_failures++;                                                \
        }                                                                    \
    } while (0)

static inline int check_status(const char *name)
{
    if (check_failures)
        fprintf(stderr, "%s: %d check(s) failed\n", name, check_failures);
    else
        printf("%s: ok\n", name);
    return check_failures ? 1 : 0;
}

#endif
