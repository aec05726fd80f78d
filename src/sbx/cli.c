/* cli.c — claude-sbx argument parsing and usage (see cli.h). */
#include "claude-sbx/cli.h"
#include "claude-sbx/allowlist.h"
#include "claude-sbx/settings.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	enum sbx_cmd cmd;
} verbs[] = {
	{ "start", SBX_CMD_START },
	{ "shell", SBX_CMD_SHELL },
	{ "stop", SBX_CMD_STOP },
	{ "status", SBX_CMD_STATUS },
	{ "reload-allowlist", SBX_CMD_RELOAD_ALLOWLIST },
	{ "sync-config", SBX_CMD_SYNC_CONFIG },
	{ "kit", SBX_CMD_KIT_EXPORT },
	{ "help", SBX_CMD_HELP },
};

const char *sbx_cmd_name(enum sbx_cmd cmd)
{
	if (cmd == SBX_CMD_KIT_EXPORT)
		return "kit export";
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (verbs[i].cmd == cmd)
			return verbs[i].name;
	return "claude-sbx";
}

const char *sbx_usage(void)
{
	return "Usage: claude-sbx [OPTION]... COMMAND\n"
	       "Start a Docker sandbox (sbx) seeded with a read-only, filtered view of\n"
	       "~/.claude, behind an egress allowlist.\n"
	       "\n"
	       "Commands:\n"
	       "  start             network baseline, egress allowlist, seed view, sandbox,\n"
	       "                    links inside it, a check from inside; then how to enter\n"
	       "  shell             attach to the sandbox (sbx run)\n"
	       "  stop              remove the sandbox, then unmount the view (idempotent)\n"
	       "  status            sandbox state, the view, egress rules and any drift\n"
	       "  reload-allowlist  make the egress allow rules equal to the allowlists\n"
	       "  sync-config       re-link the view's entries inside the sandbox and merge\n"
	       "                    its settings.json again\n"
	       "  kit export DIR    write a Docker Kit to DIR: spec.yaml (the egress\n"
	       "                    allowlist), the seed copied from the view under\n"
	       "                    files/home/.claude/, a README with the sbx run line\n"
	       "\n"
	       "Options:\n"
	       "  --config FILE       a YAML layer on top of ~/.config/claude-sbx/config.yaml\n"
	       "                      (repeatable, applied in order)\n"
	       "  --no-user-config    do not read ~/.config/claude-sbx/config.yaml\n"
	       "  -C WORKSPACE        the workspace directory (default: the current one)\n"
	       "  --name NAME         sandbox name (default: claude-<workspace basename>)\n"
	       "  --agent AGENT       claude (default) or shell\n"
	       "  --placement WHERE   workspace (<workspace>/.claude-seed, default) or\n"
	       "                      separate (under $XDG_RUNTIME_DIR, shared as PATH:ro)\n"
	       "  --allowlist LIST    add an allowlist by name or file (repeatable)\n"
	       "  --allow HOST        allow one more host pattern (repeatable)\n"
	       "  --skills-store MODE sbx's own skills store in the sandbox: readonly\n"
	       "                      (default), readwrite, off, sbx-default (see skills_store)\n"
	       "  --with GROUP        enable a seed rules group, e.g. settings (repeatable);\n"
	       "                      settings=raw serves settings.json unfiltered\n"
	       "  --force             stop: remove the sandbox even with a session attached;\n"
	       "                      kit export: replace a DIR that is not empty\n"
	       "  --schema 1|2        kit export: the kit schema version (default 2; 3 is\n"
	       "                      refused, see claude-sbx(1))\n"
	       "  -h, --help          show this help and exit\n"
	       "  --version           show the version and exit\n"
	       "\n"
	       "Exit status: 0 success, 1 a step failed, 2 bad usage, config or allowlist.\n"
	       "See claude-sbx(1) and docs/launcher.md for the configuration keys.\n";
}

enum {
	OPT_CONFIG = 256,
	OPT_NAME,
	OPT_AGENT,
	OPT_PLACEMENT,
	OPT_ALLOWLIST,
	OPT_ALLOW,
	OPT_WITH,
	OPT_FORCE,
	OPT_NO_USER_CONFIG,
	OPT_VERSION,
	OPT_SCHEMA,
	OPT_SKILLS_STORE,
};

static int set_once(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
	return *dst ? 0 : -1;
}

