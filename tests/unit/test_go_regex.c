/* test_go_regex.c - Go (RE2) regex translation and matching (codec/go_regex). */
#include "check.h"
#include "../../codec/core/go_regex.h"

#include <ctype.h>

struct case_ {
	const char *pat;
	const char *s;
	int want;
};

/* Expected results follow Go's regexp.MatchString. */
static const struct case_ cases[] = {
	/* regexes of the rule vectors (sops-vectors/rules, yaml) */
	{ "^(data|stringData)$", "data", 1 },
	{ "^(data|stringData)$", "stringData", 1 },
	{ "^(data|stringData)$", "metadata", 0 },
	{ "^(data|stringData)$", "data2", 0 },
	{ "^(data|stringData)$", "", 0 },
	{ "data", "metadata", 1 },
	{ "data", "dat", 0 },
	{ "^(public|.*_plain)", "public_list", 1 },
	{ "^(public|.*_plain)", "host_plain", 1 },
	{ "^(public|.*_plain)", "db_secret", 0 },
	{ "^(public|.*_plain)", "xpublic", 0 },
	{ "sops:nocrypt", " sops:nocrypt", 1 },
	{ "sops:nocrypt", " plain comment in parent", 0 },
	{ "sops:enc", " sops:enc", 1 },
	{ "^(database|token)$", "token", 1 },
	{ "^(database|token)$", "tokens", 0 },
	/* typical path_regex values */
	{ ".*\\.yaml$", "secrets/a.yaml", 1 },
	{ ".*\\.yaml$", "a.yml", 0 },
	{ ".*\\.yaml$", "a.yaml.bak", 0 },
	{ ".*\\.yaml$", "ayaml", 0 },
	{ ".*\\.yaml$", "a.yaml\n", 0 },
	{ "secrets/.*\\.enc\\.json", "a/secrets/b/c.enc.json", 1 },
	{ "secrets/.*\\.enc\\.json", "secrets/x.json", 0 },
	{ "secrets/.*\\.enc\\.json", "secrets/xenc.json", 0 },
	{ "(?i)prod", "clusters/PROD/x", 1 },
	{ "(?i)prod", "Production", 1 },
	{ "(?i)prod", "pr0d", 0 },
	{ "\\d+", "v2", 1 },
	{ "\\d+", "abc", 0 },
	/* Perl and POSIX classes (ASCII) */
	{ "\\D", "123", 0 },
	{ "\\D", "12a", 1 },
	{ "\\s", "a\tb", 1 },
	{ "\\s", "a\vb", 0 },
	{ "[[:space:]]", "a\vb", 1 },
	{ "^\\W+$", "!-/", 1 },
	{ "^\\W+$", "a!", 0 },
	{ "^\\w+$", "a_Z9", 1 },
	{ "^\\w+$", "\xc3\xa9", 0 },
	{ "[[:^alpha:]]", "abc", 0 },
	{ "[[:^alpha:]]", "ab1", 1 },
	{ "^[[:word:]]$", "_", 1 },
	{ "^[\\d.-]+$", "1.2-3", 1 },
	{ "^[\\d.-]+$", "1x", 0 },
	{ "[^\\S]", "ab", 0 },
	{ "[^\\S]", "a b", 1 },
	/* dot, newlines, flags */
	{ "a.c", "abc", 1 },
	{ "a.c", "a\nc", 0 },
	{ "(?s)a.c", "a\nc", 1 },
	{ "(?s:a.)c", "a\nc", 1 },
	{ "(?s:a.)c.", "a\nc\n", 0 },
	{ "a.c", "a\xc3\xa9" "c", 1 },
	{ "^.$", "\xc3\xa9", 1 },
	{ "^.$", "ab", 0 },
	{ "b.c", "b\0c", 1 },
	{ "[^a]", "\n", 1 },
	{ "[^a]", "a", 0 },
	{ "(?m)^b$", "a\nb\nc", 1 },
	{ "^b$", "a\nb\nc", 0 },
	{ "(?m)^a[^x]b", "a\nb", 1 },
	{ "(?m)a.b", "a\nb", 0 },
	{ "(?ms)a.b", "a\nb", 1 },
	{ "(?i)^[a-c]+$", "AbC", 1 },
	{ "(?i)[^a]", "A", 0 },
	{ "(?i)k", "K", 1 },
	{ "(?U)a+b", "aab", 1 },
	/* non-ASCII classes (code points, not bytes) */
	{ "^[\xc3\xa0-\xc3\xbf]+$", "\xc3\xa9\xc3\xa8", 1 },
	{ "^[\xc3\xa0-\xc3\xbf]+$", "e", 0 },
	{ "[^\xc3\xa9]", "\xc3\xa9", 0 },
	{ "[^\xc3\xa9]", "\xc3\xa8", 1 },
	{ "^\xc3\xa9+$", "\xc3\xa9\xc3\xa9", 1 },
	{ "\\x{e9}", "\xc3\xa9", 1 },
	/* empty pieces */
	{ "x*", "", 1 },
	{ "", "anything", 1 },
	{ "a|", "zzz", 1 },
	{ "(|a)b", "b", 1 },
	{ "()", "", 1 },
	/* repetition */
	{ "^a{2}$", "a", 0 },
	{ "^a{2}$", "aa", 1 },
	{ "^a{2,}$", "aaa", 1 },
	{ "^a{1,2}$", "aaa", 0 },
	{ "a{,2}", "a{,2}", 1 },
	{ "^a{,2}$", "a", 0 },
	{ "a{01}", "a{01}", 1 },
	{ "^x{0}y$", "y", 1 },
	{ "a+?b", "aab", 1 },
	{ "^a??b$", "b", 1 },
	{ "^a*?$", "aaa", 1 },
	{ "^a{1,3}?$", "aa", 1 },
	/* groups */
	{ "^(?:ab)+$", "abab", 1 },
	{ "^(?:ab)+$", "aba", 0 },
	{ "^(?P<name>ab)c$", "abc", 1 },
	{ "^(?<n>ab)c$", "abc", 1 },
	{ "^((a|b)(c|))$", "a", 1 },
	/* escapes */
	{ "\\.", "a.b", 1 },
	{ "\\.", "ab", 0 },
	{ "^\\-\\/$", "-/", 1 },
	{ "^\\Qa.b*\\E$", "a.b*", 1 },
	{ "^\\Qa.b*\\E$", "axbb", 0 },
	{ "^\\Qa.b", "a.b", 1 },
	{ "\\x41", "A", 1 },
	{ "\\101", "A", 1 },
	{ "^\\t\\n$", "\t\n", 1 },
	{ "\\Aab\\z", "ab", 1 },
	{ "\\Aab\\z", "xab", 0 },
	{ "\\Aab\\z", "ab\n", 0 },
	{ "\\bfoo\\b", "a foo b", 1 },
	{ "\\bfoo\\b", "afoob", 0 },
	{ "\\Boo", "foo", 1 },
	{ "^\\$\\^$", "$^", 1 },
	{ "^\\{\\}$", "{}", 1 },
	{ "^x}$", "x}", 1 },
	{ "^a]$", "a]", 1 },
	{ "^\\|\\(\\)\\[\\]\\*\\+\\?\\\\$", "|()[]*+?\\", 1 },
	/* bracket expressions with characters POSIX places specially */
	{ "^[]a]$", "]", 1 },
	{ "^[^]a]$", "]", 0 },
	{ "^[^]a]$", "b", 1 },
	{ "^[a-]$", "-", 1 },
	{ "^[-^]$", "^", 1 },
	{ "^[-^]$", "a", 0 },
	{ "^[\\^]$", "^", 1 },
	{ "^[\\^]$", "a", 0 },
	{ "^[\\^x]$", "x", 1 },
	{ "^[[]$", "[", 1 },
	{ "^[\\[.:=]+$", "[.:=", 1 },
	{ "^[\\[.:=]+$", "[a", 0 },
	{ "^a[^\\]]b$", "a]b", 0 },
	{ "^a[^\\]]b$", "axb", 1 },
	{ "^[!-/]+$", "!-/", 1 },
	{ "^[Z-a]+$", "[\\]^_`", 1 },
	{ "^[\\x00-\\x{10FFFF}]$", "a", 1 },
};

