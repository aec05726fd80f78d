/* fuzz_policy.c — libFuzzer target for the launcher's reading of
 * `sbx policy ls` and its egress plan (src/sbx/policy_parse.c,
 * policy_plan.c, sbxjson.c, table.c): sbx_rules_parse_json,
 * sbx_rules_parse_table, sbx_rule_classify, sbx_policy_plan.
 *
 * Input: a mode byte (even: the text is `sbx policy ls --json` output;
 * odd: a table of any era, `sbx policy ls` or `--wide`), then the text.
 * The wanted host set is built from the input: every other resource the
 * parser found, plus two fixed hosts.
 *
 * Checks (__builtin_trap on failure):
 *  P1  Unrecognised output: -1, status 1, an empty rule list (no partial
 *      result), and a message naming the command (`sbx policy ls…`) and
 *      what it expected.
 *  P2  JSON the target itself finds well-formed (one object, a "rules"
 *      array of objects, nothing after it but blanks; checked with its own
 *      json-c tokener) is accepted, one rule per element, in order.
 *  P3  Never plans the removal of a rule issue 9 item 1 does not allow.
 *      JSON: every element of "rules" whose "id" equals a removed id is,
 *      by a classifier written here from docs (sbx-cli.md), a user-added
 *      (provenance.created_via added/approval/provisioned) local,
 *      global, active, network, allow rule with string resources; so no
 *      preset (created_via default), kit, org or scoped rule, no deny and
 *      no other type is ever removed, nor a rule sharing an id with one.
 *      Tables: some line of the input holds the removed id as a word
 *      together with the words allow, network and local, and either the
 *      id is a 0.31 "local:<id>" name or the line also holds
 *      added/approval/provisioned.
 *  P4  The plan is a partition of the wanted set: add and kept are
 *      disjoint, sorted, and together exactly the wanted hosts; removed
 *      ids are unique; every unclassified entry names a rule ("#N" with N
 *      in range, or the id of a rule the classifier did not call managed).
 */
#include <ctype.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "claude-sbx/err.h"
#include "claude-sbx/policy.h"
#include "claude-sbx/strv.h"
#include "common.h"

static json_object *get(json_object *o, const char *k)
{
	json_object *v = NULL;
	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, k, &v))
		return NULL;
	return v;
}

static bool str_is(json_object *o, const char *k, const char *want)
{
	json_object *v = get(o, k);
	return v && json_object_is_type(v, json_type_string) &&
	       strlen(json_object_get_string(v)) ==
		       (size_t)json_object_get_string_len(v) &&
	       strcasecmp(json_object_get_string(v), want) == 0;
}

static bool absent_or(json_object *o, const char *k, const char *want)
{
	return !get(o, k) || str_is(o, k, want);
}

/* Item 1 from the docs, on the raw element. */
static bool ref_removable(json_object *r)
{
	json_object *prov = get(r, "provenance");
	json_object *res = get(r, "resources");
	bool user = str_is(prov, "created_via", "added") ||
		    str_is(prov, "created_via", "approval") ||
		    str_is(prov, "created_via", "provisioned");
	if (!user || !str_is(r, "resource_type", "network") ||
	    !str_is(r, "decision", "allow") || !str_is(r, "origin", "local") ||
	    !absent_or(r, "scope", "global") ||
	    !absent_or(r, "status", "active"))
		return false;
	if (!res)
		return false;
	if (json_object_is_type(res, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(res); i++)
			if (!json_object_is_type(json_object_array_get_idx(res,
									   i),
						 json_type_string))
				return false;
		return true;
	}
	return json_object_is_type(res, json_type_string);
}

static void check_json_removals(json_object *doc, const struct strv *ids)
{
	json_object *rules = get(doc, "rules");
	if (!rules) { /* "rules": null */
		CHECK(ids->n == 0);
		return;
	}
	CHECK(json_object_is_type(rules, json_type_array));
	for (size_t k = 0; k < ids->n; k++) {
		bool found = false;
		for (size_t i = 0; i < json_object_array_length(rules); i++) {
			json_object *r = json_object_array_get_idx(rules, i);
			json_object *id = get(r, "id");
			if (!id || !json_object_is_type(id, json_type_string) ||
			    strcmp(json_object_get_string(id), ids->v[k]) != 0)
				continue;
			found = true;
			CHECK(ref_removable(r));
		}
		CHECK(found);
	}
}

/* ---- tables: the words of a line ----------------------------------------- */

static bool line_has_word(const char *l, size_t n, const char *w)
{
	size_t wl = strlen(w);
	for (size_t i = 0; i + wl <= n; i++) {
		if ((i == 0 || isspace((unsigned char)l[i - 1]) ||
		     l[i - 1] == ',') &&
		    strncasecmp(l + i, w, wl) == 0 &&
		    (i + wl == n || isspace((unsigned char)l[i + wl]) ||
		     l[i + wl] == ','))
			return true;
	}
	return false;
}

static bool line_has_id(const char *l, size_t n, const char *id)
{
	size_t wl = strlen(id);
	for (size_t i = 0; i + wl <= n; i++)
		if ((i == 0 || isspace((unsigned char)l[i - 1])) &&
		    memcmp(l + i, id, wl) == 0 &&
		    (i + wl == n || isspace((unsigned char)l[i + wl])))
			return true;
	return false;
}

