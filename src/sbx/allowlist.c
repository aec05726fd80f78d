/* allowlist.c — host pattern validation and allowlist files (see
 * allowlist.h). */
#include "claude-sbx/allowlist.h"
#include "claude-sbx/readfile.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOST_MAX 253

static int check_label(const char *s, size_t len, const char **why)
{
	if (len == 0) {
		*why = "empty label (\"..\", leading or trailing dot)";
		return -1;
	}
	if (len > 63) {
		*why = "label longer than 63 characters";
		return -1;
	}
	if (s[0] == '-' || s[len - 1] == '-') {
		*why = "label starts or ends with '-'";
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!isalnum(c) && c != '-') {
			*why = c == '*'
				       ? "'*' is only allowed as a leading \"*.\""
				       : "character not allowed in a host name";
			return -1;
		}
	}
	return 0;
}

static int check_port(const char *p, const char **why)
{
	long v = 0;

	if (!*p) {
		*why = "empty port after ':'";
		return -1;
	}
	for (; *p; p++) {
		if (!isdigit((unsigned char)*p)) {
			*why = "port is not a number";
			return -1;
		}
		v = v * 10 + (*p - '0');
		if (v > 65535)
			break;
	}
	if (v < 1 || v > 65535) {
		*why = "port out of range 1-65535";
		return -1;
	}
	return 0;
}

int sbx_host_normalize(const char *pat, char *out, size_t outsz,
		       const char **why)
{
	size_t len = strlen(pat);

	if (len == 0) {
		*why = "empty pattern";
		return -1;
	}
	if (strcmp(pat, "**") == 0 || strcmp(pat, "*") == 0) {
		*why = "allow-all is not an allowlist entry (use network.default: allow-all)";
		return -1;
	}
	if (len >= outsz || len > HOST_MAX + 8) {
		*why = "pattern too long";
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		out[i] = (char)tolower((unsigned char)pat[i]);
	out[len] = '\0';

	if (strchr(out, '[') ||
	    (strchr(out, ':') && strchr(out, ':') != strrchr(out, ':'))) {
		*why = "IPv6 addresses are not supported";
		return -1;
	}
	char *host = out;
	if (strncmp(host, "*.", 2) == 0)
		host += 2;
	char *colon = strchr(host, ':');
	if (colon && check_port(colon + 1, why) < 0)
		return -1;
	size_t hlen = colon ? (size_t)(colon - host) : strlen(host);
	if (hlen == 0) {
		*why = "no host name";
		return -1;
	}
	if (hlen > HOST_MAX) {
		*why = "host name longer than 253 characters";
		return -1;
	}
	const char *lab = host;
	for (size_t i = 0; i <= hlen; i++) {
		if (i == hlen || host[i] == '.') {
			if (check_label(lab, (size_t)(host + i - lab), why) < 0)
				return -1;
			lab = host + i + 1;
		}
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void sbx_strv_sort(struct strv *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_str);
}

int sbx_allowlist_parse(const char *file, const char *text, size_t len,
			struct strv *set, struct sbx_err *err)
{
	struct strv add = { 0 };
	size_t lineno = 0;
	const char *p = text, *end = text + len;
	int rc = 0;

	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		lineno++;
		const char *hash = memchr(p, '#', (size_t)(eol - p));
		const char *stop = hash ? hash : eol;
		while (p < stop && isspace((unsigned char)*p))
			p++;
		while (stop > p && isspace((unsigned char)stop[-1]))
			stop--;
		if (stop > p) {
			char tok[512], norm[512];
			const char *why = NULL;
			size_t tl = (size_t)(stop - p);
			if (memchr(p, '\0', tl)) {
				rc = sbx_err_set(err, 2,
						 "%s:%zu: NUL byte in line",
						 file, lineno);
				break;
			}
			for (size_t i = 0; i < tl; i++) {
				if (isspace((unsigned char)p[i])) {
					rc = sbx_err_set(
						err, 2,
						"%s:%zu: one host pattern a line expected, got \"%.*s\"",
						file, lineno,
						(int)(tl > 200 ? 200 : tl), p);
					break;
				}
			}
			if (rc)
				break;
			if (tl >= sizeof(tok)) {
				rc = sbx_err_set(err, 2,
						 "%s:%zu: pattern too long",
						 file, lineno);
				break;
			}
			memcpy(tok, p, tl);
			tok[tl] = '\0';
			if (sbx_host_normalize(tok, norm, sizeof(norm), &why) <
			    0) {
				rc = sbx_err_set(
					err, 2,
					"%s:%zu: bad host pattern \"%s\": %s",
					file, lineno, tok, why);
				break;
			}
			if (strv_add_unique(&add, norm) < 0)
				rc = sbx_err_set(err, 1, "out of memory");
		}
		p = nl ? nl + 1 : end;
	}
	if (rc == 0) {
		for (size_t i = 0; i < add.n && rc == 0; i++)
			if (strv_add_unique(set, add.v[i]) < 0)
				rc = sbx_err_set(err, 1, "out of memory");
	}
	strv_free(&add);
	return rc;
}

int sbx_allowlist_load(const char *path, struct strv *set, struct sbx_err *err)
{
	char *buf;
	size_t got;
	if (sbx_read_file(path, SBX_ALLOWLIST_MAX_BYTES, "allowlist", false,
			  &buf, &got, err) < 0)
		return -1;
	int rc = sbx_allowlist_parse(path, buf, got, set, err);
	free(buf);
	return rc;
}
