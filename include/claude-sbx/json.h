/* json.h — a small, strict JSON reader (RFC 8259) for sbx's --json output.
 *
 * Owns: turning text into a tree of json values. Depth and size capped;
 * strings decoded to UTF-8 (\u escapes included). Pure.
 */
#ifndef CLAUDE_SBX_JSON_H
#define CLAUDE_SBX_JSON_H

#include <stdbool.h>
#include <stddef.h>

enum json_kind { JSON_NULL, JSON_BOOL, JSON_NUM, JSON_STR, JSON_ARR, JSON_OBJ };

struct json {
	enum json_kind kind;
	bool b;
	double num;
	char *str;		/* JSON_STR, and the raw text of JSON_NUM */
	struct json **items;	/* JSON_ARR values; JSON_OBJ values */
	char **keys;		/* JSON_OBJ keys, parallel to items */
	size_t n;
};

/* Returns the tree or NULL; on NULL *pos is the byte offset of the error. */
struct json *json_parse(const char *text, size_t len, size_t *pos);
void json_free(struct json *j);
/* Member of an object (first match), or NULL. */
const struct json *json_get(const struct json *obj, const char *key);

#endif
