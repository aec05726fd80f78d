/* test_settings_sanitize.c — settings.json in sanitized mode: every stripped
 * key, permissions, env, unknown keys, strict JSON, caps, output format. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "seedfs/transform.h"

/* malloc that never returns NULL (the compiler knows abort() does not
 * return; cmocka's assertions are not marked so). */
static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p)
		abort();
	return p;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The keys issue 5 names, plus the carriers found in Claude Code's own
 * settings schema (proxyAuthHelper, mcpServers). */
static const char *const listed[] = {
	"hooks",
	"statusLine",
	"subagentStatusLine",
	"fileSuggestion",
	"processWrapper",
	"apiKeyHelper",
	"proxyAuthHelper",
	"awsAuthRefresh",
	"awsCredentialExport",
	"gcpAuthRefresh",
	"otelHeadersHelper",
	"enabledPlugins",
	"extraKnownMarketplaces",
	"pluginConfigs",
	"mcpServers",
	"enableAllProjectMcpServers",
	"enabledMcpjsonServers",
	"sandbox",
	"autoMemoryDirectory",
	"plansDirectory",
	"worktree",
	"sshConfigs",
	"remote",
};

static const char *const env_names[] = { "TZ", "LANG", "NO_COLOR" };
static const char *const safe[] = { "model", "theme", "permissions",
				    "cleanupPeriodDays", "attribution" };
static const struct settings_policy policy = { env_names, N(env_names), safe,
					       N(safe) };

/* Re-parses out with json-c's strict parser: the served bytes are JSON. */
static struct json_object *reparse(const char *out, size_t len)
{
	struct json_tokener *tok = json_tokener_new_ex(2 * SETTINGS_MAX_DEPTH);
	struct json_object *o;

	assert_non_null(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, out, (int)len);
	if (!o || json_tokener_get_parse_end(tok) != len)
		fail_msg("output is not one JSON value: %s", out);
	json_tokener_free(tok);
	assert_true(json_object_is_type(o, json_type_object));
	return o;
}

/* Sanitizes json with pol; expects success and returns the output (to
 * free), checked to be JSON with one trailing newline. */
static char *ok_with(const struct settings_policy *pol, const char *json)
{
	char why[TRANSFORM_WHY_MAX] = "", *out = NULL, *again = NULL;
	size_t len = 0, len2 = 0;
	int r;

	r = settings_sanitize(pol, json, strlen(json), &out, &len, why,
			      sizeof(why));
	if (r != 0)
		fail_msg("sanitize failed (%d): %s\ninput: %s", r, why, json);
	assert_non_null(out);
	assert_int_equal(strlen(out), len);
	assert_true(len >= 3);
	assert_int_equal(out[len - 1], '\n');
	assert_int_not_equal(out[len - 2], '\n');
	json_object_put(reparse(out, len));
	/* deterministic */
	assert_int_equal(settings_sanitize(pol, json, strlen(json), &again,
					   &len2, why, sizeof(why)),
			 0);
	assert_int_equal(len, len2);
	assert_memory_equal(out, again, len);
	free(again);
	return out;
}

static char *ok(const char *json)
{
	return ok_with(&policy, json);
}

static void expect_out(const char *json, const char *want)
{
	char *out = ok(json);

	if (strcmp(out, want) != 0)
		fail_msg("input: %s\ngot:\n%s\nwant:\n%s", json, out, want);
	free(out);
}

/* Expects -EINVAL with why containing what. */
static void bad_len(const char *json, size_t len, const char *what)
{
	char why[TRANSFORM_WHY_MAX] = "", *out = (char *)1;
	size_t olen = 1;
	int r;

	r = settings_sanitize(&policy, json, len, &out, &olen, why,
			      sizeof(why));
	if (r != -EINVAL || !strstr(why, what))
		fail_msg("got %d \"%s\", want -EINVAL \"...%s...\" for %.200s",
			 r, why, what, json);
	assert_null(out);
	assert_int_equal(olen, 0);
}

static void bad(const char *json, const char *what)
{
	bad_len(json, strlen(json), what);
}

/* ---- stripped keys ------------------------------------------------------ */

