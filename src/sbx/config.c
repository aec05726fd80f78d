/* config.c — the launcher's configuration schema, layering and defaults
 * (see config.h). */
#include "claude-sbx/config.h"
#include "claude-sbx/readfile.h"
#include "claude-sbx/allowlist.h"
#include "claude-sbx/settings.h"
#include "util/keytab.h"
#include "yamltree.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct ctx {
	struct sbx_config *c;
	const char *name; /* file name for messages */
	const char *basedir;
	const char *home;
	struct sbx_err *err;
};

static int bad(struct ctx *x, const struct ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(struct ctx *x, const struct ynode *n, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return sbx_err_set(x->err, 2, "%s:%zu:%zu: %s", x->name, n->line,
			   n->col, what);
}

static int want_str(struct ctx *x, const struct ynode *n, const char *key)
{
	if (n->kind != Y_SCALAR || n->plain_null)
		return bad(x, n, "%s: expected a string", key);
	if (!n->str[0])
		return bad(x, n, "%s: must not be empty", key);
	return 0;
}

static bool chars_ok(const char *s, const char *extra)
{
	if (!*s || *s == '-')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return false;
	return true;
}

bool sbx_name_valid(const char *name)
{
	size_t n = strlen(name);
	/* sbx 0.43+: at most 63, not ending in '-' or '.' */
	return n <= SBX_NAME_MAX && chars_ok(name, "-.+") &&
	       name[n - 1] != '-' && name[n - 1] != '.';
}

/* FNV-1a over the bytes of s: a short, stable tag for names cut short. */
static unsigned long name_tag(const char *s, size_t n)
{
	unsigned long h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = ((h ^ (unsigned char)s[i]) * 16777619u) & 0xffffffffu;
	return h;
}

char *sbx_default_name(const char *workspace)
{
	static const char prefix[] = "claude-";
	const size_t plen = sizeof(prefix) - 1;
	const char *end = workspace + strlen(workspace);
	char buf[SBX_NAME_MAX + 1];
	size_t o = plen;
	bool cut = false;

	while (end > workspace && end[-1] == '/')
		end--; /* trailing slashes */
	const char *base = end;
	while (base > workspace && base[-1] != '/')
		base--;
	memcpy(buf, prefix, plen);
	for (const char *p = base; p < end; p++) {
		char ch = *p;
		/* ASCII letters and digits, '.', '+' stay; any other byte
		 * (space, punctuation, every byte of a UTF-8 sequence) is '-',
		 * and runs of '-' collapse */
		if (!(ch >= 'a' && ch <= 'z') && !(ch >= 'A' && ch <= 'Z') &&
		    !(ch >= '0' && ch <= '9') && ch != '.' && ch != '+')
			ch = '-';
		if (ch == '-' && (buf[o - 1] == '-' || buf[o - 1] == '.'))
			continue;
		if (o == SBX_NAME_MAX) {
			cut = true;
			break;
		}
		buf[o++] = ch;
	}
	if (cut) {
		/* keep long basenames that share a prefix apart: the last 9
		 * characters become -XXXXXXXX from the whole basename */
		o = SBX_NAME_MAX - 9;
		while (o > plen && (buf[o - 1] == '-' || buf[o - 1] == '.'))
			o--;
		if (o == plen)
			o--; /* the tag brings its own '-' */
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "-%08lx",
				      name_tag(base, (size_t)(end - base)));
	}
	while (o > plen && (buf[o - 1] == '-' || buf[o - 1] == '.'))
		o--;
	buf[o] = '\0';
	if (o == plen)
		return strdup("claude-workspace");
	return strdup(buf);
}

