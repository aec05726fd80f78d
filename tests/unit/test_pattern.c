/* test_pattern.c — the pattern language: compile errors, matching,
 * may_match_below, and bounded cost on hostile patterns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "seedfs/pattern.h"

static struct pattern *compile_len(const char *src, size_t len)
{
	struct pattern *p = NULL;
	const char *why = NULL;
	unsigned col = 0;

	if (pattern_compile(src, len, &p, &why, &col) != 0)
		fail_msg("pattern \"%s\" refused: %s at column %u", src, why,
			 col);
	return p;
}

static struct pattern *compile(const char *src)
{
	return compile_len(src, strlen(src));
}

static void expect(const char *pat, const char *path, bool is_dir, bool want)
{
	struct pattern *p = compile(pat);
	bool got = pattern_match(p, path, strlen(path), is_dir);

	pattern_free(p);
	if (got != want)
		fail_msg("pattern \"%s\" against %s \"%s\": got %s, want %s",
			 pat, is_dir ? "dir" : "file", path,
			 got ? "match" : "no match",
			 want ? "match" : "no match");
}

/* Files and directories alike. */
static void yes(const char *pat, const char *path)
{
	expect(pat, path, false, true);
	expect(pat, path, true, true);
}

static void no(const char *pat, const char *path)
{
	expect(pat, path, false, false);
	expect(pat, path, true, false);
}

static void below(const char *pat, const char *dir, bool want)
{
	struct pattern *p = compile(pat);
	bool got = pattern_may_match_below(p, dir, strlen(dir));

	pattern_free(p);
	if (got != want)
		fail_msg("may_match_below(\"%s\", \"%s\"): got %d, want %d",
			 pat, dir, got, want);
}

static void refused_len(const char *src, size_t len, const char *reason,
			unsigned column)
{
	struct pattern *p = NULL;
	const char *why = NULL;
	unsigned col = 0;
	int r = pattern_compile(src, len, &p, &why, &col);

	if (r != -22 /* EINVAL */)
		fail_msg("pattern \"%.40s\" compiled (r=%d), want \"%s\"", src,
			 r, reason);
	assert_null(p);
	if (strcmp(why, reason) != 0 || col != column)
		fail_msg(
			"pattern \"%.40s\": got \"%s\" at %u, want \"%s\" at %u",
			src, why, col, reason, column);
}

static void refused(const char *src, const char *reason, unsigned column)
{
	refused_len(src, strlen(src), reason, column);
}

static void test_basename_any_depth(void **state)
{
	(void)state;
	yes("*.pem", "a.pem");
	yes("*.pem", "skills/x/a.pem");
	no("*.pem", "a.pem.bak");
	no("*.pem", "pem");
	no("*.pem", "a.pem/x");
	yes("CLAUDE.md", "CLAUDE.md");
	yes("CLAUDE.md", "skills/x/CLAUDE.md");
	no("CLAUDE.md", "CLAUDE.mdx");
	no("CLAUDE.md", "xCLAUDE.md");
	yes(".env", "a/b/.env");
	no(".env", ".envrc");
	no(".env", ".env/x");
}

static void test_anchored(void **state)
{
	(void)state;
	yes("/CLAUDE.md", "CLAUDE.md");
	no("/CLAUDE.md", "x/CLAUDE.md");
	/* a slash in the middle anchors too */
	yes("skills/x", "skills/x");
	no("skills/x", "a/skills/x");
	no("skills/x", "skills/x/y");
	no("skills/x", "skills");
	yes("/skills/*.md", "skills/a.md");
	no("/skills/*.md", "a.md");
	yes("/a/b/c", "a/b/c");
	no("/a/b/c", "a/b/cc");
	no("/a/b/c", "a/bb/c");
}

static void test_trailing_slash_dirs_only(void **state)
{
	(void)state;
	expect("ide/", "ide", true, true);
	expect("ide/", "ide", false, false);
	expect("ide/", "x/y/ide", true, true);
	expect("ide/", "x/y/ide", false, false);
	expect("/rules/", "rules", true, true);
	expect("/rules/", "rules", false, false);
	expect("/rules/", "x/rules", true, false);
	expect("/a/*/", "a/b", true, true);
	expect("/a/*/", "a/b", false, false);
	/* without a trailing slash, both */
	yes("ide", "ide");
}

static void test_star_does_not_cross_slash(void **state)
{
	(void)state;
	no("/a*", "ab/c");
	yes("/a*", "ab");
	yes("/a*/c", "ab/c");
	no("/a*/c", "ab/x/c");
	no("/*", "a/b");
	yes("/*", "a");
	yes("/a?c", "abc");
	no("/a?c", "a/c");
	no("a?c", "a/c");
	yes("*", "x/y");
}

