/* fuzz_settings.c — libFuzzer target for settings_sanitize (src/
 * settings_sanitize.c): the settings.json the view serves instead of the
 * source's.
 *
 * Input: one byte choosing the policy (safe_keys / env_allow, below), then
 * the settings.json bytes.
 *
 * Checks (__builtin_trap on failure):
 *  S1  Success: the output is NUL-terminated at out_len with no NUL before,
 *      is valid JSON by an RFC 8259 validator written here (independent of
 *      json-c, UTF-8 checked), an object, ending in "}\n"; no top-level key
 *      appears twice.
 *  S2  No stripped key survives: every top-level key (decoded by that
 *      validator) is "env", or is in the policy's safe_keys and not
 *      settings_key_is_stripped(); "permissions" holds only deny, ask and
 *      defaultMode; "env" holds only names in env_allow that
 *      settings_env_name_refused() refuses not, and none that looks like
 *      a secret, a provider setting, a code loader or a host path; kept
 *      "env" / "permissions" objects are not empty.
 *  S3  What is kept is what was there: each kept member equals the input's
 *      (last duplicate wins), compared as json-c values.
 *  S4  Sanitizing the output again gives it back byte for byte, and the
 *      same input gives the same bytes twice.
 *  S5  Failure: -EINVAL or -ENOMEM, no output, a reason that fits in the
 *      buffer given (also 1 and 8 bytes, allocated exactly).
 *
 * FUZZ_DEBUG=1 in the environment prints the output.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "seedfs/transform.h"
#include "common.h"

/* ---- policies ------------------------------------------------------------ */

static const char *const safe_a[] = {
	"model",
	"permissions",
	"theme",
	"cleanupPeriodDays",
	"includeCoAuthoredBy",
	"alwaysThinkingEnabled",
	"outputStyle",
	/* stripped ones: listing them must not keep them */
	"hooks",
	"apiKeyHelper",
	"statusLine",
	"mcpServers",
	"env",
	"sandbox",
	"enabledPlugins",
	"",
};
static const char *const env_a[] = {
	"FOO",
	"DEBUG",
	"MAX_THINKING_TOKENS",
	"BASH_DEFAULT_TIMEOUT_MS",
	/* refused whatever env_allow says */
	"ANTHROPIC_API_KEY",
	"NODE_OPTIONS",
	"GITHUB_TOKEN",
	"HOME",
	"PATH",
	"LD_PRELOAD",
	"HTTPS_PROXY",
	"CLAUDE_CONFIG_DIR",
	"my_secret",
	"",
};
static const char *const safe_b[] = { "permissions" };

static const struct settings_policy policies[] = {
	{ env_a, sizeof(env_a) / sizeof(env_a[0]), safe_a,
	  sizeof(safe_a) / sizeof(safe_a[0]) },
	{ NULL, 0, NULL, 0 },
	{ env_a, 4, safe_b, 1 },
	{ NULL, 0, safe_a, sizeof(safe_a) / sizeof(safe_a[0]) },
};

static bool in_list(const char *s, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, v[i]) == 0)
			return true;
	return false;
}

/* ---- an RFC 8259 validator ----------------------------------------------- */

struct jv {
	const unsigned char *s;
	size_t n, i;
	unsigned depth;
	/* top-level keys, decoded */
	char **keys;
	size_t nkeys;
};