/* "~/x" → home/x; relative → basedir/x. */
static char *expand_path(const char *p, const char *basedir, const char *home)
{
	char *out = NULL;
	if ((strcmp(p, "~") == 0 || strncmp(p, "~/", 2) == 0) && home) {
		if (asprintf(&out, "%s%s", home, p + 1) < 0)
			return NULL;
		return out;
	}
	if (p[0] == '/' || !basedir)
		return strdup(p);
	if (asprintf(&out, "%s/%s", basedir, p) < 0)
		return NULL;
	return out;
}

static int set_str(struct ctx *x, const struct ynode *n, const char *key,
		   char **dst, const char *extra)
{
	if (want_str(x, n, key) < 0)
		return -1;
	if (extra && !chars_ok(n->str, extra))
		return bad(x, n, "%s: invalid value", key);
	char *v = strdup(n->str);
	if (!v)
		return sbx_err_set(x->err, 1, "out of memory");
	free(*dst);
	*dst = v;
	return 0;
}

static int set_path(struct ctx *x, const struct ynode *n, const char *key,
		    char **dst)
{
	if (want_str(x, n, key) < 0)
		return -1;
	char *v = expand_path(n->str, x->basedir, x->home);
	if (!v)
		return sbx_err_set(x->err, 1, "out of memory");
	free(*dst);
	*dst = v;
	return 0;
}

static int set_enum(struct ctx *x, const struct ynode *n, const char *key,
		    char **dst, const char *const *allowed)
{
	if (want_str(x, n, key) < 0)
		return -1;
	for (const char *const *a = allowed; *a; a++)
		if (strcmp(n->str, *a) == 0)
			return set_str(x, n, key, dst, NULL);
	char list[256] = "";
	for (const char *const *a = allowed; *a; a++) {
		strncat(list, *a, sizeof(list) - strlen(list) - 3);
		if (a[1])
			strncat(list, ", ", sizeof(list) - strlen(list) - 1);
	}
	char what[512];
	snprintf(what, sizeof(what), "%s: \"%.100s\" is not one of: %s", key,
		 n->str, list);
	return sbx_err_set(x->err, 2, "%s:%zu:%zu: %s", x->name, n->line,
			   n->col, what);
}

enum list_kind { L_PLAIN, L_PATH, L_GROUP, L_HOST, L_ALLOWLIST };

static int add_list(struct ctx *x, const struct ynode *n, const char *key,
		    struct strv *dst, enum list_kind kind)
{
	struct strv tmp = { 0 };

	if (n->kind != Y_SEQ)
		return bad(x, n, "%s: expected a list", key);
	for (size_t i = 0; i < n->nkids; i++) {
		const struct ynode *it = n->kids[i];
		char norm[512];
		const char *why = NULL;
		char *v = NULL;
		if (want_str(x, it, key) < 0)
			goto fail;
		switch (kind) {
		case L_PLAIN:
			v = strdup(it->str);
			break;
		case L_PATH:
			v = expand_path(it->str, x->basedir, x->home);
			break;
		case L_GROUP:
			if (!sbx_with_entry_valid(it->str)) {
				bad(x, it,
				    "%s: invalid group name (GROUP or GROUP=MODE)",
				    key);
				goto fail;
			}
			v = strdup(it->str);
			break;
		case L_HOST:
			if (sbx_host_normalize(it->str, norm, sizeof(norm),
					       &why) < 0) {
				char what[600];
				snprintf(what, sizeof(what),
					 "%s: bad host pattern \"%.200s\": %s",
					 key, it->str, why);
				sbx_err_set(x->err, 2, "%s:%zu:%zu: %s",
					    x->name, it->line, it->col, what);
				goto fail;
			}
			v = strdup(norm);
			break;
		case L_ALLOWLIST:
			/* a bare name is looked up in the allowlist directories;
			 * anything with a '/' or ending in .txt is a path */
			if (strchr(it->str, '/') ||
			    (strlen(it->str) > 4 &&
			     strcmp(it->str + strlen(it->str) - 4, ".txt") ==
				     0)) {
				v = expand_path(it->str, x->basedir, x->home);
			} else if (chars_ok(it->str, "-_.")) {
				v = strdup(it->str);
			} else {
				bad(x, it, "%s: invalid allowlist name", key);
				goto fail;
			}
			break;
		}
		if (!v) {
			sbx_err_set(x->err, 1, "out of memory");
			goto fail;
		}
		int r = kind == L_PLAIN ? strv_push(&tmp, v)
					: strv_add_unique(&tmp, v);
		free(v);
		if (r < 0) {
			sbx_err_set(x->err, 1, "out of memory");
			goto fail;
		}
	}
	for (size_t i = 0; i < tmp.n; i++) {
		int r = kind == L_PLAIN ? strv_push(dst, tmp.v[i])
					: strv_add_unique(dst, tmp.v[i]);
		if (r < 0) {
			sbx_err_set(x->err, 1, "out of memory");
			goto fail;
		}
	}
	strv_free(&tmp);
	return 0;
fail:
	strv_free(&tmp);
	return -1;
}