static void test_every_listed_key_removed(void **state)
{
	/* even a policy that names them all as safe cannot keep them */
	const char *all_safe[N(listed) + 2];
	struct settings_policy pol = { env_names, N(env_names), all_safe, 0 };
	char json[4096], *out;
	size_t used;

	(void)state;
	for (size_t i = 0; i < N(listed); i++)
		all_safe[pol.nsafe_keys++] = listed[i];
	all_safe[pol.nsafe_keys++] = "env";
	all_safe[pol.nsafe_keys++] = "model";
	used = (size_t)snprintf(json, sizeof(json), "{");
	for (size_t i = 0; i < N(listed); i++)
		used += (size_t)snprintf(
			json + used, sizeof(json) - used,
			"\"%s\": {\"command\": \"rm -rf /\"}, ", listed[i]);
	snprintf(json + used, sizeof(json) - used, "\"model\": \"opus\"}");
	out = ok_with(&pol, json);
	assert_string_equal(out, "{\n  \"model\": \"opus\"\n}\n");
	free(out);
	for (size_t i = 0; i < N(listed); i++) {
		assert_true(settings_key_is_stripped(listed[i]));
		/* each one alone too, whatever its value */
		snprintf(json, sizeof(json), "{\"%s\": true}", listed[i]);
		out = ok_with(&pol, json);
		assert_string_equal(out, "{}\n");
		free(out);
	}
	assert_true(settings_key_is_stripped("env"));
	assert_false(settings_key_is_stripped("model"));
	assert_false(settings_key_is_stripped("permissions"));
	assert_false(settings_key_is_stripped("Hooks"));
}

static void test_escaped_and_duplicate_keys(void **state)
{
	(void)state;
	/* an escaped key is the same key */
	expect_out("{\"\\u0068ooks\": {\"Stop\": []}, \"mod\\u0065l\": \"x\"}",
		   "{\n  \"model\": \"x\"\n}\n");
	/* duplicates: the last value (as JSON.parse), at the first place */
	expect_out("{\"theme\": \"a\", \"hooks\": 1, \"model\": \"m\", "
		   "\"hooks\": 2, \"theme\": \"b\"}",
		   "{\n  \"theme\": \"b\",\n  \"model\": \"m\"\n}\n");
}

/* ---- permissions -------------------------------------------------------- */

static void test_permissions_filtered(void **state)
{
	(void)state;
	expect_out("{\"permissions\": {"
		   "\"allow\": [\"Bash(curl -H 'Authorization: x':*)\"], "
		   "\"ask\": [\"Bash(git push:*)\"], "
		   "\"additionalDirectories\": [\"/home/me/secret\"], "
		   "\"deny\": [\"Read(./.env)\"], "
		   "\"disableBypassPermissionsMode\": \"disable\", "
		   "\"defaultMode\": \"acceptEdits\"}}",
		   "{\n"
		   "  \"permissions\": {\n"
		   "    \"ask\": [\n"
		   "      \"Bash(git push:*)\"\n"
		   "    ],\n"
		   "    \"deny\": [\n"
		   "      \"Read(./.env)\"\n"
		   "    ],\n"
		   "    \"defaultMode\": \"acceptEdits\"\n"
		   "  }\n"
		   "}\n");
	/* nothing left: no permissions key at all */
	expect_out("{\"permissions\": {\"allow\": [\"Bash(x)\"], "
		   "\"additionalDirectories\": [\"/x\"]}, \"model\": \"m\"}",
		   "{\n  \"model\": \"m\"\n}\n");
	expect_out("{\"permissions\": {}}", "{}\n");
	/* not an object: dropped */
	expect_out("{\"permissions\": [\"allow\"]}", "{}\n");
	expect_out("{\"permissions\": \"allow\"}", "{}\n");
	/* a nested allow inside a kept sub-key is only data of that key */
	expect_out("{\"permissions\": {\"deny\": {\"allow\": 1}}}",
		   "{\n  \"permissions\": {\n    \"deny\": {\n"
		   "      \"allow\": 1\n    }\n  }\n}\n");
}

static void test_permissions_need_to_be_safe(void **state)
{
	static const char *const only_model[] = { "model" };
	struct settings_policy pol = { NULL, 0, only_model, 1 };
	char *out;

	(void)state;
	out = ok_with(&pol, "{\"permissions\": {\"deny\": [\"x\"]}}");
	assert_string_equal(out, "{}\n");
	free(out);
}

/* ---- env ---------------------------------------------------------------- */

