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

#include "claude-sbx/config.h"
#include "claude-sbx/sbxver.h"
#include "claude-sbx/strv.h"

#define SBX_AGENT_HOME	 "/home/agent"
#define SBX_AGENT_CLAUDE "/home/agent/.claude"
#define SBX_PROFILE_PATH "/etc/profile.d/claude-sbx.sh"
#define SBX_MANAGED_PATH "/etc/claude-code/managed-settings.json"

/* A plugin directory made inside the sandbox to carry the view's skills
 * when sbx's own store sits on /home/agent/.claude/skills: its skills/ is a
 * link to the view's skills/, and `claude --plugin-dir` loads it (skills
 * then show as seed:NAME). */
#define SBX_SEED_PLUGIN	     "/home/agent/.local/share/claude-sbx/seed-plugin"
#define SBX_SEED_PLUGIN_NAME "seed"
/* settings=raw with claude_code.settings: flag: the view's settings.json
 * without the credential helpers, written here and given to --settings. */
#define SBX_SETTINGS_FLAG_COPY                                                 \
	"/home/agent/.local/share/claude-sbx/settings.json"

/* How the view's skills reach Claude Code. */
enum sbx_skills_delivery {
	SBX_SKILLS_LINKS, /* one link per skill in /home/agent/.claude/skills */
	SBX_SKILLS_PLUGIN, /* SBX_SEED_PLUGIN, passed with --plugin-dir */
};

/* What `sbx create` is told about sbx's skills store for mode s at
 * version v (appended to create_args: `--skills MODE` at 0.43+,
 * `--no-share-skills` for off at 0.37-0.42), how the view's skills are
 * then delivered (links only where nothing of sbx sits on
 * ~/.claude/skills: no store before 0.37, or off; never links into sbx's
 * store, read-only or the host's own), and a one-line note for the user
 * or NULL. Returns -1 when out of memory. */
int sbx_skills_plan(const struct sbx_version *v, enum sbx_skills_store s,
		    struct strv *create_args, enum sbx_skills_delivery *how,
		    const char **note);

/* argv after "sbx exec NAME": sh -c PLUGIN sh DIR SKILLS. Makes DIR a
 * plugin (.claude-plugin/plugin.json named SBX_SEED_PLUGIN_NAME) whose
 * skills/ is a link to SKILLS (no link when SKILLS is empty). */
int sbx_inside_plugin_argv(struct strv *argv, const char *dir,
			   const char *skills);
/* Both in one exec: sh -c LINK+PLUGIN sh PLUGIN SKILLS VIEW DEST REL...;
 * the plugin first (PLUGIN NULL: none), then the links as
 * sbx_inside_link_argv. */
int sbx_inside_link_plugin_argv(struct strv *argv, const char *plugin,
				const char *skills, const char *view,
				const char *dest, const struct strv *rels);

/* The arguments for `claude` that carry the seed: --plugin-dir PLUGIN
 * (plugin may be NULL), --settings SETTINGS (may be NULL), --model MODEL
 * (may be NULL), then flags. */
int sbx_claude_args(struct strv *out, const char *plugin, const char *settings,
		    const char *model, const struct strv *flags);

/* Exit status of the check script when the view is not visible. */
#define SBX_CHECK_VIEW_MISSING 3

/* Entries of the view that are never linked: sbx owns these files in
 * /home/agent/.claude and rewrites them on every create. */
bool sbx_link_skip(const char *top);

/* argv after "sbx exec NAME": sh -c LINK sh VIEW DEST REL... */
int sbx_inside_link_argv(struct strv *argv, const char *view, const char *dest,
			 const struct strv *rels);
/* argv after "sbx exec NAME": sh -c CHECK sh VIEW DEST SOURCE REL... -- HIDDEN...
 * (a REL starting with '/' is checked at that path, not under DEST)
 * Prints one line per problem (MISSING, UNREADABLE, REACHABLE,
 * SOURCE_REACHABLE, VIEW_MISSING) and exits 0, 1, or SBX_CHECK_VIEW_MISSING. */
int sbx_inside_check_argv(struct strv *argv, const char *view, const char *dest,
			  const char *source, const struct strv *rels,
			  const struct strv *hidden);
/* argv after "sbx exec -u root NAME": writes content to path (mode 0644)
 * atomically, creating the directory. */
int sbx_inside_write_argv(struct strv *argv, const char *path,
			  const char *content);

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
 * the view path, the model, and for agent shell ~/.local/bin on PATH and
 * a `claude` shell function adding --plugin-dir PLUGIN (when not NULL)
 * and --settings SETTINGS (when not NULL and readable at that moment).
 * No secrets. */
char *sbx_profile_text(const char *view, const char *model, bool local_bin,
		       const char *plugin, const char *settings);
/* The managed-settings.json text (static): with lock_hooks,
 * "allowManagedHooksOnly": true; without (settings=raw), no keys. */
const char *sbx_managed_settings_text(bool lock_hooks);

#endif