static void test_double_star_leading(void **state)
{
	(void)state;
	yes("**/x", "x");
	yes("**/x", "a/x");
	yes("**/x", "a/b/c/x");
	no("**/x", "a/xy");
	no("**/x", "x/a");
	yes("**/a/b", "a/b");
	yes("**/a/b", "z/y/a/b");
	no("**/a/b", "a/c/b");
	yes("/**/x", "q/x");
}

static void test_double_star_middle(void **state)
{
	(void)state;
	yes("a/**/b", "a/b");
	yes("a/**/b", "a/x/b");
	yes("a/**/b", "a/x/y/b");
	no("a/**/b", "a/bx");
	no("a/**/b", "b");
	no("a/**/b", "x/a/b");
	no("a/**/b", "a/b/c");
	yes("a/**/b/**/c", "a/b/c");
	yes("a/**/b/**/c", "a/x/b/y/z/c");
	yes("a/**/b/**/c", "a/b/b/c");
	no("a/**/b/**/c", "a/c/b");
	yes("a/**/**/b", "a/b");
	yes("a/**/**/b", "a/x/y/b");
	expect("/skills/**/.claude-plugin/", "skills/.claude-plugin", true,
	       true);
	expect("/skills/**/.claude-plugin/", "skills/x/.claude-plugin", true,
	       true);
	expect("/skills/**/.claude-plugin/", "skills/x/y/.claude-plugin", true,
	       true);
	expect("/skills/**/.claude-plugin/", "skills/x/.claude-plugin", false,
	       false);
	expect("/skills/**/.claude-plugin/", "agents/.claude-plugin", true,
	       false);
}

static void test_double_star_trailing(void **state)
{
	(void)state;
	/* everything strictly inside a, not a itself */
	yes("a/**", "a/x");
	yes("a/**", "a/x/y/z");
	no("a/**", "a");
	no("a/**", "b/x");
	no("a/**", "ab/x");
	expect("/a/**/", "a/x", true, true);
	expect("/a/**/", "a/x", false, false);
	expect("/a/**/", "a", true, false);
	yes("a/**/**", "a/x");
	no("a/**/**", "a");
	/* a lone anchored double star is everything below SOURCE */
	yes("/**", "x");
	yes("/**", "x/y");
}

static void test_double_star_not_whole_component(void **state)
{
	(void)state;
	/* like a single '*': never crosses '/' */
	yes("a**b", "ab");
	yes("a**b", "axyb");
	no("a**b", "a/b");
	yes("x/a**b", "x/aqqb");
	no("x/a**b", "x/a/b");
	yes("**foo", "xfoo");
	yes("**foo", "d/foo");
	yes("foo**/x", "foobar/x");
	no("foo**/x", "foo/bar/x");
	/* a lone "**" matches any name */
	yes("**", "x");
	yes("**", "a/b/c");
}

/* Found by tests/fuzz/fuzz_pattern: a glob component starting with a literal
 * byte used to extend the last literal op of the glob component before it,
 * so such patterns matched nothing (a silent hole in a never: list). */
static void test_adjacent_glob_components(void **state)
{
	(void)state;
	yes("/s/*.s/x*.md", "s/a.s/xyy.md");
	no("/s/*.s/x*.md", "s/a.sx/yy.md");
	yes("/skills/*-prod/secret*", "skills/a-prod/secret.txt");
	no("/skills/*-prod/secret*", "skills/a-prodsecret/.txt");
	yes("/a*b/**/c*d", "axb/cxd");
	yes("/a*b/**/c*d", "axb/y/z/cxd");
	no("/a*b/**/c*d", "axbc/xd");
	yes("**/*.d/k?y", "x/a.d/key");
	yes("/x?/y[a-c]z/w*", "xq/ybz/w");
}

static void test_classes(void **state)
{
	(void)state;
	yes("[abc].md", "b.md");
	no("[abc].md", "d.md");
	yes("[a-c]x", "bx");
	yes("[a-c]x", "cx");
	no("[a-c]x", "dx");
	no("[a-c]x", "Bx");
	yes("[!a]x", "bx");
	no("[!a]x", "ax");
	yes("[^a]x", "bx");
	no("[^a]x", "ax");
	yes("[]]", "]");
	no("[]]", "a");
	yes("[]a]", "a");
	yes("[]a]", "]");
	no("[]a]", "b");
	yes("[!]]", "a");
	no("[!]]", "]");
	yes("[a-]", "-");
	yes("[a-]", "a");
	no("[a-]", "b");
	yes("[-a]", "-");
	yes("[a-cx-z]", "y");
	no("[a-cx-z]", "m");
	yes("[\\]]", "]");
	yes("[\\!a]", "!");
	yes("[*?]", "*");
	no("[*?]", "a");
	/* only one byte per class */
	no("[ab]", "ab");
	/* a negated class still never matches '/' */
	no("/x[!a]y", "x/y");
	no("x[!a]y", "x/y");
}