static void check_table_removals(const char *text, const struct strv *ids)
{
	for (size_t k = 0; k < ids->n; k++) {
		const char *id = ids->v[k];
		bool legacy = strncmp(id, "local:", 6) == 0;
		bool ok = false;
		for (const char *p = text; *p && !ok;) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			ok = line_has_id(p, n, id) &&
			     line_has_word(p, n, "allow") &&
			     line_has_word(p, n, "network") &&
			     line_has_word(p, n, "local") &&
			     (legacy || line_has_word(p, n, "added") ||
			      line_has_word(p, n, "approval") ||
			      line_has_word(p, n, "provisioned"));
			p = nl ? nl + 1 : p + n;
		}
		CHECK(ok);
	}
}

/* ---- the plan ------------------------------------------------------------ */

static bool sorted_unique(const struct strv *s)
{
	for (size_t i = 1; i < s->n; i++)
		if (strcmp(s->v[i - 1], s->v[i]) >= 0)
			return false;
	return true;
}

static void check_plan(const struct sbx_rules *rules, const struct strv *wanted,
		       const struct sbx_policy_plan *p)
{
	CHECK(sorted_unique(&p->add));
	CHECK(sorted_unique(&p->kept));
	CHECK(p->add.n + p->kept.n == wanted->n);
	for (size_t i = 0; i < p->add.n; i++)
		CHECK(strv_contains(wanted, p->add.v[i]) &&
		      !strv_contains(&p->kept, p->add.v[i]));
	for (size_t i = 0; i < p->kept.n; i++)
		CHECK(strv_contains(wanted, p->kept.v[i]));
	for (size_t i = 0; i < p->remove_ids.n; i++)
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(p->remove_ids.v[i], p->remove_ids.v[j]) !=
			      0);
	for (size_t i = 0; i < p->remove_ids.n; i++) {
		bool managed = false;
		for (size_t r = 0; r < rules->n; r++) {
			if (!rules->v[r].id ||
			    strcmp(rules->v[r].id, p->remove_ids.v[i]) != 0)
				continue;
			CHECK(sbx_rule_is_managed(&rules->v[r]));
			managed = true;
		}
		CHECK(managed);
	}
	for (size_t i = 0; i < p->unclassified.n; i++) {
		const char *u = p->unclassified.v[i];
		bool named = false;
		for (size_t r = 0; r < rules->n && !named; r++)
			named = rules->v[r].id &&
				strcmp(rules->v[r].id, u) == 0;
		if (!named) {
			unsigned long k = 0;
			CHECK(sscanf(u, "#%lu", &k) == 1 && k >= 1 &&
			      k <= rules->n);
			CHECK(!rules->v[k - 1].id);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbx_err err;
	struct sbx_rules rules = { (struct sbx_rule *)&err, 12345 };
	bool json;
	char *text;
	int rc;

	if (size < 1 || size > (1u << 20))
		return 0;
	json = (data[0] & 1) == 0;
	text = malloc(size);
	CHECK(text);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	memset(&err, 0, sizeof(err));

	const char *cmd = (data[0] & 2) ? "sbx policy ls --wide"
					: "sbx policy ls";
	rc = json ? sbx_rules_parse_json(text, &rules, &err)
		  : sbx_rules_parse_table(text, cmd, &rules, &err);
	json_object *doc = json ? fuzz_json_parse(text) : NULL;
	if (rc != 0) {
		/* P1 */
		CHECK(rc == -1 && err.status == 1);
		CHECK(rules.n == 0 && rules.v == NULL);
		CHECK(strstr(err.msg, json ? "`sbx policy ls --json`" : cmd) !=
		      NULL);
		CHECK(strstr(err.msg, "expected") != NULL);
		/* P2 */
		if (doc) {
			json_object *r = get(doc, "rules");
			bool all_obj = r &&
				       json_object_is_type(r, json_type_array);
			for (size_t i = 0;
			     all_obj && i < json_object_array_length(r); i++)
				all_obj = json_object_is_type(
					json_object_array_get_idx(r, i),
					json_type_object);
			CHECK(!all_obj);
		}
		json_object_put(doc);
		free(text);
		return 0;
	}
	if (doc) {
		json_object *r = get(doc, "rules");
		if (r && json_object_is_type(r, json_type_array))
			CHECK(rules.n == json_object_array_length(r));
	}

	struct strv wanted = { 0 };
	CHECK(strv_push(&wanted, "api.anthropic.com") == 0);
	CHECK(strv_add_unique(&wanted, "fixed.example") == 0);
	size_t k = 0;
	for (size_t i = 0; i < rules.n; i++)
		for (size_t j = 0; j < rules.v[i].resources.n; j++)
			if (k++ % 2 == 0)
				CHECK(strv_add_unique(
					      &wanted,
					      rules.v[i].resources.v[j]) == 0);
	struct sbx_policy_plan plan;
	CHECK(sbx_policy_plan(&rules, &wanted, &plan) == 0);
	check_plan(&rules, &wanted, &plan);
	/* P3 */
	if (json) {
		json_object *full = doc;
		if (!full) {
			/* a banner followed the value: read the value alone */
			json_tokener *tok = json_tokener_new_ex(64);
			CHECK(tok);
			json_tokener_set_flags(
				tok, JSON_TOKENER_STRICT |
					     JSON_TOKENER_ALLOW_TRAILING_CHARS);
			full = json_tokener_parse_ex(tok, text,
						     (int)strlen(text));
			json_tokener_free(tok);
			CHECK(full);
		}
		check_json_removals(full, &plan.remove_ids);
		if (full != doc)
			json_object_put(full);
	} else {
		check_table_removals(text, &plan.remove_ids);
	}
	sbx_policy_plan_free(&plan);
	strv_free(&wanted);
	json_object_put(doc);
	sbx_rules_free(&rules);
	free(text);
	return 0;
}
