/* settings.c — the settings mode and the settings.json merge (see
 * settings.h). */
#include "claude-sbx/settings.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_DEPTH 64

/* Keys that produce or steer credentials. sbx's proxy owns
 * authentication inside the sandbox: never taken from the view. */
static const char *const credential_keys[] = {
	"apiKeyHelper",	       "awsAuthRefresh",
	"awsCredentialExport", "gcpAuthRefresh",
	"otelHeadersHelper",   "forceLoginMethod",
	"forceLoginOrgUUID",   NULL,
};

/* Keys that run commands, load code or name host paths (issue 5). A
 * sanitized view never serves them; if one arrives anyway (a view that
 * does not sanitize), the launcher does not merge it: a second wall. */
static const char *const unsafe_keys[] = {
	"hooks",
	"statusLine",
	"subagentStatusLine",
	"fileSuggestion",
	"processWrapper",
	"enabledPlugins",
	"extraKnownMarketplaces",
	"pluginConfigs",
	"enableAllProjectMcpServers",
	"enabledMcpjsonServers",
	"sandbox",
	"autoMemoryDirectory",
	"plansDirectory",
	"worktree",
	"sshConfigs",
	"remote",
	NULL,
};
static const char *const unsafe_permissions[] = {
	"allow",
	"additionalDirectories",
	NULL,
};

static bool in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static bool group_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool sbx_with_entry_valid(const char *entry)
{
	const char *p = entry;
	if (!*p || *p == '-' || *p == '=')
		return false;
	while (*p && *p != '=')
		if (!group_char(*p++))
			return false;
	if (!*p)
		return true;
	if (!*++p)
		return false;
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_'))
			return false;
	return true;
}

/* The same reading as the rules library's: the last settings entry
 * decides (seed.with reaches the view as --with, after every rule layer). */
enum sbx_settings_mode sbx_settings_mode_of(const struct strv *with)
{
	enum sbx_settings_mode m = SBX_SETTINGS_OFF;
	for (size_t i = 0; i < with->n; i++) {
		const char *e = with->v[i];
		if (strcmp(e, "settings=raw") == 0)
			m = SBX_SETTINGS_RAW;
		else if (strcmp(e, "settings") == 0 ||
			 strcmp(e, "settings=sanitized") == 0)
			m = SBX_SETTINGS_SANITIZED;
	}
	return m;
}

/* Parses one JSON object; NULL when text is not exactly one object. */
static json_object *parse_object(const char *text, size_t len, const char **why)
{
	json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
	json_object *o = NULL;

	*why = "out of memory";
	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	if (len > SBX_SETTINGS_MAX_BYTES) {
		*why = "larger than 1 MiB";
		goto out;
	}
	if (memchr(text, '\0', len)) {
		*why = "contains a NUL byte";
		goto out;
	}
	o = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error e = json_tokener_get_error(tok);
	if (!o) {
		*why = e == json_tokener_continue ? "unexpected end of input"
						  : json_tokener_error_desc(e);
		goto out;
	}
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
		if (!strchr(" \t\r\n", text[i])) {
			*why = "text after the JSON value";
			json_object_put(o);
			o = NULL;
			goto out;
		}
	}
	if (!json_object_is_type(o, json_type_object)) {
		*why = "not a JSON object";
		json_object_put(o);
		o = NULL;
	}
out:
	json_tokener_free(tok);
	return o;
}

