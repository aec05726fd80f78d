/* policy.h — sbx egress rules as the launcher sees them, and the plan
 * that makes the local allow rules exactly equal to the allowlists.
 *
 * Owns: parsing every `sbx policy ls` format by header name (the table
 * before 0.32, the --wide table from 0.35, any other table carrying a
 * DECISION and a RESOURCES column) or as JSON (--json, 0.35+), and the
 * pure diff (sbx_policy_plan). Nothing here spawns a process.
 */
#ifndef CLAUDE_SBX_POLICY_H
#define CLAUDE_SBX_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "claude-sbx/err.h"
#include "claude-sbx/strv.h"

struct sbx_rule {
	char *id;	 /* rule id (uuid or "local:<uuid>"), may be NULL */
	char *type;	 /* "network", … (lower case), may be NULL */
	char *decision;	 /* "allow" / "deny" (lower case) */
	char *origin;	 /* "local", "default", "kit", … (lower case) or NULL */
	struct strv resources;
};

struct sbx_rules {
	struct sbx_rule *v;
	size_t n;
};

/* Parses the text of `sbx policy ls` (any table format) or of
 * `sbx policy ls --json`. Returns 0 or -1 with err (status 1) when the
 * output is not recognised; a summary table without per-rule rows is
 * reported as not recognised so the caller can ask for --wide. */
int sbx_rules_parse_table(const char *text, struct sbx_rules *out,
			  struct sbx_err *err);
int sbx_rules_parse_json(const char *text, struct sbx_rules *out,
			 struct sbx_err *err);
void sbx_rules_free(struct sbx_rules *r);

/* A network allow rule the launcher manages: created locally by
 * `sbx policy allow network`. Deny rules, other types and rules from
 * kits or the baseline are never touched. */
bool sbx_rule_is_managed(const struct sbx_rule *r);

struct sbx_policy_plan {
	struct strv add;	    /* resources to `policy allow network` */
	struct strv remove_ids;	    /* managed rules to remove, by id */
	struct strv remove_res;	    /* managed rules without id: by resource */
	struct strv removed_hosts;  /* what those removals take away (report) */
	struct strv kept;	    /* wanted hosts already allowed */
};

/* wanted: normalised host patterns. Managed rules whose resources are all
 * wanted are kept (one per host; duplicates removed); any other managed
 * rule is removed and its wanted resources re-added. */
int sbx_policy_plan(const struct sbx_rules *cur, const struct strv *wanted,
		    struct sbx_policy_plan *plan);
void sbx_policy_plan_free(struct sbx_policy_plan *plan);

#endif
