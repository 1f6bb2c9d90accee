/* check.h - a tiny test harness for the unit tests.
 *
 * Each test binary runs its tests and prints one line per test:
 *   ok - <name>
 *   not ok - <name>: <file>:<line>: <what failed>
 *   skip - <name>: <reason>
 * tests/run.sh counts these lines across all binaries. A test fails at its
 * first failed CHECK (the rest of that test is skipped).
 */
#ifndef SOPSFS_CHECK_H
#define SOPSFS_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>

struct check_state {
	jmp_buf jb;
	int failed;
	int skipped;
	char why[512];
	int npass, nfail, nskip;
};
extern struct check_state check_state;

#define CHECK(cond) do { if (!(cond)) { \
	snprintf(check_state.why, sizeof(check_state.why), "%s:%d: %s", \
		 __FILE__, __LINE__, #cond); \
	check_state.failed = 1; longjmp(check_state.jb, 1); } } while (0)

#define CHECKF(cond, ...) do { if (!(cond)) { \
	int n_ = snprintf(check_state.why, sizeof(check_state.why), "%s:%d: ", \
			  __FILE__, __LINE__); \
	snprintf(check_state.why + n_, sizeof(check_state.why) - (size_t)n_, __VA_ARGS__); \
	check_state.failed = 1; longjmp(check_state.jb, 1); } } while (0)

/* Compare two byte strings; on mismatch report the first difference. */
#define CHECK_MEM(a, alen, b, blen) do { \
	const char *ca_ = (const char *)(a), *cb_ = (const char *)(b); \
	size_t la_ = (alen), lb_ = (blen), i_ = 0; \
	while (i_ < la_ && i_ < lb_ && ca_[i_] == cb_[i_]) i_++; \
	if (i_ != la_ || i_ != lb_) CHECKF(0, "bytes differ at offset %zu (len %zu vs %zu): got \"%.*s\"", \
		i_, la_, lb_, (int)(la_ - i_ < 60 ? la_ - i_ : 60), ca_ + i_); } while (0)

#define CHECK_STR(a, b) do { const char *sa_ = (a), *sb_ = (b); \
	CHECKF(sa_ != NULL && sb_ != NULL && strcmp(sa_, sb_) == 0, \
	       "expected \"%.200s\", got \"%.200s\"", sb_ ? sb_ : "(null)", sa_ ? sa_ : "(null)"); } while (0)

#define SKIP(...) do { snprintf(check_state.why, sizeof(check_state.why), __VA_ARGS__); \
	check_state.skipped = 1; longjmp(check_state.jb, 1); } while (0)

#define RUN_NAMED(fn, name) do { check_state.failed = check_state.skipped = 0; \
	if (setjmp(check_state.jb) == 0) fn(); \
	if (check_state.skipped) { printf("skip - %s: %s\n", (name), check_state.why); check_state.nskip++; } \
	else if (check_state.failed) { printf("not ok - %s: %s\n", (name), check_state.why); check_state.nfail++; } \
	else { printf("ok - %s\n", (name)); check_state.npass++; } \
	fflush(stdout); } while (0)
#define RUN(fn) RUN_NAMED(fn, #fn)

#define CHECK_MAIN_DEFINE struct check_state check_state
#define CHECK_DONE() (check_state.nfail ? 1 : 0)

/* Path of ../shared/interop relative to the repo root (tests run from the
 * repo root). Returns NULL when the folder is missing. */
const char *check_shared_dir(void);
/* Read a whole file (malloc'ed, NUL-terminated). NULL if missing. */
char *check_read_file(const char *path, size_t *len);

#endif
