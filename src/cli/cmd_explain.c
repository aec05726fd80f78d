/* cmd_explain.c — `claude-seedfs explain`. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static const char help[] =
	"Usage: claude-seedfs explain [--rules FILE]... [--with GROUP]... "
	"[--follow DIR]...\n"
	"                             [SOURCE] PATH\n"
	"\n"
	"Say whether PATH (relative to SOURCE) is in the view and why: the "
	"deciding\nrule as FILE:LINE: PATTERN (like git check-ignore -v), or "
	"the structural\nreason (symlink leaving the anchors, fifo, hard "
	"link, ...).\n"
	"\n"
	"Exit status: 0 visible, 1 hidden, 2 error.\n";

int cmd_explain(int argc, char **argv)
{
	struct view_args a;
	struct seedfs_error err;
	int rc = view_cmd_begin(argc, argv, VIEW_EXPLAIN, help, 1, 2,
				"missing PATH", &a);

	if (rc >= 0)
		return rc;
	a.cfg.source = a.npos == 2 ? a.pos[0] : NULL;
	char *reason = calloc(1, 16384);
	if (!reason) {
		view_args_free(&a);
		return SEEDFS_EXIT_USAGE;
	}
	int vis =
		seedfs_explain(&a.cfg, a.pos[a.npos - 1], reason, 16384, &err);
	if (vis < 0) {
		cli_error("explain", err.msg);
		rc = SEEDFS_EXIT_USAGE; /* explain: any error is 2 */
	} else {
		printf("%s\n%s\n", vis ? "visible" : "hidden", reason);
		rc = vis ? SEEDFS_EXIT_OK : SEEDFS_EXIT_FAIL;
	}
	free(reason);
	view_args_free(&a);
	return rc;
}
