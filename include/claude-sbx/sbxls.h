/* sbxls.h — the sandboxes `sbx ls` lists, as the launcher sees them.
 *
 * Owns: parsing `sbx ls` (the table SANDBOX AGENT STATUS PORTS WORKSPACE,
 * read by header name, a leading Governance line skipped) and
 * `sbx ls --json` (a bare array before 0.38, {"sandboxes": [...]} from
 * 0.38; unknown fields such as created_at or cpus tolerated, and an update
 * banner after the JSON). Pure; nothing here spawns a process.
 */
#ifndef CLAUDE_SBX_SBXLS_H
#define CLAUDE_SBX_SBXLS_H

#include <stddef.h>

#include "claude-sbx/err.h"

struct sbx_sandbox {
	char *name;	 /* never NULL or empty */
	char *agent;	 /* or NULL */
	char *status;	 /* "running", "stopped", … as printed, or NULL */
	char *workspace; /* or NULL */
};

struct sbx_sandboxes {
	struct sbx_sandbox *v;
	size_t n;
};

/* 0, or -1 with err (status 1) naming the command and what was expected;
 * then out is empty. */
int sbx_sandboxes_parse_table(const char *text, struct sbx_sandboxes *out,
			      struct sbx_err *err);
int sbx_sandboxes_parse_json(const char *text, struct sbx_sandboxes *out,
			     struct sbx_err *err);
/* The entry named name, or NULL. */
const struct sbx_sandbox *sbx_sandboxes_find(const struct sbx_sandboxes *s,
					     const char *name);
void sbx_sandboxes_free(struct sbx_sandboxes *s);

#endif
