/* ls_parse.c — `sbx ls` and `sbx ls --json` to struct sbx_sandboxes (see
 * sbxls.h): by header name and by key name, never by position. */
#include "claude-sbx/sbxls.h"
#include "claude-sbx/sbxjson.h"
#include "claude-sbx/table.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void sbx_sandboxes_free(struct sbx_sandboxes *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].agent);
		free(s->v[i].status);
		free(s->v[i].workspace);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static struct sbx_sandbox *add(struct sbx_sandboxes *s)
{
	struct sbx_sandbox *v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (!v)
		return NULL;
	s->v = v;
	memset(&v[s->n], 0, sizeof(v[s->n]));
	return &v[s->n++];
}

/* a copy, NULL for "" (*dst); 0, or -1 out of memory */
static int opt_dup(char **dst, const char *s, size_t n)
{
	*dst = NULL;
	if (!n)
		return 0;
	*dst = strndup(s, n);
	return *dst ? 0 : -1;
}

const struct sbx_sandbox *sbx_sandboxes_find(const struct sbx_sandboxes *s,
					     const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
	return NULL;
}

static bool has_blank(const char *s)
{
	for (; *s; s++)
		if (isspace((unsigned char)*s))
			return true;
	return false;
}

#define TABLE_EXPECT "expected a table with a SANDBOX column"

int sbx_sandboxes_parse_table(const char *text, struct sbx_sandboxes *out,
			      struct sbx_err *err)
{
	struct sbx_table t;

	memset(out, 0, sizeof(*out));
	if (sbx_table_parse(text, &t) < 0)
		return sbx_err_set(err, 1, "out of memory");
	if (t.ncols == 0)
		return 0;
	int cn = sbx_table_col(&t, "SANDBOX");
	if (cn < 0)
		cn = sbx_table_col(&t, "NAME");
	if (cn < 0) {
		/* "No sandboxes found." and the like: a single line of prose */
		bool none = t.nrows == 0 && t.ncols >= 1 &&
			    strncasecmp(t.cols[0], "NO ", 3) == 0;
		sbx_table_free(&t);
		if (none)
			return 0;
		return sbx_err_set(
			err, 1, "unrecognised `sbx ls` output: " TABLE_EXPECT);
	}
	int ca = sbx_table_col(&t, "AGENT"), cs = sbx_table_col(&t, "STATUS");
	int cw = sbx_table_col(&t, "WORKSPACE");
	for (size_t r = 0; r < t.nrows; r++) {
		const char *name = sbx_table_cell(&t, r, cn);
		/* a name is one word: anything else is not a row of this table */
		if (!*name || has_blank(name) || t.cut[r]) {
			sbx_table_free(&t);
			sbx_sandboxes_free(out);
			return sbx_err_set(
				err, 1,
				"unrecognised `sbx ls` output: row %zu has no sandbox name or does not line up with the header (" TABLE_EXPECT
				")",
				r + 1);
		}
		struct sbx_sandbox *s = add(out);
		const char *a = sbx_table_cell(&t, r, ca),
			   *st = sbx_table_cell(&t, r, cs);
		const char *w = sbx_table_cell(&t, r, cw);
		if (!s || !(s->name = strdup(name)) ||
		    opt_dup(&s->agent, a, strlen(a)) < 0 ||
		    opt_dup(&s->status, st, strlen(st)) < 0 ||
		    opt_dup(&s->workspace, w, strlen(w)) < 0) {
			sbx_table_free(&t);
			sbx_sandboxes_free(out);
			return sbx_err_set(err, 1, "out of memory");
		}
	}
	sbx_table_free(&t);
	return 0;
}

#define JSON_EXPECT                                                            \
	"expected an array of sandbox objects with a \"name\", or an object with a \"sandboxes\" array"

/* A string member as a copy (NULL when absent, empty, not a string or
 * holding a NUL). */
static int str_member(json_object *o, const char *key, char **dst)
{
	json_object *v = NULL;
	*dst = NULL;
	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return 0;
	const char *s = json_object_get_string(v);
	size_t n = (size_t)json_object_get_string_len(v);
	if (memchr(s, '\0', n))
		return 0;
	return opt_dup(dst, s, n);
}

static int json_fail(json_object *j, struct sbx_sandboxes *out,
		     struct sbx_err *err, const char *why, size_t i)
{
	json_object_put(j);
	sbx_sandboxes_free(out);
	if (i)
		return sbx_err_set(
			err, 1,
			"unrecognised `sbx ls --json` output: sandbox %zu %s (" JSON_EXPECT
			")",
			i, why);
	return sbx_err_set(
		err, 1,
		"unrecognised `sbx ls --json` output: %s (" JSON_EXPECT ")",
		why);
}

int sbx_sandboxes_parse_json(const char *text, struct sbx_sandboxes *out,
			     struct sbx_err *err)
{
	const char *why;
	json_object *arr = NULL;

	memset(out, 0, sizeof(*out));
	json_object *j = sbx_json_parse_output(text, &why);
	if (!j)
		return sbx_err_set(
			err, 1,
			"unrecognised `sbx ls --json` output: %s (" JSON_EXPECT
			")",
			why);
	if (json_object_is_type(j, json_type_array))
		arr = j;
	else if (!json_object_is_type(j, json_type_object) ||
		 !json_object_object_get_ex(j, "sandboxes", &arr) ||
		 (arr && !json_object_is_type(arr, json_type_array)))
		return json_fail(j, out, err,
				 json_object_is_type(j, json_type_object)
					 ? "no \"sandboxes\" array"
					 : "neither an array nor an object",
				 0);
	size_t n = arr ? json_object_array_length(arr) : 0; /* null: none */
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(e, json_type_object))
			return json_fail(j, out, err, "is not an object",
					 i + 1);
		struct sbx_sandbox *s = add(out);
		if (!s || str_member(e, "name", &s->name) < 0 ||
		    str_member(e, "agent", &s->agent) < 0 ||
		    str_member(e, "status", &s->status) < 0 ||
		    str_member(e, "workspace", &s->workspace) < 0) {
			json_object_put(j);
			sbx_sandboxes_free(out);
			return sbx_err_set(err, 1, "out of memory");
		}
		if (!s->name)
			return json_fail(j, out, err, "has no \"name\" string",
					 i + 1);
	}
	json_object_put(j);
	return 0;
}
