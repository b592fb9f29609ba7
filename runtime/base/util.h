/* util.h: errors, checked allocation, growable buffers, whole-file I/O. */
#ifndef SEQ_UTIL_H
#define SEQ_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define SEQ_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define SEQ_NORETURN __attribute__((noreturn))
#else
#define SEQ_PRINTF(f, a)
#define SEQ_NORETURN
#endif

/* An error message filled in by a failing call; functions that take one
 * return 0 on success and -1 on failure. Messages name the file (and line,
 * where there is one) they are about. */
typedef struct seq_err {
    char msg[1024];
} seq_err;

int seq_fail(seq_err *err, const char *fmt, ...) SEQ_PRINTF(2, 3);

/* Allocation that never returns NULL: on exhaustion it prints a message
 * and exits with status 1. */
void *seq_xmalloc(size_t n);
void *seq_xcalloc(size_t count, size_t size);
void *seq_xrealloc(void *p, size_t n);
char *seq_xstrdup(const char *s);
char *seq_xstrndup(const char *s, size_t n);
SEQ_NORETURN void seq_die(const char *fmt, ...) SEQ_PRINTF(1, 2);

/* Growable byte buffer; always NUL-terminated after any append. */
typedef struct seq_buf {
    char *data;
    size_t len, cap;
} seq_buf;

void seq_buf_reserve(seq_buf *b, size_t extra);
void seq_buf_add(seq_buf *b, const void *data, size_t n);
void seq_buf_puts(seq_buf *b, const char *s);
void seq_buf_printf(seq_buf *b, const char *fmt, ...) SEQ_PRINTF(2, 3);
void seq_buf_vprintf(seq_buf *b, const char *fmt, va_list ap) SEQ_PRINTF(2, 0);
void seq_buf_free(seq_buf *b);
/* S[0, LEN) as a C string literal, quoted: '"', '\\' and '?' (trigraphs)
 * escaped, a line break as \\n, other control bytes and bytes past ASCII in
 * octal. */
void seq_buf_cstring(seq_buf *b, const char *s, size_t len);

/* Reads a whole file; *data is NUL-terminated (not counted in *len). */
int seq_read_file(const char *path, char **data, size_t *len, seq_err *err);

/* Writes a file so that readers see the old contents or the new, never a
 * mix: write to PATH.tmp.PID, fsync, rename over PATH, fsync the folder. */
int seq_write_file_atomic(const char *path, const void *data, size_t len, seq_err *err);
#define SEQ_TMP_INFIX ".tmp." /* PATH.tmp.PID */

/* Removes the temporaries PATH.tmp.PID (PID digits only) that writes of PATH
 * interrupted by a crash left in its folder. */
int seq_remove_temporaries(const char *path, seq_err *err);

/* Writes all of DATA to FD (PATH, for the test stages); -1 with errno set. */
int seq_write_fd(int fd, const void *data, size_t len, const char *path);

/* TEST ONLY: SEQCC_TEST_KILL_AT=STAGE[@N] SIGKILLs the process the Nth time
 * it passes STAGE ("STAGE:BASENAME" with PATH): "partial" (half of a file
 * written), "written" (its temporary complete), "renamed" (in place),
 * "appended" (a metrics line). Users never set it. */
void seq_test_stage(const char *stage, const char *path);

/* mkdir -p; 0 if the folder exists afterwards. */
int seq_mkdirs(const char *path, seq_err *err);

/* Joins a folder and a relative path ("a" + "b/c" -> "a/b/c"); an absolute
 * REL is returned as is. The result is malloc'd. */
char *seq_path_join(const char *dir, const char *rel);

/* The folder part of PATH ("a/b" -> "a", "b" -> ".", "/b" -> "/"), malloc'd. */
char *seq_path_dir(const char *path);

/* The folder of the running executable, malloc'd; NULL if unknown. */
char *seq_exe_dir(void);

/* Makes descriptors 0, 1 and 2 open: a closed one gets /dev/null opened the
 * wrong way (stdin write-only, stdout and stderr read-only), so that its
 * reads and writes fail as on a closed descriptor and no file opened later
 * takes its number. Called first thing by main(). */
void seq_guard_std_fds(void);

/* Flushes stdout; -1 with "cannot write to stdout: REASON" if a write to it
 * failed (full disk, closed descriptor, broken pipe with SIGPIPE ignored). */
int seq_flush_stdout(seq_err *err);

/* seq_flush_stdout, then closes stdout (its last chance to fail); for the
 * end of main(), whose exit status it must turn to 1 on failure. */
int seq_close_stdout(seq_err *err);

/* Monotonic clock in seconds. */
double seq_now(void);

#endif
