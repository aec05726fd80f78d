/* policy.h — sbx egress rules as the launcher sees them, and the plan
 * that makes the user's local allow rules exactly equal to the allowlists.
 *
 * Owns: parsing every `sbx policy ls` format by header name (the table
 * before 0.32, the --wide table from 0.35, any other table carrying a
 * DECISION and a RESOURCES column) or as JSON (--json, 0.35+, read with
 * json-c), classifying each rule (ours to manage, someone else's, or not
 * classifiable), and the pure diff (sbx_policy_plan). Nothing here spawns
 * a process.
 */
#ifndef CLAUDE_SBX_POLICY_H
#define CLAUDE_SBX_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "claude-sbx/err.h"
#include "claude-sbx/strv.h"

struct sbx_rule {
	char *id;   /* rule id as sbx prints it (case kept), or NULL */
	char *type; /* "network", "filesystem:read", … (lower case) or NULL */
	char *decision;	   /* "allow" / "deny" (lower case) or NULL */
	char *origin;	   /* "local", "kit", "org", "scoped", … or NULL */
	char *created_via; /* "default", "added", … (provenance) or NULL */
	char *scope;	   /* "global", "sandbox:<n>" or NULL */
	char *status;	   /* "active", "inactive" or NULL */
	/* The 0.31 table's proof of a user rule: a NAME "local:<id>" with
	 * ORIGIN local (set by the table parser only). */
	bool legacy_local_name;
	/* A field was there but not in a form the parser knows (a resource
	 * that is not a string, say): the rule cannot be classified. */
	bool malformed;
	struct strv resources;
};

struct sbx_rules {
	struct sbx_rule *v;
	size_t n;
};

/* Parses the text of `sbx policy ls` / `sbx policy ls --wide` (cmd names
 * the command in errors) or of `sbx policy ls --json`. Returns 0, or -1
 * with err (status 1) naming the command and what was expected when the
 * output is not recognised; then out is empty. A leading
 * `Governance: …` line, unknown columns and fields, and an update banner
 * after the JSON value (on a line of its own) are tolerated. A summary
 * table without per-rule rows is reported as not recognised so the caller
 * can ask for --wide. */
int sbx_rules_parse_table(const char *text, const char *cmd,
			  struct sbx_rules *out, struct sbx_err *err);
int sbx_rules_parse_json(const char *text, struct sbx_rules *out,
			 struct sbx_err *err);
void sbx_rules_free(struct sbx_rules *r);

enum sbx_rule_class {
	/* A rule the launcher manages: proven user-added (created_via
	 * added/approval/provisioned, or the 0.31 "local:" name), local,
	 * global, active, network, allow, with an id and resources. */
	SBX_RULE_MANAGED,
	/* Proven not ours: a deny, another type, a preset (created_via
	 * default), a kit/org/scoped rule, another scope, inactive. */
	SBX_RULE_FOREIGN,
	/* Neither can be proven: left alone and reported. */
	SBX_RULE_UNCLASSIFIED,
};

enum sbx_rule_class sbx_rule_classify(const struct sbx_rule *r);
/* sbx_rule_classify(r) == SBX_RULE_MANAGED */
bool sbx_rule_is_managed(const struct sbx_rule *r);

struct sbx_policy_plan {
	struct strv add;	   /* resources to `policy allow network` */
	struct strv remove_ids;	   /* managed rules to remove, by id */
	struct strv removed_hosts; /* what those removals take away (report) */
	struct strv kept;	   /* wanted hosts already allowed */
	struct strv unclassified;  /* rules left alone: "id" or "#N" (report) */
	size_t presets;		   /* rules with created_via default (report) */
};

/* wanted: normalised host patterns. Managed rules whose resources are all
 * wanted are kept (one per host; duplicates removed); any other managed
 * rule is removed by id and its wanted resources re-added. A rule whose id
 * is shared with a rule that is not managed is never removed (counted as
 * unclassified). Returns 0, or -1 when out of memory. */
int sbx_policy_plan(const struct sbx_rules *cur, const struct strv *wanted,
		    struct sbx_policy_plan *plan);
void sbx_policy_plan_free(struct sbx_policy_plan *plan);

#endif