static void test_cases(void)
{
	struct sops_err err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct case_ *c = &cases[i];
		size_t n = strlen(c->s);
		struct go_regex *re;
		int got;

		if (strcmp(c->pat, "b.c") == 0)
			n = 3;  /* subject with a NUL byte */
		re = go_regex_compile(c->pat, &err);
		CHECKF(re != NULL, "compile %s: %.200s", c->pat, err.msg);
		got = go_regex_search(re, c->s, n);
		CHECKF(got == c->want, "/%s/ on \"%s\": got %d, want %d (posix %s)",
		       c->pat, c->s, got, c->want, go_regex_posix(re));
		go_regex_free(re);
	}
}

static void test_explicit_length(void)
{
	struct sops_err err;
	struct go_regex *re = go_regex_compile("^data$", &err);

	CHECK(re != NULL);
	CHECK(go_regex_search(re, "data\0zzz", 4) == 1);
	CHECK(go_regex_search(re, "data\0zzz", 8) == 0);
	CHECK(go_regex_search(re, "datazzz", 4) == 1);
	CHECK(go_regex_search(re, NULL, 0) == 0);
	CHECK(go_regex_search_str(re, "data") == 1);
	go_regex_free(re);
}

struct bad {
	const char *pat;
	const char *msg;
};

