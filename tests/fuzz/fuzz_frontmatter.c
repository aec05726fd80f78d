/* fuzz_frontmatter.c — libFuzzer target for frontmatter_defuse (src/
 * frontmatter.c): skills' SKILL.md and agents' *.md as the view serves them.
 *
 * Input: one byte choosing the kind (even: skill, odd: agent), then the
 * file's bytes.
 *
 * The frontmatter is located here independently, the way Claude Code reads
 * it (/^---\s*\n([\s\S]*?)---\s*\n?/ with JavaScript's \s; a UTF-8 BOM
 * first is allowed too, as frontmatter.c allows it), and read with
 * libyaml's event parser.
 *
 * Checks (__builtin_trap on failure):
 *  F1  Success: the output is NUL-terminated at out_len, and is the input
 *      with whole lines removed (a subsequence that keeps every byte
 *      outside the frontmatter in place, before and after it).
 *  F2  No frontmatter: the output is the input, byte for byte.
 *  F3  The output's frontmatter is valid YAML (one document; a mapping, or
 *      empty), and none of its top-level keys is a removed one ("hooks";
 *      for agents also "mcpServers" and "permissionMode"); its other keys
 *      are the input's, in order.
 *  F4  No line of the output's frontmatter looks like a removed key
 *      ("hooks:", "'hooks' :", "? hooks"), whatever YAML makes of it.
 *  F5  A frontmatter without removed keys comes back unchanged.
 *  F6  Defusing the output again gives it back byte for byte, and the same
 *      input gives the same bytes twice.
 *  F7  Failure: -EINVAL or -ENOMEM, no output, a reason that fits the
 *      buffer given (also 1 and 8 bytes, allocated exactly).
 *  F8  transform_apply agrees with the direct call, and TRANSFORM_NONE
 *      copies.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "seedfs/transform.h"
#include "common.h"

#define MAX_KEYS 256

static const char *const skill_removed[] = { "hooks" };
static const char *const agent_removed[] = { "hooks", "mcpServers",
					     "permissionMode" };

static bool removed(bool agent, const char *k, size_t n)
{
	const char *const *v = agent ? agent_removed : skill_removed;
	size_t nv = agent ? 3 : 1;

	for (size_t i = 0; i < nv; i++)
		if (strlen(v[i]) == n && memcmp(v[i], k, n) == 0)
			return true;
	return false;
}

/* JavaScript's \s at p[0..n): its byte length, or 0. */
static size_t js_ws(const unsigned char *p, size_t n)
{
	static const char *const multi[] = {
		"\xC2\xA0",	"\xE1\x9A\x80", "\xE2\x80\x80", "\xE2\x80\x81",
		"\xE2\x80\x82", "\xE2\x80\x83", "\xE2\x80\x84", "\xE2\x80\x85",
		"\xE2\x80\x86", "\xE2\x80\x87", "\xE2\x80\x88", "\xE2\x80\x89",
		"\xE2\x80\x8A", "\xE2\x80\xA8", "\xE2\x80\xA9", "\xE2\x80\xAF",
		"\xE2\x81\x9F", "\xE3\x80\x80", "\xEF\xBB\xBF",
	};

	if (strchr(" \t\n\v\f\r", p[0]) && p[0])
		return 1;
	for (size_t i = 0; i < sizeof(multi) / sizeof(multi[0]); i++) {
		size_t l = strlen(multi[i]);
		if (n >= l && memcmp(p, multi[i], l) == 0)
			return l;
	}
	return 0;
}

/* The frontmatter text [*s, *e) as Claude Code's pattern finds it: after
 * "---", the longest run of \s that ends in a line feed; then up to the
 * first "---". */
static bool locate(const unsigned char *in, size_t len, size_t *s, size_t *e)
{
	size_t pos = 0, last_nl = SIZE_MAX, w;
	const unsigned char *close;

	if (len >= 3 && memcmp(in, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	if (len - pos < 3 || memcmp(in + pos, "---", 3) != 0)
		return false;
	pos += 3;
	while (pos < len && (w = js_ws(in + pos, len - pos)) > 0) {
		if (in[pos] == '\n')
			last_nl = pos;
		pos += w;
	}
	if (last_nl == SIZE_MAX)
		return false;
	*s = last_nl + 1;
	close = memmem(in + *s, len - *s, "---", 3);
	if (!close)
		return false;
	*e = (size_t)(close - in);
	return true;
}

struct keys {
	char *v[MAX_KEYS];
	size_t n;
	bool overflow;
};

static void keys_free(struct keys *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i]);
	k->n = 0;
}

