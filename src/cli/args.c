/* args.c — option parsing shared by mount and explain. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_error(const char *cmd, const char *msg)
{
	fprintf(stderr, "claude-seedfs %s: %s\n", cmd, msg);
}

void usage_brief(const char *cmd)
{
	fprintf(stderr, "Try 'claude-seedfs %s --help'.\n", cmd);
}

static int push(const char ***v, size_t *n, const char *s)
{
	const char **nv = realloc(*v, (*n + 2) * sizeof(*nv));
	if (!nv)
		return -1;
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

int parse_view_args(int argc, char **argv, enum view_cmd cmd,
		    struct view_args *a)
{
	bool mount = cmd == VIEW_MOUNT;
	static const struct option opts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "with", required_argument, NULL, 'w' },
		{ "follow", required_argument, NULL, 'F' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "check", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, mount ? "fo:h" : "h", opts,
				NULL)) != -1) {
		int rc = 0;
		switch (c) {
		case 'r':
			rc = push(&a->rules, &a->cfg.nrules, optarg);
			break;
		case 'w':
			rc = push(&a->with, &a->cfg.nwith, optarg);
			break;
		case 'F':
			rc = push(&a->follow, &a->cfg.nfollow, optarg);
			break;
		case 'o':
			rc = push(&a->options, &a->cfg.noptions, optarg);
			break;
		case 'c':
			if (cmd != VIEW_MANIFEST)
				goto bad;
			a->check = optarg;
			break;
		case 'f':
			if (!mount)
				goto bad;
			a->cfg.foreground = true;
			break;
		case 'h':
			return -1; /* the caller prints its help */
		default:
			goto bad;
		}
		if (rc < 0) {
			cli_error(argv[0], "out of memory");
			return SEEDFS_EXIT_FAIL;
		}
	}
	a->cfg.rules = a->rules;
	a->cfg.with = a->with;
	a->cfg.follow = a->follow;
	a->cfg.options = a->options;
	a->pos = argv + optind;
	a->npos = argc - optind;
	return 0;
bad:
	usage_brief(argv[0]);
	return SEEDFS_EXIT_USAGE;
}

void view_args_free(struct view_args *a)
{
	free(a->rules);
	free(a->with);
	free(a->follow);
	free(a->options);
}

int view_cmd_begin(int argc, char **argv, enum view_cmd cmd, const char *help,
		   int min, int max, const char *missing, struct view_args *a)
{
	int rc = parse_view_args(argc, argv, cmd, a);

	if (rc < 0) {
		fputs(help, stdout);
		view_args_free(a);
		return SEEDFS_EXIT_OK;
	}
	if (rc > 0) {
		view_args_free(a);
		return rc;
	}
	if (a->npos < min || a->npos > max) {
		cli_error(argv[0],
			  a->npos < min ? missing : "too many arguments");
		usage_brief(argv[0]);
		view_args_free(a);
		return SEEDFS_EXIT_USAGE;
	}
	return -1;
}
