/* policy_parse.c — `sbx policy ls` output to struct sbx_rules, by header
 * name for tables and by key name for --json (json-c, strict), and the
 * classification of a rule (see policy.h). Never by column number. */
#include "claude-sbx/policy.h"
#include "claude-sbx/sbxjson.h"
#include "claude-sbx/table.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *lower_dup(const char *s, size_t n)
{
	char *d = strndup(s, n);
	if (d)
		for (char *p = d; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	return d;
}

static void rule_free(struct sbx_rule *r)
{
	free(r->id);
	free(r->type);
	free(r->decision);
	free(r->origin);
	free(r->created_via);
	free(r->scope);
	free(r->status);
	strv_free(&r->resources);
}

void sbx_rules_free(struct sbx_rules *r)
{
	for (size_t i = 0; i < r->n; i++)
		rule_free(&r->v[i]);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

static struct sbx_rule *rules_add(struct sbx_rules *r)
{
	struct sbx_rule *v = realloc(r->v, (r->n + 1) * sizeof(*v));
	if (!v)
		return NULL;
	r->v = v;
	memset(&v[r->n], 0, sizeof(v[r->n]));
	return &v[r->n++];
}

/* Splits "a.com, b.com" / "a.com,b.com" / "a.com b.com" into resources. */
static int split_resources(struct strv *out, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && (s[i] == ',' || isspace((unsigned char)s[i])))
			i++;
		size_t st = i;
		while (i < n && s[i] != ',' && !isspace((unsigned char)s[i]))
			i++;
		if (i > st) {
			char *low = lower_dup(s + st, i - st);
			if (!low || strv_add_unique(out, low) < 0) {
				free(low);
				return -1;
			}
			free(low);
		}
	}
	return 0;
}

/* A lower-cased copy in *dst, NULL for "". 0, or -1 out of memory. */
static int set_lower(char **dst, const char *s)
{
	*dst = NULL;
	if (!*s)
		return 0;
	*dst = lower_dup(s, strlen(s));
	return *dst ? 0 : -1;
}

static bool one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

static const char *const via_user[] = { "added", "approval", "provisioned",
					NULL };
static const char *const origins_known[] = { "local",  "kit",	  "org",
					     "scoped", "default", NULL };

/* ---- tables ------------------------------------------------------------- */

static int first_col(const struct sbx_table *t, const char *const *names)
{
	for (; *names; names++) {
		int c = sbx_table_col(t, *names);
		if (c >= 0)
			return c;
	}
	return -1;
}

static const char *const col_id[] = { "RULE_ID", "RULE ID", "NAME", "ID",
				      NULL };
static const char *const col_origin[] = { "ORIGIN", "SOURCE", NULL };
static const char *const col_prov[] = { "CREATED_VIA", "CREATED VIA",
					"PROVENANCE", NULL };
static const char *const col_scope[] = { "SCOPE", "APPLIES TO", "APPLIES_TO",
					 NULL };

/* A PROVENANCE cell (0.32–0.34, reported) may hold how the rule was made
 * or where it comes from: sort the value into the right field. */
static int table_provenance(struct sbx_rule *rule, const char *cell,
			    bool have_origin)
{
	char *v = NULL;
	if (set_lower(&v, cell) < 0)
		return -1;
	if (!v)
		return 0;
	if (one_of(v, via_user) || strcmp(v, "default") == 0) {
		rule->created_via = v;
		return 0;
	}
	if (!have_origin && one_of(v, origins_known)) {
		rule->origin = v;
		return 0;
	}
	free(v);
	return 0;
}

static int table_scope(struct sbx_rule *rule, const char *cell)
{
	if (!*cell)
		return 0;
	if (strcasecmp(cell, "all sandboxes") == 0 ||
	    strcasecmp(cell, "all") == 0 || strcasecmp(cell, "global") == 0)
		rule->scope = strdup("global");
	else
		rule->scope = strdup(cell);
	return rule->scope ? 0 : -1;
}

int sbx_rules_parse_table(const char *text, const char *cmd,
			  struct sbx_rules *out, struct sbx_err *err)
{
	struct sbx_table t;

