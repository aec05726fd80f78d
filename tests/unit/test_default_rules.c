/* test_default_rules.c — the installed rules/default.yaml decides the paths
 * of the issue as documented. The file's path comes from meson in
 * SEEDFS_DEFAULT_RULES_FILE. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "seedfs/pattern.h"
#include "seedfs/rules.h"

static const char *default_file(void)
{
	const char *f = getenv("SEEDFS_DEFAULT_RULES_FILE");

	if (!f || !*f)
		fail_msg("SEEDFS_DEFAULT_RULES_FILE is not set");
	return f;
}

static struct rules *load_default(const char *with)
{
	const char *files[] = { default_file() };
	const char *withs[] = { with };
	struct rules_input in = {
		.files = files,
		.nfiles = 1,
		.with = withs,
		.nwith = with ? 1 : 0,
		.home = "/home/u",
	};
	struct rules_error err;
	struct rules *rs = NULL;
	char msg[5000];

	if (rules_load(&in, &rs, &err) != 0) {
		rules_error_format(&err, msg, sizeof(msg));
		fail_msg("default rules: %s", msg);
	}
	return rs;
}

static struct verdict walk(const struct rules *rs, const char *path,
			   bool is_dir)
{
	struct verdict v = rules_root(rs);
	size_t len = strlen(path), pos = 0;

	for (;;) {
		const char *slash = memchr(path + pos, '/', len - pos);
		size_t end = slash ? (size_t)(slash - path) : len;
		v = rules_decide(rs, v, path, end, slash ? true : is_dir);
		if (!slash)
			return v;
		pos = end + 1;
	}
}

static void want(const struct rules *rs, const char *path, bool is_dir,
		 bool shown)
{
	struct verdict v = walk(rs, path, is_dir);
	bool got = v.vis != VIS_HIDDEN;

	if (got != shown)
		fail_msg("%s: got %s (rule %s), want %s", path,
			 got ? "visible" : "hidden",
			 v.rule ? pattern_text(v.rule->pat) : "none",
			 shown ? "visible" : "hidden");
}

static const char *const visible_files[] = {
	"CLAUDE.md",
	"rules/a.md",
	"rules/sub/b.md",
	"skills/x/SKILL.md",
	"skills/x/scripts/run.sh",
	"skills/x/references/api.md",
	"skills/x/.env.example",
	"skills/x/settings.json",
	"agents/reviewer.md",
	"commands/sub/deploy.md",
	"output-styles/terse.md",
	"agents/x/.claude-plugin/plugin.json", /* .claude-plugin only in skills */
};

static const char *const visible_dirs[] = {
	"rules",  "skills",   "skills/x",     "skills/x/scripts",
	"agents", "commands", "commands/sub", "output-styles",
};

static const char *const hidden_files[] = {
	".credentials.json",
	".claude.json",
	".claude.json.backup",
	"settings.json",
	"settings.local.json",
	"skills/x/settings.local.json",
	"ide/1234.lock",
	"backups/.claude.json.1",
	"plugins/data/p/token",
	"projects/-home-u-work/session.jsonl",
	"history.jsonl",
	"todos/a.json",
	"keybindings.json",
	"skills/x/.env",
	"skills/x/.env.local",
	"skills/x/.env.production",
	"skills/x/.claude-plugin/plugin.json",
	"skills/x/sub/.claude-plugin/plugin.json",
	"skills/x/tls.pem",
	"skills/x/server.key",
	"skills/x/cert.p12",
	"skills/x/cert.pfx",
	"skills/x/id_rsa",
	"skills/x/id_rsa.pub",
	"skills/x/id_ed25519",
	"skills/x/id_ecdsa",
	"skills/x/.netrc",
	"skills/x/.npmrc",
	"skills/x/.pypirc",
	"skills/x/.git-credentials",
	"skills/x/credentials.json",
	"skills/x/credentials-prod.json",
	"skills/x/service-account.json",
	"skills/x/service-account-ci.json",
	"skills/x/.git", /* a gitlink file */
	"skills/x/.git/config",
	"skills/x/.ssh/id_rsa",
	"agents/.aws/credentials",
	"commands/.gnupg/pubring.kbx",
	"rules/.env",
	"skills/x/plugins/p.md", /* plugins/ at any depth */
};

