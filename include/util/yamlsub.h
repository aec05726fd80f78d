/* util/yamlsub.h — the strict YAML subset every YAML reader of the project
 * accepts (part of the shared util layer, src/util/).
 *
 * Owns: the one judgement of a libyaml event against the subset — no
 * aliases, no anchors, no tags, at most one document, bounded nesting —
 * for the rule files (src/rules.c), skill and agent frontmatter
 * (src/frontmatter.c) and the launcher's config (src/sbx/yamltree.c).
 * Each reader words the refusal in its own error style; the refusal itself
 * is decided here.
 */
#ifndef UTIL_YAMLSUB_H
#define UTIL_YAMLSUB_H

#include <yaml.h>

enum ysub_fault {
	YSUB_OK,
	YSUB_ALIAS,  /* *name; what: the anchor it names */
	YSUB_ANCHOR, /* &name; what: the anchor */
	YSUB_TAG,    /* !tag; what: the tag as libyaml resolved it */
	YSUB_DOCS,   /* a second document */
	YSUB_DEPTH,  /* more than max_depth open collections */
};

/* The walk's counters: zero-initialise, pass every event in order. */
struct ysub {
	unsigned depth; /* open collections */
	unsigned docs;
	unsigned max_depth;
};

/* Checks a node event's own properties: an alias, an anchor or a tag.
 * *what (may be NULL) gets the name for the message. */
enum ysub_fault ysub_node(const yaml_event_t *ev, const char **what);

/* "aliases", "anchors" or "tags" for those faults (for "YAML %s are not
 * ..."), NULL for the others. */
const char *ysub_refused_plural(enum ysub_fault f);

/* Counts documents and nesting for ev. */
enum ysub_fault ysub_structure(struct ysub *s, const yaml_event_t *ev);

/* Both, structure first for collection starts and documents (the order the
 * rule files report in). */
enum ysub_fault ysub_check(struct ysub *s, const yaml_event_t *ev,
			   const char **what);

#endif
