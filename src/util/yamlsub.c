/* yamlsub.c — the strict YAML subset (see util/yamlsub.h). */
#include "util/yamlsub.h"

#include <stddef.h>

enum ysub_fault ysub_node(const yaml_event_t *ev, const char **what)
{
	const yaml_char_t *anchor = NULL, *tag = NULL;
	const char *dummy;

	if (!what)
		what = &dummy;
	*what = NULL;
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		*what = (const char *)ev->data.alias.anchor;
		return YSUB_ALIAS;
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		break;
	default:
		return YSUB_OK;
	}
	if (anchor) {
		*what = (const char *)anchor;
		return YSUB_ANCHOR;
	}
	if (tag) {
		*what = (const char *)tag;
		return YSUB_TAG;
	}
	return YSUB_OK;
}

const char *ysub_refused_plural(enum ysub_fault f)
{
	switch (f) {
	case YSUB_ALIAS:
		return "aliases";
	case YSUB_ANCHOR:
		return "anchors";
	case YSUB_TAG:
		return "tags";
	default:
		return NULL;
	}
}

enum ysub_fault ysub_structure(struct ysub *s, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		return ++s->docs > 1 ? YSUB_DOCS : YSUB_OK;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		return ++s->depth > s->max_depth ? YSUB_DEPTH : YSUB_OK;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (s->depth)
			s->depth--;
		return YSUB_OK;
	default:
		return YSUB_OK;
	}
}

enum ysub_fault ysub_check(struct ysub *s, const yaml_event_t *ev,
			   const char **what)
{
	enum ysub_fault f;

	if (what)
		*what = NULL;
	if (ev->type == YAML_ALIAS_EVENT)
		return ysub_node(ev, what);
	f = ysub_structure(s, ev);
	if (f != YSUB_OK)
		return f;
	return ysub_node(ev, what);
}
