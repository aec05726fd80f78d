/* launcher.h — the process side of claude-sbx (private to src/sbx).
 *
 * One section per file: the sbx client (sbxcli.c), paths and lookups
 * (paths.c), the egress steps (network.c), the seed view (view.c), the
 * sandbox steps (sandbox.c), the settings.json merge (settings_sync.c),
 * installing Claude Code (install_cc.c), the interrupt flag (interrupt.c)
 * and the commands (cmd_*.c). The pure parts these build on live in
 * include/claude-sbx/.
 */
#ifndef CLAUDE_SBX_LAUNCHER_H
#define CLAUDE_SBX_LAUNCHER_H

#include <stdbool.h>
#include <stdio.h>

#include "claude-sbx/cli.h"
#include "claude-sbx/config.h"
#include "claude-sbx/err.h"
#include "claude-sbx/inside.h"
#include "claude-sbx/policy.h"
#include "claude-sbx/sbxver.h"
#include "claude-sbx/spawn.h"
#include "claude-sbx/strv.h"

/* ---- sbxcli.c: talking to sbx ---------------------------------------- */
struct sbx_client {
	struct sbx_version ver;
	bool have_ver;
};

/* Checks that sbx is on PATH and reads its version once. */
int sbx_client_init(struct sbx_client *c, struct sbx_err *err);
/* Runs `sbx ARGS...` capturing output. Returns 0 on exit 0; otherwise -1
 * with err naming the command and carrying sbx's own message (status 1).
 * res is always filled (free with proc_result_free). */
int sbx_call(struct sbx_client *c, const struct strv *args,
	     struct proc_result *res, struct sbx_err *err);
/* Convenience: sbx_call with a NULL-terminated list of arguments. */
int sbx_callv(struct sbx_client *c, struct proc_result *res,
	      struct sbx_err *err, ...) __attribute__((sentinel));
/* sbx's message from a result: stderr, else stdout, trimmed (malloc'd). */
char *sbx_message(const struct proc_result *res);
/* `sbx ls -q` contains name. */
int sbx_sandbox_exists(struct sbx_client *c, const char *name, bool *exists,
		       struct sbx_err *err);
/* `sbx exec [-u root] NAME CMD...`; returns 0 and fills res whatever the
 * command's status, -1 when sbx could not be run at all. */
int sbx_exec(struct sbx_client *c, const char *name, bool root,
	     const struct strv *cmd, struct proc_result *res,
	     struct sbx_err *err);
/* `sbx exec -i NAME CMD...` as the agent, with len bytes of input on the
 * command's stdin; same contract as sbx_exec. */
int sbx_exec_input(struct sbx_client *c, const char *name,
		   const struct strv *cmd, const char *input, size_t len,
		   struct proc_result *res, struct sbx_err *err);

/* ---- paths.c ---------------------------------------------------------- */
const char *sbx_home(void);
/* $XDG_CONFIG_HOME/claude-sbx/config.yaml or ~/.config/claude-sbx/config.yaml */
char *sbx_user_config_path(void);
/* A network.allowlists entry to a file: a path as it is; a name looked up
 * as NAME.txt in the user's allowlist dir, $CLAUDE_SBX_ALLOWLIST_DIR, then
 * the installed datadir. */
int sbx_allowlist_resolve(const char *entry, char **path, struct sbx_err *err);
/* Where the view is mounted for this config (malloc'd). */
char *sbx_view_mountpoint(const struct sbx_config *c, enum sbx_placement p,
			  struct sbx_err *err);

/* ---- network.c: steps 1–2 --------------------------------------------- */
/* The union of the configured allowlists and network.allow. Status 2 on a
 * bad entry; nothing is applied by this call. */
int sbx_net_wanted(const struct sbx_config *c, struct strv *wanted,
		   struct sbx_err *err);
int sbx_net_baseline(struct sbx_client *sbx, const char *mode, FILE *out,
		     struct sbx_err *err);
int sbx_net_list(struct sbx_client *sbx, struct sbx_rules *rules,
		 struct sbx_err *err);
/* sbx refused a flag it does not know (an older release): fall back. */
bool sbx_unknown_flag(const struct proc_result *res);
/* One line each: the sbx presets and the rules not classified, left alone. */
void sbx_net_report_left(FILE *out, const struct sbx_policy_plan *plan);
/* Makes managed allow rules equal to wanted; prints what changed. On a
 * failure err also says what had been applied before it. */
int sbx_net_apply(struct sbx_client *sbx, const struct strv *wanted, FILE *out,
		  struct sbx_err *err);
/* Steps 1–2 together (start, reload-allowlist). */
int sbx_net_steps(struct sbx_client *sbx, const struct sbx_config *c,
		  const struct strv *wanted, int first_step, int nsteps,
		  FILE *out, struct sbx_err *err);

/* ---- view.c: step 3 ---------------------------------------------------- */
struct seedfs_config;
/* The libseedfs mount request for the config's seed (source, rules, with,
 * follow) at mp; the arrays stay c's. Used by start and kit export. */
void sbx_seedfs_config(const struct sbx_config *c, const char *mp,
		       struct seedfs_config *cfg);
/* Mounts the view (reusing a live one of the same source). *mounted_now
 * tells whether this call mounted it. */
int sbx_view_up(const struct sbx_config *c, const char *mp, bool *mounted_now,
		struct sbx_err *err);
