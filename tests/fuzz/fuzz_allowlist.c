/* fuzz_allowlist.c — libFuzzer target for the launcher's egress allowlist
 * parser (src/sbx/allowlist.c): sbx_allowlist_parse and sbx_host_normalize.
 *
 * Input: allowlist text (one host pattern a line, '#' comments), as in
 * the files in rules/allowlist/.
 *
 * Checks (__builtin_trap on failure):
 *  A1  A refused file leaves the set exactly as it was, with status 2 (1
 *      only for out of memory) and a message "FILE:LINE: ..." naming a
 *      line that exists.
 *  A2  An accepted file: every entry of the set is in normal form
 *      (normalising it again changes nothing), lower case, made of
 *      [a-z0-9.-], an optional leading "*." and an optional ":PORT" with
 *      PORT in 1..65535; no entry twice; every pattern line of the file is
 *      in the set (normalised) and so is everything that was there before.
 *  A3  sbx_host_normalize never writes past the size it is given (the
 *      output buffer is allocated to exactly that size), and its output,
 *      when it succeeds, is NUL-terminated within it.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claude-sbx/allowlist.h"
#include "claude-sbx/err.h"
#include "claude-sbx/strv.h"
#include "common.h"

static const char *const before[] = { "example.com", "*.foo.org:443",
				      "api.anthropic.com" };
#define NBEFORE (sizeof(before) / sizeof(before[0]))

static bool normal_form(const char *e)
{
	char out[600];
	const char *why = NULL;
	const char *host = e, *colon;

	if (sbx_host_normalize(e, out, sizeof(out), &why) != 0 ||
	    strcmp(out, e) != 0)
		return false;
	if (strncmp(host, "*.", 2) == 0)
		host += 2;
	colon = strchr(host, ':');
	for (const char *c = host; *c && c != colon; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		      *c == '.' || *c == '-'))
			return false;
	if (colon) {
		long port = 0;
		if (!colon[1])
			return false;
		for (const char *c = colon + 1; *c; c++) {
			if (*c < '0' || *c > '9' || port > 65535)
				return false;
			port = port * 10 + (*c - '0');
		}
		if (port < 1 || port > 65535)
			return false;
	}
	return true;
}

/* A3: every output size from 1 to a bit more than needed. */
static void check_normalize(const char *pat)
{
	size_t len = strlen(pat);
	const char *why = NULL;

	for (size_t sz = len > 2 ? len - 2 : 1; sz <= len + 2; sz++) {
		char *out = malloc(sz);
		CHECK(out);
		why = NULL;
		if (sbx_host_normalize(pat, out, sz, &why) == 0) {
			CHECK(memchr(out, 0, sz) != NULL);
			CHECK(normal_form(out));
		} else {
			CHECK(why && *why);
		}
		free(out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sbx_err err;
	struct strv set = { 0 };
	char *text;
	size_t nlines = 1;
	int r;

	if (size > SBX_ALLOWLIST_MAX_BYTES)
		return 0;
	text = malloc(size ? size : 1);
	CHECK(text);
	memcpy(text, data, size);
	for (size_t i = 0; i < size; i++)
		nlines += data[i] == '\n';
	for (size_t i = 0; i < NBEFORE; i++)
		CHECK(strv_push(&set, before[i]) == 0);

	memset(&err, 0, sizeof(err));
	r = sbx_allowlist_parse("list.txt", text, size, &set, &err);
	if (r != 0) {
		/* A1 */
		unsigned long line = 0;
		CHECK(r == -1);
		CHECK(err.status == 2 || err.status == 1);
		CHECK(set.n == NBEFORE);
		for (size_t i = 0; i < NBEFORE; i++)
			CHECK(strcmp(set.v[i], before[i]) == 0);
		CHECK(set.v[set.n] == NULL);
		if (err.status == 2) {
			CHECK(sscanf(err.msg, "list.txt:%lu:", &line) == 1);
			CHECK(line >= 1 && line <= nlines);
		}
	} else {
		/* A2 */
		CHECK(set.n >= NBEFORE && set.v[set.n] == NULL);
		for (size_t i = 0; i < NBEFORE; i++)
			CHECK(strcmp(set.v[i], before[i]) == 0);
		for (size_t i = 0; i < set.n; i++) {
			CHECK(normal_form(set.v[i]));
			for (size_t j = 0; j < i; j++)
				CHECK(strcmp(set.v[i], set.v[j]) != 0);
		}
		/* every pattern line made it in */
		const char *p = text, *end = text + size;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *eol = nl ? nl : end;
			const char *hash = memchr(p, '#', (size_t)(eol - p));
			const char *s = p, *e = hash ? hash : eol;
			while (s < e && isspace((unsigned char)*s))
				s++;
			while (e > s && isspace((unsigned char)e[-1]))
				e--;
			if (e > s) {
				char tok[512], norm[512];
				const char *why;
				CHECK((size_t)(e - s) < sizeof(tok));
				memcpy(tok, s, (size_t)(e - s));
				tok[e - s] = '\0';
				CHECK(sbx_host_normalize(tok, norm,
							 sizeof(norm),
							 &why) == 0);
				CHECK(strv_contains(&set, norm));
			}
			p = nl ? nl + 1 : end;
		}
	}
	strv_free(&set);

	/* A3 on each of the first few lines, as they are */
	{
		const uint8_t *p = data, *end = data + size;
		for (int k = 0; k < 4 && p < end; k++) {
			const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = (size_t)((nl ? nl : end) - p);
			char *line = malloc(n + 1);
			CHECK(line);
			memcpy(line, p, n);
			line[n] = '\0';
			check_normalize(line);
			free(line);
			p = nl ? nl + 1 : end;
		}
	}
	free(text);
	return 0;
}
