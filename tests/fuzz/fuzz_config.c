/* fuzz_config.c — libFuzzer target for the launcher's configuration loader
 * (src/sbx/config.c, src/sbx/yamltree.c): sbx_config_load_text, layered,
 * then sbx_config_finish; and sbx_default_name.
 *
 * Input: YAML config text (docs/launcher.md). A line "#LAYER" starts the
 * next layer (at most 4), applied in order to one config as the launcher
 * applies its config files. A YAML comment, so a plain config file is a
 * valid input as it is. FUZZ_DEBUG=1 prints what each layer's load said.
 *
 * Checks (__builtin_trap on failure):
 *  C1  A refused layer changes nothing: the config compares equal, field
 *      by field, to a copy taken before; status 2 (1 for out of memory),
 *      and the message starts with the layer's name.
 *  C2  After an accepted layer: paths (workspace, seed.source, seed.rules,
 *      seed.follow) are absolute, since a base directory and a home are
 *      given; a name, if set, is a valid sandbox name; agent,
 *      seed.placement and network.default are among their allowed values;
 *      network.allow entries are normalised host patterns; no list but
 *      claude_code.flags holds an entry twice; lists only grow.
 *  C3  sbx_config_finish either fails with a message or leaves every
 *      default filled in and a valid name.
 *  C4  sbx_default_name of any string is a valid sandbox name.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claude-sbx/allowlist.h"
#include "claude-sbx/config.h"
#include "claude-sbx/err.h"
#include "claude-sbx/strv.h"
#include "common.h"

#define MAX_LAYERS 4

static char *dup_or_null(const char *s)
{
	char *d = s ? strdup(s) : NULL;

	CHECK(!s || d);
	return d;
}

static void strv_copy(struct strv *to, const struct strv *from)
{
	memset(to, 0, sizeof(*to));
	for (size_t i = 0; i < from->n; i++)
		CHECK(strv_push(to, from->v[i]) == 0);
}

static void config_copy(struct sbx_config *to, const struct sbx_config *c)
{
	memset(to, 0, sizeof(*to));
	to->name = dup_or_null(c->name);
	to->workspace = dup_or_null(c->workspace);
	to->agent = dup_or_null(c->agent);
	to->cc_version = dup_or_null(c->cc_version);
	to->cc_model = dup_or_null(c->cc_model);
	to->seed_source = dup_or_null(c->seed_source);
	to->net_default = dup_or_null(c->net_default);
	to->placement = c->placement;
	to->allowlists_set = c->allowlists_set;
	strv_copy(&to->cc_flags, &c->cc_flags);
	strv_copy(&to->seed_rules, &c->seed_rules);
	strv_copy(&to->seed_with, &c->seed_with);
	strv_copy(&to->seed_follow, &c->seed_follow);
	strv_copy(&to->allowlists, &c->allowlists);
	strv_copy(&to->allow, &c->allow);
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* a is b, or (prefix) a's elements start b's. */
static bool strv_prefix(const struct strv *a, const struct strv *b, bool eq)
{
	if (a->n > b->n || (eq && a->n != b->n))
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return b->v == NULL || b->v[b->n] == NULL;
}

static bool config_equal(const struct sbx_config *a, const struct sbx_config *b)
{
	return str_eq(a->name, b->name) && str_eq(a->workspace, b->workspace) &&
	       str_eq(a->agent, b->agent) &&
	       str_eq(a->cc_version, b->cc_version) &&
	       str_eq(a->cc_model, b->cc_model) &&
	       str_eq(a->seed_source, b->seed_source) &&
	       str_eq(a->net_default, b->net_default) &&
	       a->placement == b->placement &&
	       a->allowlists_set == b->allowlists_set &&
	       strv_prefix(&a->cc_flags, &b->cc_flags, true) &&
	       strv_prefix(&a->seed_rules, &b->seed_rules, true) &&
	       strv_prefix(&a->seed_with, &b->seed_with, true) &&
	       strv_prefix(&a->seed_follow, &b->seed_follow, true) &&
	       strv_prefix(&a->allowlists, &b->allowlists, true) &&
	       strv_prefix(&a->allow, &b->allow, true);
}

static bool lists_grew(const struct sbx_config *a, const struct sbx_config *b)
{
	return strv_prefix(&a->cc_flags, &b->cc_flags, false) &&
	       strv_prefix(&a->seed_rules, &b->seed_rules, false) &&
	       strv_prefix(&a->seed_with, &b->seed_with, false) &&
	       strv_prefix(&a->seed_follow, &b->seed_follow, false) &&
	       strv_prefix(&a->allowlists, &b->allowlists, false) &&
	       strv_prefix(&a->allow, &b->allow, false);
}

static bool unique(const struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(s->v[i], s->v[j]) == 0)
				return false;
	return true;
}