static const struct bad bads[] = {
	{ "(abc", "error parsing regexp: missing closing ): `(abc`" },
	{ "abc)", "error parsing regexp: unexpected ): `abc)`" },
	{ "[a", "error parsing regexp: missing closing ]: `[a`" },
	{ "a**", "error parsing regexp: invalid nested repetition operator: `**`" },
	{ "x++", "error parsing regexp: invalid nested repetition operator: `++`" },
	{ "a*??", "error parsing regexp: invalid nested repetition operator: `*??`" },
	{ "*a", "error parsing regexp: missing argument to repetition operator: `*`" },
	{ "(+a)", "error parsing regexp: missing argument to repetition operator: `+`" },
	{ "(?=x)", "error parsing regexp: invalid or unsupported Perl syntax: `(?=`" },
	{ "(?!x)", "error parsing regexp: invalid or unsupported Perl syntax: `(?!`" },
	{ "(?<=x)", "error parsing regexp: invalid or unsupported Perl syntax: `(?<`" },
	{ "(?P=n)", "error parsing regexp: invalid or unsupported Perl syntax: `(?P`" },
	{ "\\8", "error parsing regexp: invalid escape sequence: `\\8`" },
	{ "(a)\\1", "error parsing regexp: invalid escape sequence: `\\1`" },
	{ "\\q", "error parsing regexp: invalid escape sequence: `\\q`" },
	{ "a{2,1}", "error parsing regexp: invalid repeat count: `{2,1}`" },
	{ "a{1001}", "error parsing regexp: invalid repeat count: `{1001}`" },
	{ "[z-a]", "error parsing regexp: invalid character class range: `z-a`" },
	{ "[[:foo:]]", "error parsing regexp: invalid character class range: `[:foo:]`" },
	{ "a\\", "error parsing regexp: trailing backslash at end of expression: ``" },
	{ "(?P<>a)", NULL },
	{ "\\pL", NULL },
	{ "a(?i)b", NULL },
	{ "(?i:a)b", NULL },
	{ "^*", NULL },
	{ "\\x{110000}", NULL },
	{ "\xff", NULL },
};

static void test_compile_errors(void)
{
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct sops_err err = { 0, "" };
		struct go_regex *re = go_regex_compile(bads[i].pat, &err);

		CHECKF(re == NULL, "/%s/ compiled to %s", bads[i].pat, re ? go_regex_posix(re) : "");
		CHECK(err.code == EX_ERROR);
		if (bads[i].msg != NULL)
			CHECKF(strcmp(err.msg, bads[i].msg) == 0, "got \"%.200s\"", err.msg);
		else
			CHECKF(strncmp(err.msg, "error parsing regexp: ", 22) == 0, "%.200s", err.msg);
	}
}

