/* sbxver.h — the sbx client version and the CLI differences it implies.
 *
 * Owns: parsing `sbx version` output and the feature table from
 * docs (sbx-cli.md): policy init vs set-default, run --name, policy ls
 * formats. Pure; no process is spawned here.
 */
#ifndef CLAUDE_SBX_SBXVER_H
#define CLAUDE_SBX_SBXVER_H

#include <stdbool.h>

struct sbx_version {
	int major, minor, patch;
};

/* Finds the first MAJOR.MINOR[.PATCH] in text (a leading 'v' is allowed).
 * Returns 0, or -1 when there is none. */
int sbx_version_parse(const char *text, struct sbx_version *out);
int sbx_version_cmp(const struct sbx_version *a, int major, int minor);

/* `sbx policy init` (0.34+) or the older `sbx policy set-default`. */
bool sbx_has_policy_init(const struct sbx_version *v);
/* `sbx run --name N` (0.33+) or the older positional `sbx run N`. */
bool sbx_has_run_name(const struct sbx_version *v);
/* `sbx policy ls --json` (0.35+). Callers still fall back on failure. */
bool sbx_has_policy_json(const struct sbx_version *v);

#endif
