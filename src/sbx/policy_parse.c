/* policy_parse.c — `sbx policy ls` output to struct sbx_rules, by header
 * name for tables and by key name for --json; never by column number. */
#include "claude-sbx/policy.h"
#include "claude-sbx/json.h"
#include "claude-sbx/table.h"

#include <ctype.h>
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

static char *opt_lower(const char *s)
{
	return *s ? lower_dup(s, strlen(s)) : NULL;
}

int sbx_rules_parse_table(const char *text, struct sbx_rules *out,
			  struct sbx_err *err)
{
	struct sbx_table t;

	memset(out, 0, sizeof(*out));
	if (sbx_table_parse(text, &t) < 0)
		return sbx_err_set(err, 1, "out of memory");
	if (t.ncols == 0)
		return 0; /* empty output: no rules */
	int c_dec = sbx_table_col(&t, "DECISION");
	int c_res = sbx_table_col(&t, "RESOURCES");
	int c_id = sbx_table_col(&t, "RULE_ID");
	int c_type = sbx_table_col(&t, "TYPE");
	int c_origin = sbx_table_col(&t, "ORIGIN");
	if (c_id < 0)
		c_id = sbx_table_col(&t, "NAME");
	if (c_origin < 0)
		c_origin = sbx_table_col(&t, "SOURCE");
	if (c_dec < 0 || c_res < 0) {
		char head[256] = "";
		for (size_t c = 0; c < t.ncols; c++) {
			strncat(head, t.cols[c], sizeof(head) - strlen(head) - 2);
			if (c + 1 < t.ncols)
				strncat(head, " ", sizeof(head) - strlen(head) - 1);
		}
		sbx_table_free(&t);
		return sbx_err_set(err, 1,
			"unrecognised `sbx policy ls` output: no DECISION and RESOURCES columns (header: %s)",
			head);
	}
	for (size_t r = 0; r < t.nrows; r++) {
		struct sbx_rule *rule = rules_add(out);
		const char *id = sbx_table_cell(&t, r, c_id);
		const char *res = sbx_table_cell(&t, r, c_res);
		if (!rule || (*id && !(rule->id = strdup(id))))
			goto oom;
		rule->type = opt_lower(sbx_table_cell(&t, r, c_type));
		rule->origin = opt_lower(sbx_table_cell(&t, r, c_origin));
		rule->decision = lower_dup(sbx_table_cell(&t, r, c_dec),
					   strlen(sbx_table_cell(&t, r, c_dec)));
		if (!rule->decision || split_resources(&rule->resources, res, strlen(res)) < 0)
			goto oom;
	}
	sbx_table_free(&t);
	return 0;
oom:
	sbx_table_free(&t);
	sbx_rules_free(out);
	return sbx_err_set(err, 1, "out of memory");
}

static const char *jstr(const struct json *o, const char *const *keys)
{
	for (; *keys; keys++) {
		const struct json *v = json_get(o, *keys);
		if (v && v->kind == JSON_STR)
			return v->str;
	}
	return NULL;
}

static const char *const k_id[] = {"rule_id", "ruleId", "id", "name", NULL};
static const char *const k_type[] = {"type", NULL};
static const char *const k_decision[] = {"decision", NULL};
static const char *const k_origin[] = {"origin", "source", NULL};

static int json_walk(const struct json *j, const char *origin, const char *type,
		     struct sbx_rules *out)
{
	if (j->kind == JSON_ARR) {
		for (size_t i = 0; i < j->n; i++)
			if (json_walk(j->items[i], origin, type, out) < 0)
				return -1;
		return 0;
	}
	if (j->kind != JSON_OBJ)
		return 0;
	const char *o = jstr(j, k_origin);
	const char *t = jstr(j, k_type);
	if (o)
		origin = o;
	if (t)
		type = t;
	const char *decision = jstr(j, k_decision);
	const struct json *res = json_get(j, "resources");
	if (!res)
		res = json_get(j, "resource");
	if (decision && res) {
		struct sbx_rule *r = rules_add(out);
		if (!r)
			return -1;
		const char *id = jstr(j, k_id);
		if (id && !(r->id = strdup(id)))
			return -1;
		if (!(r->decision = lower_dup(decision, strlen(decision))))
			return -1;
		if (type && !(r->type = lower_dup(type, strlen(type))))
			return -1;
		if (origin && !(r->origin = lower_dup(origin, strlen(origin))))
			return -1;
		if (res->kind == JSON_STR) {
			if (split_resources(&r->resources, res->str, strlen(res->str)) < 0)
				return -1;
		} else if (res->kind == JSON_ARR) {
			for (size_t i = 0; i < res->n; i++)
				if (res->items[i]->kind == JSON_STR &&
				    split_resources(&r->resources, res->items[i]->str,
						    strlen(res->items[i]->str)) < 0)
					return -1;
		}
		return 0;
	}
	for (size_t i = 0; i < j->n; i++)
		if (json_walk(j->items[i], origin, type, out) < 0)
			return -1;
	return 0;
}

int sbx_rules_parse_json(const char *text, struct sbx_rules *out,
			 struct sbx_err *err)
{
	size_t pos = 0;
	memset(out, 0, sizeof(*out));
	struct json *j = json_parse(text, strlen(text), &pos);
	if (!j)
		return sbx_err_set(err, 1,
			"unrecognised `sbx policy ls --json` output: invalid JSON at byte %zu", pos);
	int rc = json_walk(j, NULL, NULL, out);
	json_free(j);
	if (rc < 0) {
		sbx_rules_free(out);
		return sbx_err_set(err, 1, "out of memory");
	}
	return 0;
}

bool sbx_rule_is_managed(const struct sbx_rule *r)
{
	if (!r->decision || strcmp(r->decision, "allow") != 0)
		return false;
	if (r->type && strcmp(r->type, "network") != 0)
		return false;
	if (r->origin && strcasecmp(r->origin, "local") == 0)
		return true;
	return r->id && strncmp(r->id, "local:", 6) == 0;
}
