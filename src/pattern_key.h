/* pattern_key.h — private to the core library: what a compiled pattern
 * requires of every path it matches, for the rules index (rules_index.h).
 *
 * Owns: one necessary condition per pattern, read off its compiled form
 * (pattern.c implements both functions). A key is never sufficient: the
 * index only uses it to pick candidates, which pattern_match or
 * pattern_may_match_below then confirm.
 */
#ifndef SEEDFS_PATTERN_KEY_H
#define SEEDFS_PATTERN_KEY_H

#include <stdbool.h>
#include <stddef.h>

struct pattern;

enum pattern_key_kind {
	PKEY_NONE,	  /* no usable condition: the pattern is scanned */
	PKEY_PATH,	  /* the whole path is bytes */
	PKEY_NAME,	  /* the last component is bytes */
	PKEY_NAME_PREFIX, /* the last component starts with bytes */
	PKEY_NAME_SUFFIX, /* the last component ends with bytes */
	PKEY_HEAD,	  /* the first comps components are bytes ("a/b") */
	PKEY_COMPONENT,	  /* some component is bytes */
	PKEY_ALL,	  /* pattern_below_key: true below every directory */
};

struct pattern_key {
	enum pattern_key_kind kind;
	const char *bytes; /* unescaped, owned by the pattern */
	size_t len;
	size_t comps; /* PKEY_HEAD: components in bytes */
	bool whole;   /* PKEY_HEAD: bytes is the whole (literal) pattern */
};

/* A condition every path p matches (pattern_match) meets. Of the several a
 * pattern may offer, the most selective by a simple rule: the whole path,
 * else the exact last component, else a literal prefix or suffix of it of
 * at least 4 bytes (".md" is shared by too many files), else the literal
 * leading components, else its longest literal component ("**" /x/ "**"),
 * else a shorter prefix or suffix, else none. */
struct pattern_key pattern_match_key(const struct pattern *p);

/* A condition for pattern_may_match_below(p, dir, len) with len > 0:
 *   PKEY_ALL   always true
 *   PKEY_HEAD  dir's first min(m, comps) components (m: dir's count) are
 *              bytes' first ones; if whole, dir is moreover a proper
 *              component prefix of bytes (m < comps)
 *   PKEY_NONE  anything */
struct pattern_key pattern_below_key(const struct pattern *p);

#endif
