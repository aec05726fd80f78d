/* network.c — steps 1–2: the egress baseline and the allow rules made
 * exactly equal to the allowlists. Never calls `sbx policy reset`. */
#include "launcher.h"
#include "claude-sbx/allowlist.h"

#include <stdlib.h>
#include <string.h>

int sbx_net_wanted(const struct sbx_config *c, struct strv *wanted,
		   struct sbx_err *err)
{
	struct strv set = { 0 };
	for (size_t i = 0; i < c->allowlists.n; i++) {
		char *path = NULL;
		if (sbx_allowlist_resolve(c->allowlists.v[i], &path, err) < 0 ||
		    sbx_allowlist_load(path, &set, err) < 0) {
			free(path);
			strv_free(&set);
			return -1;
		}
		free(path);
	}
	for (size_t i = 0; i < c->allow.n; i++)
		if (strv_add_unique(&set, c->allow.v[i]) < 0) {
			strv_free(&set);
			return sbx_err_set(err, 1, "out of memory");
		}
	sbx_strv_sort(&set);
	*wanted = set;
	return 0;
}

int sbx_net_baseline(struct sbx_client *sbx, const char *mode, FILE *out,
		     struct sbx_err *err)
{
	struct proc_result res;
	const char *verb = sbx_has_policy_init(&sbx->ver) ? "init"
							  : "set-default";
	int rc = sbx_callv(sbx, &res, err, "policy", verb, mode, NULL);
	if (rc < 0) {
		char *msg = sbx_message(&res);
		bool already = msg && strstr(msg, "already set");
		free(msg);
		proc_result_free(&res);
		if (!already)
			return -1;
		fprintf(out,
			"  baseline already set (left as it is; `sbx policy ls` shows it)\n");
		return 0;
	}
	proc_result_free(&res);
	fprintf(out, "  baseline set: %s\n", mode);
	return 0;
}

bool sbx_unknown_flag(const struct proc_result *res)
{
	char *msg = sbx_message(res);
	bool u = msg && (strstr(msg, "unknown flag") ||
			 strstr(msg, "unknown shorthand"));
	free(msg);
	return u;
}

int sbx_net_list(struct sbx_client *sbx, struct sbx_rules *rules,
		 struct sbx_err *err)
{
	struct proc_result res;

	if (sbx_has_policy_json(&sbx->ver)) {
		if (sbx_callv(sbx, &res, err, "policy", "ls", "--json", NULL) ==
		    0) {
			int rc = sbx_rules_parse_json(res.out, rules, err);
			proc_result_free(&res);
			return rc;
		}
		bool fallback = sbx_unknown_flag(&res);
		proc_result_free(&res);
		if (!fallback)
			return -1;
	}
	if (sbx_callv(sbx, &res, err, "policy", "ls", NULL) < 0) {
		proc_result_free(&res);
		return -1;
	}
	int rc = sbx_rules_parse_table(res.out, "sbx policy ls", rules, err);
	proc_result_free(&res);
	if (rc == 0)
		return 0;
	/* a summary table (0.35+): ask for one row per rule */
	if (sbx_callv(sbx, &res, err, "policy", "ls", "--wide", NULL) < 0) {
		proc_result_free(&res);
		return -1;
	}
	rc = sbx_rules_parse_table(res.out, "sbx policy ls --wide", rules, err);
	proc_result_free(&res);
	return rc;
}

/* An id as sbx printed it, shown to a terminal: control bytes as '?',
 * at most 64 bytes. */
static void put_id(FILE *out, const char *id)
{
	fputc(' ', out);
	for (size_t i = 0; id[i] && i < 64; i++)
		fputc((unsigned char)id[i] < 0x20 || id[i] == 0x7f ? '?'
								   : id[i],
		      out);
	if (strlen(id) > 64)
		fputs("...", out);
}

void sbx_net_report_left(FILE *out, const struct sbx_policy_plan *plan)
{
	if (plan->presets)
		fprintf(out,
			"  %zu sbx preset rules left as they are (created_via default)\n",
			plan->presets);
	if (!plan->unclassified.n)
		return;
	fprintf(out,
		"  left alone: %zu rules the launcher cannot classify (not proven user-added local network allow rules):",
		plan->unclassified.n);
	for (size_t i = 0; i < plan->unclassified.n && i < 8; i++)
		put_id(out, plan->unclassified.v[i]);
	if (plan->unclassified.n > 8)
		fprintf(out, " ...");
	fputc('\n', out);
}

