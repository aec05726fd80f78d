/* sbxjson.c — one JSON value from sbx's --json output (see sbxjson.h). */
#include "claude-sbx/sbxjson.h"

#include <stdbool.h>
#include <string.h>

#define JSON_DEPTH     64
#define JSON_MAX_BYTES (16u << 20)

json_object *sbx_json_parse_output(const char *text, const char **why)
{
	size_t len = strlen(text);
	json_tokener *tok;
	json_object *o;

	*why = "out of memory";
	if (len > JSON_MAX_BYTES) {
		*why = "larger than 16 MiB";
		return NULL;
	}
	if (!(tok = json_tokener_new_ex(JSON_DEPTH)))
		return NULL;
	/* strict, but what follows the value is checked below */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
					    JSON_TOKENER_ALLOW_TRAILING_CHARS);
	o = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error e = json_tokener_get_error(tok);
	if (!o) {
		*why = e == json_tokener_continue  ? "unexpected end of input"
		       : e == json_tokener_success ? "a JSON null"
						   : json_tokener_error_desc(e);
		json_tokener_free(tok);
		return NULL;
	}
	/* json-c stops after the blanks that follow the value */
	size_t end = json_tokener_get_parse_end(tok), i = end;
	bool line_break = false;
	while (i > 0 && text[i - 1] && strchr(" \t\r\n", text[i - 1])) {
		line_break |= text[i - 1] == '\n';
		i--;
	}
	for (i = end; i < len; i++) {
		if (text[i] == '\n') {
			line_break = true;
			continue;
		}
		if (strchr(" \t\r", text[i]))
			continue;
		/* a banner is prose; a second JSON document is not tolerated */
		if (!line_break || text[i] == '{' || text[i] == '[') {
			*why = line_break
				       ? "a second JSON value after the first"
				       : "text after the JSON value on the same line";
			json_object_put(o);
			o = NULL;
		}
		break;
	}
	json_tokener_free(tok);
	return o;
}
