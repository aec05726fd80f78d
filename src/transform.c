/* transform.c — one entry point for the computed files of transform.h.
 *
 * Owns: dispatching a rules_transform() answer to the transform that
 * computes the served bytes, and the transforms' names for messages.
 */
#include "seedfs/transform.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int transform_apply(enum transform t, const struct settings_policy *pol,
		    const void *in, size_t len, char **out, size_t *out_len,
		    char *why, size_t why_len)
{
	static const struct settings_policy empty = { NULL, 0, NULL, 0 };

	switch (t) {
	case TRANSFORM_SETTINGS:
		return settings_sanitize(pol ? pol : &empty, in, len, out,
					 out_len, why, why_len);
	case TRANSFORM_SKILL_FM:
	case TRANSFORM_AGENT_FM:
		return frontmatter_defuse(t, in, len, out, out_len, why,
					  why_len);
	case TRANSFORM_NONE:
		break;
	}
	*out = malloc(len + 1);
	if (!*out)
		return -ENOMEM;
	if (len)
		memcpy(*out, in, len);
	(*out)[len] = '\0';
	*out_len = len;
	return 0;
}

const char *transform_name(enum transform t)
{
	switch (t) {
	case TRANSFORM_SETTINGS:
		return "settings";
	case TRANSFORM_SKILL_FM:
		return "skill-frontmatter";
	case TRANSFORM_AGENT_FM:
		return "agent-frontmatter";
	case TRANSFORM_NONE:
		break;
	}
	return "none";
}
