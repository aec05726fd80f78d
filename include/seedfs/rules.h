/* rules.h — layered allowlist rules: loading, validation, decisions.
 *
 * Owns: the rule files (YAML, docs/rules.md) and the question "is this path
 * visible, and which rule says so". Pure: no FUSE, no source-tree access; the
 * only I/O is reading the rule files themselves.
 *
 * A rule set is built once from an ordered list of layer files (the installed
 * default first, then each --rules file) plus the groups enabled on the
 * command line; it is immutable afterwards and safe to share between threads.
 * Reload builds a new set and swaps it in.
 *
 * Decisions are made one component at a time: the verdict of a child is a
 * function of its parent's verdict and the child's own relative path, so the
 * filesystem caches the parent's verdict in its inode and never re-walks.
 */
#ifndef SEEDFS_RULES_H
#define SEEDFS_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seedfs/transform.h"

#define RULES_MAX_FILE_BYTES (1u << 20) /* a larger rule file is refused */
#define RULES_MAX_DEPTH	     16		/* YAML nesting cap */

struct pattern;
struct rules;

enum rule_kind {
	RULE_INCLUDE,	   /* makes a path (and what is below it) visible */
	RULE_EXCLUDE,	   /* hides it again; a later layer may re-include */
	RULE_NEVER,	   /* hides it whatever any layer or group says */
	RULE_NEVER_EXCEPT, /* "!pat" in a never list: carves an exception out
			      of the earlier never patterns of the same layer */
};

struct rule {
	enum rule_kind kind;
	const struct pattern *pat;
	const char *file; /* the layer file, as given */
	unsigned line, column;
	const char *group; /* NULL unless the rule comes from a group */
};

enum visibility {
	VIS_HIDDEN,    /* not in the view */
	VIS_CONTAINER, /* a directory shown only because an include may match
			  below it; its other entries stay hidden */
	VIS_INCLUDED,  /* in the view, with everything below not excluded */
};

struct verdict {
	enum visibility vis;
	/* The deciding rule, or NULL: SOURCE itself, a container, or hidden
	 * because no rule includes it. For an inherited inclusion, the include
	 * rule of the ancestor. */
	const struct rule *rule;
};

/* Where loading failed. file is the layer (or "--with"), line/column
 * 1-based (0 when not applicable). */
struct rules_error {
	char file[4096];
	unsigned line, column;
	char msg[512];
};

struct rules_input {
	const char *const
		*files; /* layer files in order; files[0] is the default */
	size_t nfiles;
	const char *const *with; /* groups enabled on the command line */
	size_t nwith;
	const char *home; /* expands "~/" in follow: entries; may be NULL */
};

/* Loads every layer. On error returns -EINVAL (bad content), or -errno
 * (unreadable file), fills *err and leaves *out untouched. */
int rules_load(const struct rules_input *in, struct rules **out,
	       struct rules_error *err);
void rules_free(struct rules *rs);

/* "FILE:LINE:COL: msg" (fields that are 0 left out) into buf. */
void rules_error_format(const struct rules_error *err, char *buf, size_t len);

/* The verdict for SOURCE itself: always VIS_CONTAINER, rule NULL. */
struct verdict rules_root(const struct rules *rs);

/* The verdict for path (relative to SOURCE, no leading '/'), a child of a
 * directory whose verdict is parent. A hidden parent gives a hidden child. */
struct verdict rules_decide(const struct rules *rs, struct verdict parent,
			    const char *path, size_t len, bool is_dir);

/* The never rule that matches path (ignoring the include/exclude rules), or
 * NULL. Used for symlink targets that lie outside SOURCE. */
const struct rule *rules_never_match(const struct rules *rs, const char *path,
				     size_t len, bool is_dir);

/* Layers, in order, with an XXH3-64 fingerprint of each file's bytes. */
size_t rules_layer_count(const struct rules *rs);
const char *rules_layer_file(const struct rules *rs, size_t i);
uint64_t rules_layer_fingerprint(const struct rules *rs, size_t i);

/* Groups enabled (command line and with: keys), in first-enabled order. */
size_t rules_group_count(const struct rules *rs);
const char *rules_group_name(const struct rules *rs, size_t i);

/* follow: directories from all layers, "~/" expanded, in order. */
size_t rules_follow_count(const struct rules *rs);
const char *rules_follow_dir(const struct rules *rs, size_t i);

/* How settings.json is served. The settings group is enabled as
 * "settings" (sanitized) or "settings=raw" / "settings=sanitized", by
 * with: entries and --with options; the last of them (layers in order,
 * then --with) decides. */
enum settings_mode {
	SETTINGS_OFF,	    /* the settings group is not enabled */
	SETTINGS_SANITIZED, /* served through settings_sanitize */
	SETTINGS_RAW,	    /* served as it is, hooks included */
};

enum settings_mode rules_settings_mode(const struct rules *rs);

/* "off", "sanitized" or "raw". */
const char *rules_settings_mode_name(enum settings_mode mode);

/* The union, in first-seen order, of every layer's settings.env_allow and
 * settings.safe_keys; owned by rs, valid until rules_free. */
const struct settings_policy *rules_settings_policy(const struct rules *rs);

/* False when the last layer that says `frontmatter:` says keep. */
bool rules_defuse_frontmatter(const struct rules *rs);

/* The transform a visible regular file at path (relative to SOURCE) is
 * served through:
 *   "settings.json"                 TRANSFORM_SETTINGS unless mode is raw
 *                                   (also when it is visible through an
 *                                   include other than the settings group)
 *   "skills/NAME/SKILL.md"          TRANSFORM_SKILL_FM  } when frontmatter
 *   "agents/.../NAME.md" (any depth) TRANSFORM_AGENT_FM } is defused
 *   anything else                   TRANSFORM_NONE */
enum transform rules_transform(const struct rules *rs, const char *path,
			       size_t len);

#endif
