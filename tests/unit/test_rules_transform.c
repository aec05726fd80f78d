/* test_rules_transform.c — what the rules say about computed files: the
 * settings group's modes, the settings.json policy, the frontmatter switch
 * and which transform applies to a path. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "seedfs/rules.h"

#define MAX_LAYERS 4

struct fixture {
	char dir[256];
	char path[MAX_LAYERS][320];
};

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/seedfs-rt-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	for (int i = 0; i < MAX_LAYERS; i++)
		snprintf(f->path[i], sizeof(f->path[i]), "%s/layer%d.yaml",
			 f->dir, i);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	for (int i = 0; i < MAX_LAYERS; i++)
		unlink(f->path[i]);
	if (rmdir(f->dir) != 0)
		return -1;
	free(f);
	return 0;
}

static void write_layer(struct fixture *f, int i, const char *text)
{
	FILE *fp = fopen(f->path[i], "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* Loads the texts as layers, with the --with options given (NULL-ended). */
static int load(struct fixture *f, const char *const *texts, size_t n,
		const char *const *with, struct rules **rs,
		struct rules_error *err)
{
	const char *files[MAX_LAYERS];
	size_t nwith = 0;
	struct rules_input in;

	for (size_t i = 0; i < n; i++) {
		write_layer(f, (int)i, texts[i]);
		files[i] = f->path[i];
	}
	while (with && with[nwith])
		nwith++;
	in = (struct rules_input){ files, n, with, nwith, NULL };
	*rs = NULL;
	return rules_load(&in, rs, err);
}

static struct rules *load_ok(struct fixture *f, const char *const *texts,
			     size_t n, const char *const *with)
{
	struct rules_error err;
	struct rules *rs;
	char msg[5000];

	if (load(f, texts, n, with, &rs, &err) != 0) {
		rules_error_format(&err, msg, sizeof(msg));
		fail_msg("load failed: %s", msg);
	}
	return rs;
}

static struct rules *load1(struct fixture *f, const char *text,
			   const char *with)
{
	const char *w[] = { with, NULL };

	return load_ok(f, &text, 1, w);
}

/* Expects loading text to fail as "FILE:LINE:COL: ...what..." (line 0:
 * no position; file "--with" for command-line errors). */
static void bad(struct fixture *f, const char *text, const char *with,
		const char *file, unsigned line, unsigned column,
		const char *what)
{
	const char *w[] = { with, NULL };
	struct rules_error err;
	struct rules *rs;
	int r;

	r = load(f, &text, 1, w, &rs, &err);
	if (r == 0) {
		rules_free(rs);
		fail_msg("loaded, want an error \"%s\" for:\n%s", what, text);
	}
	assert_int_equal(r, -EINVAL);
	assert_null(rs);
	assert_string_equal(err.file, file ? file : f->path[0]);
	if (err.line != line || err.column != column || !strstr(err.msg, what))
		fail_msg("got %u:%u \"%s\", want %u:%u \"...%s...\"", err.line,
			 err.column, err.msg, line, column, what);
}

static const char group[] =
	"groups:\n  settings:\n    include: [/settings.json]\n"
	"  other: {include: [/x]}\n";

/* ---- settings modes ----------------------------------------------------- */

static void test_settings_mode_from_command_line(void **state)
{
	struct fixture *f = *state;
	struct rules *rs;

	rs = load1(f, group, NULL);
	assert_int_equal(rules_settings_mode(rs), SETTINGS_OFF);
	rules_free(rs);

	rs = load1(f, group, "settings");
	assert_int_equal(rules_settings_mode(rs), SETTINGS_SANITIZED);
	assert_int_equal(rules_group_count(rs), 1);
	assert_string_equal(rules_group_name(rs, 0), "settings");
	rules_free(rs);

	rs = load1(f, group, "settings=raw");
	assert_int_equal(rules_settings_mode(rs), SETTINGS_RAW);
	assert_int_equal(rules_group_count(rs), 1);
	assert_string_equal(rules_group_name(rs, 0), "settings");
	rules_free(rs);

	rs = load1(f, group, "settings=sanitized");
	assert_int_equal(rules_settings_mode(rs), SETTINGS_SANITIZED);
	rules_free(rs);

	/* another group leaves the mode alone */
	rs = load1(f, group, "other");
	assert_int_equal(rules_settings_mode(rs), SETTINGS_OFF);
	rules_free(rs);

	assert_string_equal(rules_settings_mode_name(SETTINGS_OFF), "off");
	assert_string_equal(rules_settings_mode_name(SETTINGS_SANITIZED),
			    "sanitized");
	assert_string_equal(rules_settings_mode_name(SETTINGS_RAW), "raw");
}