static void test_env_allowlist(void **state)
{
	(void)state;
	expect_out("{\"env\": {\"ANTHROPIC_API_KEY\": \"sk-ant-secret\", "
		   "\"TZ\": \"Europe/Paris\", \"HTTPS_PROXY\": \"http://p\", "
		   "\"LANG\": \"C.UTF-8\", \"CLAUDE_CONFIG_DIR\": \"/x\", "
		   "\"tz\": \"lower\"}}",
		   "{\n  \"env\": {\n    \"TZ\": \"Europe/Paris\",\n"
		   "    \"LANG\": \"C.UTF-8\"\n  }\n}\n");
	/* nothing allowed: no env key */
	expect_out("{\"env\": {\"AWS_BEARER_TOKEN_BEDROCK\": \"t\"}, "
		   "\"model\": \"m\"}",
		   "{\n  \"model\": \"m\"\n}\n");
	expect_out("{\"env\": {}}", "{}\n");
	expect_out("{\"env\": \"TZ=UTC\"}", "{}\n");
	expect_out("{\"env\": [\"TZ\"]}", "{}\n");
}

static void test_env_refused_even_when_allowed(void **state)
{
	static const char *const allow[] = { "ANTHROPIC_API_KEY", "GH_TOKEN",
					     "http_proxy", "TZ" };
	struct settings_policy pol = { allow, N(allow), NULL, 0 };
	char *out;

	(void)state;
	out = ok_with(&pol, "{\"env\": {\"ANTHROPIC_API_KEY\": \"k\", "
			    "\"GH_TOKEN\": \"t\", \"http_proxy\": \"p\", "
			    "\"TZ\": \"UTC\"}}");
	assert_string_equal(out,
			    "{\n  \"env\": {\n    \"TZ\": \"UTC\"\n  }\n}\n");
	free(out);
}

static void test_env_name_refusal(void **state)
{
	static const char *const refused[] = {
		"ANTHROPIC_API_KEY",
		"ANTHROPIC_AUTH_TOKEN",
		"ANTHROPIC_BASE_URL",
		"ANTHROPIC_MODEL",
		"AWS_BEARER_TOKEN_BEDROCK",
		"AWS_PROFILE",
		"OTEL_EXPORTER_OTLP_HEADERS",
		"HTTPS_PROXY",
		"http_proxy",
		"NO_PROXY",
		"CLAUDE_CONFIG_DIR",
		"GITHUB_TOKEN",
		"GH_TOKEN",
		"NPM_TOKEN",
		"TOKEN",
		"MY_SECRET_THING",
		"DB_PASSWORD",
		"OPENAI_API_KEY",
		"SSH_AUTH_SOCK",
		"NODE_OPTIONS",
		"LD_PRELOAD",
		"PATH",
		"SHELL",
		"BASH_ENV",
		"PYTHONPATH",
		"XDG_CONFIG_HOME",
		"NODE_EXTRA_CA_CERTS",
		"SOME_CACHE_DIR",
		"GOOGLE_APPLICATION_CREDENTIALS",
		"",
		"A_TOKEN_B",
	};
	static const char *const fine[] = {
		"TZ",
		"LANG",
		"LC_ALL",
		"NO_COLOR",
		"FORCE_COLOR",
		"DISABLE_TELEMETRY",
		"DISABLE_AUTOUPDATER",
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
		"MAX_THINKING_TOKENS",
		"CLAUDE_CODE_MAX_OUTPUT_TOKENS",
		"BASH_DEFAULT_TIMEOUT_MS",
		"DO_NOT_TRACK",
	};

	(void)state;
	for (size_t i = 0; i < N(refused); i++)
		if (!settings_env_name_refused(refused[i]))
			fail_msg("\"%s\" is not refused", refused[i]);
	for (size_t i = 0; i < N(fine); i++)
		if (settings_env_name_refused(fine[i]))
			fail_msg("\"%s\" is refused", fine[i]);
}

/* ---- unknown keys ------------------------------------------------------- */

