/* allowlist.h — egress allowlists: host patterns, files, their union.
 *
 * Owns: validating one host pattern (hostname, optional "*." prefix,
 * optional ":port"), parsing an allowlist file (one pattern a line, '#'
 * comments) with errors naming file:line, and the normalised union of
 * several lists. Pure: text in, sets out.
 */
#ifndef CLAUDE_SBX_ALLOWLIST_H
#define CLAUDE_SBX_ALLOWLIST_H

#include <stddef.h>

#include "claude-sbx/err.h"
#include "claude-sbx/strv.h"

#define SBX_ALLOWLIST_MAX_BYTES (1024 * 1024)

/* Checks one pattern. On success writes the normalised form (lower case)
 * to out (size outsz) and returns 0; otherwise returns -1 and points *why
 * at a short reason. */
int sbx_host_normalize(const char *pat, char *out, size_t outsz,
		       const char **why);

/* Parses text (len bytes) named `file` for messages; adds each pattern to
 * set (unique, normalised). On a bad line returns -1 with status 2 and
 * "FILE:LINE: ..." in err; set is then left as it was before the call. */
int sbx_allowlist_parse(const char *file, const char *text, size_t len,
			struct strv *set, struct sbx_err *err);

/* Reads and parses a file (size capped). */
int sbx_allowlist_load(const char *path, struct strv *set, struct sbx_err *err);

/* Sorts a set in place (for stable output). */
void sbx_strv_sort(struct strv *s);

#endif