typedef int (*key_fn)(struct ctx *x, const struct ynode *v);

struct key {
	const char *name;
	key_fn fn;
};

static const char *const agents[] = { "claude", "shell", NULL };
static const char *const placements[] = { "workspace", "separate", NULL };
static const char *const defaults[] = { "deny-all", "balanced", "allow-all",
					NULL };
static const char *const stores[] = { "off", "readonly", "readwrite",
				      "sbx-default", NULL };
static const char *const vias[] = { "flag", "merge", NULL };
static const char *const keepers[] = { "auto", "on", "off", NULL };

const char *sbx_skills_store_name(enum sbx_skills_store s)
{
	switch (s) {
	case SBX_SKILLS_OFF:
		return "off";
	case SBX_SKILLS_READONLY:
		return "readonly";
	case SBX_SKILLS_READWRITE:
		return "readwrite";
	case SBX_SKILLS_SBX_DEFAULT:
		return "sbx-default";
	case SBX_SKILLS_UNSET:
		break;
	}
	return "unset";
}

static int k_name(struct ctx *x, const struct ynode *v)
{
	if (want_str(x, v, "name") < 0)
		return -1;
	if (!sbx_name_valid(v->str))
		return bad(
			x, v,
			"name: \"%.100s\" is not a valid sandbox name (letters, digits, '-', '.', '+'; at most 63; not ending in '-' or '.')",
			v->str);
	return set_str(x, v, "name", &x->c->name, NULL);
}
static int k_workspace(struct ctx *x, const struct ynode *v)
{
	return set_path(x, v, "workspace", &x->c->workspace);
}
static int k_agent(struct ctx *x, const struct ynode *v)
{
	if (v->kind == Y_SCALAR && !v->plain_null &&
	    strcmp(v->str, "gemini") == 0)
		return bad(
			x, v,
			"agent: \"gemini\" was retired as a built-in sbx agent in sbx 0.53, "
			"and claude-sbx seeds Claude Code only: use claude or shell");
	return set_enum(x, v, "agent", &x->c->agent, agents);
}
static int k_skills_store(struct ctx *x, const struct ynode *v)
{
	char *s = NULL;
	if (set_enum(x, v, "skills_store", &s, stores) < 0)
		return -1;
	for (size_t i = 0; stores[i]; i++)
		if (strcmp(s, stores[i]) == 0)
			x->c->skills_store =
				(enum sbx_skills_store)(SBX_SKILLS_OFF + i);
	free(s);
	return 0;
}
static int k_cc_settings(struct ctx *x, const struct ynode *v)
{
	char *s = NULL;
	if (set_enum(x, v, "claude_code.settings", &s, vias) < 0)
		return -1;
	x->c->settings_via = strcmp(s, "merge") == 0 ? SBX_VIA_MERGE
						     : SBX_VIA_FLAG;
	free(s);
	return 0;
}
static int k_cc_version(struct ctx *x, const struct ynode *v)
{
	return set_str(x, v, "claude_code.version", &x->c->cc_version, ".+-_");
}
static int k_cc_model(struct ctx *x, const struct ynode *v)
{
	return set_str(x, v, "claude_code.model", &x->c->cc_model, ".-_:@/[]");
}
static int k_cc_flags(struct ctx *x, const struct ynode *v)
{
	return add_list(x, v, "claude_code.flags", &x->c->cc_flags, L_PLAIN);
}
static int k_seed_source(struct ctx *x, const struct ynode *v)
{
	return set_path(x, v, "seed.source", &x->c->seed_source);
}
static int k_seed_placement(struct ctx *x, const struct ynode *v)
{
	char *s = NULL;
	if (set_enum(x, v, "seed.placement", &s, placements) < 0)
		return -1;
	x->c->placement = strcmp(s, "separate") == 0 ? SBX_PLACE_SEPARATE
						     : SBX_PLACE_WORKSPACE;
	free(s);
	return 0;
}
static int k_seed_rules(struct ctx *x, const struct ynode *v)
{
	return add_list(x, v, "seed.rules", &x->c->seed_rules, L_PATH);
}
static int k_seed_with(struct ctx *x, const struct ynode *v)
{
	return add_list(x, v, "seed.with", &x->c->seed_with, L_GROUP);
}
static int k_seed_follow(struct ctx *x, const struct ynode *v)
{
	return add_list(x, v, "seed.follow", &x->c->seed_follow, L_PATH);
}
static int k_seed_keeper(struct ctx *x, const struct ynode *v)
{
	return set_enum(x, v, "seed.keeper", &x->c->seed_keeper, keepers);
}
static int k_net_default(struct ctx *x, const struct ynode *v)
{
	return set_enum(x, v, "network.default", &x->c->net_default, defaults);
}
static int k_net_allowlists(struct ctx *x, const struct ynode *v)
{
	if (add_list(x, v, "network.allowlists", &x->c->allowlists,
		     L_ALLOWLIST) < 0)
		return -1;
	x->c->allowlists_set = true;
	return 0;
}
static int k_net_allow(struct ctx *x, const struct ynode *v)
{
	return add_list(x, v, "network.allow", &x->c->allow, L_HOST);
}