static void test_unknown_keys_dropped_unless_safe(void **state)
{
	(void)state;
	/* input order kept, not the policy's */
	expect_out(
		"{\"theme\": \"dark\", \"someNewKey\": {\"command\": \"x\"}, "
		"\"cleanupPeriodDays\": 7, \"Model\": \"y\", "
		"\"model\": \"claude-opus\", \"defaultShell\": \"bash\"}",
		"{\n  \"theme\": \"dark\",\n  \"cleanupPeriodDays\": 7,\n"
		"  \"model\": \"claude-opus\"\n}\n");
	/* an empty policy keeps nothing */
	{
		struct settings_policy none = { NULL, 0, NULL, 0 };
		char *out = ok_with(&none, "{\"model\": \"m\", \"env\": "
					   "{\"TZ\": \"UTC\"}}");
		assert_string_equal(out, "{}\n");
		free(out);
	}
}

/* ---- values and format -------------------------------------------------- */

static void test_values_round_trip(void **state)
{
	const char *json =
		"{\"attribution\": {\"commit\": \"Co-authored: \\\"me\\\" \\\\ "
		"\\n\\t\\u0001\\u00e9\\ud83d\\ude00 </x>\", \"pr\": \"\"}, "
		"\"cleanupPeriodDays\": 2.50, \"theme\": null, "
		"\"model\": [true, false, -1, 1e3, 12345678901234, [], {}]}";
	struct json_object *in, *out_o;
	char *out;

	(void)state;
	out = ok(json);
	assert_non_null(strstr(out, "\"cleanupPeriodDays\": 2.50"));
	assert_non_null(strstr(out, "1e3"));
	assert_non_null(strstr(out, "\\\"me\\\" \\\\ \\n\\t\\u0001"));
	assert_non_null(strstr(out, "\xc3\xa9\xf0\x9f\x98\x80 </x>"));
	assert_non_null(strstr(out, "[]"));
	assert_non_null(strstr(out, "{}"));
	in = json_tokener_parse(json);
	out_o = reparse(out, strlen(out));
	assert_non_null(in);
	assert_true(json_object_equal(in, out_o));
	json_object_put(in);
	json_object_put(out_o);
	free(out);
}

static void test_exact_format(void **state)
{
	(void)state;
	expect_out("{}", "{}\n");
	expect_out(" \r\n\t{ \"hooks\" : {} } \n\n", "{}\n");
	expect_out("{\"model\":\"m\",\"theme\":{\"a\":[1,{\"b\":[]}]}}",
		   "{\n"
		   "  \"model\": \"m\",\n"
		   "  \"theme\": {\n"
		   "    \"a\": [\n"
		   "      1,\n"
		   "      {\n"
		   "        \"b\": []\n"
		   "      }\n"
		   "    ]\n"
		   "  }\n"
		   "}\n");
}

/* ---- invalid input ------------------------------------------------------ */

static void test_invalid_json(void **state)
{
	(void)state;
	bad("", "invalid JSON at line 1: unexpected end of input");
	bad("  \n ", "invalid JSON at line 2: unexpected end of input");
	bad("{\"model\": \"m\",\n", "invalid JSON at line 2");
	bad("{\"model\": \"m\",}", "invalid JSON at line 1");
	bad("{\n\"a\": 1,\n\"b\": 2,\n}", "invalid JSON at line 4");
	bad("{'model': 'm'}", "invalid JSON at line 1: unexpected character");
	bad("{\"a\": NaN}", "invalid JSON");
	bad("{\"a\": -Infinity}", "invalid JSON");
	bad("{\"a\": nan}", "invalid JSON");
	bad("{\"a\": 1 /* c */}", "invalid JSON");
	bad("{\"a\": 1} // c", "invalid JSON");
	bad("{\"a\": \"x\ny\"}", "control character in a string");
	bad("{\"a\": \"\\u0000\"}", "\\u0000");
	bad("{\"hooks\\u0000\": 1}", "\\u0000");
	bad("{\"a\": 1}\n{\"b\": 2}", "invalid JSON at line 2");
	bad("{\"a\": 1} x", "invalid JSON");
	bad("{\"a\": \"\xff\"}", "invalid JSON");
	bad("{\"a\": 01}", "invalid JSON");
	bad("{\"a\": TRUE}", "invalid JSON");
	bad("{a: 1}", "invalid JSON");
	bad("{\"a\" 1}", "invalid JSON");
	bad_len("{\"a\": 1}\0", 9, "invalid JSON");
	bad_len("{\"a\":\0 1}", 9, "invalid JSON");
	bad("[]", "top level is not an object");
	bad("[{\"model\": \"m\"}]", "top level is not an object");
	bad("\"x\"", "top level is not an object");
	bad("12", "top level is not an object");
	bad("null", "top level is not an object");
}

