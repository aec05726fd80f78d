/* kit.h — the texts of the Docker Kit that `claude-sbx kit export` writes.
 *
 * Owns: the kit's name (from the sandbox name, in the kit name grammar
 * ^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$), YAML double-quoted scalars,
 * spec.yaml in schema 2 (permissions.network.allow, setup.install) or 1
 * (network.allowedDomains, commands.install), and the kit's README.md.
 * Pure: values in, text out.
 */
#ifndef CLAUDE_SBX_KIT_H
#define CLAUDE_SBX_KIT_H

#include <stdbool.h>
#include <stddef.h>

#include "claude-sbx/strv.h"

struct sbx_kit_info {
	int schema;		  /* 1 or 2 */
	const char *sandbox_name; /* the launcher's sandbox name */
	const struct strv *allow; /* host patterns (normalised allowlists) */
	const struct strv
		*allowlists; /* network.allowlists entries, for the text */
	bool lock_hooks; /* install managed settings with allowManagedHooksOnly */
	const char *kit_path;	 /* where the kit ends up (README) */
	const char *workspace;	 /* for the README's sbx run line */
	const struct strv *tops; /* top-level entries of files/home/.claude */
	size_t nfiles;		 /* regular files copied */
	bool settings_left_out;	 /* the view served settings.json; not copied */
};

/* "<sandbox name>-seed" in the kit name grammar (malloc'd). */
char *sbx_kit_name(const char *sandbox_name);
/* s as one YAML double-quoted scalar (malloc'd). */
char *sbx_yaml_quote(const char *s);
/* The spec.yaml text (malloc'd), NULL when out of memory. */
char *sbx_kit_spec_text(const struct sbx_kit_info *k);
/* The README.md text (malloc'd), NULL when out of memory. */
char *sbx_kit_readme_text(const struct sbx_kit_info *k);

/* The install command the kit uses to write
 * /etc/claude-code/managed-settings.json (a constant). */
const char *sbx_kit_lock_command(void);

#endif