static const struct key cc_keys[] = {
	{ "version", k_cc_version },
	{ "model", k_cc_model },
	{ "flags", k_cc_flags },
	{ "settings", k_cc_settings },
	{ NULL, NULL },
};
static const struct key seed_keys[] = {
	{ "source", k_seed_source },
	{ "placement", k_seed_placement },
	{ "rules", k_seed_rules },
	{ "with", k_seed_with },
	{ "follow", k_seed_follow },
	{ "keeper", k_seed_keeper },
	{ NULL, NULL },
};
static const struct key net_keys[] = {
	{ "default", k_net_default },
	{ "allowlists", k_net_allowlists },
	{ "allow", k_net_allow },
	{ NULL, NULL },
};

static int walk_map(struct ctx *x, const struct ynode *m, const char *where,
		    const struct key *keys);

static int k_cc(struct ctx *x, const struct ynode *v)
{
	return walk_map(x, v, "claude_code", cc_keys);
}
static int k_seed(struct ctx *x, const struct ynode *v)
{
	return walk_map(x, v, "seed", seed_keys);
}
static int k_network(struct ctx *x, const struct ynode *v)
{
	return walk_map(x, v, "network", net_keys);
}

static const struct key top_keys[] = {
	{ "name", k_name },
	{ "workspace", k_workspace },
	{ "agent", k_agent },
	{ "claude_code", k_cc },
	{ "seed", k_seed },
	{ "network", k_network },
	{ "skills_store", k_skills_store },
	{ NULL, NULL },
};

