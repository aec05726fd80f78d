/* inside.h — what the launcher runs inside the sandbox.
 *
 * Owns: the fixed shell scripts (linking the view's entries into
 * /home/agent/.claude, checking them, writing a file as root) and the
 * argv that carries them. Every value reaches a script as a positional
 * argument ("$1", "$2", …); no value is ever pasted into script text.
 * Also the non-secret /etc/profile.d text and the managed settings. Pure.
 * Reading and writing settings.json inside (for the merge) go through
 * scripts here too; file contents travel on stdin/stdout only.
 */
#ifndef CLAUDE_SBX_INSIDE_H
#define CLAUDE_SBX_INSIDE_H

#include <stdbool.h>

#include "claude-sbx/strv.h"

#define SBX_AGENT_HOME "/home/agent"
#define SBX_AGENT_CLAUDE "/home/agent/.claude"
#define SBX_PROFILE_PATH "/etc/profile.d/claude-sbx.sh"
#define SBX_MANAGED_PATH "/etc/claude-code/managed-settings.json"

/* Exit status of the check script when the view is not visible. */
#define SBX_CHECK_VIEW_MISSING 3

/* Entries of the view that are never linked: sbx owns these files in
 * /home/agent/.claude and rewrites them on every create. */
bool sbx_link_skip(const char *top);

/* argv after "sbx exec NAME": sh -c LINK sh VIEW DEST REL... */
int sbx_inside_link_argv(struct strv *argv, const char *view, const char *dest,
			 const struct strv *rels);
/* argv after "sbx exec NAME": sh -c CHECK sh VIEW DEST SOURCE REL... -- HIDDEN...
 * Prints one line per problem (MISSING, UNREADABLE, REACHABLE,
 * SOURCE_REACHABLE, VIEW_MISSING) and exits 0, 1, or SBX_CHECK_VIEW_MISSING. */
int sbx_inside_check_argv(struct strv *argv, const char *view, const char *dest,
			  const char *source, const struct strv *rels,
			  const struct strv *hidden);
/* argv after "sbx exec -u root NAME": writes content to path (mode 0644)
 * atomically, creating the directory. */
int sbx_inside_write_argv(struct strv *argv, const char *path, const char *content);

/* argv after "sbx exec NAME": sh -c READ sh FIRST SECOND. Prints FIRST's
 * bytes (nothing when absent), a NUL byte, then SECOND's. */
int sbx_inside_read_pair_argv(struct strv *argv, const char *first,
			      const char *second);
/* argv after "sbx exec -i NAME": sh -c PUT sh PATH. Writes stdin to PATH
 * (through PATH.claude-sbx.tmp and a rename), creating the directory. */
int sbx_inside_put_argv(struct strv *argv, const char *path);

/* Appends s to out as one single-quoted shell word. */
int sbx_sh_quote(struct strv *out, const char *s);
/* The /etc/profile.d/claude-sbx.sh text (malloc'd): a TERM fallback,
 * the view path, the model, and ~/.local/bin on PATH for agent shell. No
 * secrets. */
char *sbx_profile_text(const char *view, const char *model, bool local_bin);
/* The managed-settings.json text (static): with lock_hooks,
 * "allowManagedHooksOnly": true; without (settings=raw), no keys. */
const char *sbx_managed_settings_text(bool lock_hooks);

#endif
