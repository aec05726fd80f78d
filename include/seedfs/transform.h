/* transform.h — computed files: what the view serves instead of the source
 * bytes of settings.json, skills' SKILL.md and agents' *.md.
 *
 * Owns: the pure byte-to-byte transforms (no FUSE, no file access, no global
 * state). Each takes the source file's bytes and returns newly allocated
 * served bytes, or an error reason the caller shows in `explain` while it
 * hides the file. Which transform applies to a path is rules_transform()'s
 * answer (rules.h).
 *
 *   settings_sanitize   settings.json minus every key that runs a command or
 *                       carries a secret or a host path (docs/rules.md)
 *   frontmatter_defuse  YAML frontmatter minus `hooks` (skills and agents)
 *                       and `mcpServers`, `permissionMode` (agents); every
 *                       other byte of the file kept as it is
 */
#ifndef SEEDFS_TRANSFORM_H
#define SEEDFS_TRANSFORM_H

#include <stdbool.h>
#include <stddef.h>

#define SETTINGS_MAX_BYTES    (1u << 20) /* larger settings.json: error */
#define SETTINGS_MAX_DEPTH    32	 /* JSON nesting cap */
#define SETTINGS_MAX_OUTPUT   (4u << 20) /* served settings.json cap */
#define FRONTMATTER_MAX_BYTES (1u << 20) /* larger frontmatter: error */
#define FRONTMATTER_MAX_DEPTH 64	 /* YAML nesting cap */
#define TRANSFORM_WHY_MAX     256	 /* enough for any reason */

enum transform {
	TRANSFORM_NONE,	    /* served as it is */
	TRANSFORM_SETTINGS, /* settings_sanitize */
	TRANSFORM_SKILL_FM, /* frontmatter_defuse, skill keys */
	TRANSFORM_AGENT_FM, /* frontmatter_defuse, agent keys */
};

/* What sanitized settings.json keeps besides the filtered `permissions`.
 * The arrays are borrowed; rules_settings_policy() gives the one a rule set
 * built from its layers. */
struct settings_policy {
	const char *const *env_allow; /* env variable names kept in `env` */
	size_t nenv_allow;
	const char *const *safe_keys; /* other top-level keys kept */
	size_t nsafe_keys;
};

/* settings.json: parses in[0..len) as strict JSON (RFC 8259, as
 * JavaScript's JSON.parse reads it), keeps a top-level key only if
 * it is in pol->safe_keys and not settings_key_is_stripped(); inside
 * `permissions` (when safe) only `deny`, `ask` and `defaultMode`; inside
 * `env` only names in pol->env_allow that settings_env_name_refused() does
 * not refuse. An `env` or `permissions` left empty, or not an object, is
 * dropped. Output: pretty-printed JSON (two-space indent, keys in input
 * order, the last value of a duplicate key at its first place), one
 * trailing newline; deterministic.
 *
 * Returns 0 with *out (malloc'd, NUL-terminated, to free()) and *out_len;
 * -EINVAL with a reason in why[0..why_len) ("invalid JSON at line 3: ...",
 * "top level is not an object", "larger than ... bytes", ...) and *out
 * NULL; -ENOMEM. */
int settings_sanitize(const struct settings_policy *pol, const void *in,
		      size_t len, char **out, size_t *out_len, char *why,
		      size_t why_len);

/* True for a top-level settings.json key that is always removed: it runs a
 * command, pulls in code or carries a secret or host path (hooks,
 * statusLine, apiKeyHelper, env, ...). A rule file listing one as a safe key
 * is refused. */
bool settings_key_is_stripped(const char *key);

/* True for an env variable name never kept whatever env_allow says: names
 * that look like secrets (KEY, TOKEN, SECRET, AUTH, ...), provider and
 * proxy settings (ANTHROPIC_*, AWS_*, *PROXY*), code loaders (LD_*, NODE_*,
 * PATH, ...) and host paths (*_DIR, *_PATH, CLAUDE_CONFIG_DIR). Matched
 * case-insensitively. */
bool settings_env_name_refused(const char *name);

/* Frontmatter of a skill's SKILL.md (kind TRANSFORM_SKILL_FM) or an agent
 * file (TRANSFORM_AGENT_FM), found as Claude Code finds it: the file starts
 * (after an optional UTF-8 BOM) with "---" and whitespace up to a line
 * feed, and the frontmatter runs to the next "---", wherever it is. The
 * top-level keys `hooks`, and for agents `mcpServers` and `permissionMode`,
 * are removed by cutting their exact lines; every other byte (other keys,
 * comments, quoting, line ends, the body) is kept, so a file with nothing
 * to remove comes back byte-identical. No frontmatter: the bytes
 * unchanged.
 *
 * Returns 0 with *out (malloc'd, NUL-terminated) and *out_len; -EINVAL with
 * a reason ("frontmatter line 4: YAML syntax: ...", "frontmatter is not a
 * mapping", "YAML anchors are not supported", ...) when the frontmatter
 * cannot be read safely; -ENOMEM. */
int frontmatter_defuse(enum transform kind, const void *in, size_t len,
		       char **out, size_t *out_len, char *why, size_t why_len);

/* Applies transform t to in[0..len): TRANSFORM_NONE copies, the others call
 * the functions above (pol is used by TRANSFORM_SETTINGS only). Same
 * returns. */
int transform_apply(enum transform t, const struct settings_policy *pol,
		    const void *in, size_t len, char **out, size_t *out_len,
		    char *why, size_t why_len);

/* "settings", "skill-frontmatter", "agent-frontmatter" or "none". */
const char *transform_name(enum transform t);

#endif
