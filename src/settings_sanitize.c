/* settings_sanitize.c — settings.json as the view serves it in sanitized mode.
 *
 * Owns: reading settings.json as strict JSON (json-c, plus a lexical pass so
 * that exactly what JavaScript's JSON.parse accepts is accepted), keeping
 * only what a policy allows (an allowlist: an unknown key is dropped), and
 * printing the result deterministically. The keys that are never kept and
 * the env names that are never kept live here, so that the rules loader
 * can refuse a rule file that asks for them. No I/O, no global state.
 */
#include "seedfs/transform.h"
#include "util/why.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Top-level keys that run a command, pull in code or carry a secret or a
 * host path (docs/rules.md, "Sanitized settings.json"). `env` is listed
 * because it is never kept whole: only its allowed names are. */
static const char *const stripped_keys[] = {
	"hooks",
	"statusLine",
	"subagentStatusLine",
	"fileSuggestion",
	"processWrapper",
	"apiKeyHelper",
	"proxyAuthHelper",
	"awsAuthRefresh",
	"awsCredentialExport",
	"gcpAuthRefresh",
	"otelHeadersHelper",
	"enabledPlugins",
	"extraKnownMarketplaces",
	"pluginConfigs",
	"mcpServers",
	"enableAllProjectMcpServers",
	"enabledMcpjsonServers",
	"sandbox",
	"autoMemoryDirectory",
	"plansDirectory",
	"worktree",
	"sshConfigs",
	"remote",
	"env",
};

/* The only sub-keys of `permissions` served: not allow (approved commands
 * may embed tokens), not additionalDirectories (host paths). */
static const char *const permission_keys[] = { "deny", "ask", "defaultMode" };

/* Parts of an env name (upper-cased) that make it never kept. */
static const char *const env_refused_parts[] = {
	"SECRET",  "PASSWORD", "PASSWD", "CREDENTIAL", "AUTH", "COOKIE",
	"PRIVATE", "PROXY",    "HEADER", "KEY",	       "URL",  "ENDPOINT",
};
static const char *const env_refused_prefixes[] = {
	"ANTHROPIC_", "AWS_",  "AZURE_", "GOOGLE_", "GCP_",  "CLOUD_ML_",
	"VERTEX_",    "OTEL_", "LD_",	 "DYLD_",   "NODE_", "PYTHON",
};
static const char *const env_refused_suffixes[] = {
	"_DIR",
	"_PATH",
	"_FILE",
	"_HOME",
};
static const char *const env_refused_names[] = {
	"CLAUDE_CONFIG_DIR", "PATH",	       "HOME", "SHELL", "ENV",
	"BASH_ENV",	     "PROMPT_COMMAND",
};

static bool in_list(const char *s, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, v[i]) == 0)
			return true;
	return false;
}

bool settings_key_is_stripped(const char *key)
{
	return in_list(key, stripped_keys, ARRAY_LEN(stripped_keys));
}

/* "TOKEN" anywhere except as the start of "TOKENS": MAX_THINKING_TOKENS is
 * a preference, GH_TOKEN and AWS_SESSION_TOKEN_X are secrets. */
static bool has_token(const char *up)
{
	for (const char *p = strstr(up, "TOKEN"); p; p = strstr(p + 1, "TOKEN"))
		if (p[5] != 'S')
			return true;
	return false;
}

bool settings_env_name_refused(const char *name)
{
	char up[256];
	size_t len = strlen(name);

	if (len == 0 || len >= sizeof(up))
		return true;
	for (size_t i = 0; i <= len; i++)
		up[i] = (name[i] >= 'a' && name[i] <= 'z')
				? (char)(name[i] - 'a' + 'A')
				: name[i];
	if (in_list(up, env_refused_names, ARRAY_LEN(env_refused_names)) ||
	    has_token(up))
		return true;
	for (size_t i = 0; i < ARRAY_LEN(env_refused_parts); i++)
		if (strstr(up, env_refused_parts[i]))
			return true;
	for (size_t i = 0; i < ARRAY_LEN(env_refused_prefixes); i++) {
		const char *p = env_refused_prefixes[i];
		if (strncmp(up, p, strlen(p)) == 0)
			return true;
	}
	for (size_t i = 0; i < ARRAY_LEN(env_refused_suffixes); i++) {
		size_t sl = strlen(env_refused_suffixes[i]);
		if (len >= sl &&
		    strcmp(up + len - sl, env_refused_suffixes[i]) == 0)
			return true;
	}
	return false;
}

