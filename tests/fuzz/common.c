/* common.c — helpers shared by the fuzz targets (see common.h). */
#include <json-c/json.h>
#include <string.h>

#include "common.h"

struct json_object *fuzz_json_parse(const char *text)
{
	size_t len = strlen(text);
	json_tokener *tok = json_tokener_new_ex(64);
	CHECK(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	json_object *o = json_tokener_parse_ex(tok, text, (int)len);
	if (o && json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(o);
		o = NULL;
	}
	for (size_t i = json_tokener_get_parse_end(tok); o && i < len; i++)
		if (!strchr(" \t\r\n", text[i])) {
			json_object_put(o);
			o = NULL;
		}
	json_tokener_free(tok);
	return o;
}
