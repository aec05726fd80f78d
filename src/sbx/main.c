/* main.c — claude-sbx: parse, load the configuration layers, dispatch,
 * print the one error. */
#include "launcher.h"
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int load_config(struct sbx_ctx *x, struct sbx_err *err)
{
	const char *home = sbx_home();
	char cwd[PATH_MAX];

	if (!getcwd(cwd, sizeof(cwd)))
		return sbx_err_set(err, 1,
				   "getcwd: cannot read the current directory");
	if (!x->cli.no_user_config) {
		char *user = sbx_user_config_path();
		int r = user ? sbx_config_load_file(&x->cfg, user, home, true,
						    err)
			     : 0;
		free(user);
		if (r < 0)
			return -1;
	}
	for (size_t i = 0; i < x->cli.configs.n; i++)
		if (sbx_config_load_file(&x->cfg, x->cli.configs.v[i], home,
					 false, err) < 0)
			return -1;
	if (sbx_cli_apply(&x->cli, &x->cfg, cwd, err) < 0)
		return -1;
	return sbx_config_finish(&x->cfg, cwd, home,
				 getenv("CLAUDE_CONFIG_DIR"), err);
}

int main(int argc, char **argv)
{
	struct sbx_ctx x = { .out = stdout };
	struct sbx_err err = { 0 };
	int rc;

	if (sbx_cli_parse(argc, argv, &x.cli, &err) < 0) {
		fprintf(stderr, "claude-sbx: %s\n", err.msg);
		sbx_cli_free(&x.cli);
		return err.status;
	}
	if (x.cli.cmd == SBX_CMD_HELP) {
		fputs(sbx_usage(), stdout);
		sbx_cli_free(&x.cli);
		return 0;
	}
	if (x.cli.cmd == SBX_CMD_VERSION) {
		printf("claude-sbx %s\n", SEEDFS_VERSION);
		sbx_cli_free(&x.cli);
		return 0;
	}
	rc = load_config(&x, &err);
	if (rc == 0 && x.cli.cmd != SBX_CMD_SHELL)
		sbx_catch_signals();
	if (rc == 0) {
		switch (x.cli.cmd) {
		case SBX_CMD_START:
			rc = sbx_cmd_start(&x, &err);
			break;
		case SBX_CMD_SHELL:
			rc = sbx_cmd_shell(&x, &err);
			break;
		case SBX_CMD_STOP:
			rc = sbx_cmd_stop(&x, &err);
			break;
		case SBX_CMD_STATUS:
			rc = sbx_cmd_status(&x, &err);
			break;
		case SBX_CMD_RELOAD_ALLOWLIST:
			rc = sbx_cmd_reload_allowlist(&x, &err);
			break;
		case SBX_CMD_SYNC_CONFIG:
			rc = sbx_cmd_sync_config(&x, &err);
			break;
		case SBX_CMD_KIT_EXPORT:
			rc = sbx_cmd_kit_export(&x, &err);
			break;
		default:
			rc = sbx_err_set(&err, 2, "no command");
			break;
		}
	}
	fflush(stdout);
	if (rc < 0)
		fprintf(stderr, "claude-sbx: %s: %s\n", sbx_cmd_name(x.cli.cmd),
			err.msg);
	sbx_config_free(&x.cfg);
	sbx_cli_free(&x.cli);
	return rc < 0 ? (err.status ? err.status : 1) : 0;
}
