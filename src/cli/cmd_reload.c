/* cmd_reload.c — `claude-seedfs reload`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char help[] =
	"Usage: claude-seedfs reload MOUNTPOINT\n"
	"\n"
	"Re-read the view's rule files (as SIGHUP to its daemon does). The "
	"view changes\nwithout a remount. A broken file keeps the previous "
	"rules and is reported as\nFILE:LINE:COL: cause.\n"
	"Exit status: 0 reloaded, 1 not a running view, 2 broken rules.\n";

int cmd_reload(int argc, char **argv)
{
	struct seedfs_error err;

	if (argc == 2 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(help, stdout);
		return SEEDFS_EXIT_OK;
	}
	if (argc != 2 || argv[1][0] == '-') {
		cli_error("reload", "expected exactly one MOUNTPOINT");
		usage_brief("reload");
		return SEEDFS_EXIT_USAGE;
	}
	if (seedfs_reload(argv[1], &err) < 0) {
		cli_error("reload", err.msg);
		return err.status;
	}
	return SEEDFS_EXIT_OK;
}