static void test_settings_mode_from_layers(void **state)
{
	struct fixture *f = *state;
	const char *raw_then_plain[] = { group, "with: [settings=raw]\n",
					 "with: [settings]\n" };
	const char *with_plain[] = { "settings", NULL };
	const char *with_raw[] = { "settings=raw", NULL };
	struct rules *rs;

	rs = load_ok(f, raw_then_plain, 2, NULL);
	assert_int_equal(rules_settings_mode(rs), SETTINGS_RAW);
	rules_free(rs);
	/* the last enabler decides: layers in order, then --with */
	rs = load_ok(f, raw_then_plain, 3, NULL);
	assert_int_equal(rules_settings_mode(rs), SETTINGS_SANITIZED);
	rules_free(rs);
	rs = load_ok(f, raw_then_plain, 2, with_plain);
	assert_int_equal(rules_settings_mode(rs), SETTINGS_SANITIZED);
	rules_free(rs);
	rs = load_ok(f, raw_then_plain, 3, with_raw);
	assert_int_equal(rules_settings_mode(rs), SETTINGS_RAW);
	/* still the one group, enabled once */
	assert_int_equal(rules_group_count(rs), 1);
	rules_free(rs);
}

static void test_settings_mode_errors(void **state)
{
	struct fixture *f = *state;
	char text[512];

	snprintf(text, sizeof(text), "%swith: [other=raw]\n", group);
	bad(f, text, NULL, NULL, 5, 13,
	    "with: \"other=raw\": only the settings group has modes");
	snprintf(text, sizeof(text), "%swith:\n  - \"settings=Raw\"\n", group);
	bad(f, text, NULL, NULL, 6, 15,
	    "with: \"settings=Raw\": unknown mode (modes: sanitized, raw)");
	snprintf(text, sizeof(text), "%swith: [settings=]\n", group);
	bad(f, text, NULL, NULL, 5, 17, "unknown mode");
	snprintf(text, sizeof(text), "%swith: [=raw]\n", group);
	bad(f, text, NULL, NULL, 5, 8, "with: unknown group \"=raw\"");
	bad(f, group, "settings=bogus", "--with", 0, 0,
	    "\"settings=bogus\": unknown mode (modes: sanitized, raw)");
	bad(f, group, "other=raw", "--with", 0, 0,
	    "\"other=raw\": only the settings group has modes");
	bad(f, group, "nope=raw", "--with", 0, 0,
	    "unknown group \"nope=raw\" (defined: settings, other)");
	bad(f, "include: [/a]\n", "settings=raw", "--with", 0, 0,
	    "unknown group \"settings=raw\" (defined: none)");
}

/* ---- the settings policy ------------------------------------------------ */

static void test_policy_layers_extend(void **state)
{
	struct fixture *f = *state;
	const char *texts[] = {
		"settings:\n  env_allow: [TZ, LANG]\n  safe_keys: [model, theme]\n",
		"settings:\n  safe_keys: [theme, permissions]\n",
		"settings:\n  env_allow: [NO_COLOR, TZ]\n  safe_keys:\n",
	};
	const struct settings_policy *p;
	struct rules *rs;

	rs = load_ok(f, texts, 3, NULL);
	p = rules_settings_policy(rs);
	assert_int_equal(p->nenv_allow, 3);
	assert_string_equal(p->env_allow[0], "TZ");
	assert_string_equal(p->env_allow[1], "LANG");
	assert_string_equal(p->env_allow[2], "NO_COLOR");
	assert_int_equal(p->nsafe_keys, 3);
	assert_string_equal(p->safe_keys[0], "model");
	assert_string_equal(p->safe_keys[1], "theme");
	assert_string_equal(p->safe_keys[2], "permissions");
	rules_free(rs);

	/* nothing said: an empty policy */
	rs = load1(f, "settings:\n", NULL);
	p = rules_settings_policy(rs);
	assert_int_equal(p->nenv_allow, 0);
	assert_int_equal(p->nsafe_keys, 0);
	rules_free(rs);
}

static void test_policy_used_by_sanitizer(void **state)
{
	struct fixture *f = *state;
	const char *json = "{\"env\": {\"TZ\": \"UTC\", \"X\": \"1\"}, "
			   "\"model\": \"m\", \"hooks\": {}, \"other\": 1}";
	char why[TRANSFORM_WHY_MAX], *out = NULL;
	struct rules *rs;
	size_t len;

	rs = load1(f, "settings: {env_allow: [TZ], safe_keys: [model]}\n",
		   NULL);
	assert_int_equal(settings_sanitize(rules_settings_policy(rs), json,
					   strlen(json), &out, &len, why,
					   sizeof(why)),
			 0);
	assert_string_equal(out, "{\n  \"env\": {\n    \"TZ\": \"UTC\"\n  },\n"
				 "  \"model\": \"m\"\n}\n");
	free(out);
	rules_free(rs);
}