static json_object *member(json_object *obj, const char *key)
{
	json_object *v = NULL;
	if (!obj || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

static bool is_obj(json_object *o)
{
	return o && json_object_is_type(o, json_type_object);
}

static bool is_arr(json_object *o)
{
	return o && json_object_is_type(o, json_type_array);
}

static bool arr_has(json_object *arr, json_object *item)
{
	size_t n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++)
		if (json_object_equal(json_object_array_get_idx(arr, i), item))
			return true;
	return false;
}

static json_object *copy(json_object *o)
{
	json_object *d = NULL;
	if (json_object_deep_copy(o, &d, NULL) != 0)
		return NULL;
	return d;
}

/* Adds srv's members to cur: objects merged key by key, lists united,
 * anything else replaced. */
static int merge_into(json_object *cur, json_object *srv)
{
	json_object_object_foreach(srv, key, s)
	{
		json_object *c = member(cur, key);
		if (is_obj(c) && is_obj(s)) {
			if (merge_into(c, s) < 0)
				return -1;
		} else if (is_arr(c) && is_arr(s)) {
			size_t n = json_object_array_length(s);
			for (size_t i = 0; i < n; i++) {
				json_object *it =
					json_object_array_get_idx(s, i);
				if (arr_has(c, it))
					continue;
				json_object *d = copy(it);
				if (!d || json_object_array_add(c, d) < 0) {
					json_object_put(d);
					return -1;
				}
			}
		} else {
			json_object *d = copy(s);
			if (!d || json_object_object_add(cur, key, d) < 0) {
				json_object_put(d);
				return -1;
			}
		}
	}
	return 0;
}

/* Drops from the served copy what is never merged in this mode. */
static int filter_served(json_object *srv, enum sbx_settings_mode mode,
			 struct strv *refused)
{
	struct strv drop = { 0 };
	int rc = 0;

	json_object_object_foreach(srv, key, v)
	{
		(void)v;
		if (in_list(credential_keys, key) ||
		    (mode != SBX_SETTINGS_RAW && in_list(unsafe_keys, key)))
			rc |= strv_push(&drop, key);
	}
	for (size_t i = 0; i < drop.n; i++) {
		json_object_object_del(srv, drop.v[i]);
		rc |= strv_push(refused, drop.v[i]);
	}
	strv_free(&drop);
	json_object *perm = member(srv, "permissions");
	if (mode != SBX_SETTINGS_RAW && is_obj(perm)) {
		for (const char *const *k = unsafe_permissions; *k; k++) {
			if (member(perm, *k)) {
				json_object_object_del(perm, *k);
				rc |= strv_pushf(refused, "permissions.%s", *k);
			}
		}
	}
	return rc;
}

/* Puts back what the previous merge changed, key by key, where the key
 * still holds exactly what that merge wrote (a value changed since, by
 * Claude Code or by hand, stays). Lists the keys put back. */
static int revert(json_object *cur, json_object *rec, struct strv *reverted)
{
	json_object *before = member(rec, "before"),
		    *result = member(rec, "result");
	int rc = 0;

	if (!is_obj(result))
		return 0;
	json_object_object_foreach(result, key, r)
	{
		json_object *c = member(cur, key), *b = member(before, key);
		if (!c || !json_object_equal(c, r))
			continue;
		if (b) {
			json_object *d = copy(b);
			if (!d || json_object_object_add(cur, key, d) < 0) {
				json_object_put(d);
				return -1;
			}
		} else {
			json_object_object_del(cur, key);
		}
		rc |= strv_push(reverted, key);
	}
	return rc;
}

/* One top-level served key onto what the sandbox has (b, may be NULL).
 * Inside env, entries the sandbox already has are sbx's and stay. */
static json_object *merged_value(const char *key, json_object *b,
				 json_object *s, struct strv *kept)
{
	json_object *m;

	if (!(b && ((is_obj(b) && is_obj(s)) || (is_arr(b) && is_arr(s)))))
		return copy(s);
	if (!(m = copy(b)))
		return NULL;
	if (strcmp(key, "env") == 0 && is_obj(s)) {
		json_object_object_foreach(s, ek, ev)
		{
			json_object *d;
			if (member(m, ek)) {
				if (strv_pushf(kept, "env.%s", ek) < 0)
					goto fail;
				continue;
			}
			if (!(d = copy(ev)) ||
			    json_object_object_add(m, ek, d) < 0) {
				json_object_put(d);
				goto fail;
			}
		}
		return m;
	}
	if (is_obj(m)) {
		if (merge_into(m, s) < 0)
			goto fail;
		return m;
	}
	size_t n = json_object_array_length(s);
	for (size_t i = 0; i < n; i++) {
		json_object *it = json_object_array_get_idx(s, i), *d;
		if (arr_has(m, it))
			continue;
		if (!(d = copy(it)) || json_object_array_add(m, d) < 0) {
			json_object_put(d);
			goto fail;
		}
	}
	return m;
fail:
	json_object_put(m);
	return NULL;
}

/* Adds a copy of v to obj under key. */
static int add_copy(json_object *obj, const char *key, json_object *v)
{
	json_object *d = copy(v);
	if (!d || json_object_object_add(obj, key, d) < 0) {
		json_object_put(d);
		return -1;
	}
	return 0;
}

/* Merges srv into cur, filling the record of this merge: what each key
 * held before (before) and what it holds now (result). */
static int apply(json_object *cur, json_object *srv, json_object *before,
		 json_object *result, struct sbx_settings_merge *out)
{
	json_object_object_foreach(srv, key, s)
	{
		json_object *b = member(cur, key), *m;
		if (b && add_copy(before, key, b) < 0)
			return -1;
		if (!(m = merged_value(key, b, s, &out->kept)))
			return -1;
		if (add_copy(result, key, m) < 0 ||
		    json_object_object_add(cur, key, m) < 0) {
			json_object_put(m);
			return -1;
		}
		if (strv_push(&out->merged, key) < 0)
			return -1;
	}
	return 0;
}

static char *to_text(json_object *o)
{
	const char *s = json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			   JSON_C_TO_STRING_NOSLASHESCAPE);
	char *out = NULL;
	if (!s || asprintf(&out, "%s\n", s) < 0)
		return NULL;
	return out;
}

