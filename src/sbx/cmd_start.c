/* cmd_start.c — `claude-sbx start`: the seven steps, and on failure the
 * undoing of what this run set up (the view, a sandbox it created). */
#include "launcher.h"
#include "claude-sbx/gitexclude.h"
#include "claude-sbx/inside.h"
#include "claude-sbx/keeper.h"
#include "claude-sbx/settings.h"

#include <stdlib.h>
#include <string.h>

#define NSTEPS 7

static void step(FILE *out, int n, const char *what)
{
	fprintf(out, "[%d/%d] %s\n", n, NSTEPS, what);
	fflush(out);
}

/* Stops at a step boundary after SIGINT/SIGTERM/SIGHUP. */
static bool stop_here(struct sbx_err *err, int next)
{
	if (!sbx_interrupted())
		return false;
	sbx_err_set(err, 1, "interrupted before step %d/%d", next, NSTEPS);
	return true;
}

static void append(struct sbx_err *err, const char *text)
{
	size_t len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len, "\n  %s", text);
}

int sbx_cmd_start(struct sbx_ctx *x, struct sbx_err *err)
{
	const struct sbx_config *c = &x->cfg;
	struct strv wanted = { 0 }, rels = { 0 }, tops = { 0 }, hidden = { 0 };
	char *mp = NULL;
	bool view_up = false, mounted_now = false, created = false;
	int rc = -1;

	/* everything that can be checked before changing anything */
	if (sbx_net_wanted(c, &wanted, err) < 0)
		return -1;
	if (sbx_settings_mode_of(&c->seed_with) == SBX_SETTINGS_RAW)
		fprintf(stderr,
			"claude-sbx: warning: settings=raw: the host's settings.json is served unfiltered "
			"and %s (hooks, env and all but the credential helpers), and allowManagedHooksOnly is not set\n",
			c->settings_via == SBX_VIA_MERGE
				? "merged into the sandbox's"
				: "given to claude --settings");
	if (!(mp = sbx_view_mountpoint(c, c->placement, err)))
		goto out;
	if (!proc_on_path("fusermount3")) {
		sbx_err_set(
			err, 1,
			"fusermount3 is not on PATH: install fuse3 (Debian: apt-get install fuse3)");
		goto out;
	}
	bool allow_other;
	if (sbx_view_precheck(mp, &allow_other, err) < 0)
		goto out;
	if (strcmp(c->agent, "shell") == 0 && !proc_on_path("npm")) {
		sbx_err_set(
			err, 1,
			"npm is not on PATH: install npm (Debian: apt-get install npm); agent: shell packs Claude Code on the host");
		goto out;
	}
	if (sbx_client_init(&x->sbx, err) < 0)
		goto out;

	if (sbx_net_steps(&x->sbx, c, &wanted, 1, NSTEPS, x->out, err) < 0)
		goto out;

	if (stop_here(err, 3))
		goto out;
	step(x->out, 3, "seed view");
	if (sbx_view_up(c, mp, &mounted_now, err) < 0) {
		sbx_err_prefix(err, "step 3/%d (seed view)", NSTEPS);
		goto out;
	}
	view_up = true;
	fprintf(x->out, "  %s %s (source %s)\n",
		mounted_now ? "mounted" : "already mounted", mp,
		c->seed_source);
	if (mounted_now && allow_other)
		fprintf(x->out,
			"  with allow_other,default_permissions: the sandbox's file server runs as another user\n");
	if (c->placement == SBX_PLACE_WORKSPACE) {
		char *excl = NULL;
		int r = sbx_git_exclude_add(c->workspace, ".claude-seed", &excl,
					    err);
		if (r < 0) {
			sbx_err_prefix(err,
				       "step 3/%d (seed view: git exclude)",
				       NSTEPS);
			goto undo;
		}
		if (r == 1)
			fprintf(x->out, "  added /.claude-seed/ to %s\n", excl);
		free(excl);
	}
	if (sbx_view_entries(mp, &rels, &tops, err) < 0) {
		sbx_err_prefix(err, "step 3/%d (seed view)", NSTEPS);
		goto undo;
	}
	sbx_view_hidden(c->seed_source, &tops, &hidden);
	fprintf(x->out, "  visible:");
	for (size_t i = 0; i < tops.n; i++)
		fprintf(x->out, " %s", tops.v[i]);
	fprintf(x->out, "%s\n",
		tops.n ? "" : " (nothing: check seed.source and the rules)");

	if (stop_here(err, 4))
		goto undo;
	step(x->out, 4, "sandbox");
	if (sbx_sandbox_create(&x->sbx, c, mp, &created, err) < 0) {
		sbx_err_prefix(err, "step 4/%d (sandbox create)", NSTEPS);
		goto undo;
	}
	fprintf(x->out, "  %s %s (agent %s, workspace %s%s%s)\n",
		created ? "created" : "exists:", c->name, c->agent,
		c->workspace,
		c->placement == SBX_PLACE_SEPARATE ? ", view shared as " : "",
		c->placement == SBX_PLACE_SEPARATE ? mp : "");

	if (stop_here(err, 5))
		goto undo;
	step(x->out, 5,
	     "inside the sandbox: links, profile, managed settings, settings.json");
	if (sbx_sandbox_link(&x->sbx, c, mp, &rels, NULL, err) < 0 ||
	    sbx_sandbox_files(&x->sbx, c, mp, err) < 0) {
		sbx_err_prefix(err, "step 5/%d (inside the sandbox)", NSTEPS);
		goto undo;
	}
	{
		struct strv link = { 0 };
		sbx_rels_for(&x->sbx, c, &rels, &link, NULL);
		fprintf(x->out, "  %zu entries linked into %s", link.n,
			SBX_AGENT_CLAUDE);
		if (link.n != rels.n)
			fprintf(x->out,
				"; %zu skills in the plugin %s (claude --plugin-dir; sbx's skills store: %s)",
				rels.n - link.n, SBX_SEED_PLUGIN,
				sbx_skills_store_name(c->skills_store));
		strv_free(&link);
	}
	fprintf(x->out, "; %s; %s%s\n", SBX_PROFILE_PATH, SBX_MANAGED_PATH,
		sbx_settings_mode_of(&c->seed_with) == SBX_SETTINGS_RAW
			? " (no hook lock: settings=raw)"
			: "");
	if (sbx_sandbox_settings_step(&x->sbx, c, mp,
				      strv_contains(&tops, "settings.json"),
				      x->out, err) < 0) {
		sbx_err_prefix(err,
			       "step 5/%d (inside the sandbox: settings.json)",
			       NSTEPS);
		goto undo;
	}
	if (strcmp(c->agent, "shell") == 0 &&
	    sbx_install_claude_code(&x->sbx, c, x->out, err) < 0) {
		sbx_err_prefix(err, "step 5/%d (installing Claude Code)",
			       NSTEPS);
		goto undo;
	}

	if (stop_here(err, 6))
		goto undo;
	step(x->out, 6, "check from inside the sandbox");
	if (tops.n &&
	    sbx_sandbox_check(&x->sbx, c, mp, &rels, &hidden, err) < 0) {
		sbx_err_prefix(err, "step 6/%d (check from inside)", NSTEPS);
		goto undo;
	}
	fprintf(x->out,
		"  %zu entries readable under %s; %zu hidden names unreachable\n",
		rels.n, SBX_AGENT_CLAUDE, hidden.n);
	/* the keeper, now that the view is known to be readable inside;
	 * ensure ends with a --status, which is the liveness check */
	enum sbx_keeper_mode kmode =
		sbx_keeper_mode_of(c->seed_keeper, getenv("CLAUDE_SBX_KEEPER"));
	if (kmode == SBX_KEEPER_OFF) {
		fprintf(x->out,
			"  keeper: off (seed.keeper: off); host edits may stay unseen under "
			"sbx's virtiofs caching\n");
	} else {
		struct sbx_keeper_state kst = { 0 };
		struct sbx_err e2 = { 0 };
		bool started = false;
		if (sbx_keeper_ensure(&x->sbx, c, mp, &kst, &started, &e2) <
		    0) {
			if (kmode == SBX_KEEPER_ON) {
				sbx_err_set(
					err, 1,
					"step 6/%d (the keeper): %s (seed.keeper: on)",
					NSTEPS, e2.msg);
				goto undo;
			}
			fprintf(stderr,
				"claude-sbx: warning: the keeper does not run in %s: %s; "
				"host edits may stay unseen under sbx's virtiofs caching\n",
				c->name, e2.msg);
		} else {
			fprintf(x->out,
				"  keeper %s (pid %ld): drops the guest's caches when the view changes\n",
				started ? "started" : "already running",
				kst.pid);
		}
		sbx_keeper_report(x->out, "  ", &kst, mp, kmode);
	}

	if (stop_here(err, 7))
		goto undo;
	step(x->out, 7, "ready");
	fprintf(x->out, "  enter:  claude-sbx -C %s shell\n", c->workspace);
	{
		struct strv args = { 0 }, q = { 0 };
		if (strcmp(c->agent, "claude") == 0) {
			struct sbx_config bare =
				*c; /* the seed's flags, not the session's */
			bare.cc_model = NULL;
			bare.cc_flags = (struct strv){ 0 };
			sbx_seed_claude_args(&x->sbx, &bare, mp, &args);
		}
		fprintf(x->out, "  or:     sbx run %s",
			sbx_has_run_name(&x->sbx.ver) ? "--name " : "");
		sbx_sh_quote(&q, c->name);
		for (size_t i = 0; i < args.n; i++)
			sbx_sh_quote(&q, args.v[i]);
		for (size_t i = 0; i < q.n; i++)
			fprintf(x->out, "%s%s",
				i == 1 ? " -- "
				: i    ? " "
				       : "",
				q.v[i]);
		fputc('\n', x->out);
		if (strcmp(c->agent, "shell") == 0)
			fprintf(x->out,
				"          (then `claude`: a shell function in %s adds the seed's flags)\n",
				SBX_PROFILE_PATH);
		strv_free(&args);
		strv_free(&q);
	}
	fprintf(x->out, "  stop:   claude-sbx -C %s stop\n", c->workspace);
	rc = 0;
	goto out;
undo:
	if (created) {
		struct proc_result res;
		struct sbx_err e2 = { 0 };
		if (sbx_callv(&x->sbx, &res, &e2, "rm", "-f", c->name, NULL) <
		    0)
			append(err,
			       "the sandbox created by this run could not be removed:"),
				append(err, e2.msg);
		else
			append(err,
			       "the sandbox created by this run was removed");
		proc_result_free(&res);
	}
	if (view_up) {
		struct sbx_err e2 = { 0 };
		bool was;
		if (sbx_view_down(mp, &was, &e2) < 0) {
			append(err, "the view could not be unmounted:");
			append(err, e2.msg);
		} else {
			append(err,
			       "the seed view was unmounted; nothing is left mounted");
		}
	}
out:
	strv_free(&wanted);
	strv_free(&rels);
	strv_free(&tops);
	strv_free(&hidden);
	free(mp);
	return rc;
}
