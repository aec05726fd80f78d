/* cmd_umount.c — `claude-seedfs umount`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char help[] =
	"Usage: claude-seedfs umount MOUNTPOINT\n"
	"\n"
	"Unmount a view, also a stale one whose daemon died (ENOTCONN).\n"
	"Exit status: 0 unmounted, 1 not a view or busy, 2 bad usage.\n";

int cmd_umount(int argc, char **argv)
{
	struct seedfs_error err;

	if (argc == 2 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(help, stdout);
		return SEEDFS_EXIT_OK;
	}
	if (argc != 2 || argv[1][0] == '-') {
		cli_error("umount", "expected exactly one MOUNTPOINT");
		usage_brief("umount");
		return SEEDFS_EXIT_USAGE;
	}
	if (seedfs_umount(argv[1], &err) < 0) {
		cli_error("umount", err.msg);
		return err.status;
	}
	return SEEDFS_EXIT_OK;
}
