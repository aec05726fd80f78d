/* sbxjson.h — reading the JSON that sbx prints for --json, with json-c.
 *
 * Owns: the strict tokener set-up shared by every parser of sbx's --json
 * output: exactly one JSON value, depth and size capped, then only blanks,
 * or a line break followed by prose (0.55 can print an update banner after
 * the JSON on stdout; a second JSON value is refused). Pure.
 */
#ifndef CLAUDE_SBX_SBXJSON_H
#define CLAUDE_SBX_SBXJSON_H

#include <json-c/json.h>

/* The value (json_object_put it), or NULL with *why a short reason. */
json_object *sbx_json_parse_output(const char *text, const char **why);

#endif