/* Found by tests/fuzz/fuzz_settings: json-c (strict) takes numbers that
 * JSON.parse refuses, and "1.", "1.e5" and "00.5" were copied to the
 * output as they are, which made it invalid JSON. */
static void test_numbers_as_json_parse_reads_them(void **state)
{
	char *out;

	(void)state;
	bad("{\"model\": 1.}", "invalid JSON at line 1: invalid number");
	bad("{\"model\": 1.e5}", "invalid number");
	bad("{\"model\": 00.5}", "invalid number");
	bad("{\"model\": 00002403557961439490620.778}", "invalid number");
	bad("{\"model\": -01}", "invalid number");
	bad("{\"model\": +1}", "invalid JSON");
	bad("{\"model\": .5}", "invalid JSON");
	bad("{\"model\": 1e}", "invalid number");
	bad("{\"model\": 1e+}", "invalid number");
	bad("{\"model\": -}", "invalid number");
	bad("{\"model\": 1E5E5}", "invalid number");
	bad("{\"model\": 0x10}", "invalid JSON");
	bad("{\"model\": [1,-]}", "invalid number");
	out = ok("{\"model\": [0, -0, 1.5e3, 1E5, -0.0e+1, 10, 2.50, 1e-2]}");
	assert_non_null(strstr(out, "1.5e3"));
	assert_non_null(strstr(out, "-0.0e+1"));
	free(out);
}

/* Found by tests/fuzz/fuzz_settings: json-c's UTF-8 check lets overlong
 * forms, surrogates and code points past U+10FFFF through, and strings are
 * copied to the output as they are. */
static void test_ill_formed_utf8_refused(void **state)
{
	char *out;

	(void)state;
	bad("{\"model\": \"\xc0\x90\"}",
	    "invalid JSON at line 1: invalid UTF-8");
	bad("{\"model\": \"\xc1\xbf\"}", "invalid UTF-8");
	bad("{\"model\": \"\xe0\x80\x80\"}", "invalid UTF-8");
	bad("{\"model\": \"\xed\xa0\x80\"}", "invalid UTF-8");
	bad("{\"model\": \"\xf0\x80\x80\x80\"}", "invalid UTF-8");
	bad("{\"model\": \"\xf4\x90\x80\x80\"}", "invalid UTF-8");
	bad("{\"model\": \"\xf5\x80\x80\x80\"}", "invalid UTF-8");
	bad("{\"model\": \"\xc3\"}", "invalid UTF-8");
	bad("{\"mo\xc3\"}", "invalid UTF-8");
	out = ok("{\"model\": \"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 "
		 "\xed\x9f\xbf \xee\x80\x80 \xf4\x8f\xbf\xbf\"}");
	assert_non_null(strstr(out, "\xf4\x8f\xbf\xbf"));
	free(out);
}

static void test_size_cap(void **state)
{
	size_t len = SETTINGS_MAX_BYTES;
	char *json = xmalloc(len + 2), *out = NULL;
	char why[TRANSFORM_WHY_MAX];
	size_t olen;

	(void)state;
	/* exactly at the cap: fine */
	memcpy(json, "{\"model\": \"", 11);
	memset(json + 11, 'a', len - 13);
	memcpy(json + len - 2, "\"}", 2);
	assert_int_equal(settings_sanitize(&policy, json, len, &out, &olen, why,
					   sizeof(why)),
			 0);
	assert_true(olen > len);
	free(out);
	/* one byte more: refused */
	json[len] = ' ';
	bad_len(json, len + 1, "larger than 1048576 bytes");
	free(json);
}

static char *nested(unsigned levels, const char *key)
{
	/* {"model": [[[...1...]]]}: levels of nesting in all */
	size_t n = 16 + strlen(key) + 2 * levels;
	char *s = xmalloc(n), *p = s;

	p += sprintf(p, "{\"%s\": ", key);
	for (unsigned i = 1; i < levels; i++)
		*p++ = '[';
	*p++ = '1';
	for (unsigned i = 1; i < levels; i++)
		*p++ = ']';
	*p++ = '}';
	*p = '\0';
	return s;
}