static void ws(struct jv *j)
{
	while (j->i < j->n && (j->s[j->i] == ' ' || j->s[j->i] == '\t' ||
			       j->s[j->i] == '\n' || j->s[j->i] == '\r'))
		j->i++;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (unsigned char)tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Appends code point cp as UTF-8. */
static void put_cp(char *o, size_t *k, uint32_t cp)
{
	if (cp < 0x80) {
		o[(*k)++] = (char)cp;
	} else if (cp < 0x800) {
		o[(*k)++] = (char)(0xC0 | (cp >> 6));
		o[(*k)++] = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		o[(*k)++] = (char)(0xE0 | (cp >> 12));
		o[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[(*k)++] = (char)(0x80 | (cp & 0x3F));
	} else {
		o[(*k)++] = (char)(0xF0 | (cp >> 18));
		o[(*k)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
		o[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[(*k)++] = (char)(0x80 | (cp & 0x3F));
	}
}

/* One well-formed UTF-8 sequence at s[i..n) (no overlongs, no surrogates,
 * at most U+10FFFF); its length or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n, size_t i)
{
	unsigned char c = s[i];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (i + len > n)
		return 0;
	for (size_t k = 1; k < len; k++) {
		if ((s[i + k] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i + k] & 0x3F);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/* A string at s[i] == '"'; its decoded bytes in *out (malloc'd) if out. */
static bool jstring(struct jv *j, char **out)
{
	char *o = out ? malloc(j->n - j->i + 1) : NULL;
	size_t k = 0;

	if (out)
		CHECK(o);
	j->i++;
	for (;;) {
		if (j->i >= j->n)
			goto bad;
		unsigned char c = j->s[j->i];
		if (c == '"') {
			j->i++;
			break;
		}
		if (c < 0x20)
			goto bad;
		if (c == '\\') {
			if (j->i + 1 >= j->n)
				goto bad;
			unsigned char e = j->s[j->i + 1];
			const char *simple = "\"\\/bfnrt";
			const char *map = "\"\\/\b\f\n\r\t";
			const char *p = e ? strchr(simple, e) : NULL;
			if (p) {
				if (o)
					o[k++] = map[p - simple];
				j->i += 2;
				continue;
			}
			if (e != 'u' || j->i + 6 > j->n)
				goto bad;
			uint32_t cp = 0;
			for (int h = 0; h < 4; h++) {
				int v = hexval(j->s[j->i + 2 + h]);
				if (v < 0)
					goto bad;
				cp = cp * 16 + (uint32_t)v;
			}
			j->i += 6;
			if (cp >= 0xD800 && cp <= 0xDBFF && j->i + 6 <= j->n &&
			    j->s[j->i] == '\\' && j->s[j->i + 1] == 'u') {
				uint32_t lo = 0;
				bool okh = true;
				for (int h = 0; h < 4; h++) {
					int v = hexval(j->s[j->i + 2 + h]);
					okh &= v >= 0;
					lo = lo * 16 +
					     (uint32_t)(v < 0 ? 0 : v);
				}
				if (okh && lo >= 0xDC00 && lo <= 0xDFFF) {
					cp = 0x10000 + ((cp - 0xD800) << 10) +
					     (lo - 0xDC00);
					j->i += 6;
				}
			}
			if (o)
				put_cp(o, &k,
				       cp >= 0xD800 && cp <= 0xDFFF ? 0xFFFD
								    : cp);
			continue;
		}
		size_t len = utf8_seq(j->s, j->n, j->i);
		if (!len)
			goto bad;
		if (o)
			memcpy(o + k, j->s + j->i, len);
		k += len;
		j->i += len;
	}
	if (o) {
		o[k] = '\0';
		*out = o;
	}
	return true;
bad:
	free(o);
	return false;
}

static bool jnumber(struct jv *j)
{
	size_t st = j->i;

	if (j->i < j->n && j->s[j->i] == '-')
		j->i++;
	if (j->i < j->n && j->s[j->i] == '0') {
		j->i++;
	} else if (j->i < j->n && j->s[j->i] >= '1' && j->s[j->i] <= '9') {
		while (j->i < j->n && isdigit(j->s[j->i]))
			j->i++;
	} else {
		return false;
	}
	if (j->i < j->n && j->s[j->i] == '.') {
		j->i++;
		if (j->i >= j->n || !isdigit(j->s[j->i]))
			return false;
		while (j->i < j->n && isdigit(j->s[j->i]))
			j->i++;
	}
	if (j->i < j->n && (j->s[j->i] == 'e' || j->s[j->i] == 'E')) {
		j->i++;
		if (j->i < j->n && (j->s[j->i] == '+' || j->s[j->i] == '-'))
			j->i++;
		if (j->i >= j->n || !isdigit(j->s[j->i]))
			return false;
		while (j->i < j->n && isdigit(j->s[j->i]))
			j->i++;
	}
	return j->i > st;
}

static bool jvalue(struct jv *j, bool top);

static bool jobject(struct jv *j, bool top)
{
	j->i++;
	ws(j);
	if (j->i < j->n && j->s[j->i] == '}') {
		j->i++;
		return true;
	}
	for (;;) {
		char *key = NULL;
		ws(j);
		if (j->i >= j->n || j->s[j->i] != '"' ||
		    !jstring(j, top ? &key : NULL))
			return false;
		if (top) {
			j->keys = realloc(j->keys,
					  (j->nkeys + 1) * sizeof(*j->keys));
			CHECK(j->keys);
			j->keys[j->nkeys++] = key;
		}
		ws(j);
		if (j->i >= j->n || j->s[j->i] != ':')
			return false;
		j->i++;
		if (!jvalue(j, false))
			return false;
		ws(j);
		if (j->i < j->n && j->s[j->i] == ',') {
			j->i++;
			continue;
		}
		if (j->i < j->n && j->s[j->i] == '}') {
			j->i++;
			return true;
		}
		return false;
	}
}

static bool jarray(struct jv *j)
{
	j->i++;
	ws(j);
	if (j->i < j->n && j->s[j->i] == ']') {
		j->i++;
		return true;
	}
	for (;;) {
		if (!jvalue(j, false))
			return false;
		ws(j);
		if (j->i < j->n && j->s[j->i] == ',') {
			j->i++;
			continue;
		}
		if (j->i < j->n && j->s[j->i] == ']') {
			j->i++;
			return true;
		}
		return false;
	}
}

static bool jvalue(struct jv *j, bool top)
{
	bool ok;

	ws(j);
	if (j->i >= j->n || ++j->depth > 200)
		return false;
	switch (j->s[j->i]) {
	case '{':
		ok = jobject(j, top);
		break;
	case '[':
		ok = !top && jarray(j);
		break;
	case '"':
		ok = !top && jstring(j, NULL);
		break;
	case 't':
		ok = !top && j->n - j->i >= 4 &&
		     memcmp(j->s + j->i, "true", 4) == 0;
		j->i += 4;
		break;
	case 'f':
		ok = !top && j->n - j->i >= 5 &&
		     memcmp(j->s + j->i, "false", 5) == 0;
		j->i += 5;
		break;
	case 'n':
		ok = !top && j->n - j->i >= 4 &&
		     memcmp(j->s + j->i, "null", 4) == 0;
		j->i += 4;
		break;
	default:
		ok = !top && jnumber(j);
	}
	j->depth--;
	return ok;
}

/* Valid JSON whose top is an object; fills j->keys. */
static bool json_valid_object(struct jv *j, const char *s, size_t n)
{
	memset(j, 0, sizeof(*j));
	j->s = (const unsigned char *)s;
	j->n = n;
	if (!jvalue(j, true))
		return false;
	ws(j);
	return j->i == j->n;
}

static void jv_free(struct jv *j)
{
	for (size_t i = 0; i < j->nkeys; i++)
		free(j->keys[i]);
	free(j->keys);
}

/* ---- the checks ---------------------------------------------------------- */

/* Independent of settings_env_name_refused: names that must never pass. */
static bool env_name_obviously_bad(const char *name)
{
	char up[256];
	size_t n = strlen(name);

	if (n >= sizeof(up))
		return false;
	for (size_t i = 0; i <= n; i++)
		up[i] = (char)toupper((unsigned char)name[i]);
	return strstr(up, "SECRET") || strstr(up, "PASSWORD") ||
	       strstr(up, "API_KEY") || strstr(up, "PROXY") ||
	       strncmp(up, "ANTHROPIC_", 10) == 0 ||
	       strncmp(up, "AWS_", 4) == 0 || strncmp(up, "LD_", 3) == 0 ||
	       strncmp(up, "NODE_", 5) == 0 || strcmp(up, "PATH") == 0 ||
	       strcmp(up, "HOME") == 0 || strcmp(up, "CLAUDE_CONFIG_DIR") == 0;
}

static void check_filtered_member(struct json_object *in_top,
				  struct json_object *out_top, const char *name,
				  const struct settings_policy *pol)
{
	struct json_object *ov = NULL, *iv = NULL;

	if (!json_object_object_get_ex(out_top, name, &ov))
		return;
	CHECK(json_object_is_type(ov, json_type_object));
	CHECK(json_object_object_length(ov) > 0);
	CHECK(json_object_object_get_ex(in_top, name, &iv));
	json_object_object_foreach(ov, k, v)
	{
		struct json_object *orig = NULL;
		if (strcmp(name, "env") == 0) {
			CHECK(in_list(k, pol->env_allow, pol->nenv_allow));
			CHECK(!settings_env_name_refused(k));
			CHECK(!env_name_obviously_bad(k));
		} else {
			CHECK(strcmp(k, "deny") == 0 || strcmp(k, "ask") == 0 ||
			      strcmp(k, "defaultMode") == 0);
		}
		CHECK(json_object_object_get_ex(iv, k, &orig));
		CHECK(json_object_equal(orig, v));
	}
}

static struct json_object *parse_json_c(const char *s, size_t n)
{
	struct json_tokener *tok = json_tokener_new_ex(64);
	struct json_object *o;

	CHECK(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, s, (int)n);
	json_tokener_free(tok);
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct settings_policy *pol;
	char why[TRANSFORM_WHY_MAX];
	char *in, *out = NULL, *out2 = NULL, *out3 = NULL;
	size_t len, out_len = 0, out2_len = 0, out3_len = 0;
	int r;

	if (size < 1)
		return 0;
	pol = &policies[data[0] % (sizeof(policies) / sizeof(policies[0]))];
	len = size - 1;
	in = malloc(len ? len : 1); /* exact: no terminator to lean on */
	CHECK(in);
	memcpy(in, data + 1, len);

	why[0] = '\0';
	r = settings_sanitize(pol, in, len, &out, &out_len, why, sizeof(why));
	if (r != 0) {
		/* S5 */
		CHECK(r == -EINVAL || r == -ENOMEM);
		CHECK(out == NULL);
		CHECK(memchr(why, 0, sizeof(why)) && why[0] != '\0');
		for (size_t wl = 1; wl <= 8; wl += 7) {
			char *w = malloc(wl);
			CHECK(w);
			CHECK(settings_sanitize(pol, in, len, &out, &out_len, w,
						wl) == r);
			CHECK(out == NULL && memchr(w, 0, wl));
			free(w);
		}
		free(in);
		return 0;
	}

	if (getenv("FUZZ_DEBUG"))
		fprintf(stderr, "settings_sanitize: %zu bytes:\n%s", out_len,
			out);
	/* S1 */
	struct jv j;
	CHECK(out != NULL && out[out_len] == '\0' && strlen(out) == out_len);
	CHECK(out_len >= 3 && memcmp(out + out_len - 2, "}\n", 2) == 0);
	CHECK(json_valid_object(&j, out, out_len));
	for (size_t a = 0; a < j.nkeys; a++)
		for (size_t b = 0; b < a; b++)
			CHECK(strcmp(j.keys[a], j.keys[b]) != 0);

	/* S2, on the validator's own decoding of the keys */
	for (size_t a = 0; a < j.nkeys; a++) {
		const char *k = j.keys[a];
		if (strcmp(k, "env") == 0)
			continue;
		CHECK(in_list(k, pol->safe_keys, pol->nsafe_keys));
		CHECK(!settings_key_is_stripped(k));
		CHECK(strcmp(k, "hooks") != 0 &&
		      strcmp(k, "apiKeyHelper") != 0 &&
		      strcmp(k, "statusLine") != 0 &&
		      strcmp(k, "mcpServers") != 0);
	}

	/* S2 and S3 on json-c's reading */
	struct json_object *in_top = parse_json_c(in, len);
	struct json_object *out_top = parse_json_c(out, out_len);
	CHECK(out_top && json_object_is_type(out_top, json_type_object));
	CHECK(in_top && json_object_is_type(in_top, json_type_object));
	CHECK((size_t)json_object_object_length(out_top) == j.nkeys);
	json_object_object_foreach(out_top, key, val)
	{
		struct json_object *orig = NULL;
		if (strcmp(key, "env") == 0 || strcmp(key, "permissions") == 0)
			continue;
		CHECK(json_object_object_get_ex(in_top, key, &orig));
		CHECK(json_object_equal(orig, val));
	}
	check_filtered_member(in_top, out_top, "env", pol);
	check_filtered_member(in_top, out_top, "permissions", pol);
	json_object_put(in_top);
	json_object_put(out_top);
	jv_free(&j);

	/* S4 */
	CHECK(settings_sanitize(pol, in, len, &out2, &out2_len, why,
				sizeof(why)) == 0);
	CHECK(out2_len == out_len && memcmp(out2, out, out_len) == 0);
	CHECK(settings_sanitize(pol, out, out_len, &out3, &out3_len, why,
				sizeof(why)) == 0);
	CHECK(out3_len == out_len && memcmp(out3, out, out_len) == 0);

	free(out);
	free(out2);
	free(out3);
	free(in);
	return 0;
}
