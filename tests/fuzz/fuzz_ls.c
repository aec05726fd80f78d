/* fuzz_ls.c — libFuzzer target for the launcher's reading of `sbx ls`
 * (src/sbx/ls_parse.c, sbxjson.c, table.c): sbx_sandboxes_parse_table,
 * sbx_sandboxes_parse_json, sbx_sandboxes_find.
 *
 * Input: a mode byte (even: `sbx ls --json` output, odd: the `sbx ls`
 * table), then the text.
 *
 * Checks (__builtin_trap on failure):
 *  L1  Unrecognised output: -1, status 1, an empty list (no partial
 *      result), a message naming the command (`sbx ls` / `sbx ls --json`)
 *      and what it expected.
 *  L2  Every sandbox has a non-empty name without a NUL; a table's names
 *      are single words that occur as words in the input; find() returns
 *      the first entry of a name, and nothing for a name not listed.
 *  L3  JSON the target finds well-formed by itself (one value, then only
 *      blanks: an array of objects, or an object whose "sandboxes" is one,
 *      each object with a string "name") is accepted with one entry per
 *      element and the names in order.
 */
#include <ctype.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claude-sbx/err.h"
#include "claude-sbx/sbxls.h"
#include "common.h"

/* The list of sandbox objects a well-formed document holds, or NULL. */
static json_object *ref_list(json_object *doc)
{
	json_object *arr = doc;
	if (!doc)
		return NULL;
	if (json_object_is_type(doc, json_type_object) &&
	    !json_object_object_get_ex(doc, "sandboxes", &arr))
		return NULL;
	if (!arr || !json_object_is_type(arr, json_type_array))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *e = json_object_array_get_idx(arr, i), *n = NULL;
		if (!json_object_is_type(e, json_type_object) ||
		    !json_object_object_get_ex(e, "name", &n) ||
		    !json_object_is_type(n, json_type_string) ||
		    json_object_get_string_len(n) == 0 ||
		    strlen(json_object_get_string(n)) !=
			    (size_t)json_object_get_string_len(n))
			return NULL;
	}
	return arr;
}

static bool has_word(const char *text, const char *w)
{
	size_t wl = strlen(w);
	for (const char *p = strstr(text, w); p; p = strstr(p + 1, w))
		if ((p == text || isspace((unsigned char)p[-1])) &&
		    (!p[wl] || isspace((unsigned char)p[wl])))
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sbx_err err;
	struct sbx_sandboxes l = { (struct sbx_sandbox *)&err, 777 };

	if (size < 1 || size > (1u << 20))
		return 0;
	bool json = (data[0] & 1) == 0;
	char *text = malloc(size);
	CHECK(text);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	memset(&err, 0, sizeof(err));
	int rc = json ? sbx_sandboxes_parse_json(text, &l, &err)
		      : sbx_sandboxes_parse_table(text, &l, &err);
	json_object *doc = json ? fuzz_json_parse(text) : NULL;
	json_object *list = ref_list(doc);
	if (rc != 0) {
		/* L1 */
		CHECK(rc == -1 && err.status == 1);
		CHECK(l.n == 0 && l.v == NULL);
		CHECK(strstr(err.msg, json ? "`sbx ls --json`" : "`sbx ls`") !=
		      NULL);
		CHECK(strstr(err.msg, "expected") != NULL);
		/* L3 */
		CHECK(!list);
		json_object_put(doc);
		free(text);
		return 0;
	}
	/* L2 */
	for (size_t i = 0; i < l.n; i++) {
		const char *n = l.v[i].name;
		CHECK(n && *n);
		if (!json) {
			CHECK(!strpbrk(n, " \t\r\n"));
			CHECK(has_word(text, n));
		}
		const struct sbx_sandbox *f = sbx_sandboxes_find(&l, n);
		CHECK(f && f <= &l.v[i] && strcmp(f->name, n) == 0);
		for (const struct sbx_sandbox *e = l.v; e < f; e++)
			CHECK(strcmp(e->name, n) != 0);
	}
	CHECK(!sbx_sandboxes_find(&l, "no such sandbox"));
	/* L3 */
	if (list) {
		CHECK(l.n == json_object_array_length(list));
		for (size_t i = 0; i < l.n; i++) {
			json_object *nm = NULL;
			json_object_object_get_ex(
				json_object_array_get_idx(list, i), "name",
				&nm);
			CHECK(strcmp(json_object_get_string(nm), l.v[i].name) ==
			      0);
		}
	}
	json_object_put(doc);
	sbx_sandboxes_free(&l);
	free(text);
	return 0;
}