static void print_list(FILE *out, const char *label, const struct strv *s)
{
	if (!s->n)
		return;
	fprintf(out, "  %s:", label);
	for (size_t i = 0; i < s->n; i++)
		fprintf(out, " %s", s->v[i]);
	fputc('\n', out);
}

static void applied_note(struct sbx_err *err, const struct strv *done)
{
	if (!done->n)
		return;
	size_t len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len,
		 "\n  applied before the failure:");
	for (size_t i = 0; i < done->n; i++) {
		len = strlen(err->msg);
		snprintf(err->msg + len, sizeof(err->msg) - len, " %s",
			 done->v[i]);
	}
}

int sbx_net_apply(struct sbx_client *sbx, const struct strv *wanted, FILE *out,
		  struct sbx_err *err)
{
	struct sbx_rules rules;
	struct sbx_policy_plan plan;
	struct strv done = { 0 };
	struct proc_result res;
	int rc = -1;

	if (sbx_net_list(sbx, &rules, err) < 0)
		return -1;
	if (sbx_policy_plan(&rules, wanted, &plan) < 0) {
		sbx_rules_free(&rules);
		return sbx_err_set(err, 1, "out of memory");
	}
	sbx_rules_free(&rules);
	for (size_t i = 0; i < plan.remove_ids.n; i++) {
		if (sbx_callv(sbx, &res, err, "policy", "rm", "network", "--id",
			      plan.remove_ids.v[i], NULL) < 0)
			goto fail;
		proc_result_free(&res);
		strv_pushf(&done, "-%s", plan.remove_ids.v[i]);
	}
	for (size_t i = 0; i < plan.add.n; i++) {
		if (sbx_callv(sbx, &res, err, "policy", "allow", "network",
			      plan.add.v[i], NULL) < 0)
			goto fail;
		proc_result_free(&res);
		strv_pushf(&done, "+%s", plan.add.v[i]);
	}
	/* check the result rather than trusting it */
	struct sbx_policy_plan again;
	if (sbx_net_list(sbx, &rules, err) < 0) {
		applied_note(err, &done);
		goto out;
	}
	if (sbx_policy_plan(&rules, wanted, &again) < 0) {
		sbx_rules_free(&rules);
		sbx_err_set(err, 1, "out of memory");
		goto out;
	}
	sbx_rules_free(&rules);
	if (again.add.n || again.remove_ids.n) {
		sbx_err_set(
			err, 1,
			"egress rules still differ from the allowlists after applying: %zu missing, %zu stale",
			again.add.n, again.remove_ids.n);
		applied_note(err, &done);
		sbx_policy_plan_free(&again);
		goto out;
	}
	fprintf(out,
		"  %zu host patterns allowed (%zu added, %zu removed, %zu unchanged)\n",
		wanted->n, plan.add.n, plan.removed_hosts.n, plan.kept.n);
	print_list(out, "added", &plan.add);
	print_list(out, "removed", &plan.removed_hosts);
	sbx_net_report_left(out, &again);
	sbx_policy_plan_free(&again);
	rc = 0;
	goto out;
fail:
	proc_result_free(&res);
	applied_note(err, &done);
out:
	sbx_policy_plan_free(&plan);
	strv_free(&done);
	return rc;
}

int sbx_net_steps(struct sbx_client *sbx, const struct sbx_config *c,
		  const struct strv *wanted, int first_step, int nsteps,
		  FILE *out, struct sbx_err *err)
{
	fprintf(out,
		"[%d/%d] network baseline: %s (sbx %d.%d.%d, `policy %s`)\n",
		first_step, nsteps, c->net_default, sbx->ver.major,
		sbx->ver.minor, sbx->ver.patch,
		sbx_has_policy_init(&sbx->ver) ? "init" : "set-default");
	fflush(out);
	if (sbx_net_baseline(sbx, c->net_default, out, err) < 0) {
		sbx_err_prefix(err, "step %d/%d (network baseline)", first_step,
			       nsteps);
		return -1;
	}
	fprintf(out, "[%d/%d] egress allowlist:", first_step + 1, nsteps);
	for (size_t i = 0; i < c->allowlists.n; i++)
		fprintf(out, " %s", c->allowlists.v[i]);
	if (c->allow.n)
		fprintf(out, " + %zu from network.allow", c->allow.n);
	fputc('\n', out);
	fflush(out);
	if (sbx_net_apply(sbx, wanted, out, err) < 0) {
		sbx_err_prefix(err, "step %d/%d (egress allowlist)",
			       first_step + 1, nsteps);
		return -1;
	}
	return 0;
}
