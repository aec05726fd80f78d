/* cmd_status.c — `claude-sbx status`: the sandbox, the view, and the egress
 * rules against the allowlists (drift listed). */
#include "launcher.h"
#include "claude-sbx/keeper.h"
#include "claude-sbx/sbxls.h"
#include "seedfs/seedfs.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* `sbx ls --json`, or the table where --json is not known. */
static int sandbox_state(struct sbx_ctx *x, bool *present, struct sbx_err *err)
{
	struct proc_result res;
	struct sbx_sandboxes list;
	int rc;

	if (sbx_callv(&x->sbx, &res, err, "ls", "--json", NULL) == 0) {
		rc = sbx_sandboxes_parse_json(res.out, &list, err);
	} else {
		bool fallback = sbx_unknown_flag(&res);
		proc_result_free(&res);
		if (!fallback ||
		    sbx_callv(&x->sbx, &res, err, "ls", NULL) < 0) {
			proc_result_free(&res);
			return -1;
		}
		rc = sbx_sandboxes_parse_table(res.out, &list, err);
	}
	proc_result_free(&res);
	if (rc < 0)
		return -1;
	const struct sbx_sandbox *s = sbx_sandboxes_find(&list, x->cfg.name);
	*present = s != NULL;
	fprintf(x->out, "sandbox:  %s: %s\n", x->cfg.name,
		!s	    ? "absent"
		: s->status ? s->status
			    : "present");
	sbx_sandboxes_free(&list);
	return 0;
}

static void view_state(struct sbx_ctx *x)
{
	const enum sbx_placement places[] = { SBX_PLACE_WORKSPACE,
					      SBX_PLACE_SEPARATE };
	bool any = false;

	for (size_t i = 0; i < 2; i++) {
		struct sbx_err e2 = { 0 };
		struct seedfs_view *v = NULL;
		char *mp = sbx_view_mountpoint(&x->cfg, places[i], &e2);
		if (!mp || seedfs_view_get(mp, &v) != 0) {
			free(mp);
			continue;
		}
		any = true;
		fprintf(x->out, "view:     %s: %s\n", mp,
			v->running
				? "mounted"
				: "stale (daemon gone; `claude-sbx stop` clears it)");
		fprintf(x->out, "  source: %s\n", v->source ? v->source : "?");
		fprintf(x->out, "  daemon: pid %ld\n", (long)v->pid);
		for (size_t l = 0; l < v->nlayers; l++)
			fprintf(x->out, "  rules:  %s xxh3:%016" PRIx64 "\n",
				v->layers[l].file, v->layers[l].xxh3);
		for (size_t g = 0; g < v->ngroups; g++)
			fprintf(x->out, "  group:  %s\n", v->groups[g]);
		if (v->reload_error)
			fprintf(x->out, "  last reload failed: %s\n",
				v->reload_error);
		if (v->running) {
			struct strv rels = { 0 }, tops = { 0 };
			struct sbx_err e3 = { 0 };
			if (sbx_view_entries(mp, &rels, &tops, &e3) == 0) {
				fprintf(x->out, "  visible:");
				for (size_t k = 0; k < tops.n; k++)
					fprintf(x->out, " %s", tops.v[k]);
				fputc('\n', x->out);
			}
			strv_free(&rels);
			strv_free(&tops);
		}
		seedfs_view_free(v);
		free(mp);
	}
	if (!any)
		fprintf(x->out, "view:     not mounted\n");
}

/* The in-sandbox liveness check: the keeper runs (started again after an
 * `sbx stop` unless seed.keeper is off), the guest's change probe against
 * the host's, and the verdict. */
static void keeper_state(struct sbx_ctx *x)
{
	const struct sbx_config *c = &x->cfg;
	struct sbx_err e2 = { 0 };
	char *mp = sbx_view_mountpoint(c, c->placement, &e2);
	if (!mp || !sbx_view_is_mounted(mp)) {
		free(mp);
		return;
	}
	enum sbx_keeper_mode mode =
		sbx_keeper_mode_of(c->seed_keeper, getenv("CLAUDE_SBX_KEEPER"));
	struct sbx_keeper_state st = { 0 };
	bool started = false;
	int rc =
		mode == SBX_KEEPER_OFF
			? sbx_keeper_query(&x->sbx, c, mp, &st, &e2)
			: sbx_keeper_ensure(&x->sbx, c, mp, &st, &started, &e2);
	fprintf(x->out, "inside:   %s%s\n", c->name,
		started ? " (keeper started again)" : "");
	if (mode == SBX_KEEPER_OFF && rc == 0 && !st.answered)
		fprintf(x->out,
			"  keeper: off (seed.keeper: off) and not in the sandbox: no liveness "
			"check; host edits may stay unseen under sbx's virtiofs caching\n");
	else if (rc < 0)
		fprintf(x->out, "  keeper: %s\n", e2.msg);
	if ((rc == 0 || st.answered) &&
	    !(mode == SBX_KEEPER_OFF && !st.answered))
		sbx_keeper_report(x->out, "  ", &st, mp, mode);
	free(mp);
}

static int egress_state(struct sbx_ctx *x, const struct strv *wanted,
			struct sbx_err *err)
{
	struct sbx_rules rules;
	struct sbx_policy_plan plan;

	if (sbx_net_list(&x->sbx, &rules, err) < 0)
		return -1;
	int rc = sbx_policy_plan(&rules, wanted, &plan);
	size_t managed = 0;
	for (size_t i = 0; i < rules.n; i++)
		managed += sbx_rule_is_managed(&rules.v[i]);
	sbx_rules_free(&rules);
	if (rc < 0)
		return sbx_err_set(err, 1, "out of memory");
	bool drift = plan.add.n || plan.remove_ids.n;
	fprintf(x->out,
		"egress:   %zu host patterns wanted, %zu local allow rules: %s\n",
		wanted->n, managed,
		drift ? "DRIFT (`claude-sbx reload-allowlist` fixes it)"
		      : "in sync");
	for (size_t i = 0; i < plan.add.n; i++)
		fprintf(x->out, "  drift: missing %s\n", plan.add.v[i]);
	for (size_t i = 0; i < plan.removed_hosts.n; i++)
		fprintf(x->out, "  drift: stale %s\n", plan.removed_hosts.v[i]);
	if (drift && !plan.removed_hosts.n && plan.remove_ids.n)
		fprintf(x->out, "  drift: %zu duplicate rules\n",
			plan.remove_ids.n);
	sbx_net_report_left(x->out, &plan);
	sbx_policy_plan_free(&plan);
	return 0;
}

int sbx_cmd_status(struct sbx_ctx *x, struct sbx_err *err)
{
	struct strv wanted = { 0 };
	int rc = -1;

	if (sbx_net_wanted(&x->cfg, &wanted, err) < 0)
		return -1;
	if (sbx_client_init(&x->sbx, err) < 0) {
		view_state(x);
		goto out;
	}
	bool present = false;
	if (sandbox_state(x, &present, err) < 0)
		goto out;
	view_state(x);
	if (present)
		keeper_state(x);
	if (egress_state(x, &wanted, err) < 0)
		goto out;
	rc = 0;
out:
	fflush(x->out);
	strv_free(&wanted);
	return rc;
}