static void test_escapes(void **state)
{
	(void)state;
	yes("\\*", "*");
	no("\\*", "a");
	yes("a\\?", "a?");
	no("a\\?", "ab");
	yes("\\[x]", "[x]");
	no("\\[x]", "x");
	yes("\\!x", "!x");
	yes("a\\\\b", "a\\b");
	yes("\\a\\b", "ab");
	yes("*\\*", "x*");
	no("*\\*", "xy");
	/* an escaped trailing... not '/': "a\/" is refused (see errors) */
	yes("/\\#x", "#x");
}

static void test_case_and_bytes(void **state)
{
	(void)state;
	no("CLAUDE.md", "claude.md");
	no("*.PEM", "a.pem");
	no("/Skills/", "skills");
	/* UTF-8 is bytes: '?' is one byte, 'é' is two */
	yes("café*", "café.md");
	no("caf?", "café");
	yes("caf??", "café");
	yes("caf[\xc3]\xa9", "café");
	yes("[\x80-\xff]", "\xc3");
	no("[\x80-\xff]", "a");
	no("café", "cafe\xcc\x81"); /* NFD spelling is other bytes */
}

static void test_dotfiles_match_star(void **state)
{
	(void)state;
	yes("*", ".env");
	yes("*.json", ".credentials.json");
	yes(".*", ".x");
	expect("/*/", ".git", true, true);
	yes("?env", ".env");
	yes("[.]env", ".env");
}

static void test_empty_path_never_matches(void **state)
{
	(void)state;
	no("*", "");
	no("**", "");
	no("/**", "");
	no("**/x", "");
}

static void test_text_kept(void **state)
{
	struct pattern *p = compile("/skills/**/.claude-plugin/");

	(void)state;
	assert_string_equal(pattern_text(p), "/skills/**/.claude-plugin/");
	pattern_free(p);
	p = compile_len("abc", 2);
	assert_string_equal(pattern_text(p), "ab");
	pattern_free(p);
}

static void test_may_match_below(void **state)
{
	(void)state;
	below("x", "", true);
	below("x", "any/where", true);
	below("*.md", "a", true);
	below("/CLAUDE.md", "", true);
	below("/CLAUDE.md", "skills", false);
	below("/skills/", "", true);
	below("/skills/", "skills", false);
	below("/skills/", "agents", false);
	below("skills/*/SKILL.md", "skills", true);
	below("skills/*/SKILL.md", "skills/x", true);
	below("skills/*/SKILL.md", "skills/x/y", false);
	below("skills/*/SKILL.md", "agents", false);
	below("a/**/b", "a", true);
	below("a/**/b", "a/x/y", true);
	below("a/**/b", "b", false);
	below("a/**", "a", true);
	below("a/**", "a/b", true);
	below("a/**", "c", false);
	below("**/x", "anything/at/all", true);
	below("/a/b", "a/b", false);
	below("/a/b", "a", true);
	below("/a/b", "ab", false);
	below("/a/b/", "a", true);
	below("/a/b/c", "a/b", true);
	below("/a/b/c", "a/c", false);
	below("/a*/b", "ax", true);
	below("/a*/b", "b", false);
}

static void test_errors_with_columns(void **state)
{
	char big[PATTERN_MAX_LEN + 2];

	(void)state;
	refused("", "empty pattern", 1);
	refused("/", "pattern is only '/'", 1);
	refused("!x", "negation is not supported here; use exclude:", 1);
	refused("!", "negation is not supported here; use exclude:", 1);
	refused("a[bc", "unterminated '['", 2);
	refused("x/[", "unterminated '['", 3);
	refused("[]", "unterminated '['", 1);
	refused("[!]", "unterminated '['", 1);
	refused("x[a/b]", "unterminated '['", 2);
	refused("ab\\", "trailing '\\' escapes nothing", 3);
	refused("[a\\", "unterminated '['", 1);
	refused("a//b", "empty component ('//')", 3);
	refused("//", "empty component ('//')", 2);
	refused("//a", "empty component ('//')", 2);
	refused("a//", "empty component ('//')", 3);
	refused("/a/./b", "'.' and '..' are not allowed as components", 4);
	refused("../x", "'.' and '..' are not allowed as components", 1);
	refused("a/..", "'.' and '..' are not allowed as components", 3);
	refused(".", "'.' and '..' are not allowed as components", 1);
	refused("./", "'.' and '..' are not allowed as components", 1);
	refused("a/\\.\\./b", "'.' and '..' are not allowed as components", 3);
	refused_len("a\0b", 3, "NUL byte in pattern", 2);
	refused("a\\/b", "'/' cannot be escaped: a name never contains '/'", 2);
	refused("[z-a]", "reversed range in [...]", 2);
	refused("x[ab-a]", "reversed range in [...]", 4);

	memset(big, 'a', sizeof(big));
	refused_len(big, PATTERN_MAX_LEN + 1,
		    "pattern is longer than 4095 bytes", PATTERN_MAX_LEN + 1);
}

