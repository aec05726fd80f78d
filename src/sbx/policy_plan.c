/* policy_plan.c — the diff that makes managed allow rules exactly equal to
 * the wanted host set (see policy.h). Pure. */
#include "claude-sbx/policy.h"
#include "claude-sbx/allowlist.h"

#include <stdlib.h>
#include <string.h>

static void strv_remove(struct strv *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->v[i], x) == 0) {
			free(s->v[i]);
			memmove(&s->v[i], &s->v[i + 1], (s->n - i) * sizeof(*s->v));
			s->n--;
			return;
		}
	}
}

int sbx_policy_plan(const struct sbx_rules *cur, const struct strv *wanted,
		    struct sbx_policy_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
	for (size_t i = 0; i < cur->n; i++) {
		const struct sbx_rule *r = &cur->v[i];
		if (!sbx_rule_is_managed(r))
			continue;
		bool keep = r->resources.n > 0;
		for (size_t k = 0; k < r->resources.n && keep; k++)
			if (!strv_contains(wanted, r->resources.v[k]) ||
			    strv_contains(&plan->kept, r->resources.v[k]))
				keep = false;
		if (keep) {
			if (strv_extend(&plan->kept, &r->resources) < 0)
				goto oom;
			continue;
		}
		for (size_t k = 0; k < r->resources.n; k++) {
			const char *res = r->resources.v[k];
			if (!strv_contains(wanted, res) || !strv_contains(&plan->kept, res))
				if (strv_add_unique(&plan->removed_hosts, res) < 0)
					goto oom;
		}
		if (r->id) {
			if (strv_add_unique(&plan->remove_ids, r->id) < 0)
				goto oom;
			continue;
		}
		/* Without an id, removal by resource takes every managed rule
		 * holding it: whatever is wanted must be added back. */
		for (size_t k = 0; k < r->resources.n; k++) {
			const char *res = r->resources.v[k];
			if (strv_add_unique(&plan->remove_res, res) < 0)
				goto oom;
			strv_remove(&plan->kept, res);
		}
	}
	/* Resources removed by name cannot stay kept even if a later rule
	 * held them. */
	for (size_t k = 0; k < plan->remove_res.n; k++)
		strv_remove(&plan->kept, plan->remove_res.v[k]);
	for (size_t i = 0; i < wanted->n; i++)
		if (!strv_contains(&plan->kept, wanted->v[i]) &&
		    strv_add_unique(&plan->add, wanted->v[i]) < 0)
			goto oom;
	/* A host both removed (as a duplicate or by name) and re-added is
	 * not reported as removed. */
	for (size_t i = 0; i < plan->add.n; i++)
		strv_remove(&plan->removed_hosts, plan->add.v[i]);
	for (size_t i = 0; i < plan->kept.n; i++)
		strv_remove(&plan->removed_hosts, plan->kept.v[i]);
	sbx_strv_sort(&plan->add);
	sbx_strv_sort(&plan->removed_hosts);
	sbx_strv_sort(&plan->kept);
	return 0;
oom:
	sbx_policy_plan_free(plan);
	return -1;
}

void sbx_policy_plan_free(struct sbx_policy_plan *plan)
{
	strv_free(&plan->add);
	strv_free(&plan->remove_ids);
	strv_free(&plan->remove_res);
	strv_free(&plan->removed_hosts);
	strv_free(&plan->kept);
}
