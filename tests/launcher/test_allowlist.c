/* Unit tests: host patterns and allowlist files (allowlist.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "claude-sbx/allowlist.h"

static void ok(const char *in, const char *want)
{
	char out[512];
	const char *why = NULL;
	if (sbx_host_normalize(in, out, sizeof(out), &why) != 0)
		fail_msg("%s rejected: %s", in, why);
	assert_string_equal(out, want);
}

static void bad(const char *in, const char *why_part)
{
	char out[512];
	const char *why = NULL;
	if (sbx_host_normalize(in, out, sizeof(out), &why) == 0)
		fail_msg("%s accepted", in);
	if (!strstr(why, why_part))
		fail_msg("%s: %s (wanted %s)", in, why, why_part);
}

static void test_patterns(void **state)
{
	(void)state;
	ok("api.anthropic.com", "api.anthropic.com");
	ok("API.Anthropic.COM", "api.anthropic.com");
	ok("*.sentry.io", "*.sentry.io");
	ok("localhost", "localhost");
	ok("example.com:8443", "example.com:8443");
	ok("*.corp.example:443", "*.corp.example:443");
	ok("10.0.0.1", "10.0.0.1");
	ok("xn--bcher-kva.example", "xn--bcher-kva.example");
	bad("", "empty");
	bad("**", "allow-all");
	bad("*", "allow-all");
	bad("foo..bar", "empty label");
	bad(".foo", "empty label");
	bad("foo.", "empty label");
	bad("-foo.com", "'-'");
	bad("foo-.com", "'-'");
	bad("a*.com", "'*'");
	bad("*foo.com", "'*'");
	bad("foo.*.com", "'*'");
	bad("*.", "no host");
	bad("under_score.com", "not allowed");
	bad("https://x.com", "port is not a number");
	bad("x.com/path", "not allowed");
	bad("x.com:", "empty port");
	bad("x.com:0", "out of range");
	bad("x.com:65536", "out of range");
	bad("x.com:99999999999", "out of range");
	bad("[::1]", "IPv6");
	bad("::1", "IPv6");
	char longlabel[80];
	memset(longlabel, 'a', 64);
	strcpy(longlabel + 64, ".com");
	bad(longlabel, "63");
	char longhost[300] = "";
	for (int i = 0; i < 51; i++)
		strcat(longhost, "abcd.");
	strcat(longhost, "com");
	bad(longhost, "long");
}

static void test_parse(void **state)
{
	(void)state;
	struct strv set = { 0 };
	struct sbx_err err = { 0 };
	const char *t =
		"# header\n\n  api.example.com  \r\nfoo.example.com # trailing\n"
		"API.example.com\n\t*.cdn.example:443\n# end";
	assert_int_equal(sbx_allowlist_parse("l.txt", t, strlen(t), &set, &err),
			 0);
	assert_int_equal(set.n, 3);
	assert_string_equal(set.v[0], "api.example.com");
	assert_string_equal(set.v[1], "foo.example.com");
	assert_string_equal(set.v[2], "*.cdn.example:443");

	const char *b = "ok.example\n\nbad..example\n";
	assert_int_equal(sbx_allowlist_parse("l.txt", b, strlen(b), &set, &err),
			 -1);
	assert_int_equal(err.status, 2);
	assert_string_equal(
		err.msg,
		"l.txt:3: bad host pattern \"bad..example\": empty label (\"..\", leading or trailing dot)");
	assert_int_equal(set.n, 3); /* unchanged, ok.example not added */

	const char *two = "a.example b.example\n";
	assert_int_equal(
		sbx_allowlist_parse("m.txt", two, strlen(two), &set, &err), -1);
	assert_non_null(strstr(err.msg, "m.txt:1: one host pattern a line"));
	const char nul[] = "a.example\nb\0c\n";
	assert_int_equal(sbx_allowlist_parse("n.txt", nul, sizeof(nul) - 1,
					     &set, &err),
			 -1);
	assert_non_null(strstr(err.msg, "n.txt:2: NUL"));
	strv_free(&set);
}

static void test_shipped_lists_are_valid(void **state)
{
	(void)state;
	const char *names[] = { "claude-code", "npm", "pypi", "github" };
	struct strv all = { 0 };
	for (size_t i = 0; i < 4; i++) {
		char path[512];
		struct strv set = { 0 };
		struct sbx_err err = { 0 };
		snprintf(path, sizeof(path), "%s/%s.txt", ALLOWLIST_DIR,
			 names[i]);
		if (sbx_allowlist_load(path, &set, &err) != 0)
			fail_msg("%s", err.msg);
		assert_true(set.n > 0);
		strv_extend(&all, &set);
		strv_free(&set);
	}
	assert_true(strv_contains(&all, "api.anthropic.com"));
	assert_true(strv_contains(&all, "registry.npmjs.org"));
	assert_true(strv_contains(&all, "pypi.org"));
	assert_true(strv_contains(&all, "github.com"));
	strv_free(&all);
	struct strv s = { 0 };
	struct sbx_err err = { 0 };
	assert_int_equal(sbx_allowlist_load("/nonexistent.txt", &s, &err), -1);
	assert_int_equal(err.status, 2);
	assert_int_equal(sbx_allowlist_load("/tmp", &s, &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_shipped_lists_are_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