/* The longest pattern, with the most components it can have. */
static void test_longest_pattern(void **state)
{
	char src[PATTERN_MAX_LEN + 1];
	size_t n = 0;
	struct pattern *p;

	(void)state;
	while (n + 2 <= PATTERN_MAX_LEN) {
		memcpy(src + n, "*/", 2);
		n += 2;
	}
	src[n++] = '*'; /* 2048 components, 4095 bytes */
	src[n] = '\0';
	assert_int_equal(n, PATTERN_MAX_LEN);
	p = compile_len(src, n);
	assert_true(pattern_match(p, src, n, false));
	assert_false(pattern_match(p, src, n - 2, false));
	assert_true(pattern_may_match_below(p, src, n - 2));
	pattern_free(p);

	/* '**' and a literal alternating, as many as fit: the automaton has
	 * 1,638 states and must not lose any */
	n = 0;
	while (n + 5 + 2 <= PATTERN_MAX_LEN) {
		memcpy(src + n, "**/a/", 5);
		n += 5;
	}
	size_t pairs = n / 5;
	memcpy(src + n, "**", 2);
	n += 2;
	p = compile_len(src, n);
	char *path = malloc(pairs * 2 + 2);
	assert_non_null(path);
	for (size_t i = 0; i < pairs; i++)
		memcpy(path + 2 * i, "a/", 2);
	path[2 * pairs] = 'b';
	assert_true(pattern_match(p, path, 2 * pairs + 1, false));
	assert_false(pattern_match(p, path + 2, 2 * pairs - 1, false));
	assert_true(pattern_may_match_below(p, path + 2, 2 * pairs - 1));
	pattern_free(p);
	free(path);
}

/* Hostile '**' and '*' patterns: every answer must come back (an
 * exponential matcher would not finish within the test timeout). */
static void test_hostile_patterns_are_bounded(void **state)
{
	enum { DEPTH = 1500 };
	char *path = malloc(DEPTH * 2 + 1);
	char *name = malloc(3001);
	struct pattern *p;
	size_t n = 0;

	(void)state;
	assert_non_null(path);
	assert_non_null(name);
	for (int i = 0; i < DEPTH; i++) {
		path[n++] = 'a';
		path[n++] = '/';
	}
	path[n - 1] = '\0';
	n--;

	p = compile("**/a/**/a/**/a/**/a/**/a/**/a/**/a/**/b");
	assert_false(pattern_match(p, path, n, false));
	path[n - 1] = 'b';
	assert_true(pattern_match(p, path, n, false));
	path[n - 1] = 'a';
	pattern_free(p);

	p = compile("/**/**/**/**/**/**/**/**/**/**/**/**/x");
	assert_false(pattern_match(p, path, n, false));
	assert_true(pattern_may_match_below(p, path, n));
	pattern_free(p);

	memset(name, 'a', 3000);
	name[3000] = '\0';
	p = compile("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b");
	assert_false(pattern_match(p, name, 3000, false));
	name[2999] = 'b';
	assert_true(pattern_match(p, name, 3000, false));
	pattern_free(p);

	free(path);
	free(name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basename_any_depth),
		cmocka_unit_test(test_anchored),
		cmocka_unit_test(test_trailing_slash_dirs_only),
		cmocka_unit_test(test_star_does_not_cross_slash),
		cmocka_unit_test(test_double_star_leading),
		cmocka_unit_test(test_double_star_middle),
		cmocka_unit_test(test_double_star_trailing),
		cmocka_unit_test(test_double_star_not_whole_component),
		cmocka_unit_test(test_adjacent_glob_components),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_case_and_bytes),
		cmocka_unit_test(test_dotfiles_match_star),
		cmocka_unit_test(test_empty_path_never_matches),
		cmocka_unit_test(test_text_kept),
		cmocka_unit_test(test_may_match_below),
		cmocka_unit_test(test_errors_with_columns),
		cmocka_unit_test(test_longest_pattern),
		cmocka_unit_test(test_hostile_patterns_are_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