/* Before anything is created: whether the view at mp needs allow_other
 * (claude-sbx/fuseconf.h), that a view already mounted there has it, and,
 * for an ordinary user, that /etc/fuse.conf permits it. */
int sbx_view_precheck(const char *mp, bool *allow_other, struct sbx_err *err);
/* Unmounts the view if mounted and removes the empty mountpoint. */
int sbx_view_down(const char *mp, bool *was_mounted, struct sbx_err *err);
bool sbx_view_is_mounted(const char *mp);
/* Names to link (top-level entries; one per entry of skills/) and the top
 * level names. */
int sbx_view_entries(const char *mp, struct strv *rels, struct strv *tops,
		     struct sbx_err *err);
/* Top-level names of source that the view hides, plus the fixed secret
 * names: none of these may be reachable through the view. */
int sbx_view_hidden(const char *source, const struct strv *tops,
		    struct strv *hidden);

/* ---- sandbox.c: steps 4–6 ---------------------------------------------- */
int sbx_sandbox_create(struct sbx_client *sbx, const struct sbx_config *c,
		       const char *mp, bool *created, struct sbx_err *err);
/* How the view's skills are delivered for this config and sbx version. */
enum sbx_skills_delivery sbx_skills_how(const struct sbx_client *sbx,
					const struct sbx_config *c);
/* Splits the view's names: what is linked under ~/.claude (link) and what
 * the check reads (check: the plugin's skills/NAME, absolute, when the
 * skills go through the plugin). Either may be NULL. */
int sbx_rels_for(const struct sbx_client *sbx, const struct sbx_config *c,
		 const struct strv *rels, struct strv *link,
		 struct strv *check);
/* The path given to claude --settings, or NULL (claude_code.settings:
 * merge, the settings group off, or the view not serving settings.json):
 * the view's own file, or for settings=raw the filtered copy. malloc'd. */
char *sbx_settings_flag_path(const struct sbx_config *c, const char *mp);
/* The claude arguments that carry the seed (plugin, settings, model,
 * flags), appended to out. */
int sbx_seed_claude_args(const struct sbx_client *sbx,
			 const struct sbx_config *c, const char *mp,
			 struct strv *out);
int sbx_sandbox_link(struct sbx_client *sbx, const struct sbx_config *c,
		     const char *mp, const struct strv *rels, FILE *out,
		     struct sbx_err *err);
int sbx_sandbox_files(struct sbx_client *sbx, const struct sbx_config *c,
		      const char *mp, struct sbx_err *err);
int sbx_sandbox_check(struct sbx_client *sbx, const struct sbx_config *c,
		      const char *mp, const struct strv *rels,
		      const struct strv *hidden, struct sbx_err *err);

/* ---- settings_sync.c: step 5's settings.json merge ----------------------- */
/* Merges the keys of the view's settings.json (view_serves: the view lists
 * it) into /home/agent/.claude/settings.json, and takes back what an
 * earlier merge added that the view no longer serves. Prints what it did
 * to out (may be NULL). */
int sbx_sandbox_settings(struct sbx_client *sbx, const struct sbx_config *c,
			 const char *mp, bool view_serves, FILE *out,
			 struct sbx_err *err);

/* claude_code.settings: flag — sbx's settings.json is not touched; the
 * view's settings.json is checked (sanitized: no key a sanitized view
 * never serves, else an error) or, for settings=raw, copied without the
 * credential helpers to SBX_SETTINGS_FLAG_COPY; claude gets --settings. */
int sbx_sandbox_settings_flag(struct sbx_client *sbx,
			      const struct sbx_config *c, const char *mp,
			      bool view_serves, FILE *out, struct sbx_err *err);
/* Either of the two, as claude_code.settings says. */
int sbx_sandbox_settings_step(struct sbx_client *sbx,
			      const struct sbx_config *c, const char *mp,
			      bool view_serves, FILE *out, struct sbx_err *err);

/* ---- install_cc.c ------------------------------------------------------ */
/* agent: shell — Claude Code at a pinned version, packed on the host,
 * staged through the workspace, installed to ~/.local, stage removed. */
int sbx_install_claude_code(struct sbx_client *sbx, const struct sbx_config *c,
			    FILE *out, struct sbx_err *err);

/* ---- interrupt.c ------------------------------------------------------ */
/* SIGINT, SIGTERM or SIGHUP arrived: the current command stops at the next
 * step boundary and undoes what it set up. */
bool sbx_interrupted(void);
/* Catches those three (main.c, before a command runs). */
void sbx_catch_signals(void);

/* ---- commands ----------------------------------------------------------- */
struct sbx_ctx {
	struct sbx_cli cli;
	struct sbx_config cfg;
	struct sbx_client sbx;
	FILE *out;
};

int sbx_cmd_start(struct sbx_ctx *x, struct sbx_err *err);
int sbx_cmd_stop(struct sbx_ctx *x, struct sbx_err *err);
int sbx_cmd_status(struct sbx_ctx *x, struct sbx_err *err);
int sbx_cmd_shell(struct sbx_ctx *x, struct sbx_err *err);
int sbx_cmd_reload_allowlist(struct sbx_ctx *x, struct sbx_err *err);
int sbx_cmd_sync_config(struct sbx_ctx *x, struct sbx_err *err);
int sbx_cmd_kit_export(struct sbx_ctx *x, struct sbx_err *err);

#endif