static void test_policy_errors(void **state)
{
	struct fixture *f = *state;

	bad(f, "settings:\n  env_allow: [TZ, ANTHROPIC_API_KEY]\n", NULL, NULL,
	    2, 19,
	    "settings.env_allow: \"ANTHROPIC_API_KEY\" may hold a secret");
	bad(f, "settings:\n  env_allow:\n    - https_proxy\n", NULL, NULL, 3, 7,
	    "never kept");
	bad(f, "settings:\n  env_allow: [\"A B\"]\n", NULL, NULL, 2, 15,
	    "settings.env_allow: \"A B\" is not an environment variable name");
	bad(f, "settings:\n  env_allow: [\"1X\"]\n", NULL, NULL, 2, 15,
	    "not an environment variable name");
	bad(f, "settings:\n  safe_keys: [model, hooks]\n", NULL, NULL, 2, 22,
	    "settings.safe_keys: \"hooks\" runs commands or carries secrets");
	bad(f, "settings:\n  safe_keys: [apiKeyHelper]\n", NULL, NULL, 2, 15,
	    "never kept");
	bad(f, "settings:\n  safe_keys: [env]\n", NULL, NULL, 2, 15,
	    "settings.safe_keys: \"env\" is never safe");
	bad(f, "settings:\n  safe_keys: [\"\"]\n", NULL, NULL, 2, 15,
	    "a key must be a non-empty string");
	bad(f, "settings:\n  safe_keys: model\n", NULL, NULL, 2, 14,
	    "settings.safe_keys: expected a list of strings, got a string");
	bad(f, "settings:\n  env_alow: [TZ]\n", NULL, NULL, 2, 3,
	    "settings: unknown key \"env_alow\" (known keys: env_allow, safe_keys)");
	bad(f, "settings:\n  env_allow: [TZ]\n  env_allow: [LANG]\n", NULL,
	    NULL, 3, 3,
	    "settings: duplicate key \"env_allow\" (first at line 2)");
	bad(f, "settings: [TZ]\n", NULL, NULL, 1, 11,
	    "settings: expected a mapping, got a list");
	bad(f, "settings: {}\nsettings: {}\n", NULL, NULL, 2, 1,
	    "duplicate key \"settings\"");
}

/* ---- frontmatter switch ------------------------------------------------- */

static void test_frontmatter_switch(void **state)
{
	struct fixture *f = *state;
	const char *keep_then_defuse[] = { "frontmatter: keep\n",
					   "frontmatter: defuse\n",
					   "include: [/a]\n" };
	struct rules *rs;

	rs = load1(f, "include: [/a]\n", NULL);
	assert_true(rules_defuse_frontmatter(rs));
	rules_free(rs);
	rs = load1(f, "frontmatter: keep\n", NULL);
	assert_false(rules_defuse_frontmatter(rs));
	rules_free(rs);
	rs = load_ok(f, keep_then_defuse, 1, NULL);
	assert_false(rules_defuse_frontmatter(rs));
	rules_free(rs);
	/* the last layer that says it decides */
	rs = load_ok(f, keep_then_defuse, 3, NULL);
	assert_true(rules_defuse_frontmatter(rs));
	rules_free(rs);

	bad(f, "frontmatter: off\n", NULL, NULL, 1, 14,
	    "frontmatter: expected defuse or keep, got \"off\"");
	bad(f, "frontmatter:\n", NULL, NULL, 1, 13,
	    "frontmatter: expected defuse or keep, got nothing");
	bad(f, "frontmatter: [keep]\n", NULL, NULL, 1, 14,
	    "expected defuse or keep, got a list");
}

/* ---- which transform ---------------------------------------------------- */

static enum transform tr(const struct rules *rs, const char *path)
{
	return rules_transform(rs, path, strlen(path));
}