	memset(out, 0, sizeof(*out));
	if (sbx_table_parse(text, &t) < 0)
		return sbx_err_set(err, 1, "out of memory");
	if (t.ncols == 0)
		return 0; /* empty output: no rules */
	int c_dec = sbx_table_col(&t, "DECISION");
	int c_res = sbx_table_col(&t, "RESOURCES");
	int c_id = first_col(&t, col_id);
	int c_type = sbx_table_col(&t, "TYPE");
	int c_origin = first_col(&t, col_origin);
	int c_prov = first_col(&t, col_prov);
	int c_scope = first_col(&t, col_scope);
	int c_status = sbx_table_col(&t, "STATUS");
	bool named = c_id >= 0 && strcmp(t.cols[c_id], "NAME") == 0;
	if (c_dec < 0 || c_res < 0) {
		char head[256] = "";
		size_t hl = 0;
		for (size_t c = 0; c < t.ncols && hl < sizeof(head); c++) {
			int k = snprintf(head + hl, sizeof(head) - hl, "%s%s",
					 c ? " " : "", t.cols[c]);
			if (k < 0)
				break;
			hl += (size_t)k;
		}
		sbx_table_free(&t);
		return sbx_err_set(
			err, 1,
			"unrecognised `%s` output: expected a table with one row per rule and DECISION and RESOURCES columns (header: %s)",
			cmd, head);
	}
	for (size_t r = 0; r < t.nrows; r++) {
		struct sbx_rule *rule = rules_add(out);
		if (!rule)
			goto oom;
		const char *id = sbx_table_cell(&t, r, c_id);
		const char *res = sbx_table_cell(&t, r, c_res);
		if ((*id && !(rule->id = strdup(id))) ||
		    set_lower(&rule->type, sbx_table_cell(&t, r, c_type)) < 0 ||
		    set_lower(&rule->origin, sbx_table_cell(&t, r, c_origin)) <
			    0 ||
		    set_lower(&rule->decision, sbx_table_cell(&t, r, c_dec)) <
			    0 ||
		    set_lower(&rule->status, sbx_table_cell(&t, r, c_status)) <
			    0 ||
		    table_provenance(rule, sbx_table_cell(&t, r, c_prov),
				     c_origin >= 0) < 0 ||
		    table_scope(rule, sbx_table_cell(&t, r, c_scope)) < 0 ||
		    split_resources(&rule->resources, res, strlen(res)) < 0)
			goto oom;
		rule->malformed = t.cut[r];
		rule->legacy_local_name = named && rule->id && rule->origin &&
					  strncmp(rule->id, "local:", 6) == 0 &&
					  rule->id[6] &&
					  strcmp(rule->origin, "local") == 0;
	}
	sbx_table_free(&t);
	return 0;
oom:
	sbx_table_free(&t);
	sbx_rules_free(out);
	return sbx_err_set(err, 1, "out of memory");
}

/* ---- JSON --------------------------------------------------------------- */

static json_object *member(json_object *obj, const char *key)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

/* A string field: absent or null leaves *dst NULL; another type marks the
 * rule malformed. 0, or -1 out of memory. */
static int json_field(struct sbx_rule *r, json_object *obj, const char *key,
		      char **dst, bool lower)
{
	json_object *v = member(obj, key);
	*dst = NULL;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_string)) {
		r->malformed = true;
		return 0;
	}
	const char *s = json_object_get_string(v);
	size_t n = (size_t)json_object_get_string_len(v);
	if (memchr(s, '\0', n)) {
		r->malformed = true;
		return 0;
	}
	if (!n)
		return 0;
	*dst = lower ? lower_dup(s, n) : strndup(s, n);
	return *dst ? 0 : -1;
}

static int json_resources(struct sbx_rule *r, json_object *obj)
{
	json_object *v = member(obj, "resources");
	if (!v)
		return 0;
	if (json_object_is_type(v, json_type_string))
		return split_resources(&r->resources, json_object_get_string(v),
				       (size_t)json_object_get_string_len(v));
	if (!json_object_is_type(v, json_type_array)) {
		r->malformed = true;
		return 0;
	}
	size_t n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(v, i);
		if (!json_object_is_type(e, json_type_string) ||
		    memchr(json_object_get_string(e), '\0',
			   (size_t)json_object_get_string_len(e))) {
			r->malformed = true;
			continue;
		}
		if (split_resources(&r->resources, json_object_get_string(e),
				    (size_t)json_object_get_string_len(e)) < 0)
			return -1;
	}
	return 0;
}