static int walk_map(struct ctx *x, const struct ynode *m, const char *where,
		    const struct key *keys)
{
	if (m->kind != Y_MAP)
		return bad(x, m, "%s: expected a mapping", where);
	struct keytab tab;
	char words[256];
	keytab_init(&tab, keys, sizeof(*keys), 0);
	for (size_t i = 0; i + 1 < m->nkids; i += 2) {
		const struct ynode *k = m->kids[i], *v = m->kids[i + 1];
		size_t j;
		if (k->kind != Y_SCALAR)
			return bad(x, k, "%s: keys must be plain strings",
				   where);
		switch (keytab_take(&tab, k->str, strlen(k->str),
				    (unsigned)k->line, &j)) {
		case KEYTAB_UNKNOWN:
			keytab_unknown(&tab, k->str, where, false, words,
				       sizeof(words));
			return bad(x, k, "%s", words);
		case KEYTAB_DUPLICATE:
			keytab_duplicate(&tab, j, words, sizeof(words));
			return bad(x, k, "%s", words);
		case KEYTAB_FOUND:
			break;
		}
		if (keys[j].fn(x, v) < 0)
			return -1;
	}
	return 0;
}

static void config_copy_free(struct sbx_config *c);

/* Applies the layer to a copy first, so that a bad file changes nothing. */
int sbx_config_load_text(struct sbx_config *c, const char *name,
			 const char *text, size_t len, const char *basedir,
			 const char *home, struct sbx_err *err)
{
	struct ynode *root = NULL;

	if (len > SBX_CONFIG_MAX_BYTES)
		return sbx_err_set(err, 2, "%s: larger than %d bytes", name,
				   SBX_CONFIG_MAX_BYTES);
	if (memchr(text, '\0', len))
		return sbx_err_set(err, 2, "%s: contains a NUL byte", name);
	if (ytree_parse(name, text, len, SBX_CONFIG_MAX_DEPTH, &root, err) < 0)
		return -1;
	if (!root)
		return 0;
	struct sbx_config tmp = { 0 };
	struct ctx x = { .c = &tmp,
			 .name = name,
			 .basedir = basedir,
			 .home = home,
			 .err = err };
	int rc = walk_map(&x, root, "the top level", top_keys);
	ytree_free(root);
	if (rc < 0) {
		config_copy_free(&tmp);
		return -1;
	}
	/* merge: scalars replace, lists accumulate */
#define TAKE(f)                                                                \
	do {                                                                   \
		if (tmp.f) {                                                   \
			free(c->f);                                            \
			c->f = tmp.f;                                          \
			tmp.f = NULL;                                          \
		}                                                              \
	} while (0)
	TAKE(name);
	TAKE(workspace);
	TAKE(agent);
	TAKE(cc_version);
	TAKE(cc_model);
	TAKE(seed_source);
	TAKE(net_default);
	TAKE(seed_keeper);
#undef TAKE
	if (tmp.placement != SBX_PLACE_UNSET)
		c->placement = tmp.placement;
	if (tmp.skills_store != SBX_SKILLS_UNSET)
		c->skills_store = tmp.skills_store;
	if (tmp.settings_via != SBX_VIA_UNSET)
		c->settings_via = tmp.settings_via;
	if (tmp.allowlists_set)
		c->allowlists_set = true;
	rc = 0;
	for (size_t i = 0; i < tmp.cc_flags.n && rc == 0; i++)
		rc = strv_push(&c->cc_flags, tmp.cc_flags.v[i]);
	const struct {
		struct strv *from, *to;
	} lists[] = {
		{ &tmp.seed_rules, &c->seed_rules },
		{ &tmp.seed_with, &c->seed_with },
		{ &tmp.seed_follow, &c->seed_follow },
		{ &tmp.allowlists, &c->allowlists },
		{ &tmp.allow, &c->allow },
	};
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++)
		for (size_t i = 0; i < lists[l].from->n && rc == 0; i++)
			rc = strv_add_unique(lists[l].to, lists[l].from->v[i]);
	config_copy_free(&tmp);
	if (rc < 0)
		return sbx_err_set(err, 1, "out of memory");
	return 0;
}

