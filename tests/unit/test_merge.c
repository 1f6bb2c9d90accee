/* test_merge.c - the plaintext three-way merge (codec/merge/): changes on
 * one side, additions and removals with their comments, key order, nested
 * maps, conflict blocks in each store's syntax, marker detection. */
#include "check.h"
#include "../../codec/merge/merge.h"


static struct buf out;
static struct merge_paths paths;

static void mp(const char *store, const char *b, const char *o, const char *t, int markers)
{
	struct sops_err err;

	buf_free(&out);
	buf_init(&out, 1);
	merge_paths_free(&paths);
	err_clear(&err);
	CHECKF(merge_plain(store_by_name(store), b, b ? strlen(b) : 0, o, strlen(o), t, strlen(t),
			   markers, &out, &paths, &err) == 0, "merge failed: %.200s", err.msg);
}

#define OUT ((const char *)out.data)

static void test_yaml_clean(void)
{
	const char *b = "# head\na: 1\n# about old\nold: x\nm:\n    k1: v1\n    k2: v2\nz: end\n";
	const char *o = "# head\na: 2\n# about old\nold: x\nm:\n    k1: v1\n    k2: v2\nz: end\n";
	const char *t = "# head\na: 1\nm:\n    k1: v1\n    # new one\n    k15: new\n    k2: v2-t\n"
			"z: end\n# tail\nlast: l\n";

	mp("yaml", b, o, t, 0);
	CHECK(paths.n == 0);
	CHECK_STR(OUT, "# head\na: 2\nm:\n    k1: v1\n    # new one\n    k15: new\n    k2: v2-t\n"
		  "z: end\n# tail\nlast: l\n");
}

static void test_yaml_nested_both(void)
{
	const char *b = "m:\n    k1: v1\n    k2: v2\n";
	const char *o = "m:\n    k1: o1\n    k2: v2\n";
	const char *t = "m:\n    k1: v1\n    k2: t2\n";

	mp("yaml", b, o, t, 0);
	CHECK(paths.n == 0);
	CHECK_STR(OUT, "m:\n    k1: o1\n    k2: t2\n");
}

static void test_yaml_conflict(void)
{
	const char *b = "db:\n    user: u\n    pw: base\nx: 1\n";
	const char *o = "db:\n    user: u\n    pw: ours\nx: 1\n";
	const char *t = "db:\n    user: t\n    pw: theirs\nx: 1\n";

	mp("yaml", b, o, t, 0);
	CHECK(paths.n == 1);
	CHECK_STR(paths.v[0], "[\"db\"][\"pw\"]");
	mp("yaml", b, o, t, 1);
	CHECK_STR(OUT, "db:\n    user: t\n<<<<<<< ours\n    pw: ours\n=======\n    pw: theirs\n"
		  ">>>>>>> theirs\nx: 1\n");
	CHECK(merge_has_markers(OUT, out.len));
}

static void test_yaml_deleted_vs_changed(void)
{
	mp("yaml", "a: 1\nb: 2\n", "a: 1\nb: 3\n", "a: 1\n", 1);
	CHECK(paths.n == 1);
	CHECK_STR(OUT, "a: 1\n<<<<<<< ours\nb: 3\n=======\n>>>>>>> theirs\n");
}

static void test_yaml_flow(void)
{
	mp("yaml", "f: {a: 1, b: 2}\n", "f: {a: 5, b: 2}\n", "f: {a: 1, b: 6}\n", 0);
	CHECK(paths.n == 1);
	mp("yaml", "f: {a: 1, b: 2}\nq: 1\n", "f: {a: 1, b: 2}\nq: 2\n", "f: {a: 1, b: 6}\nq: 1\n", 0);
	CHECK(paths.n == 0);
	CHECK_STR(OUT, "f: {a: 1, b: 6}\nq: 2\n");
}

static void test_json(void)
{
	const char *b = "{\n\t\"z\": 1,\n\t\"a\": {\n\t\t\"x\": \"1\",\n\t\t\"y\": 2\n\t},\n\t\"m\": 3\n}\n";
	const char *o = "{\n\t\"z\": 9,\n\t\"a\": {\n\t\t\"x\": \"1\",\n\t\t\"y\": 2\n\t},\n\t\"m\": 3\n}\n";
	const char *t = "{\n\t\"first\": 0,\n\t\"z\": 1,\n\t\"a\": {\n\t\t\"x\": \"t\"\n\t}\n}\n";

	mp("json", b, o, t, 0);
	CHECK(paths.n == 0);
	CHECK_STR(OUT, "{\n\t\"first\": 0,\n\t\"z\": 9,\n\t\"a\": {\n\t\t\"x\": \"t\"\n\t}\n}\n");
}

