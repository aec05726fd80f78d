/* yamltree.h — a YAML document as a small tree with positions (private to
 * the launcher's config loader).
 *
 * Owns: driving libyaml's event parser, refusing (through util/yamlsub.h)
 * anchors, aliases and tags, more than one document and excessive
 * nesting, and reporting every problem as NAME:LINE:COL. Scalars stay strings; the schema decides their meaning.
 */
#ifndef CLAUDE_SBX_YAMLTREE_H
#define CLAUDE_SBX_YAMLTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "claude-sbx/err.h"

enum ynode_kind { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode {
	enum ynode_kind kind;
	size_t line, col;    /* 1-based */
	char *str;	     /* Y_SCALAR */
	bool plain_null;     /* an empty plain scalar, "~" or "null" */
	struct ynode **kids; /* Y_SEQ items; Y_MAP key, value, key, value… */
	size_t nkids;
};

/* Returns the root (NULL for an empty document) in *out. */
int ytree_parse(const char *name, const char *text, size_t len,
		size_t max_depth, struct ynode **out, struct sbx_err *err);
void ytree_free(struct ynode *n);

#endif
