/* Unit tests: the command line (cli.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "claude-sbx/cli.h"

#define ARGV(...) ((char *[]){ "claude-sbx", __VA_ARGS__, NULL })
#define ARGC(a)	  ((int)(sizeof(a) / sizeof(a[0])) - 1)

/* argc is counted from the NULL-terminated argv; the number passed by
 * the callers is ignored. */
static int parse(char **argv, int ignored, struct sbx_cli *cli,
		 struct sbx_err *err)
{
	int argc = 0;
	(void)ignored;
	while (argv[argc])
		argc++;
	return sbx_cli_parse(argc, argv, cli, err);
}

static void test_verbs(void **state)
{
	(void)state;
	struct sbx_cli cli;
	struct sbx_err err = { 0 };
	const char *verbs[] = {
		"start",      "shell", "stop", "status", "reload-allowlist",
		"sync-config"
	};
	const enum sbx_cmd cmds[] = { SBX_CMD_START,
				      SBX_CMD_SHELL,
				      SBX_CMD_STOP,
				      SBX_CMD_STATUS,
				      SBX_CMD_RELOAD_ALLOWLIST,
				      SBX_CMD_SYNC_CONFIG };
	for (size_t i = 0; i < 6; i++) {
		char *argv[] = { "claude-sbx", (char *)verbs[i], NULL };
		assert_int_equal(parse(argv, 2, &cli, &err), 0);
		assert_int_equal(cli.cmd, cmds[i]);
		assert_string_equal(sbx_cmd_name(cmds[i]), verbs[i]);
		sbx_cli_free(&cli);
	}
}

static void test_options(void **state)
{
	(void)state;
	struct sbx_cli cli;
	struct sbx_err err = { 0 };
	char **a = ARGV("--config", "a.yaml", "-C", "ws dir", "--config",
			"b.yaml", "--name", "n1", "--allow", "X.example",
			"--allowlist", "npm", "--with", "settings", "stop",
			"--force");
	assert_int_equal(parse(a, 16, &cli, &err), 0);
	assert_int_equal(cli.cmd, SBX_CMD_STOP);
	assert_int_equal(cli.configs.n, 2);
	assert_string_equal(cli.configs.v[1], "b.yaml");
	assert_string_equal(cli.workspace, "ws dir");
	assert_true(cli.force);

	struct sbx_config c = { 0 };
	assert_int_equal(sbx_cli_apply(&cli, &c, "/cwd", &err), 0);
	assert_string_equal(c.workspace, "/cwd/ws dir");
	assert_string_equal(c.name, "n1");
	assert_string_equal(c.allow.v[0], "x.example");
	assert_string_equal(c.allowlists.v[0], "npm");
	assert_false(c.allowlists_set); /* flags add to the default list */
	assert_string_equal(c.seed_with.v[0], "settings");
	sbx_config_free(&c);
	sbx_cli_free(&cli);

	char **b = ARGV("--allowlist", "lists/x.txt", "--placement", "separate",
			"--agent", "shell", "start");
	assert_int_equal(parse(b, 7, &cli, &err), 0);
	assert_int_equal(sbx_cli_apply(&cli, &c, "/cwd", &err), 0);
	assert_string_equal(c.allowlists.v[0], "/cwd/lists/x.txt");
	assert_int_equal(c.placement, SBX_PLACE_SEPARATE);
	assert_string_equal(c.agent, "shell");
	sbx_config_free(&c);
	sbx_cli_free(&cli);
}

static void expect_usage(char **argv, int argc, const char *want)
	__attribute__((unused));
static void expect_usage(char **argv, int argc, const char *want)
{
	struct sbx_cli cli;
	struct sbx_err err = { 0 };
	assert_int_equal(parse(argv, argc, &cli, &err), -1);
	assert_int_equal(err.status, 2);
	if (!strstr(err.msg, want))
		fail_msg("got %s, wanted %s", err.msg, want);
	sbx_cli_free(&cli);
}