static bool all_absolute(const struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i][0] != '/')
			return false;
	return true;
}

static bool one_of(const char *s, const char *const *allowed)
{
	if (!s)
		return true;
	for (; *allowed; allowed++)
		if (strcmp(s, *allowed) == 0)
			return true;
	return false;
}

static void check_accepted(const struct sbx_config *c)
{
	static const char *const agents[] = { "claude", "shell", NULL };
	static const char *const defaults[] = { "deny-all", "balanced",
						"allow-all", NULL };

	CHECK(!c->workspace || c->workspace[0] == '/');
	CHECK(!c->seed_source || c->seed_source[0] == '/');
	CHECK(all_absolute(&c->seed_rules) && all_absolute(&c->seed_follow));
	CHECK(!c->name || sbx_name_valid(c->name));
	CHECK(one_of(c->agent, agents) && one_of(c->net_default, defaults));
	CHECK(c->placement == SBX_PLACE_UNSET ||
	      c->placement == SBX_PLACE_WORKSPACE ||
	      c->placement == SBX_PLACE_SEPARATE);
	CHECK(unique(&c->seed_rules) && unique(&c->seed_with) &&
	      unique(&c->seed_follow) && unique(&c->allowlists) &&
	      unique(&c->allow));
	for (size_t i = 0; i < c->allow.n; i++) {
		char out[600];
		const char *why;
		CHECK(sbx_host_normalize(c->allow.v[i], out, sizeof(out),
					 &why) == 0 &&
		      strcmp(out, c->allow.v[i]) == 0);
	}
}

static bool line_is(const uint8_t *p, const uint8_t *end, const char *word)
{
	size_t wl = strlen(word);

	return (size_t)(end - p) >= wl && memcmp(p, word, wl) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sbx_err err;
	struct sbx_config c = { 0 }, snap;
	const uint8_t *lstart[MAX_LAYERS], *p = data, *end = data + size;
	size_t llen[MAX_LAYERS], nlayers = 1;

	if (size > 2 * SBX_CONFIG_MAX_BYTES)
		return 0;
	lstart[0] = data;
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		const uint8_t *eol = nl ? nl : end;
		if (line_is(p, eol, "#LAYER") && nlayers < MAX_LAYERS) {
			llen[nlayers - 1] = (size_t)(p - lstart[nlayers - 1]);
			lstart[nlayers++] = nl ? nl + 1 : end;
		}
		p = nl ? nl + 1 : end;
	}
	llen[nlayers - 1] = (size_t)(end - lstart[nlayers - 1]);

	for (size_t k = 0; k < nlayers; k++) {
		char name[32];
		char *text = malloc(llen[k] ? llen[k] : 1);
		int r;

		CHECK(text);
		memcpy(text, lstart[k], llen[k]);
		snprintf(name, sizeof(name), "layer%zu.yaml", k);
		config_copy(&snap, &c);
		memset(&err, 0, sizeof(err));
		r = sbx_config_load_text(&c, name, text, llen[k], "/base/dir",
					 "/home/fuzz", &err);
		free(text);
		if (getenv("FUZZ_DEBUG"))
			fprintf(stderr, "%s: %s\n", name, r ? err.msg : "ok");
		if (r != 0) {
			/* C1 */
			CHECK(r == -1);
			CHECK(err.status == 2 || err.status == 1);
			CHECK(config_equal(&snap, &c));
			if (err.status == 2)
				CHECK(strncmp(err.msg, name, strlen(name)) ==
				      0);
		} else {
			/* C2 */
			CHECK(lists_grew(&snap, &c));
			check_accepted(&c);
		}
		sbx_config_free(&snap);
	}

	/* C3 */
	memset(&err, 0, sizeof(err));
	if (sbx_config_finish(&c, "/", "/home/fuzz", NULL, &err) == 0) {
		CHECK(c.workspace && c.workspace[0] == '/');
		CHECK(c.name && sbx_name_valid(c.name));
		CHECK(c.agent && c.cc_version && c.seed_source &&
		      c.net_default);
		CHECK(c.placement != SBX_PLACE_UNSET);
		CHECK(c.allowlists.n > 0 || c.allowlists_set);
	} else {
		CHECK(err.msg[0] != '\0');
		CHECK(err.status == 1 || err.status == 2);
	}
	sbx_config_free(&c);

	/* C4: the first line as a workspace path */
	{
		const uint8_t *nl = memchr(data, '\n', size);
		size_t n = (size_t)((nl ? nl : end) - data);
		char *ws = malloc(n + 1);
		char *name;
		CHECK(ws);
		memcpy(ws, data, n);
		ws[n] = '\0';
		name = sbx_default_name(ws);
		CHECK(name && sbx_name_valid(name));
		free(name);
		free(ws);
	}
	return 0;
}