/* ---- the rule vectors: a key is encrypted iff the regex says so ---- */

struct walk {
	struct go_regex *re;
	int encrypted_rule;     /* 1 encrypted_regex, 0 unencrypted_regex */
	char stack[16][128];
	size_t indent[16];
	size_t depth;
	int checked;
};

/* Does the regex match any component of the path plus key? */
static int path_matches(struct walk *w, const char *key)
{
	for (size_t i = 0; i < w->depth; i++)
		if (go_regex_search_str(w->re, w->stack[i]) == 1)
			return 1;
	return go_regex_search_str(w->re, key) == 1;
}

/* One "<indent>key: value" line of a sops-written YAML file. */
static void walk_line(struct walk *w, const char *line, size_t len)
{
	size_t ind = 0, k;
	char key[128];
	const char *val;
	int enc, want;

	while (ind < len && line[ind] == ' ')
		ind++;
	if (ind == len || line[ind] == '#' || line[ind] == '-')
		return;
	for (k = ind; k < len && line[k] != ':'; k++)
		;
	if (k == len || k - ind >= sizeof(key))
		return;
	memcpy(key, line + ind, k - ind);
	key[k - ind] = '\0';
	while (w->depth > 0 && w->indent[w->depth - 1] >= ind)
		w->depth--;
	val = line + k + 1;
	if (val >= line + len) {  /* a mapping or list follows */
		CHECK(w->depth < 16);
		snprintf(w->stack[w->depth], sizeof(w->stack[0]), "%s", key);
		w->indent[w->depth++] = ind;
		return;
	}
	enc = strncmp(val, " ENC[", 5) == 0;
	want = w->encrypted_rule ? path_matches(w, key) : !path_matches(w, key);
	CHECKF(enc == want, "key %s: encrypted %d, regex says %d", key, enc, want);
	w->checked++;
}

static void walk_file(const char *dir, const char *file, const char *pat, int encrypted_rule)
{
	char path[512];
	struct sops_err err;
	struct walk w = { 0 };
	char *text, *line, *nl;

	snprintf(path, sizeof(path), "%s/interop/sops-vectors/rules/%s", dir, file);
	text = check_read_file(path, NULL);
	CHECKF(text != NULL, "cannot read %.200s", path);
	w.re = go_regex_compile(pat, &err);
	w.encrypted_rule = encrypted_rule;
	CHECK(w.re != NULL);
	for (line = text; *line != '\0' && strncmp(line, "sops:", 5) != 0; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl == NULL)
			break;
		walk_line(&w, line, (size_t)(nl - line));
	}
	CHECKF(w.checked >= 4, "%s: only %d keys checked", file, w.checked);
	go_regex_free(w.re);
	free(text);
}

static void test_rule_vectors(void)
{
	const char *dir = check_shared_dir();

	if (dir == NULL)
		SKIP("../shared not found");
	walk_file(dir, "k8s_encrypted_regex.enc.yaml", "^(data|stringData)$", 1);
	walk_file(dir, "encrypted_regex_unanchored.enc.yaml", "data", 1);
	walk_file(dir, "unencrypted_regex.enc.yaml", "^(public|.*_plain)", 0);
	walk_file(dir, "mac_only_encrypted.enc.yaml", "^(data|stringData)$", 1);
}

static void test_concurrent_use_same_regex(void)
{
	/* the compiled form is immutable: two searches in a row give the
	 * same answers (regexec keeps no state between calls) */
	struct sops_err err;
	struct go_regex *re = go_regex_compile("(?i)^[a-z]+\\.ENC\\.yaml$", &err);

	CHECK(re != NULL);
	for (int i = 0; i < 3; i++) {
		CHECK(go_regex_search_str(re, "Secrets.enc.YAML") == 1);
		CHECK(go_regex_search_str(re, "secrets/x.enc.yaml") == 0);
	}
	go_regex_free(re);
}

int main(void)
{
	RUN(test_cases);
	RUN(test_explicit_length);
	RUN(test_compile_errors);
	RUN(test_rule_vectors);
	RUN(test_concurrent_use_same_regex);
	return CHECK_DONE();
}