static void test_usage_errors(void **state)
{
	(void)state;
	expect_usage(ARGV("frob"), 1, "unknown command \"frob\"");
	expect_usage((char *[]){ "claude-sbx", NULL }, 1, "no command given");
	expect_usage(ARGV("--bogus", "start"), 2, "--bogus");
	expect_usage(ARGV("start", "extra"), 2,
		     "unexpected argument \"extra\"");
	expect_usage(ARGV("start", "--force"), 2,
		     "--force only applies to stop and kit export");
	expect_usage(ARGV("kit"), 1, "expected `kit export DIR`");
	expect_usage(ARGV("kit", "import", "d"), 3,
		     "expected `kit export DIR`");
	expect_usage(ARGV("kit", "export"), 2, "no DIR given");
	expect_usage(ARGV("kit", "export", "a", "b"), 4,
		     "kit export: unexpected argument \"b\"");
	expect_usage(ARGV("kit", "export", "d", "--schema", "4"), 5,
		     "--schema: \"4\" is not one of: 1, 2");
	/* v3: refused with the reason */
	expect_usage(ARGV("kit", "export", "d", "--schema", "3"), 5,
		     "cannot be mixed with v1/v2 kits");
	expect_usage(ARGV("--schema", "1", "start"), 3,
		     "--schema only applies to kit export");
	expect_usage(ARGV("start", "-C"), 2, "-C");

	struct sbx_cli cli;
	struct sbx_err err = { 0 };
	struct sbx_config c = { 0 };
	const char *bad[][2] = { { "--name", "bad name" },
				 { "--agent", "codex" },
				 { "--placement", "moon" },
				 { "--allow", "a..b" },
				 { "--with", "x y" },
				 { "--name", "claude-app-" },
				 { "--name", "claude-app." },
				 { "--agent", "gemini" },
				 { "--skills-store", "sometimes" } };
	for (size_t i = 0; i < 9; i++) {
		char *argv[] = { "claude-sbx", (char *)bad[i][0],
				 (char *)bad[i][1], "start", NULL };
		assert_int_equal(parse(argv, 4, &cli, &err), 0);
		assert_int_equal(sbx_cli_apply(&cli, &c, "/", &err), -1);
		assert_int_equal(err.status, 2);
		assert_non_null(strstr(err.msg, bad[i][0]));
		sbx_cli_free(&cli);
	}
	/* gemini: the reason, not just "not one of" */
	char **g = ARGV("--agent", "gemini", "start");
	assert_int_equal(parse(g, 3, &cli, &err), 0);
	assert_int_equal(sbx_cli_apply(&cli, &c, "/", &err), -1);
	assert_non_null(strstr(err.msg, "retired"));
	assert_non_null(strstr(err.msg, "0.53"));
	sbx_cli_free(&cli);
	/* --skills-store sets the key */
	const char *modes[] = { "off", "readonly", "readwrite", "sbx-default" };
	const enum sbx_skills_store want[] = { SBX_SKILLS_OFF,
					       SBX_SKILLS_READONLY,
					       SBX_SKILLS_READWRITE,
					       SBX_SKILLS_SBX_DEFAULT };
	for (size_t i = 0; i < 4; i++) {
		char *argv[] = { "claude-sbx", "--skills-store",
				 (char *)modes[i], "start", NULL };
		assert_int_equal(parse(argv, 4, &cli, &err), 0);
		assert_int_equal(sbx_cli_apply(&cli, &c, "/", &err), 0);
		assert_int_equal(c.skills_store, want[i]);
		assert_string_equal(sbx_skills_store_name(c.skills_store),
				    modes[i]);
		sbx_cli_free(&cli);
	}
	/* GROUP=MODE passes through to the view */
	char **w = ARGV("--with", "settings=raw", "start");
	assert_int_equal(parse(w, 3, &cli, &err), 0);
	assert_int_equal(sbx_cli_apply(&cli, &c, "/", &err), 0);
	assert_string_equal(c.seed_with.v[0], "settings=raw");
	sbx_cli_free(&cli);
	sbx_config_free(&c);
}

static void test_kit_export(void **state)
{
	(void)state;
	struct sbx_cli cli;
	struct sbx_err err = { 0 };
	/* options may follow the operands */
	assert_int_equal(parse(ARGV("kit", "export", "out dir", "--force",
				    "--schema", "1"),
			       6, &cli, &err),
			 0);
	assert_int_equal(cli.cmd, SBX_CMD_KIT_EXPORT);
	assert_string_equal(cli.kit_dir, "out dir");
	assert_true(cli.force);
	assert_int_equal(cli.schema, 1);
	assert_string_equal(sbx_cmd_name(cli.cmd), "kit export");
	sbx_cli_free(&cli);
	assert_int_equal(parse(ARGV("--with", "settings", "kit", "export", "k"),
			       5, &cli, &err),
			 0);
	assert_int_equal(cli.schema, 0); /* the command's default: 2 */
	assert_false(cli.force);
	sbx_cli_free(&cli);
	assert_non_null(strstr(sbx_usage(), "kit export DIR"));
	assert_non_null(strstr(sbx_usage(), "--schema 1|2"));
}

static void test_help_version(void **state)
{
	(void)state;
	struct sbx_cli cli;
	struct sbx_err err = { 0 };
	assert_int_equal(parse(ARGV("--help"), 1, &cli, &err), 0);
	assert_int_equal(cli.cmd, SBX_CMD_HELP);
	sbx_cli_free(&cli);
	assert_int_equal(parse(ARGV("-h"), 1, &cli, &err), 0);
	assert_int_equal(cli.cmd, SBX_CMD_HELP);
	sbx_cli_free(&cli);
	assert_int_equal(parse(ARGV("--version"), 1, &cli, &err), 0);
	assert_int_equal(cli.cmd, SBX_CMD_VERSION);
	sbx_cli_free(&cli);
	const char *u = sbx_usage();
	const char *words[] = { "start",
				"shell",
				"stop",
				"status",
				"reload-allowlist",
				"sync-config",
				"--config",
				"-C WORKSPACE",
				"Exit status" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		assert_non_null(strstr(u, words[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verbs),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_kit_export),
		cmocka_unit_test(test_help_version),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