static void test_json_conflict(void)
{
	const char *b = "{\n  \"a\": \"1\",\n  \"b\": \"2\"\n}\n";

	mp("json", b, "{\n  \"a\": \"o\",\n  \"b\": \"2\"\n}\n", "{\n  \"a\": \"t\",\n  \"b\": \"2\"\n}\n", 1);
	CHECK(paths.n == 1);
	CHECK_STR(OUT, "{\n<<<<<<< ours\n  \"a\": \"o\",\n=======\n  \"a\": \"t\",\n>>>>>>> theirs\n"
		  "  \"b\": \"2\"\n}\n");
}

static void test_dotenv(void)
{
	const char *b = "# c\nA=1\nB=2\nC=3\n";

	mp("dotenv", b, "# c\nA=1\nB=o\nC=3\n", "# c\nA=t\nB=t\nC=3\nD=4\n", 1);
	CHECK(paths.n == 1);
	CHECK_STR(paths.v[0], "[\"B\"]");
	CHECK_STR(OUT, "# c\nA=t\n<<<<<<< ours\nB=o\n=======\nB=t\n>>>>>>> theirs\nC=3\nD=4\n");
}

static void test_ini(void)
{
	const char *b = "[s]\na = 1\nb = 2\n\n[u]\nc = 3\n";

	mp("ini", b, "[s]\na = 1\nb = o\n\n[u]\nc = 3\n",
	   "[s]\na = 1\nb = 2\n\n[u]\nc = 3\n\n[new]\nd = 4\n", 0);
	CHECK(paths.n == 0);
	CHECK_STR(OUT, "[s]\na = 1\nb = o\n\n[u]\nc = 3\n\n[new]\nd = 4\n");
	mp("ini", b, "[s]\na = o\nb = 2\n\n[u]\nc = 3\n", "[s]\na = t\nb = 2\n\n[u]\nc = 3\n", 1);
	CHECK(paths.n == 1);
	CHECK_STR(paths.v[0], "[\"s\"][\"a\"]");
	CHECK_STR(OUT, "[s]\n<<<<<<< ours\na = o\n=======\na = t\n>>>>>>> theirs\nb = 2\n\n[u]\nc = 3\n");
}

static void test_binary(void)
{
	mp("binary", "x\n", "y\n", "x\n", 0);
	CHECK(paths.n == 0);
	CHECK_STR(OUT, "y\n");
	mp("binary", "x\n", "y\n", "z", 1);
	CHECK(paths.n == 1);
	CHECK_STR(paths.v[0], "[\"data\"]");
	CHECK_STR(OUT, "<<<<<<< ours\ny\n=======\nz\n>>>>>>> theirs\n");
}

static void test_add_add(void)
{
	mp("yaml", NULL, "s: 1\no: 2\n", "s: 1\nt: 3\n", 0);
	CHECK(paths.n == 0);
	CHECK_STR(OUT, "s: 1\nt: 3\no: 2\n");
	mp("yaml", NULL, "s: 1\n", "s: 2\n", 0);
	CHECK(paths.n == 1);
}

static void test_markers(void)
{
	CHECK(!merge_has_markers("a: 1\nb: '<<<<<<<'\n", 18));
	CHECK(merge_has_markers("a: 1\n=======\n", 13));
	CHECK(merge_has_markers(">>>>>>> theirs", 14));
	CHECK(!merge_has_markers("x: ========\n", 12));
}

int main(void)
{
	RUN(test_yaml_clean);
	RUN(test_yaml_nested_both);
	RUN(test_yaml_conflict);
	RUN(test_yaml_deleted_vs_changed);
	RUN(test_yaml_flow);
	RUN(test_json);
	RUN(test_json_conflict);
	RUN(test_dotenv);
	RUN(test_ini);
	RUN(test_binary);
	RUN(test_add_add);
	RUN(test_markers);
	buf_free(&out);
	merge_paths_free(&paths);
	return CHECK_DONE();
}