int sbx_cli_parse(int argc, char *const argv[], struct sbx_cli *cli,
		  struct sbx_err *err)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "agent", required_argument, NULL, OPT_AGENT },
		{ "placement", required_argument, NULL, OPT_PLACEMENT },
		{ "allowlist", required_argument, NULL, OPT_ALLOWLIST },
		{ "allow", required_argument, NULL, OPT_ALLOW },
		{ "with", required_argument, NULL, OPT_WITH },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "schema", required_argument, NULL, OPT_SCHEMA },
		{ "skills-store", required_argument, NULL, OPT_SKILLS_STORE },
		{ "no-user-config", no_argument, NULL, OPT_NO_USER_CONFIG },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc = 0;

	memset(cli, 0, sizeof(*cli));
	optind = 0; /* full reset (glibc), so tests can parse repeatedly */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "C:h", opts, NULL)) != -1 &&
	       rc == 0) {
		switch (c) {
		case OPT_CONFIG:
			rc = strv_push(&cli->configs, optarg);
			break;
		case 'C':
			rc = set_once(&cli->workspace, optarg);
			break;
		case OPT_NAME:
			rc = set_once(&cli->name, optarg);
			break;
		case OPT_AGENT:
			rc = set_once(&cli->agent, optarg);
			break;
		case OPT_PLACEMENT:
			rc = set_once(&cli->placement, optarg);
			break;
		case OPT_ALLOWLIST:
			rc = strv_push(&cli->allowlists, optarg);
			break;
		case OPT_ALLOW:
			rc = strv_push(&cli->allow, optarg);
			break;
		case OPT_WITH:
			rc = strv_push(&cli->with, optarg);
			break;
		case OPT_FORCE:
			cli->force = true;
			break;
		case OPT_SKILLS_STORE:
			rc = set_once(&cli->skills_store, optarg);
			break;
		case OPT_SCHEMA:
			if (strcmp(optarg, "3") == 0)
				return sbx_err_set(
					err, 2,
					"--schema 3: not written: kit schema 3 is experimental "
					"(sbx 0.45+) and cannot be mixed with v1/v2 kits, while the built-in "
					"claude agent this kit is stacked on stays a v2 kit; use 2 (the default)");
			if (strcmp(optarg, "1") && strcmp(optarg, "2"))
				return sbx_err_set(
					err, 2,
					"--schema: \"%s\" is not one of: 1, 2",
					optarg);
			cli->schema = optarg[0] - '0';
			break;
		case OPT_NO_USER_CONFIG:
			cli->no_user_config = true;
			break;
		case 'h':
			cli->cmd = SBX_CMD_HELP;
			break;
		case OPT_VERSION:
			cli->cmd = SBX_CMD_VERSION;
			break;
		default: {
			const char *bad = argv[optind - 1];
			if (optopt && optopt < 256)
				return sbx_err_set(
					err, 2, "option -%c: %s", optopt,
					c == ':' || strchr("C", optopt)
						? "needs a value"
						: "unknown option");
			return sbx_err_set(
				err, 2, "%s: unknown option or missing value",
				bad ? bad : "?");
		}
		}
	}
	if (rc < 0)
		return sbx_err_set(err, 1, "out of memory");
	if (cli->cmd == SBX_CMD_HELP || cli->cmd == SBX_CMD_VERSION)
		return 0;
	if (optind >= argc)
		return sbx_err_set(
			err, 2,
			"no command given (start, shell, stop, status, reload-allowlist, sync-config, kit export); see --help");
	const char *verb = argv[optind++];
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(verbs[i].name, verb) == 0)
			cli->cmd = verbs[i].cmd;
	if (cli->cmd == SBX_CMD_NONE)
		return sbx_err_set(err, 2, "unknown command \"%s\"; see --help",
				   verb);
	if (cli->cmd == SBX_CMD_KIT_EXPORT) {
		if (optind >= argc || strcmp(argv[optind], "export") != 0)
			return sbx_err_set(err, 2,
					   "kit: expected `kit export DIR`");
		if (++optind >= argc)
			return sbx_err_set(err, 2, "kit export: no DIR given");
		if (!argv[optind][0])
			return sbx_err_set(err, 2, "kit export: DIR is empty");
		if (set_once(&cli->kit_dir, argv[optind++]) < 0)
			return sbx_err_set(err, 1, "out of memory");
		verb = "kit export";
	}
	if (optind < argc)
		return sbx_err_set(err, 2, "%s: unexpected argument \"%s\"",
				   verb, argv[optind]);
	if (cli->force && cli->cmd != SBX_CMD_STOP &&
	    cli->cmd != SBX_CMD_KIT_EXPORT)
		return sbx_err_set(
			err, 2, "--force only applies to stop and kit export");
	if (cli->schema && cli->cmd != SBX_CMD_KIT_EXPORT)
		return sbx_err_set(err, 2,
				   "--schema only applies to kit export");
	return 0;
}

static int dup_into(char **dst, const char *v)
{
	char *d = strdup(v);
	if (!d)
		return -1;
	free(*dst);
	*dst = d;
	return 0;
}

static char *abs_from(const char *cwd, const char *p)
{
	char *out = NULL;
	if (p[0] == '/')
		return strdup(p);
	if (asprintf(&out, "%s/%s", cwd, p) < 0)
		return NULL;
	return out;
}

