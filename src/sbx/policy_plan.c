/* policy_plan.c — the diff that makes managed allow rules exactly equal to
 * the wanted host set, leaving every other rule alone and listing those it
 * cannot classify (see policy.h). Pure. */
#include "claude-sbx/policy.h"
#include "claude-sbx/allowlist.h"

#include <stdlib.h>
#include <string.h>

static void strv_remove(struct strv *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->v[i], x) == 0) {
			free(s->v[i]);
			memmove(&s->v[i], &s->v[i + 1],
				(s->n - i) * sizeof(*s->v));
			s->n--;
			return;
		}
	}
}

/* Ids of rules that are not managed: a managed rule sharing one is never
 * removed (`policy rm --id` would take the other rule too). */
static int foreign_ids(const struct sbx_rules *cur, struct strv *ids)
{
	for (size_t i = 0; i < cur->n; i++)
		if (cur->v[i].id && !sbx_rule_is_managed(&cur->v[i]) &&
		    strv_add_unique(ids, cur->v[i].id) < 0)
			return -1;
	return 0;
}

static int note_unclassified(struct sbx_policy_plan *plan,
			     const struct sbx_rule *r, size_t i)
{
	if (r->id)
		return strv_add_unique(&plan->unclassified, r->id);
	return strv_pushf(&plan->unclassified, "#%zu", i + 1);
}

int sbx_policy_plan(const struct sbx_rules *cur, const struct strv *wanted,
		    struct sbx_policy_plan *plan)
{
	struct strv shared = { 0 };
	bool *kept_rule = calloc(cur->n + 1, sizeof(*kept_rule));

	memset(plan, 0, sizeof(*plan));
	if (!kept_rule || foreign_ids(cur, &shared) < 0)
		goto oom;
	for (size_t i = 0; i < cur->n; i++) {
		const struct sbx_rule *r = &cur->v[i];
		enum sbx_rule_class c = sbx_rule_classify(r);
		if ((r->created_via &&
		     strcmp(r->created_via, "default") == 0) ||
		    (!r->created_via && r->origin &&
		     strcmp(r->origin, "default") == 0))
			plan->presets++;
		if (c == SBX_RULE_FOREIGN)
			continue;
		if (c == SBX_RULE_UNCLASSIFIED ||
		    strv_contains(&shared, r->id)) {
			if (note_unclassified(plan, r, i) < 0)
				goto oom;
			continue;
		}
		bool keep = true;
		for (size_t k = 0; k < r->resources.n && keep; k++)
			if (!strv_contains(wanted, r->resources.v[k]) ||
			    strv_contains(&plan->kept, r->resources.v[k]))
				keep = false;
		if (keep && !strv_contains(&plan->remove_ids, r->id)) {
			if (strv_extend(&plan->kept, &r->resources) < 0)
				goto oom;
			kept_rule[i] = true;
			continue;
		}
		for (size_t k = 0; k < r->resources.n; k++) {
			const char *res = r->resources.v[k];
			if (strv_add_unique(&plan->removed_hosts, res) < 0)
				goto oom;
		}
		if (strv_add_unique(&plan->remove_ids, r->id) < 0)
			goto oom;
	}
	/* a rule whose id is removed cannot count as kept, even if another
	 * listing of the same id looked keepable */
	for (size_t i = 0; i < cur->n; i++) {
		const struct sbx_rule *r = &cur->v[i];
		if (kept_rule[i] && strv_contains(&plan->remove_ids, r->id))
			for (size_t k = 0; k < r->resources.n; k++)
				strv_remove(&plan->kept, r->resources.v[k]);
	}
	for (size_t i = 0; i < wanted->n; i++)
		if (!strv_contains(&plan->kept, wanted->v[i]) &&
		    strv_add_unique(&plan->add, wanted->v[i]) < 0)
			goto oom;
	/* A host both removed (as a duplicate) and re-added or still kept is
	 * not reported as removed. */
	for (size_t i = 0; i < plan->add.n; i++)
		strv_remove(&plan->removed_hosts, plan->add.v[i]);
	for (size_t i = 0; i < plan->kept.n; i++)
		strv_remove(&plan->removed_hosts, plan->kept.v[i]);
	sbx_strv_sort(&plan->add);
	sbx_strv_sort(&plan->removed_hosts);
	sbx_strv_sort(&plan->kept);
	strv_free(&shared);
	free(kept_rule);
	return 0;
oom:
	strv_free(&shared);
	free(kept_rule);
	sbx_policy_plan_free(plan);
	return -1;
}

void sbx_policy_plan_free(struct sbx_policy_plan *plan)
{
	strv_free(&plan->add);
	strv_free(&plan->remove_ids);
	strv_free(&plan->unclassified);
	strv_free(&plan->removed_hosts);
	strv_free(&plan->kept);
}
