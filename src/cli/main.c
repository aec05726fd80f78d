/* main.c — claude-seedfs: dispatch to a command. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"

static const char help[] =
	"Usage: claude-seedfs COMMAND [ARGS]\n"
	"\n"
	"A read-only, filtered, live view of ~/.claude for sandboxed agents.\n"
	"\n"
	"Commands:\n"
	"  mount    [--rules FILE]... [--with GROUP]... [--follow DIR]... [-f] "
	"[-o OPT,...]\n"
	"           [SOURCE] MOUNTPOINT      mount a view\n"
	"  umount   MOUNTPOINT               unmount it (also a stale one)\n"
	"  status   [--json] [--stats] [MOUNTPOINT]\n"
	"                                    list active views, layers, "
	"groups\n"
	"  explain  [--rules FILE]... [--with GROUP]... [--follow DIR]... "
	"[SOURCE] PATH\n"
	"                                    say whether PATH is visible and "
	"why\n"
	"  reload   MOUNTPOINT               re-read the rule files\n"
	"  manifest [--rules FILE]... [--with GROUP]... [--follow DIR]... "
	"[--check FILE]\n"
	"           [MOUNTPOINT|SOURCE]\n"
	"                                    XXH3-128 of every visible file\n"
	"\n"
	"Options: --help (also after a command), --version.\n"
	"SOURCE defaults to $CLAUDE_CONFIG_DIR, else ~/.claude. The default "
	"rules are\n$CLAUDE_SEEDFS_DEFAULT_RULES, else " SEEDFS_DEFAULT_RULES
	".\n"
	"Exit status: 0 success, 1 failure (explain: hidden), 2 bad usage or "
	"input.\n"
	"See claude-seedfs(1).\n";

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "mount", cmd_mount },	  { "umount", cmd_umount },
		{ "status", cmd_status }, { "explain", cmd_explain },
		{ "reload", cmd_reload }, { "manifest", cmd_manifest },
	};

	if (argc < 2) {
		fputs(help, stderr);
		return SEEDFS_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(help, stdout);
		return SEEDFS_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("claude-seedfs %s\n", SEEDFS_VERSION);
		return SEEDFS_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "claude-seedfs: unknown command '%s'\n", argv[1]);
	fputs("Try 'claude-seedfs --help'.\n", stderr);
	return SEEDFS_EXIT_USAGE;
}