int sbx_cli_apply(const struct sbx_cli *cli, struct sbx_config *c,
		  const char *cwd, struct sbx_err *err)
{
	if (cli->name && !sbx_name_valid(cli->name))
		return sbx_err_set(
			err, 2,
			"--name: \"%s\" is not a valid sandbox name (letters, digits, '-', '.', '+'; at most 63; not ending in '-' or '.')",
			cli->name);
	if (cli->agent && strcmp(cli->agent, "gemini") == 0)
		return sbx_err_set(
			err, 2,
			"--agent: \"gemini\" was retired as a built-in sbx agent in sbx 0.53, "
			"and claude-sbx seeds Claude Code only: use claude or shell");
	if (cli->skills_store && strcmp(cli->skills_store, "off") &&
	    strcmp(cli->skills_store, "readonly") &&
	    strcmp(cli->skills_store, "readwrite") &&
	    strcmp(cli->skills_store, "sbx-default"))
		return sbx_err_set(
			err, 2,
			"--skills-store: \"%s\" is not one of: off, readonly, readwrite, sbx-default",
			cli->skills_store);
	if (cli->agent && strcmp(cli->agent, "claude") &&
	    strcmp(cli->agent, "shell"))
		return sbx_err_set(
			err, 2, "--agent: \"%s\" is not one of: claude, shell",
			cli->agent);
	if (cli->placement && strcmp(cli->placement, "workspace") &&
	    strcmp(cli->placement, "separate"))
		return sbx_err_set(
			err, 2,
			"--placement: \"%s\" is not one of: workspace, separate",
			cli->placement);
	struct strv hosts = { 0 };
	for (size_t i = 0; i < cli->allow.n; i++) {
		char norm[512];
		const char *why;
		if (sbx_host_normalize(cli->allow.v[i], norm, sizeof(norm),
				       &why) < 0) {
			strv_free(&hosts);
			return sbx_err_set(
				err, 2, "--allow: bad host pattern \"%s\": %s",
				cli->allow.v[i], why);
		}
		if (strv_add_unique(&hosts, norm) < 0)
			goto oom;
	}
	for (size_t i = 0; i < cli->with.n; i++) {
		if (!sbx_with_entry_valid(cli->with.v[i])) {
			strv_free(&hosts);
			return sbx_err_set(
				err, 2,
				"--with: invalid group name \"%s\" (GROUP or GROUP=MODE)",
				cli->with.v[i]);
		}
	}
	if (cli->workspace) {
		char *w = abs_from(cwd, cli->workspace);
		if (!w)
			goto oom;
		free(c->workspace);
		c->workspace = w;
	}
	if ((cli->name && dup_into(&c->name, cli->name) < 0) ||
	    (cli->agent && dup_into(&c->agent, cli->agent) < 0))
		goto oom;
	if (cli->placement)
		c->placement = strcmp(cli->placement, "separate") == 0
				       ? SBX_PLACE_SEPARATE
				       : SBX_PLACE_WORKSPACE;
	if (cli->skills_store)
		c->skills_store = !strcmp(cli->skills_store, "off")
					  ? SBX_SKILLS_OFF
				  : !strcmp(cli->skills_store, "readonly")
					  ? SBX_SKILLS_READONLY
				  : !strcmp(cli->skills_store, "readwrite")
					  ? SBX_SKILLS_READWRITE
					  : SBX_SKILLS_SBX_DEFAULT;
	for (size_t i = 0; i < cli->allowlists.n; i++) {
		const char *a = cli->allowlists.v[i];
		char *v = strchr(a, '/') || (strlen(a) > 4 &&
					     !strcmp(a + strlen(a) - 4, ".txt"))
				  ? abs_from(cwd, a)
				  : strdup(a);
		if (!v || strv_add_unique(&c->allowlists, v) < 0) {
			free(v);
			goto oom;
		}
		free(v);
	}
	for (size_t i = 0; i < hosts.n; i++)
		if (strv_add_unique(&c->allow, hosts.v[i]) < 0)
			goto oom;
	for (size_t i = 0; i < cli->with.n; i++)
		if (strv_add_unique(&c->seed_with, cli->with.v[i]) < 0)
			goto oom;
	strv_free(&hosts);
	return 0;
oom:
	strv_free(&hosts);
	return sbx_err_set(err, 1, "out of memory");
}

void sbx_cli_free(struct sbx_cli *cli)
{
	strv_free(&cli->configs);
	free(cli->workspace);
	free(cli->name);
	free(cli->agent);
	free(cli->placement);
	free(cli->skills_store);
	strv_free(&cli->allowlists);
	strv_free(&cli->allow);
	strv_free(&cli->with);
	free(cli->kit_dir);
}
