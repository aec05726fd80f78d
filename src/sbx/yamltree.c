/* yamltree.c — libyaml events to a positioned tree (see yamltree.h); what
 * the YAML subset refuses is util/yamlsub.h's. */
#include "yamltree.h"
#include "util/yamlsub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct ybuild {
	const char *name;
	yaml_parser_t parser;
	size_t max_depth;
	struct sbx_err *err;
};

void ytree_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		ytree_free(n->kids[i]);
	free(n->kids);
	free(n->str);
	free(n);
}

static int at(struct ybuild *b, const yaml_mark_t *m, const char *what)
{
	return sbx_err_set(b->err, 2, "%s:%zu:%zu: %s", b->name, m->line + 1,
			   m->column + 1, what);
}

static int next(struct ybuild *b, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&b->parser, ev)) {
		const yaml_mark_t *m = &b->parser.problem_mark;
		return sbx_err_set(
			b->err, 2, "%s:%zu:%zu: YAML syntax error: %s%s%s",
			b->name, m->line + 1, m->column + 1,
			b->parser.problem ? b->parser.problem : "unknown",
			b->parser.context ? " " : "",
			b->parser.context ? b->parser.context : "");
	}
	return 0;
}

static int add_kid(struct ynode *p, struct ynode *k)
{
	struct ynode **v = realloc(p->kids, (p->nkids + 1) * sizeof(*v));
	if (!v)
		return -1;
	p->kids = v;
	v[p->nkids++] = k;
	return 0;
}

/* Builds the node starting with *ev (already parsed); consumes it. */
static int build(struct ybuild *b, yaml_event_t *ev, size_t depth,
		 struct ynode **out)
{
	const yaml_mark_t *m = &ev->start_mark;

	*out = NULL;
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
	case YAML_SCALAR_EVENT:
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		break;
	default:
		at(b, m, "unexpected YAML event");
		yaml_event_delete(ev);
		return -1;
	}
	const char *refused = ysub_refused_plural(ysub_node(ev, NULL));
	if (refused) {
		char what[64];
		snprintf(what, sizeof(what), "YAML %s are not accepted",
			 refused);
		at(b, m, what);
		yaml_event_delete(ev);
		return -1;
	}
	if (depth > b->max_depth) {
		at(b, m, "nesting too deep");
		yaml_event_delete(ev);
		return -1;
	}
	struct ynode *n = calloc(1, sizeof(*n));
	if (!n) {
		yaml_event_delete(ev);
		return sbx_err_set(b->err, 1, "out of memory");
	}
	n->line = m->line + 1;
	n->col = m->column + 1;
	if (ev->type == YAML_SCALAR_EVENT) {
		n->kind = Y_SCALAR;
		n->str = strndup((const char *)ev->data.scalar.value,
				 ev->data.scalar.length);
		if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		    (ev->data.scalar.length == 0 || strcmp(n->str, "~") == 0 ||
		     strcmp(n->str, "null") == 0 ||
		     strcmp(n->str, "Null") == 0 ||
		     strcmp(n->str, "NULL") == 0))
			n->plain_null = true;
		if (n->str && strlen(n->str) != ev->data.scalar.length) {
			at(b, m, "NUL character in a value");
			yaml_event_delete(ev);
			ytree_free(n);
			return -1;
		}
		yaml_event_delete(ev);
		*out = n;
		return 0;
	}
	bool map = ev->type == YAML_MAPPING_START_EVENT;
	n->kind = map ? Y_MAP : Y_SEQ;
	yaml_event_delete(ev);
	for (;;) {
		yaml_event_t kev;
		if (next(b, &kev) < 0)
			goto fail;
		if (kev.type ==
		    (map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT)) {
			yaml_event_delete(&kev);
			break;
		}
		struct ynode *k;
		if (build(b, &kev, depth + 1, &k) < 0)
			goto fail;
		if (add_kid(n, k) < 0) {
			ytree_free(k);
			sbx_err_set(b->err, 1, "out of memory");
			goto fail;
		}
	}
	*out = n;
	return 0;
fail:
	ytree_free(n);
	return -1;
}

int ytree_parse(const char *name, const char *text, size_t len,
		size_t max_depth, struct ynode **out, struct sbx_err *err)
{
	struct ybuild b = { .name = name, .max_depth = max_depth, .err = err };
	yaml_event_t ev;
	struct ynode *root = NULL;
	int rc = -1;

	*out = NULL;
	if (!yaml_parser_initialize(&b.parser))
		return sbx_err_set(err, 1, "out of memory");
	yaml_parser_set_input_string(&b.parser, (const unsigned char *)text,
				     len);
	/* stream start */
	if (next(&b, &ev) < 0)
		goto out;
	yaml_event_delete(&ev);
	if (next(&b, &ev) < 0)
		goto out;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		rc = 0;
		goto out;
	}
	yaml_event_delete(&ev); /* document start */
	if (next(&b, &ev) < 0)
		goto out;
	if (build(&b, &ev, 1, &root) < 0)
		goto out;
	if (next(&b, &ev) < 0) /* document end */
		goto out;
	yaml_event_delete(&ev);
	if (next(&b, &ev) < 0)
		goto out;
	if (ev.type != YAML_STREAM_END_EVENT) {
		at(&b, &ev.start_mark, "only one YAML document is accepted");
		yaml_event_delete(&ev);
		goto out;
	}
	yaml_event_delete(&ev);
	/* An empty document ("---" alone) is an empty config. */
	if (root && root->kind == Y_SCALAR && root->plain_null) {
		ytree_free(root);
		root = NULL;
	}
	*out = root;
	root = NULL;
	rc = 0;
out:
	ytree_free(root);
	yaml_parser_delete(&b.parser);
	return rc;
}