static void test_depth_cap(void **state)
{
	char *s, *out;

	(void)state;
	s = nested(SETTINGS_MAX_DEPTH, "model");
	out = ok(s);
	free(out);
	free(s);
	s = nested(SETTINGS_MAX_DEPTH + 1, "model");
	bad(s, "nested deeper than 32 levels at line 1");
	free(s);
	/* deep in a stripped key: still an error, not a crash */
	s = nested(100000, "hooks");
	bad(s, "nested deeper");
	free(s);
}

static void test_huge_valid_output_is_capped(void **state)
{
	/* many elements nested at the maximum depth would pretty-print to
	 * more than SETTINGS_MAX_OUTPUT: an error, not a huge file */
	size_t len = SETTINGS_MAX_BYTES - 64, pos = 0;
	char *json = xmalloc(len + 1);

	(void)state;
	pos += (size_t)sprintf(json, "{\"model\":");
	for (int i = 0; i < SETTINGS_MAX_DEPTH - 2; i++)
		json[pos++] = '[';
	while (pos < len - 2 * SETTINGS_MAX_DEPTH) {
		json[pos++] = '1';
		json[pos++] = ',';
	}
	json[pos++] = '1';
	for (int i = 0; i < SETTINGS_MAX_DEPTH - 2; i++)
		json[pos++] = ']';
	json[pos++] = '}';
	bad_len(json, pos, "sanitized settings larger than");
	free(json);
}

static void test_why_buffer_and_errors(void **state)
{
	char why[16], *out = NULL;
	size_t olen = 0;

	(void)state;
	/* a short reason buffer is filled, NUL-terminated */
	assert_int_equal(settings_sanitize(&policy, "[", 1, &out, &olen, why,
					   sizeof(why)),
			 -EINVAL);
	assert_int_equal(strlen(why), sizeof(why) - 1);
	assert_int_equal(settings_sanitize(&policy, "[", 1, &out, &olen, NULL,
					   0),
			 -EINVAL);
	assert_null(out);
}

static void test_transform_apply(void **state)
{
	char why[TRANSFORM_WHY_MAX], *out = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(transform_apply(TRANSFORM_NONE, NULL, "{\"hooks\":1}",
					 11, &out, &len, why, sizeof(why)),
			 0);
	assert_int_equal(len, 11);
	assert_string_equal(out, "{\"hooks\":1}");
	free(out);
	assert_int_equal(transform_apply(TRANSFORM_SETTINGS, &policy,
					 "{\"hooks\":1}", 11, &out, &len, why,
					 sizeof(why)),
			 0);
	assert_string_equal(out, "{}\n");
	free(out);
	assert_int_equal(transform_apply(TRANSFORM_SETTINGS, NULL,
					 "{\"model\":1}", 11, &out, &len, why,
					 sizeof(why)),
			 0);
	assert_string_equal(out, "{}\n");
	free(out);
	assert_int_equal(transform_apply(TRANSFORM_NONE, NULL, NULL, 0, &out,
					 &len, why, sizeof(why)),
			 0);
	assert_int_equal(len, 0);
	assert_string_equal(out, "");
	free(out);
	assert_string_equal(transform_name(TRANSFORM_SETTINGS), "settings");
	assert_string_equal(transform_name(TRANSFORM_SKILL_FM),
			    "skill-frontmatter");
	assert_string_equal(transform_name(TRANSFORM_AGENT_FM),
			    "agent-frontmatter");
	assert_string_equal(transform_name(TRANSFORM_NONE), "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_listed_key_removed),
		cmocka_unit_test(test_escaped_and_duplicate_keys),
		cmocka_unit_test(test_permissions_filtered),
		cmocka_unit_test(test_permissions_need_to_be_safe),
		cmocka_unit_test(test_env_allowlist),
		cmocka_unit_test(test_env_refused_even_when_allowed),
		cmocka_unit_test(test_env_name_refusal),
		cmocka_unit_test(test_unknown_keys_dropped_unless_safe),
		cmocka_unit_test(test_values_round_trip),
		cmocka_unit_test(test_exact_format),
		cmocka_unit_test(test_invalid_json),
		cmocka_unit_test(test_numbers_as_json_parse_reads_them),
		cmocka_unit_test(test_ill_formed_utf8_refused),
		cmocka_unit_test(test_size_cap),
		cmocka_unit_test(test_depth_cap),
		cmocka_unit_test(test_huge_valid_output_is_capped),
		cmocka_unit_test(test_why_buffer_and_errors),
		cmocka_unit_test(test_transform_apply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
