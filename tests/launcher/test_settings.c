/* Unit tests: the settings mode and the settings.json merge (settings.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claude-sbx/settings.h"

/* sbx's own file inside a fresh sandbox */
static const char sbx_file[] =
	"{\"apiKeyHelper\": \"echo sbx-proxy-placeholder\",\n"
	" \"permissions\": {\"defaultMode\": \"acceptEdits\", \"deny\": [\"Read(/etc/shadow)\"]},\n"
	" \"env\": {\"SBX_PROXY\": \"1\"}}\n";

static json_object *parse(const char *text)
{
	json_object *o = json_tokener_parse(text);
	if (!o)
		fail_msg("not JSON: %s", text);
	return o;
}

/* The value at a dotted path, or NULL. */
static json_object *at(json_object *o, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *save = NULL, *k = strtok_r(buf, ".", &save); k && o;
	     k = strtok_r(NULL, ".", &save)) {
		json_object *v = NULL;
		if (!json_object_object_get_ex(o, k, &v))
			return NULL;
		o = v;
	}
	return o;
}

static const char *str_at(json_object *o, const char *path)
{
	json_object *v = at(o, path);
	return v && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

static bool listed(const struct strv *s, const char *x)
{
	return strv_contains(s, x);
}

static void merge(const char *cur, const char *served, const char *record,
		  enum sbx_settings_mode mode, struct sbx_settings_merge *m)
{
	struct sbx_err err = { 0 };
	int rc = sbx_settings_merge(cur, cur ? strlen(cur) : 0, served,
				    served ? strlen(served) : 0, record,
				    record ? strlen(record) : 0, mode, m, &err);
	if (rc != 0)
		fail_msg("merge failed: %s", err.msg);
}

static const char host_file[] =
	"{\"model\": \"claude-host-model\",\n"
	" \"theme\": \"dark\",\n"
	" \"apiKeyHelper\": \"echo host-secret\",\n"
	" \"awsAuthRefresh\": \"aws sso login\",\n"
	" \"hooks\": {\"Stop\": [{\"hooks\": [{\"type\": \"command\", \"command\": \"touch /x\"}]}]},\n"
	" \"statusLine\": {\"type\": \"command\", \"command\": \"x\"},\n"
	" \"enabledPlugins\": {\"p@m\": true},\n"
	" \"permissions\": {\"deny\": [\"Bash(rm -rf:*)\", \"Read(/etc/shadow)\"],\n"
	"                 \"allow\": [\"Bash(curl -H secret)\"],\n"
	"                 \"additionalDirectories\": [\"/home/me\"], \"ask\": [\"Bash(git push:*)\"]},\n"
	" \"env\": {\"TZ\": \"Europe/Paris\", \"SBX_PROXY\": \"host\"}}\n";

static void test_sanitized_merge(void **state)
{
	(void)state;
	struct sbx_settings_merge m;
	merge(sbx_file, host_file, NULL, SBX_SETTINGS_SANITIZED, &m);
	json_object *o = parse(m.settings);
	/* sbx's keys stay */
	assert_string_equal(str_at(o, "apiKeyHelper"),
			    "echo sbx-proxy-placeholder");
	assert_string_equal(str_at(o, "permissions.defaultMode"),
			    "acceptEdits");
	assert_string_equal(str_at(o, "env.SBX_PROXY"), "1");
	assert_true(listed(&m.kept, "env.SBX_PROXY"));
	/* served preferences arrive */
	assert_string_equal(str_at(o, "model"), "claude-host-model");
	assert_string_equal(str_at(o, "theme"), "dark");
	assert_string_equal(str_at(o, "env.TZ"), "Europe/Paris");
	/* lists are united, without duplicates */
	json_object *deny = at(o, "permissions.deny");
	assert_non_null(deny);
	assert_int_equal(json_object_array_length(deny), 2);
	assert_string_equal(
		json_object_get_string(json_object_array_get_idx(deny, 0)),
		"Read(/etc/shadow)");
	assert_non_null(at(o, "permissions.ask"));
	/* what runs commands or carries secrets does not */
	for (const char *const *k =
		     (const char *const[]){
			     "hooks", "statusLine", "enabledPlugins",
			     "awsAuthRefresh", "permissions.allow",
			     "permissions.additionalDirectories", NULL };
	     *k; k++) {
		assert_null(at(o, *k));
		assert_true(listed(&m.refused, *k));
	}
	assert_true(listed(&m.refused, "apiKeyHelper"));
	assert_null(strstr(m.settings, "host-secret"));
	assert_null(strstr(m.settings, "touch /x"));
	assert_true(listed(&m.merged, "model"));
	assert_false(listed(&m.merged, "hooks"));
	json_object_put(o);
	sbx_settings_merge_free(&m);
}

static void test_raw_merge(void **state)
{
	(void)state;
	struct sbx_settings_merge m;
	merge(sbx_file, host_file, NULL, SBX_SETTINGS_RAW, &m);
	json_object *o = parse(m.settings);
	assert_non_null(at(o, "hooks.Stop"));
	assert_non_null(at(o, "statusLine"));
	assert_non_null(at(o, "permissions.allow"));
	/* sbx owns authentication in every mode */
	assert_string_equal(str_at(o, "apiKeyHelper"),
			    "echo sbx-proxy-placeholder");
	assert_null(at(o, "awsAuthRefresh"));
	assert_true(listed(&m.refused, "apiKeyHelper"));
	assert_false(listed(&m.refused, "hooks"));
	json_object_put(o);
	sbx_settings_merge_free(&m);
}

static void test_second_merge_puts_back(void **state)
{
	(void)state;
	struct sbx_settings_merge m1, m2, m3;
	merge(sbx_file,
	      "{\"model\": \"m1\", \"theme\": \"dark\", \"env\": {\"TZ\": \"UTC\"},"
	      " \"permissions\": {\"defaultMode\": \"plan\"}}",
	      NULL, SBX_SETTINGS_SANITIZED, &m1);
	json_object *o = parse(m1.settings);
	assert_string_equal(str_at(o, "permissions.defaultMode"), "plan");
	json_object_put(o);

	/* the host dropped model, permissions and env, changed the theme */
	merge(m1.settings, "{\"theme\": \"light\"}", m1.record,
	      SBX_SETTINGS_SANITIZED, &m2);
	o = parse(m2.settings);
	assert_null(at(o, "model"));
	assert_string_equal(str_at(o, "theme"), "light");
	/* what sbx had there before the first merge is back */
	assert_string_equal(str_at(o, "permissions.defaultMode"),
			    "acceptEdits");
	assert_string_equal(str_at(o, "env.SBX_PROXY"), "1");
	assert_null(at(o, "env.TZ"));
	assert_string_equal(str_at(o, "apiKeyHelper"),
			    "echo sbx-proxy-placeholder");
	assert_true(listed(&m2.reverted, "model"));
	assert_true(listed(&m2.reverted, "permissions"));
	assert_false(listed(&m2.reverted, "theme"));
	json_object_put(o);

	/* a value changed inside the sandbox since the merge is left alone;
	 * no view any more: the rest is put back */
	char *edited = strdup(m2.settings);
	char *p = strstr(edited, "\"light\"");
	assert_non_null(p);
	memcpy(p, "\"LIGHT\"", 7);
	merge(edited, NULL, m2.record, SBX_SETTINGS_SANITIZED, &m3);
	o = parse(m3.settings);
	assert_string_equal(str_at(o, "theme"), "LIGHT");
	assert_int_equal(m3.merged.n, 0);
	json_object_put(o);
	free(edited);
	sbx_settings_merge_free(&m1);
	sbx_settings_merge_free(&m2);
	sbx_settings_merge_free(&m3);
}

static void test_same_merge_is_stable(void **state)
{
	(void)state;
	struct sbx_settings_merge m1, m2;
	merge(sbx_file, host_file, NULL, SBX_SETTINGS_SANITIZED, &m1);
	merge(m1.settings, host_file, m1.record, SBX_SETTINGS_SANITIZED, &m2);
	assert_string_equal(m1.settings, m2.settings);
	assert_int_equal(m2.reverted.n, 0);
	sbx_settings_merge_free(&m1);
	sbx_settings_merge_free(&m2);
}

static void expect_fail(const char *cur, const char *served, const char *want)
{
	struct sbx_settings_merge m;
	struct sbx_err err = { 0 };
	assert_int_equal(sbx_settings_merge(cur, cur ? strlen(cur) : 0, served,
					    served ? strlen(served) : 0, NULL,
					    0, SBX_SETTINGS_SANITIZED, &m,
					    &err),
			 -1);
	if (!strstr(err.msg, want))
		fail_msg("\"%s\" not in \"%s\"", want, err.msg);
	assert_null(m.settings);
}

static void test_bad_input(void **state)
{
	(void)state;
	expect_fail("{\"a\": ", "{}",
		    "the sandbox's settings.json is not usable");
	expect_fail("[1, 2]", "{}", "not a JSON object");
	expect_fail(sbx_file, "{\"model\": \"x\",}",
		    "settings.json in the view is not usable");
	expect_fail(sbx_file, "{} {}",
		    "settings.json in the view is not usable");
	expect_fail(sbx_file, "\"string\"", "not a JSON object");

	/* nesting far deeper than any settings file: refused, no crash */
	size_t depth = 5000;
	char *deep = malloc(depth * 2 + 8);
	char *o = deep;
	*o++ = '{';
	*o++ = '"';
	*o++ = 'k';
	*o++ = '"';
	*o++ = ':';
	for (size_t i = 0; i < depth; i++)
		*o++ = '[';
	for (size_t i = 0; i < depth; i++)
		*o++ = ']';
	*o++ = '}';
	*o = '\0';
	expect_fail(sbx_file, deep, "settings.json in the view is not usable");
	free(deep);

	/* no file and an empty file are an empty object; a broken record is
	 * no record */
	struct sbx_settings_merge m;
	merge(NULL, "{\"model\": \"x\"}", "not json", SBX_SETTINGS_SANITIZED,
	      &m);
	json_object *j = parse(m.settings);
	assert_string_equal(str_at(j, "model"), "x");
	json_object_put(j);
	sbx_settings_merge_free(&m);
	merge("  \n", "{\"model\": \"x\"}", NULL, SBX_SETTINGS_SANITIZED, &m);
	j = parse(m.settings);
	assert_string_equal(str_at(j, "model"), "x");
	json_object_put(j);
	sbx_settings_merge_free(&m);
}

static void test_mode_and_with_entries(void **state)
{
	(void)state;
	struct strv w = { 0 };
	assert_int_equal(sbx_settings_mode_of(&w), SBX_SETTINGS_OFF);
	strv_push(&w, "other");
	assert_int_equal(sbx_settings_mode_of(&w), SBX_SETTINGS_OFF);
	strv_push(&w, "settings");
	assert_int_equal(sbx_settings_mode_of(&w), SBX_SETTINGS_SANITIZED);
	strv_push(&w, "settings=raw");
	assert_int_equal(sbx_settings_mode_of(&w), SBX_SETTINGS_RAW);
	strv_push(&w, "settings=sanitized"); /* the last one decides */
	assert_int_equal(sbx_settings_mode_of(&w), SBX_SETTINGS_SANITIZED);
	strv_free(&w);

	assert_true(sbx_with_entry_valid("settings"));
	assert_true(sbx_with_entry_valid("settings=raw"));
	assert_true(sbx_with_entry_valid("my_group-2"));
	assert_false(sbx_with_entry_valid(""));
	assert_false(sbx_with_entry_valid("-x"));
	assert_false(sbx_with_entry_valid("settings="));
	assert_false(sbx_with_entry_valid("=raw"));
	assert_false(sbx_with_entry_valid("settings=RAW"));
	assert_false(sbx_with_entry_valid("a=b=c"));
	assert_false(sbx_with_entry_valid("bad group"));
	assert_false(sbx_with_entry_valid("x;touch y"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sanitized_merge),
		cmocka_unit_test(test_raw_merge),
		cmocka_unit_test(test_second_merge_puts_back),
		cmocka_unit_test(test_same_merge_is_stable),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_mode_and_with_entries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
