/* cli.h — the claude-seedfs commands. Each takes argc/argv starting at the
 * command name and returns an exit status (enum seedfs_exit). */
#ifndef SEEDFS_CLI_H
#define SEEDFS_CLI_H

#include "seedfs/seedfs.h"

int cmd_mount(int argc, char **argv);
int cmd_umount(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_reload(int argc, char **argv);
int cmd_manifest(int argc, char **argv);

/* Options shared by mount and explain: --rules, --with, --follow (and for
 * mount -f, -o). Fills cfg; the arrays point into argv. Leaves the
 * positional arguments in *pos / *npos. Returns 0 or an exit status. */
struct view_args {
	struct seedfs_config cfg;
	const char **rules, **with, **follow, **options;
	const char *check; /* manifest --check FILE */
	char **pos;
	int npos;
};

enum view_cmd { VIEW_MOUNT, VIEW_EXPLAIN, VIEW_MANIFEST };
int parse_view_args(int argc, char **argv, enum view_cmd cmd,
		    struct view_args *a);
void view_args_free(struct view_args *a);

/* The preamble of mount, explain and manifest: options, --help (printed to
 * stdout), and between min and max operands (missing names the first one
 * when there are too few). Returns -1 to go on with *a filled, else the
 * exit status to return at once (*a is then freed). */
int view_cmd_begin(int argc, char **argv, enum view_cmd cmd, const char *help,
		   int min, int max, const char *missing, struct view_args *a);

/* "claude-seedfs CMD: msg" on stderr. */
void cli_error(const char *cmd, const char *msg);
void usage_brief(const char *cmd);

#endif