static int json_rule(struct sbx_rule *r, json_object *o)
{
	if (json_field(r, o, "id", &r->id, false) < 0 ||
	    json_field(r, o, "resource_type", &r->type, true) < 0 ||
	    json_field(r, o, "decision", &r->decision, true) < 0 ||
	    json_field(r, o, "origin", &r->origin, true) < 0 ||
	    json_field(r, o, "scope", &r->scope, false) < 0 ||
	    json_field(r, o, "status", &r->status, true) < 0 ||
	    json_resources(r, o) < 0)
		return -1;
	json_object *prov = member(o, "provenance");
	if (prov && json_object_is_type(prov, json_type_object))
		return json_field(r, prov, "created_via", &r->created_via,
				  true);
	if (prov && !json_object_is_type(prov, json_type_null))
		r->malformed = true;
	return 0;
}

#define JSON_CMD "sbx policy ls --json"
#define JSON_EXPECT                                                            \
	"expected a JSON object with a \"rules\" array of rule objects"

int sbx_rules_parse_json(const char *text, struct sbx_rules *out,
			 struct sbx_err *err)
{
	const char *why;

	memset(out, 0, sizeof(*out));
	json_object *j = sbx_json_parse_output(text, &why);
	if (!j)
		return sbx_err_set(err, 1,
				   "unrecognised `" JSON_CMD
				   "` output: %s (" JSON_EXPECT ")",
				   why);
	json_object *rules = NULL;
	bool is_obj = json_object_is_type(j, json_type_object);
	bool has = is_obj && json_object_object_get_ex(j, "rules", &rules);
	/* "rules": null (rules == NULL) is how a Go client prints an empty list */
	if (!has || (rules && !json_object_is_type(rules, json_type_array))) {
		const char *got = !is_obj ? "not an object"
				  : !has  ? "no \"rules\" member"
					  : "\"rules\" is not an array";
		json_object_put(j);
		return sbx_err_set(err, 1,
				   "unrecognised `" JSON_CMD
				   "` output: %s (" JSON_EXPECT ")",
				   got);
	}
	size_t n = rules ? json_object_array_length(rules) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(rules, i);
		if (!json_object_is_type(e, json_type_object)) {
			json_object_put(j);
			sbx_rules_free(out);
			return sbx_err_set(
				err, 1,
				"unrecognised `" JSON_CMD
				"` output: rule %zu is not an object (" JSON_EXPECT
				")",
				i + 1);
		}
		struct sbx_rule *r = rules_add(out);
		if (!r || json_rule(r, e) < 0) {
			json_object_put(j);
			sbx_rules_free(out);
			return sbx_err_set(err, 1, "out of memory");
		}
	}
	json_object_put(j);
	return 0;
}

/* ---- classification ----------------------------------------------------- */

enum sbx_rule_class sbx_rule_classify(const struct sbx_rule *r)
{
	if (r->malformed || !r->decision)
		return SBX_RULE_UNCLASSIFIED;
	/* what proves a rule is not ours */
	if (strcmp(r->decision, "deny") == 0)
		return SBX_RULE_FOREIGN;
	if (strcmp(r->decision, "allow") != 0)
		return SBX_RULE_UNCLASSIFIED;
	if (r->type && strcmp(r->type, "network") != 0)
		return SBX_RULE_FOREIGN;
	if (r->created_via && strcmp(r->created_via, "default") == 0)
		return SBX_RULE_FOREIGN;
	if (r->origin && strcmp(r->origin, "local") != 0)
		return one_of(r->origin, origins_known) ? SBX_RULE_FOREIGN
							: SBX_RULE_UNCLASSIFIED;
	if (r->scope && strcasecmp(r->scope, "global") != 0)
		return strncasecmp(r->scope, "sandbox", 7) == 0
			       ? SBX_RULE_FOREIGN
			       : SBX_RULE_UNCLASSIFIED;
	if (r->status && strcmp(r->status, "active") != 0)
		return strcmp(r->status, "inactive") == 0
			       ? SBX_RULE_FOREIGN
			       : SBX_RULE_UNCLASSIFIED;
	/* what proves it is: every fact present */
	/* an id that reads as a flag is not passed to `policy rm --id` */
	if (!r->type || !r->origin || !r->id || r->id[0] == '-' ||
	    !r->resources.n)
		return SBX_RULE_UNCLASSIFIED;
	if (r->created_via ? !one_of(r->created_via, via_user)
			   : !r->legacy_local_name)
		return SBX_RULE_UNCLASSIFIED;
	return SBX_RULE_MANAGED;
}

bool sbx_rule_is_managed(const struct sbx_rule *r)
{
	return sbx_rule_classify(r) == SBX_RULE_MANAGED;
}