static void test_transform_for_paths(void **state)
{
	struct fixture *f = *state;
	struct rules *rs;

	rs = load1(f, group, "settings");
	assert_int_equal(tr(rs, "settings.json"), TRANSFORM_SETTINGS);
	assert_int_equal(tr(rs, "skills/pdf/SKILL.md"), TRANSFORM_SKILL_FM);
	assert_int_equal(tr(rs, "skills/a b/SKILL.md"), TRANSFORM_SKILL_FM);
	assert_int_equal(tr(rs, "agents/a.md"), TRANSFORM_AGENT_FM);
	assert_int_equal(tr(rs, "agents/x/y/z.md"), TRANSFORM_AGENT_FM);
	assert_int_equal(tr(rs, "agents/.md"), TRANSFORM_AGENT_FM);
	/* not these */
	assert_int_equal(tr(rs, "settings.json.bak"), TRANSFORM_NONE);
	assert_int_equal(tr(rs, "settings.jso"), TRANSFORM_NONE);
	assert_int_equal(tr(rs, "x/settings.json"), TRANSFORM_NONE);
	assert_int_equal(tr(rs, "settings.local.json"), TRANSFORM_NONE);
	assert_int_equal(tr(rs, "skills/SKILL.md"), TRANSFORM_NONE);
	assert_int_equal(tr(rs, "skills//SKILL.md"), TRANSFORM_NONE);
	assert_int_equal(tr(rs, "skills/a/b/SKILL.md"), TRANSFORM_NONE);
	assert_int_equal(tr(rs, "skills/a/skill.md"), TRANSFORM_NONE);
	assert_int_equal(tr(rs, "skills/a/README.md"), TRANSFORM_NONE);
	assert_int_equal(tr(rs, "skills/a/SKILL.md.bak"), TRANSFORM_NONE);
	assert_int_equal(tr(rs, "agents/a.txt"), TRANSFORM_NONE);
	assert_int_equal(tr(rs, "agents/a.MD"), TRANSFORM_NONE);
	assert_int_equal(tr(rs, "agents.md"), TRANSFORM_NONE);
	assert_int_equal(tr(rs, "agents/"), TRANSFORM_NONE);
	assert_int_equal(tr(rs, "x/agents/a.md"), TRANSFORM_NONE);
	assert_int_equal(tr(rs, "commands/a.md"), TRANSFORM_NONE);
	assert_int_equal(tr(rs, "CLAUDE.md"), TRANSFORM_NONE);
	assert_int_equal(tr(rs, ""), TRANSFORM_NONE);
	/* the length is what counts, not a NUL */
	assert_int_equal(rules_transform(rs, "settings.json.x", 13),
			 TRANSFORM_SETTINGS);
	assert_int_equal(rules_transform(rs, "agents/a.mdx", 11),
			 TRANSFORM_AGENT_FM);
	rules_free(rs);
}

static void test_transform_follows_modes(void **state)
{
	struct fixture *f = *state;
	struct rules *rs;

	/* raw: settings.json as it is */
	rs = load1(f, group, "settings=raw");
	assert_int_equal(tr(rs, "settings.json"), TRANSFORM_NONE);
	assert_int_equal(tr(rs, "skills/a/SKILL.md"), TRANSFORM_SKILL_FM);
	rules_free(rs);
	/* a settings.json visible without the group is still sanitized */
	rs = load1(f, "include: [/settings.json]\n", NULL);
	assert_int_equal(rules_settings_mode(rs), SETTINGS_OFF);
	assert_int_equal(tr(rs, "settings.json"), TRANSFORM_SETTINGS);
	rules_free(rs);
	/* frontmatter kept: skills and agents as they are */
	rs = load1(f, "frontmatter: keep\ngroups: {settings: {}}\n",
		   "settings");
	assert_int_equal(tr(rs, "skills/a/SKILL.md"), TRANSFORM_NONE);
	assert_int_equal(tr(rs, "agents/a.md"), TRANSFORM_NONE);
	assert_int_equal(tr(rs, "settings.json"), TRANSFORM_SETTINGS);
	rules_free(rs);
}

/* ---- the installed default ---------------------------------------------- */

static void test_default_rules(void **state)
{
	const char *file = getenv("SEEDFS_DEFAULT_RULES_FILE");
	const char *with[] = { "settings" };
	struct rules_input in = { &file, 1, with, 1, NULL };
	const struct settings_policy *p;
	struct rules_error err;
	struct rules *rs = NULL;
	bool tz = false, model = false, perms = false;

	(void)state;
	assert_non_null(file);
	assert_int_equal(rules_load(&in, &rs, &err), 0);
	assert_int_equal(rules_settings_mode(rs), SETTINGS_SANITIZED);
	assert_true(rules_defuse_frontmatter(rs));
	p = rules_settings_policy(rs);
	for (size_t i = 0; i < p->nenv_allow; i++) {
		assert_false(settings_env_name_refused(p->env_allow[i]));
		tz |= strcmp(p->env_allow[i], "TZ") == 0;
	}
	for (size_t i = 0; i < p->nsafe_keys; i++) {
		assert_false(settings_key_is_stripped(p->safe_keys[i]));
		model |= strcmp(p->safe_keys[i], "model") == 0;
		perms |= strcmp(p->safe_keys[i], "permissions") == 0;
	}
	assert_true(tz && model && perms);
	assert_int_equal(tr(rs, "settings.json"), TRANSFORM_SETTINGS);
	rules_free(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_settings_mode_from_command_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settings_mode_from_layers,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_settings_mode_errors,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_layers_extend,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_used_by_sanitizer,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_frontmatter_switch, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_transform_for_paths, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_transform_follows_modes,
						setup, teardown),
		cmocka_unit_test(test_default_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
