/* cmd_mount.c — `claude-seedfs mount`. */
#include <stdio.h>

#include "cli.h"

static const char help[] =
	"Usage: claude-seedfs mount [--rules FILE]... [--with GROUP]... "
	"[--follow DIR]...\n"
	"                           [-f] [-o OPT,...] [SOURCE] MOUNTPOINT\n"
	"\n"
	"Mount a read-only, filtered, live view of SOURCE (default: "
	"$CLAUDE_CONFIG_DIR,\nelse ~/.claude) on MOUNTPOINT. Returns once the "
	"mount answers.\n"
	"\n"
	"  --rules FILE   add a rule layer after the installed default "
	"(repeatable)\n"
	"  --with GROUP   enable an opt-in group, e.g. settings (repeatable)\n"
	"  --follow DIR   let symlinks resolve into DIR (repeatable)\n"
	"  -f, --foreground  serve in the foreground, log to stderr\n"
	"  -o OPT,...     allow_other, allow_root, auto_unmount, "
	"default_permissions\n"
	"                 (ro,nosuid,nodev are always set)\n"
	"\n"
	"Exit status: 0 mounted, 1 failed (nothing mounted), 2 bad usage or "
	"rules.\n";

int cmd_mount(int argc, char **argv)
{
	struct view_args a;
	struct seedfs_error err;
	int rc = view_cmd_begin(argc, argv, VIEW_MOUNT, help, 1, 2,
				"missing MOUNTPOINT", &a);

	if (rc >= 0)
		return rc;
	a.cfg.source = a.npos == 2 ? a.pos[0] : NULL;
	a.cfg.mountpoint = a.pos[a.npos - 1];
	rc = seedfs_mount(&a.cfg, &err) < 0 ? err.status : SEEDFS_EXIT_OK;
	if (rc)
		cli_error("mount", err.msg);
	view_args_free(&a);
	return rc;
}