int sbx_settings_merge(const char *current, size_t curlen, const char *served,
		       size_t servedlen, const char *record, size_t reclen,
		       enum sbx_settings_mode mode,
		       struct sbx_settings_merge *out, struct sbx_err *err)
{
	json_object *cur = NULL, *srv = NULL, *prev = NULL, *rec = NULL;
	json_object *before = NULL, *result = NULL;
	struct strv reverted = { 0 };
	const char *why;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (current) {
		size_t n = curlen;
		while (n && strchr(" \t\r\n", current[n - 1]))
			n--;
		cur = n ? parse_object(current, curlen, &why)
			: json_object_new_object();
		if (!cur)
			return sbx_err_set(
				err, 1,
				"the sandbox's settings.json is not usable (%s); left as it is",
				why);
	} else if (!(cur = json_object_new_object())) {
		return sbx_err_set(err, 1, "out of memory");
	}
	if (served) {
		if (!(srv = parse_object(served, servedlen, &why))) {
			sbx_err_set(
				err, 1,
				"settings.json in the view is not usable (%s)",
				why);
			goto out;
		}
	} else if (!(srv = json_object_new_object())) {
		goto oom;
	}
	if (record)
		prev = parse_object(record, reclen, &why); /* unusable: none */
	if (!(rec = json_object_new_object()) ||
	    !(before = json_object_new_object()))
		goto oom;
	json_object_object_add(rec, "before", before);
	if (!(result = json_object_new_object()))
		goto oom;
	json_object_object_add(rec, "result", result);

	if (filter_served(srv, mode, &out->refused) < 0 ||
	    (prev && revert(cur, prev, &reverted) < 0) ||
	    apply(cur, srv, before, result, out) < 0)
		goto oom;
	for (size_t i = 0; i < reverted.n; i++)
		if (!member(srv, reverted.v[i]) &&
		    strv_push(&out->reverted, reverted.v[i]) < 0)
			goto oom;
	if (!(out->settings = to_text(cur)) || !(out->record = to_text(rec)))
		goto oom;
	rc = 0;
	goto out;
oom:
	sbx_err_set(err, 1, "out of memory");
out:
	strv_free(&reverted);
	json_object_put(cur);
	json_object_put(srv);
	json_object_put(prev);
	json_object_put(rec);
	if (rc < 0)
		sbx_settings_merge_free(out);
	return rc;
}

void sbx_settings_merge_free(struct sbx_settings_merge *m)
{
	free(m->settings);
	free(m->record);
	m->settings = m->record = NULL;
	strv_free(&m->merged);
	strv_free(&m->reverted);
	strv_free(&m->kept);
	strv_free(&m->refused);
}
