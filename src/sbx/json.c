/* json.c — a small strict JSON reader (see json.h). Recursive descent with
 * a depth cap; every allocation failure or syntax error returns NULL. */
#include "claude-sbx/json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64

struct jp {
	const char *s;
	size_t len, pos;
	int depth;
};

static struct json *parse_value(struct jp *p);

static void skip_ws(struct jp *p)
{
	while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
				   p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
}

static struct json *new_node(enum json_kind k)
{
	struct json *j = calloc(1, sizeof(*j));
	if (j)
		j->kind = k;
	return j;
}

void json_free(struct json *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++) {
		json_free(j->items[i]);
		if (j->keys)
			free(j->keys[i]);
	}
	free(j->items);
	free(j->keys);
	free(j->str);
	free(j);
}

static int hex4(struct jp *p, uint32_t *out)
{
	uint32_t v = 0;

	if (p->len - p->pos < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = p->s[p->pos++];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t utf8_put(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Parses a string at p->pos (on the opening quote); returns malloc'd text. */
static char *parse_string(struct jp *p)
{
	if (p->pos >= p->len || p->s[p->pos] != '"')
		return NULL;
	p->pos++;
	/* Decoded text is never longer than the source text. */
	size_t start = p->pos;
	char *out = malloc(p->len - start + 1);
	size_t o = 0;
	if (!out)
		return NULL;
	while (p->pos < p->len) {
		unsigned char c = (unsigned char)p->s[p->pos++];
		if (c == '"') {
			out[o] = '\0';
			return out;
		}
		if (c < 0x20)
			break;
		if (c != '\\') {
			out[o++] = (char)c;
			continue;
		}
		if (p->pos >= p->len)
			break;
		c = (unsigned char)p->s[p->pos++];
		uint32_t cp;
		switch (c) {
		case '"': case '\\': case '/':
			out[o++] = (char)c;
			continue;
		case 'b': out[o++] = '\b'; continue;
		case 'f': out[o++] = '\f'; continue;
		case 'n': out[o++] = '\n'; continue;
		case 'r': out[o++] = '\r'; continue;
		case 't': out[o++] = '\t'; continue;
		case 'u':
			if (hex4(p, &cp) < 0)
				goto fail;
			if (cp >= 0xD800 && cp < 0xDC00) {
				uint32_t lo;
				if (p->len - p->pos < 6 || p->s[p->pos] != '\\' ||
				    p->s[p->pos + 1] != 'u')
					goto fail;
				p->pos += 2;
				if (hex4(p, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
					goto fail;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
				goto fail;
			}
			if (cp == 0)
				goto fail; /* no NUL inside C strings */
			o += utf8_put(out + o, cp);
			continue;
		default:
			goto fail;
		}
	}
fail:
	free(out);
	return NULL;
}

static int push_item(struct json *j, struct json *item, char *key)
{
	struct json **items = realloc(j->items, (j->n + 1) * sizeof(*items));
	if (!items)
		return -1;
	j->items = items;
	if (j->kind == JSON_OBJ) {
		char **keys = realloc(j->keys, (j->n + 1) * sizeof(*keys));
		if (!keys)
			return -1;
		j->keys = keys;
		keys[j->n] = key;
	}
	items[j->n++] = item;
	return 0;
}

static struct json *parse_container(struct jp *p, bool obj)
{
	struct json *j = new_node(obj ? JSON_OBJ : JSON_ARR);
	if (!j)
		return NULL;
	p->pos++; /* '[' or '{' */
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == (obj ? '}' : ']')) {
		p->pos++;
		return j;
	}
	for (;;) {
		char *key = NULL;
		skip_ws(p);
		if (obj) {
			key = parse_string(p);
			if (!key)
				goto fail;
			skip_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':') {
				free(key);
				goto fail;
			}
			p->pos++;
		}
		struct json *v = parse_value(p);
		if (!v || push_item(j, v, key) < 0) {
			json_free(v);
			free(key);
			goto fail;
		}
		skip_ws(p);
		if (p->pos >= p->len)
			goto fail;
		char c = p->s[p->pos++];
		if (c == ',')
			continue;
		if (c == (obj ? '}' : ']'))
			return j;
		p->pos--;
		goto fail;
	}
fail:
	json_free(j);
	return NULL;
}

static struct json *parse_number(struct jp *p)
{
	size_t st = p->pos;
	if (p->pos < p->len && p->s[p->pos] == '-')
		p->pos++;
	if (p->pos >= p->len)
		return NULL;
	if (p->s[p->pos] == '0') {
		p->pos++;
	} else if (p->s[p->pos] >= '1' && p->s[p->pos] <= '9') {
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
	} else {
		return NULL;
	}
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		size_t d = p->pos;
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
		if (d == p->pos)
			return NULL;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		size_t d = p->pos;
		while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
			p->pos++;
		if (d == p->pos)
			return NULL;
	}
	struct json *j = new_node(JSON_NUM);
	if (!j)
		return NULL;
	j->str = strndup(p->s + st, p->pos - st);
	if (!j->str) {
		free(j);
		return NULL;
	}
	j->num = strtod(j->str, NULL);
	return j;
}

static bool take_word(struct jp *p, const char *w)
{
	size_t l = strlen(w);
	if (p->len - p->pos >= l && memcmp(p->s + p->pos, w, l) == 0) {
		p->pos += l;
		return true;
	}
	return false;
}

static struct json *parse_value(struct jp *p)
{
	struct json *j = NULL;

	skip_ws(p);
	if (p->pos >= p->len || ++p->depth > JSON_MAX_DEPTH)
		return NULL;
	char c = p->s[p->pos];
	if (c == '{' || c == '[') {
		j = parse_container(p, c == '{');
	} else if (c == '"') {
		char *s = parse_string(p);
		if (s && (j = new_node(JSON_STR)))
			j->str = s;
		else
			free(s);
	} else if (take_word(p, "true") || take_word(p, "false")) {
		if ((j = new_node(JSON_BOOL)))
			j->b = c == 't';
	} else if (take_word(p, "null")) {
		j = new_node(JSON_NULL);
	} else {
		j = parse_number(p);
	}
	p->depth--;
	return j;
}

struct json *json_parse(const char *text, size_t len, size_t *pos)
{
	struct jp p = {.s = text, .len = len};
	struct json *j = parse_value(&p);
	if (j) {
		skip_ws(&p);
		if (p.pos != p.len) {
			json_free(j);
			j = NULL;
		}
	}
	if (pos)
		*pos = p.pos;
	return j;
}

const struct json *json_get(const struct json *obj, const char *key)
{
	if (!obj || obj->kind != JSON_OBJ)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return obj->items[i];
	return NULL;
}