/* ---- errors ------------------------------------------------------------- */

/* 1-based line of byte offset off. */
static unsigned line_of(const unsigned char *in, size_t len, size_t off)
{
	unsigned line = 1;

	for (size_t i = 0; i < off && i < len; i++)
		if (in[i] == '\n')
			line++;
	return line;
}

/* ---- strict JSON: the lexical part json-c lets through ------------------ */

static bool json_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* The end of the JSON number starting at in[i] ('-' or a digit):
 * -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, not followed by another
 * number character; 0 if it is not one. */
static size_t number_end(const unsigned char *in, size_t len, size_t i)
{
	if (in[i] == '-')
		i++;
	if (i < len && in[i] == '0')
		i++;
	else if (i < len && is_digit(in[i]))
		while (i < len && is_digit(in[i]))
			i++;
	else
		return 0;
	if (i < len && in[i] == '.') {
		if (++i >= len || !is_digit(in[i]))
			return 0;
		while (i < len && is_digit(in[i]))
			i++;
	}
	if (i < len && (in[i] == 'e' || in[i] == 'E')) {
		if (++i < len && (in[i] == '+' || in[i] == '-'))
			i++;
		if (i >= len || !is_digit(in[i]))
			return 0;
		while (i < len && is_digit(in[i]))
			i++;
	}
	if (i < len && strchr("0123456789.eE+-", in[i]))
		return 0;
	return i;
}

/* The length of the well-formed UTF-8 sequence at in[i] (a byte >= 0x80):
 * no overlong forms, no surrogates, nothing past U+10FFFF; 0 if it is not
 * one. json-c's VALIDATE_UTF8 lets all three through. */
static size_t utf8_len(const unsigned char *in, size_t len, size_t i)
{
	unsigned char c = in[i], lo = 0x80, hi = 0xBF;
	size_t n;

	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0; /* overlong */
	else if (c == 0xED)
		hi = 0x9F; /* surrogates */
	else if (c == 0xF0)
		lo = 0x90; /* overlong */
	else if (c == 0xF4)
		hi = 0x8F; /* past U+10FFFF */
	if (i + n > len || in[i + 1] < lo || in[i + 1] > hi)
		return 0;
	for (size_t k = 2; k < n; k++)
		if (in[i + k] < 0x80 || in[i + k] > 0xBF)
			return 0;
	return n;
}

/* Outside strings JSON has only structure, numbers and true/false/null;
 * inside, no raw control characters. json-c (even strict) also takes
 * single quotes, NaN, Infinity, raw newlines in strings, numbers such as
 * "1.", "1.e5", "00.5" and "-01", which JSON.parse refuses (and the first
 * three would be copied to the output as they are), and ill-formed UTF-8
 * (overlong forms, surrogates), which RFC 8259 does not allow and which
 * would be copied too; and it cuts a key at an escaped NUL, which would
 * make it see another key than Claude Code does. Returns NULL or the
 * problem, with *at its byte offset. */
static const char *lex_check(const unsigned char *in, size_t len, size_t *at)
{
	static const char outside[] = " \t\n\r{}[],:etrufalsn";
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = in[i];
		*at = i;
		if (!in_string) {
			if (c == '"') {
				in_string = true;
			} else if (c == '-' || is_digit(c)) {
				size_t end = number_end(in, len, i);
				if (!end)
					return "invalid number";
				i = end - 1;
			} else if (c == '\0' || !strchr(outside, c)) {
				return "unexpected character";
			}
			continue;
		}
		if (c < 0x20)
			return "control character in a string";
		if (c >= 0x80) {
			size_t n = utf8_len(in, len, i);
			if (!n)
				return "invalid UTF-8";
			i += n - 1;
			continue;
		}
		if (c == '"') {
			in_string = false;
		} else if (c == '\\' && i + 1 < len) {
			if (in[i + 1] == 'u' && i + 5 < len &&
			    memcmp(in + i + 2, "0000", 4) == 0)
				return "\\u0000 in a string is not supported";
			i++; /* the escaped byte cannot end the string */
		}
	}
	return NULL;
}