/* Reads t[0..n) with libyaml; on success fills the top-level keys (scalars;
 * a non-scalar key is recorded as "\x01"). False if it is not one
 * document holding a mapping or nothing. */
static bool yaml_top_keys(const unsigned char *t, size_t n, struct keys *k)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int depth = 0, docs = 0;
	bool ok = true, done = false, root_seen = false, expect_key = true;

	memset(k, 0, sizeof(*k));
	CHECK(yaml_parser_initialize(&p));
	yaml_parser_set_input_string(&p, t, n);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			ok = false;
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				ok = false;
			break;
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			if (depth == 0) {
				if (ev.type != YAML_MAPPING_START_EVENT)
					ok = false;
				root_seen = true;
			} else if (depth == 1) {
				if (expect_key && k->n < MAX_KEYS)
					k->v[k->n++] = strdup("\x01");
				expect_key = !expect_key;
			}
			depth++;
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			depth--;
			break;
		case YAML_SCALAR_EVENT:
			if (depth == 0) {
				/* a root scalar: only a null one ("", "~",
				 * "null") is "nothing" */
				const char *v =
					(const char *)ev.data.scalar.value;
				if (root_seen ||
				    ev.data.scalar.style !=
					    YAML_PLAIN_SCALAR_STYLE ||
				    (strcmp(v, "") != 0 &&
				     strcmp(v, "~") != 0 &&
				     strcmp(v, "null") != 0 &&
				     strcmp(v, "Null") != 0 &&
				     strcmp(v, "NULL") != 0))
					ok = false;
				root_seen = true;
			} else if (depth == 1) {
				if (expect_key) {
					if (k->n < MAX_KEYS) {
						char *c = malloc(
							ev.data.scalar.length +
							1);
						CHECK(c);
						memcpy(c, ev.data.scalar.value,
						       ev.data.scalar.length);
						c[ev.data.scalar.length] = '\0';
						k->v[k->n++] = c;
					} else {
						k->overflow = true;
					}
				}
				expect_key = !expect_key;
			}
			break;
		case YAML_ALIAS_EVENT:
			if (depth == 1)
				expect_key = !expect_key;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (!ok)
			break;
	}
	yaml_parser_delete(&p);
	if (!ok)
		keys_free(k);
	return ok;
}

static bool key_removed(bool agent, const char *key)
{
	return removed(agent, key, strlen(key));
}

/* F4: a line that reads as a removed key. */
static bool line_looks_removed(bool agent, const unsigned char *t, size_t n)
{
	size_t pos = 0;

	while (pos < n) {
		const unsigned char *nl = memchr(t + pos, '\n', n - pos);
		size_t end = nl ? (size_t)(nl - t) : n, p = pos;
		bool explicit = false;
		while (p < end && (t[p] == ' ' || t[p] == '\t'))
			p++;
		if (p + 1 < end && t[p] == '?' &&
		    (t[p + 1] == ' ' || t[p + 1] == '\t')) {
			explicit = true;
			p += 2;
			while (p < end && (t[p] == ' ' || t[p] == '\t'))
				p++;
		}
		if (p < end && (t[p] == '"' || t[p] == '\''))
			p++;
		size_t q = p;
		while (q < end && ((t[q] >= 'a' && t[q] <= 'z') ||
				   (t[q] >= 'A' && t[q] <= 'Z')))
			q++;
		if (q > p && removed(agent, (const char *)t + p, q - p)) {
			if (q < end && (t[q] == '"' || t[q] == '\''))
				q++;
			while (q < end && (t[q] == ' ' || t[q] == '\t'))
				q++;
			if ((q < end && t[q] == ':') || (explicit && q == end))
				return true;
		}
		pos = end + 1;
	}
	return false;
}

