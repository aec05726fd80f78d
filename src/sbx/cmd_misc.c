/* cmd_misc.c — `shell`, `reload-allowlist` and `sync-config` (links and
 * the settings.json merge again). */
#include "launcher.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "claude-sbx/keeper.h"
#include "claude-sbx/settings.h"

static int need_sandbox(struct sbx_ctx *x, struct sbx_err *err)
{
	bool exists;
	if (sbx_sandbox_exists(&x->sbx, x->cfg.name, &exists, err) < 0)
		return -1;
	if (!exists)
		return sbx_err_set(
			err, 1, "no sandbox %s: run `claude-sbx start` first",
			x->cfg.name);
	return 0;
}

/* For a command on the running sandbox: the client ready, the sandbox
 * there, and the seed view's mountpoint (malloc'd; NULL on error). */
static char *sandbox_view(struct sbx_ctx *x, struct sbx_err *err)
{
	if (sbx_client_init(&x->sbx, err) < 0 || need_sandbox(x, err) < 0)
		return NULL;
	return sbx_view_mountpoint(&x->cfg, x->cfg.placement, err);
}

int sbx_cmd_shell(struct sbx_ctx *x, struct sbx_err *err)
{
	const struct sbx_config *c = &x->cfg;
	struct strv argv = { 0 };

	char *mp = sandbox_view(x, err);
	if (!mp)
		return -1;
	if (!sbx_view_is_mounted(mp)) {
		fprintf(stderr,
			"claude-sbx: warning: the seed view %s is not mounted; "
			"`claude-sbx start` mounts it\n",
			mp);
	} else if (sbx_keeper_mode_of(c->seed_keeper,
				      getenv("CLAUDE_SBX_KEEPER")) !=
		   SBX_KEEPER_OFF) {
		/* after an `sbx stop` the guest came back without it */
		struct sbx_keeper_state st;
		struct sbx_err e2 = { 0 };
		bool started;
		if (sbx_keeper_ensure(&x->sbx, c, mp, &st, &started, &e2) < 0)
			fprintf(stderr,
				"claude-sbx: warning: the keeper does not run in %s: %s; "
				"host edits may stay unseen\n",
				c->name, e2.msg);
	}
	if (sbx_view_is_mounted(mp) &&
	    sbx_settings_mode_of(&c->seed_with) == SBX_SETTINGS_OFF &&
	    c->settings_via == SBX_VIA_FLAG) {
		/* the view was mounted with the settings group, this command
		 * was not told: which mode it serves is unknown here, so the
		 * file is not handed to claude */
		char *sp = NULL;
		struct stat st;
		if (asprintf(&sp, "%s/settings.json", mp) >= 0 &&
		    lstat(sp, &st) == 0)
			fprintf(stderr,
				"claude-sbx: warning: the view serves settings.json but this command "
				"has no --with settings (nor seed.with): not passed to claude; give the same "
				"--with as to start, or set seed.with in the config\n");
		free(sp);
	}
	int rc = strv_push(&argv, "sbx");
	rc |= strv_push(&argv, "run");
	if (sbx_has_run_name(&x->sbx.ver))
		rc |= strv_push(&argv, "--name");
	rc |= strv_push(&argv, c->name);
	if (strcmp(c->agent, "claude") == 0) {
		/* the seed reaches claude as arguments: --plugin-dir (the view's
		 * skills when sbx's store is on ~/.claude/skills), --settings
		 * (the view's settings.json), then the model and flags */
		struct strv ca = { 0 };
		rc |= sbx_seed_claude_args(&x->sbx, c, mp, &ca);
		if (ca.n) {
			rc |= strv_push(&argv, "--");
			rc |= strv_extend(&argv, &ca);
		}
		strv_free(&ca);
	}
	free(mp);
	if (rc < 0) {
		strv_free(&argv);
		return sbx_err_set(err, 1, "out of memory");
	}
	fflush(stdout);
	fflush(stderr);
	execvp("sbx", argv.v);
	sbx_err_set(err, 1, "cannot run sbx run: %s", strerror(errno));
	strv_free(&argv);
	return -1;
}

int sbx_cmd_reload_allowlist(struct sbx_ctx *x, struct sbx_err *err)
{
	struct strv wanted = { 0 };
	int rc = -1;

	if (sbx_net_wanted(&x->cfg, &wanted, err) < 0)
		return -1;
	if (sbx_client_init(&x->sbx, err) == 0 &&
	    sbx_net_steps(&x->sbx, &x->cfg, &wanted, 1, 2, x->out, err) == 0)
		rc = 0;
	fflush(x->out);
	strv_free(&wanted);
	return rc;
}

int sbx_cmd_sync_config(struct sbx_ctx *x, struct sbx_err *err)
{
	const struct sbx_config *c = &x->cfg;
	struct strv rels = { 0 }, tops = { 0 };
	int rc = -1;

	char *mp = sandbox_view(x, err);
	if (!mp)
		return -1;
	if (!sbx_view_is_mounted(mp)) {
		sbx_err_set(
			err, 1,
			"the seed view %s is not mounted: run `claude-sbx start`",
			mp);
		goto out;
	}
	if (sbx_view_entries(mp, &rels, &tops, err) < 0)
		goto out;
	if (sbx_sandbox_link(&x->sbx, c, mp, &rels, x->out, err) < 0)
		goto out;
	fprintf(x->out, "%zu entries linked into /home/agent/.claude from %s\n",
		rels.n, mp);
	if (sbx_sandbox_settings_step(&x->sbx, c, mp,
				      strv_contains(&tops, "settings.json"),
				      x->out, err) < 0)
		goto out;
	rc = 0;
out:
	fflush(x->out);
	strv_free(&rels);
	strv_free(&tops);
	free(mp);
	return rc;
}