static int parse_object(const unsigned char *in, size_t len,
			struct json_object **out, char *why, size_t why_len)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error e;
	const char *problem;
	size_t at = 0, end, first = 0;

	problem = lex_check(in, len, &at);
	if (problem)
		return set_why(why, why_len, "invalid JSON at line %u: %s",
			       line_of(in, len, at), problem);
	while (first < len && json_space(in[first]))
		first++;
	if (first == len)
		return set_why(
			why, why_len,
			"invalid JSON at line %u: unexpected end of input",
			line_of(in, len, len));
	if (in[first] != '{')
		return set_why(why, why_len, "top level is not an object");
	/* json-c's depth N admits N - 1 levels */
	tok = json_tokener_new_ex(SETTINGS_MAX_DEPTH + 1);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
					    JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, (const char *)in, (int)len);
	e = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!obj) {
		if (e == json_tokener_error_depth)
			return set_why(
				why, why_len,
				"nested deeper than %d levels at line %u",
				SETTINGS_MAX_DEPTH, line_of(in, len, end));
		if (e == json_tokener_continue || e == json_tokener_success)
			return set_why(
				why, why_len,
				"invalid JSON at line %u: unexpected end of input",
				line_of(in, len, len));
		return set_why(why, why_len, "invalid JSON at line %u: %s",
			       line_of(in, len, end),
			       json_tokener_error_desc(e));
	}
	for (size_t i = end; i < len; i++) {
		if (!json_space(in[i])) {
			json_object_put(obj);
			return set_why(
				why, why_len,
				"invalid JSON at line %u: data after the top-level object",
				line_of(in, len, i));
		}
	}
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return set_why(why, why_len, "top level is not an object");
	}
	*out = obj;
	return 0;
}

/* ---- output ------------------------------------------------------------- */

struct out_buf {
	char *p;
	size_t len, cap;
	int err; /* 0, -ENOMEM, or -EFBIG past SETTINGS_MAX_OUTPUT */
};

