/* cli.h — the claude-sbx command line: parsing, usage text, and applying
 * flags as the last configuration layer.
 *
 * Owns: the command verbs and option names documented in claude-sbx(1).
 * Pure: no file is read and nothing is spawned here.
 */
#ifndef CLAUDE_SBX_CLI_H
#define CLAUDE_SBX_CLI_H

#include <stdbool.h>

#include "claude-sbx/config.h"
#include "claude-sbx/err.h"
#include "claude-sbx/strv.h"

enum sbx_cmd {
	SBX_CMD_NONE,
	SBX_CMD_START,
	SBX_CMD_SHELL,
	SBX_CMD_STOP,
	SBX_CMD_STATUS,
	SBX_CMD_RELOAD_ALLOWLIST,
	SBX_CMD_SYNC_CONFIG,
	SBX_CMD_KIT_EXPORT,
	SBX_CMD_HELP,
	SBX_CMD_VERSION,
};

struct sbx_cli {
	enum sbx_cmd cmd;
	struct strv configs;	/* --config FILE, in order */
	char *workspace;	/* -C */
	char *name;		/* --name */
	char *agent;		/* --agent */
	char *placement;	/* --placement */
	char *skills_store;	/* --skills-store */
	struct strv allowlists; /* --allowlist NAME|FILE */
	struct strv allow;	/* --allow HOST */
	struct strv with;	/* --with GROUP */
	bool force;		/* stop: sbx rm -f; kit export: replace DIR */
	char *kit_dir;		/* kit export DIR */
	int schema;		/* kit export --schema (1 or 2; 0: unset) */
	bool no_user_config;	/* --no-user-config */
};

/* Parses argv. Returns 0, or -1 with status 2 in err. */
int sbx_cli_parse(int argc, char *const argv[], struct sbx_cli *cli,
		  struct sbx_err *err);
/* Applies flags on top of the loaded config files (cwd resolves -C and
 * relative allowlist paths). */
int sbx_cli_apply(const struct sbx_cli *cli, struct sbx_config *c,
		  const char *cwd, struct sbx_err *err);
const char *sbx_cmd_name(enum sbx_cmd cmd);
const char *sbx_usage(void);
void sbx_cli_free(struct sbx_cli *cli);

#endif