/* out is in with some bytes removed (greedy subsequence test). */
static bool subsequence(const unsigned char *out, size_t on,
			const unsigned char *in, size_t n)
{
	size_t i = 0;

	for (size_t o = 0; o < on; o++) {
		while (i < n && in[i] != out[o])
			i++;
		if (i == n)
			return false;
		i++;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum transform kind;
	bool agent;
	unsigned char *in;
	char *out = NULL, *out2 = NULL, *out3 = NULL;
	size_t len, out_len = 0, out2_len = 0, out3_len = 0;
	char why[TRANSFORM_WHY_MAX];
	size_t is, ie;
	bool has_fm;
	int r;

	if (size < 1)
		return 0;
	agent = data[0] & 1;
	kind = agent ? TRANSFORM_AGENT_FM : TRANSFORM_SKILL_FM;
	len = size - 1;
	in = malloc(len ? len : 1); /* exact: no terminator to lean on */
	CHECK(in);
	memcpy(in, data + 1, len);
	has_fm = locate(in, len, &is, &ie);

	why[0] = '\0';
	r = frontmatter_defuse(kind, in, len, &out, &out_len, why, sizeof(why));

	/* F8 */
	{
		char *o = NULL, w[TRANSFORM_WHY_MAX];
		size_t ol = 0;
		int r2 = transform_apply(kind, NULL, in, len, &o, &ol, w,
					 sizeof(w));
		CHECK(r2 == r);
		CHECK(r != 0 || (ol == out_len && memcmp(o, out, ol) == 0));
		free(o);
		CHECK(transform_apply(TRANSFORM_NONE, NULL, in, len, &o, &ol, w,
				      sizeof(w)) == 0);
		CHECK(ol == len && memcmp(o, in, len) == 0 && o[len] == '\0');
		free(o);
		CHECK(transform_name(kind) != NULL);
	}

	if (r != 0) {
		/* F7 */
		CHECK(r == -EINVAL || r == -ENOMEM);
		CHECK(out == NULL);
		CHECK(memchr(why, 0, sizeof(why)) && why[0] != '\0');
		for (size_t wl = 1; wl <= 8; wl += 7) {
			char *w = malloc(wl);
			CHECK(w);
			CHECK(frontmatter_defuse(kind, in, len, &out, &out_len,
						 w, wl) == r);
			CHECK(out == NULL && memchr(w, 0, wl));
			free(w);
		}
		/* without frontmatter nothing can be wrong with it */
		CHECK(has_fm || len > FRONTMATTER_MAX_BYTES);
		free(in);
		return 0;
	}

	/* F1 */
	const unsigned char *o = (const unsigned char *)out;
	CHECK(out != NULL && out[out_len] == '\0' && out_len <= len);
	CHECK(subsequence(o, out_len, in, len));
	if (!has_fm) {
		/* F2 */
		CHECK(out_len == len && memcmp(out, in, len) == 0);
	} else {
		size_t os, oe;
		struct keys ki, ko;
		CHECK(locate(o, out_len, &os, &oe));
		/* the opening "---" and everything from the closing one on,
		 * unchanged (the text may start later: a cut first line makes
		 * the blank run after "---" longer) */
		CHECK(os >= is && memcmp(o, in, is) == 0);
		CHECK(out_len - oe == len - ie &&
		      memcmp(o + oe, in + ie, len - ie) == 0);
		/* F3 */
		CHECK(yaml_top_keys(o + os, oe - os, &ko));
		for (size_t k = 0; k < ko.n; k++)
			CHECK(!key_removed(agent, ko.v[k]));
		bool in_ok = yaml_top_keys(in + is, ie - is, &ki);
		if (in_ok && !ki.overflow && !ko.overflow) {
			size_t m = 0, nrem = 0;
			for (size_t k = 0; k < ki.n; k++) {
				if (key_removed(agent, ki.v[k])) {
					nrem++;
					continue;
				}
				CHECK(m < ko.n &&
				      strcmp(ki.v[k], ko.v[m]) == 0);
				m++;
			}
			CHECK(m == ko.n);
			/* F5 */
			if (nrem == 0)
				CHECK(out_len == len &&
				      memcmp(out, in, len) == 0);
		}
		if (in_ok)
			keys_free(&ki);
		keys_free(&ko);
		/* F4 */
		CHECK(!line_looks_removed(agent, o + os, oe - os));
	}

	/* F6 */
	CHECK(frontmatter_defuse(kind, in, len, &out2, &out2_len, why,
				 sizeof(why)) == 0);
	CHECK(out2_len == out_len && memcmp(out2, out, out_len) == 0);
	CHECK(frontmatter_defuse(kind, out, out_len, &out3, &out3_len, why,
				 sizeof(why)) == 0);
	CHECK(out3_len == out_len && memcmp(out3, out, out_len) == 0);

	free(out);
	free(out2);
	free(out3);
	free(in);
	return 0;
}