static void put(struct out_buf *b, const char *s, size_t n)
{
	if (b->err)
		return;
	if (n > SETTINGS_MAX_OUTPUT - b->len) {
		b->err = -EFBIG;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 4096;
		char *np;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		np = realloc(b->p, ncap);
		if (!np) {
			b->err = -ENOMEM;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(struct out_buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void indent(struct out_buf *b, unsigned n)
{
	static const char spaces[] = "                                ";

	while (n > 0) {
		unsigned k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
		put(b, spaces, k);
		n -= k;
	}
}

/* A JSON string: quotes, backslash and control characters escaped; other
 * bytes (UTF-8, checked by the parser) as they are. */
static void put_string(struct out_buf *b, const char *s, size_t n)
{
	size_t run = 0;

	put(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"':
			puts_(b, "\\\"");
			break;
		case '\\':
			puts_(b, "\\\\");
			break;
		case '\b':
			puts_(b, "\\b");
			break;
		case '\f':
			puts_(b, "\\f");
			break;
		case '\n':
			puts_(b, "\\n");
			break;
		case '\r':
			puts_(b, "\\r");
			break;
		case '\t':
			puts_(b, "\\t");
			break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			puts_(b, esc);
		}
	}
	put(b, s + run, n - run);
	put(b, "\"", 1);
}

static void put_value(struct out_buf *b, struct json_object *v, unsigned ind);

/* Starts member or element i of a container at indentation ind. */
static void put_sep(struct out_buf *b, size_t i, unsigned ind)
{
	puts_(b, i ? ",\n" : "\n");
	indent(b, ind);
}

static void put_member(struct out_buf *b, size_t i, const char *key,
		       struct json_object *v, unsigned ind)
{
	put_sep(b, i, ind);
	put_string(b, key, strlen(key));
	puts_(b, ": ");
	put_value(b, v, ind);
}

/* Recursion is bounded by the parser's depth cap, SETTINGS_MAX_DEPTH. */
static void put_value(struct out_buf *b, struct json_object *v, unsigned ind)
{
	size_t i = 0, n;

	switch (json_object_get_type(v)) {
	case json_type_null:
		puts_(b, "null");
		return;
	case json_type_boolean:
		puts_(b, json_object_get_boolean(v) ? "true" : "false");
		return;
	case json_type_int:
	case json_type_double:
		/* the parsed text for doubles ("2.50"), digits for ints */
		puts_(b, json_object_to_json_string_ext(
				 v, JSON_C_TO_STRING_PLAIN));
		return;
	case json_type_string:
		put_string(b, json_object_get_string(v),
			   (size_t)json_object_get_string_len(v));
		return;
	case json_type_object:
		if (json_object_object_length(v) == 0) {
			puts_(b, "{}");
			return;
		}
		puts_(b, "{");
		json_object_object_foreach(v, key, val)
			put_member(b, i++, key, val, ind + 2);
		puts_(b, "\n");
		indent(b, ind);
		puts_(b, "}");
		return;
	case json_type_array:
		n = json_object_array_length(v);
		if (n == 0) {
			puts_(b, "[]");
			return;
		}
		puts_(b, "[");
		for (i = 0; i < n; i++) {
			put_sep(b, i, ind + 2);
			put_value(b, json_object_array_get_idx(v, i), ind + 2);
		}
		puts_(b, "\n");
		indent(b, ind);
		puts_(b, "]");
		return;
	}
}

/* ---- the policy --------------------------------------------------------- */

/* Puts the members of object v whose keys keep() accepts as a member named
 * key of the top level; nothing when none is kept. */
static void put_filtered(struct out_buf *b, size_t *i, const char *name,
			 struct json_object *v,
			 bool (*keep)(const char *key, const void *ctx),
			 const void *ctx)
{
	size_t kept = 0;

	if (!json_object_is_type(v, json_type_object))
		return;
	json_object_object_foreach(v, key, val)
	{
		if (!keep(key, ctx))
			continue;
		if (kept == 0) {
			put_sep(b, (*i)++, 2);
			put_string(b, name, strlen(name));
			puts_(b, ": {");
		}
		put_member(b, kept++, key, val, 4);
	}
	if (kept) {
		puts_(b, "\n");
		indent(b, 2);
		puts_(b, "}");
	}
}

static bool keep_env(const char *key, const void *ctx)
{
	const struct settings_policy *pol = ctx;

	return in_list(key, pol->env_allow, pol->nenv_allow) &&
	       !settings_env_name_refused(key);
}

static bool keep_permission(const char *key, const void *ctx)
{
	(void)ctx;
	return in_list(key, permission_keys, ARRAY_LEN(permission_keys));
}

static void put_sanitized(struct out_buf *b, struct json_object *top,
			  const struct settings_policy *pol)
{
	size_t i = 0;

	puts_(b, "{");
	json_object_object_foreach(top, key, val)
	{
		if (strcmp(key, "env") == 0) {
			put_filtered(b, &i, key, val, keep_env, pol);
		} else if (settings_key_is_stripped(key) ||
			   !in_list(key, pol->safe_keys, pol->nsafe_keys)) {
			continue;
		} else if (strcmp(key, "permissions") == 0) {
			put_filtered(b, &i, key, val, keep_permission, NULL);
		} else {
			put_member(b, i++, key, val, 2);
		}
	}
	puts_(b, i ? "\n}\n" : "}\n");
}

int settings_sanitize(const struct settings_policy *pol, const void *in,
		      size_t len, char **out, size_t *out_len, char *why,
		      size_t why_len)
{
	struct out_buf b = { NULL, 0, 0, 0 };
	struct json_object *top = NULL;
	int r;

	*out = NULL;
	*out_len = 0;
	if (len > SETTINGS_MAX_BYTES)
		return set_why(why, why_len, "larger than %u bytes",
			       SETTINGS_MAX_BYTES);
	r = parse_object(in, len, &top, why, why_len);
	if (r)
		return r;
	put_sanitized(&b, top, pol);
	json_object_put(top);
	if (b.err) {
		free(b.p);
		if (b.err == -ENOMEM)
			return -ENOMEM;
		return set_why(why, why_len,
			       "sanitized settings larger than %u bytes",
			       SETTINGS_MAX_OUTPUT);
	}
	*out = b.p;
	*out_len = b.len;
	return 0;
}
