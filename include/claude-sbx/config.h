/* config.h — the launcher's configuration: layered YAML files and flags.
 *
 * Owns: the schema (docs/launcher.md), loading one YAML layer with libyaml
 * (anchors/aliases refused, unknown keys and wrong types reported as
 * FILE:LINE:COL), merging layers (scalars replace, lists accumulate), and
 * filling defaults. Pure apart from reading the named file.
 */
#ifndef CLAUDE_SBX_CONFIG_H
#define CLAUDE_SBX_CONFIG_H

#include <stdbool.h>

#include "claude-sbx/err.h"
#include "claude-sbx/strv.h"

#define SBX_CONFIG_MAX_BYTES (256 * 1024)
#define SBX_CONFIG_MAX_DEPTH 8

enum sbx_placement { SBX_PLACE_UNSET, SBX_PLACE_WORKSPACE, SBX_PLACE_SEPARATE };

/* skills_store: what `sbx create` is told about sbx's own skills store
 * (`--skills off|readonly|readwrite`, 0.43+), or nothing (sbx_default:
 * sbx's own default and its skills.defaultMode setting). */
enum sbx_skills_store {
	SBX_SKILLS_UNSET,
	SBX_SKILLS_OFF,
	SBX_SKILLS_READONLY,
	SBX_SKILLS_READWRITE,
	SBX_SKILLS_SBX_DEFAULT,
};

/* claude_code.settings: how the view's settings.json reaches the agent. */
enum sbx_settings_via {
	SBX_VIA_UNSET,
	SBX_VIA_FLAG,  /* claude --settings FILE (default) */
	SBX_VIA_MERGE, /* merged into sbx's /home/agent/.claude/settings.json */
};

struct sbx_config {
	char *name;	  /* sandbox name */
	char *workspace;  /* absolute after sbx_config_finish */
	char *agent;	  /* "claude" or "shell" */
	char *cc_version; /* claude_code.version ("latest" by default) */
	char *cc_model;	  /* claude_code.model or NULL */
	enum sbx_settings_via settings_via; /* claude_code.settings */
	enum sbx_skills_store
		skills_store; /* skills_store (readonly by default) */
	struct strv cc_flags; /* claude_code.flags */
	char *seed_source; /* seed.source; default $CLAUDE_CONFIG_DIR or ~/.claude */
	enum sbx_placement placement;
	struct strv seed_rules;	 /* seed.rules files (absolute) */
	struct strv seed_with;	 /* seed.with groups */
	struct strv seed_follow; /* seed.follow directories (absolute) */
	char *seed_keeper;	 /* seed.keeper: auto (default), on, off */
	char *net_default;	 /* deny-all (default), balanced, allow-all */
	struct strv allowlists;	 /* names or absolute paths */
	bool allowlists_set;	 /* some layer set network.allowlists */
	struct strv allow;	 /* extra host patterns, normalised */
};

/* Applies one YAML layer from a file. `home` expands a leading "~/";
 * relative paths are taken relative to the file's directory. A missing
 * file is an error (status 2) unless optional is true. */
int sbx_config_load_file(struct sbx_config *c, const char *path,
			 const char *home, bool optional, struct sbx_err *err);
/* Same, from text in memory (name used in messages; base dir for paths). */
int sbx_config_load_text(struct sbx_config *c, const char *name,
			 const char *text, size_t len, const char *basedir,
			 const char *home, struct sbx_err *err);

/* Fills defaults once all layers and flags are applied: workspace (cwd if
 * unset, made absolute), name (claude-<basename>, sanitised), agent,
 * seed.source, placement, network.default, allowlists. */
int sbx_config_finish(struct sbx_config *c, const char *cwd, const char *home,
		      const char *claude_config_dir, struct sbx_err *err);

#define SBX_NAME_MAX 63

/* A valid sandbox name (sbx 0.43+ rules, which older releases accept
 * too): letters, digits, '-', '.', '+', not starting with '-', at most
 * 63, not ending in '-' or '.'. */
bool sbx_name_valid(const char *name);
/* A valid name from any workspace path: claude-<basename>, every byte
 * that is not an ASCII letter, digit, '.' or '+' mapped to '-' (runs
 * collapsed), trailing '-' and '.' dropped; a basename too long for 63
 * ends in -XXXXXXXX, a hash of the whole basename, so long names that
 * share a prefix stay apart; nothing usable left: claude-workspace.
 * Pure (malloc'd; NULL when out of memory). */
char *sbx_default_name(const char *workspace);

/* "off", "readonly", … for messages. */
const char *sbx_skills_store_name(enum sbx_skills_store s);

void sbx_config_free(struct sbx_config *c);

#endif
