/* test_audit.c - audit lines (fs/audit/proc.c): JSON strings are escaped
 * so any path or argument gives valid JSON, and a process is described by
 * its comm, executable and command line from /proc. */
#include "check.h"
#include "../../fs/audit/proc.h"
#include "../../fs/fuse/sopsfs.h"

#include <unistd.h>

static void test_json_str(void)
{
	struct buf b = BUF_INIT;
	const char in[] = "a\"b\\c\nd\te\x01\xc3\xa9";

	json_str(&b, in, sizeof(in) - 1);
	CHECK_MEM(b.data, b.len, "\"a\\\"b\\\\c\\nd\\u0009e\\u0001\\u00c3\\u00a9\"",
		  strlen("\"a\\\"b\\\\c\\nd\\u0009e\\u0001\\u00c3\\u00a9\""));
	buf_free(&b);
}

static void test_describe_self(void)
{
	struct sopsfs fs;
	struct buf b = BUF_INIT;

	memset(&fs, 0, sizeof(fs));        /* no guard: nothing to redact */
	proc_describe(&fs, getpid(), &b);
	CHECK(b.data != NULL);
	buf_addc(&b, '\0');
	CHECK(strstr((char *)b.data, ",\"comm\":\"test_audit\"") != NULL);
	CHECK(strstr((char *)b.data, ",\"exe\":\"/") != NULL);
	CHECK(strstr((char *)b.data, "test_audit\"]") != NULL);    /* cmdline */
	buf_free(&b);
	proc_describe(&fs, 0, &b);          /* unknown process: nothing */
	CHECK(b.len == 0);
	buf_free(&b);
}

int main(void)
{
	RUN(test_json_str);
	RUN(test_describe_self);
	return CHECK_DONE();
}