static const char *const hidden_dirs[] = {
	"ide",
	"backups",
	"plugins",
	"projects",
	"todos",
	"skills/x/.git",
	"skills/x/.claude-plugin",
	"skills/.claude-plugin",
	"skills/x/.ssh",
};

static void test_visible(void **state)
{
	struct rules *rs = load_default(NULL);

	(void)state;
	for (size_t i = 0; i < sizeof(visible_files) / sizeof(*visible_files);
	     i++)
		want(rs, visible_files[i], false, true);
	for (size_t i = 0; i < sizeof(visible_dirs) / sizeof(*visible_dirs);
	     i++)
		want(rs, visible_dirs[i], true, true);
	rules_free(rs);
}

static void test_hidden(void **state)
{
	struct rules *rs = load_default(NULL);

	(void)state;
	for (size_t i = 0; i < sizeof(hidden_files) / sizeof(*hidden_files);
	     i++)
		want(rs, hidden_files[i], false, false);
	for (size_t i = 0; i < sizeof(hidden_dirs) / sizeof(*hidden_dirs); i++)
		want(rs, hidden_dirs[i], true, false);
	rules_free(rs);
}

static void test_settings_group(void **state)
{
	struct rules *rs = load_default(NULL);
	struct verdict v;

	(void)state;
	want(rs, "settings.json", false, false);
	assert_int_equal(rules_group_count(rs), 0);
	rules_free(rs);

	rs = load_default("settings");
	want(rs, "settings.json", false, true);
	v = walk(rs, "settings.json", false);
	assert_string_equal(v.rule->group, "settings");
	/* the group lifts nothing that never hides */
	want(rs, "settings.local.json", false, false);
	want(rs, ".credentials.json", false, false);
	assert_int_equal(rules_group_count(rs), 1);
	assert_string_equal(rules_group_name(rs, 0), "settings");
	rules_free(rs);
}

/* The deciding rule is reported as file:line: pattern, as explain shows. */
static void test_deciding_rule_position(void **state)
{
	struct rules *rs = load_default(NULL);
	struct verdict v = walk(rs, "skills/x/.env.local", false);
	char line[512];
	unsigned n = 0, want_line = 0;
	FILE *fp;

	(void)state;
	assert_int_equal(v.vis, VIS_HIDDEN);
	assert_non_null(v.rule);
	assert_int_equal(v.rule->kind, RULE_NEVER);
	assert_string_equal(pattern_text(v.rule->pat), ".env.*");
	assert_string_equal(v.rule->file, default_file());

	fp = fopen(default_file(), "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		n++;
		if (strncmp(line, "  - .env.*", 10) == 0)
			want_line = n;
	}
	fclose(fp);
	assert_int_not_equal(want_line, 0);
	assert_int_equal(v.rule->line, want_line);
	assert_int_equal(v.rule->column, 5);
	rules_free(rs);
}

static void test_root_and_unlisted(void **state)
{
	struct rules *rs = load_default(NULL);
	struct verdict v = rules_root(rs);

	(void)state;
	assert_int_equal(v.vis, VIS_CONTAINER);
	v = walk(rs, "skills", true);
	assert_int_equal(v.vis, VIS_INCLUDED);
	v = walk(rs, "CLAUDE.md", true); /* a directory named CLAUDE.md too */
	assert_int_equal(v.vis, VIS_INCLUDED);
	v = walk(rs, "cache", true);
	assert_int_equal(v.vis, VIS_HIDDEN);
	assert_null(v.rule);
	assert_int_equal(rules_layer_count(rs), 1);
	assert_int_equal(rules_follow_count(rs), 0);
	rules_free(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_visible),
		cmocka_unit_test(test_hidden),
		cmocka_unit_test(test_settings_group),
		cmocka_unit_test(test_deciding_rule_position),
		cmocka_unit_test(test_root_and_unlisted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