int sbx_config_load_file(struct sbx_config *c, const char *path,
			 const char *home, bool optional, struct sbx_err *err)
{
	char *buf;
	size_t got;
	if (sbx_read_file(path, SBX_CONFIG_MAX_BYTES, "config", optional, &buf,
			  &got, err) < 0)
		return -1;
	if (!buf)
		return 0; /* optional and absent */

	char *dir = NULL;
	char *abs = realpath(path, NULL);
	if (abs) {
		char *slash = strrchr(abs, '/');
		if (slash == abs)
			slash[1] = '\0';
		else if (slash)
			*slash = '\0';
		dir = abs;
	}
	int rc = sbx_config_load_text(c, path, buf, got, dir, home, err);
	free(dir);
	free(buf);
	return rc;
}

int sbx_config_finish(struct sbx_config *c, const char *cwd, const char *home,
		      const char *claude_config_dir, struct sbx_err *err)
{
	if (!c->workspace && !(c->workspace = strdup(cwd)))
		return sbx_err_set(err, 1, "out of memory");
	char *real = realpath(c->workspace, NULL);
	if (!real)
		return sbx_err_set(err, 2, "workspace %s: %s", c->workspace,
				   strerror(errno));
	struct stat st;
	if (stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
		free(real);
		return sbx_err_set(err, 2, "workspace %s: not a directory",
				   c->workspace);
	}
	free(c->workspace);
	c->workspace = real;
	if (!c->name && !(c->name = sbx_default_name(c->workspace)))
		return sbx_err_set(err, 1, "out of memory");
	if (!sbx_name_valid(c->name))
		return sbx_err_set(
			err, 2,
			"sandbox name \"%s\" is not valid (letters, digits, '-', '.', '+'; at most 63; not ending in '-' or '.')",
			c->name);
	if (!c->agent && !(c->agent = strdup("claude")))
		return sbx_err_set(err, 1, "out of memory");
	if (!c->cc_version && !(c->cc_version = strdup("latest")))
		return sbx_err_set(err, 1, "out of memory");
	if (!c->seed_source) {
		if (claude_config_dir && *claude_config_dir)
			c->seed_source = strdup(claude_config_dir);
		else if (home)
			c->seed_source = expand_path("~/.claude", NULL, home);
		else
			return sbx_err_set(
				err, 2,
				"seed.source: no HOME and no CLAUDE_CONFIG_DIR");
		if (!c->seed_source)
			return sbx_err_set(err, 1, "out of memory");
	}
	if (c->placement == SBX_PLACE_UNSET)
		c->placement = SBX_PLACE_WORKSPACE;
	if (c->skills_store == SBX_SKILLS_UNSET)
		c->skills_store = SBX_SKILLS_READONLY;
	if (c->settings_via == SBX_VIA_UNSET)
		c->settings_via = SBX_VIA_FLAG;
	if (!c->net_default && !(c->net_default = strdup("deny-all")))
		return sbx_err_set(err, 1, "out of memory");
	if (!c->allowlists_set && strv_push(&c->allowlists, "claude-code") < 0)
		return sbx_err_set(err, 1, "out of memory");
	return 0;
}

static void config_copy_free(struct sbx_config *c)
{
	free(c->name);
	free(c->workspace);
	free(c->agent);
	free(c->cc_version);
	free(c->cc_model);
	free(c->seed_source);
	free(c->net_default);
	free(c->seed_keeper);
	strv_free(&c->cc_flags);
	strv_free(&c->seed_rules);
	strv_free(&c->seed_with);
	strv_free(&c->seed_follow);
	strv_free(&c->allowlists);
	strv_free(&c->allow);
	memset(c, 0, sizeof(*c));
}

void sbx_config_free(struct sbx_config *c)
{
	config_copy_free(c);
}
