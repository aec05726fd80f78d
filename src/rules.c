/* rules.c — rule files: reading, YAML validation, layering, decisions.
 *
 * Owns: reading each layer file (regular files only, size-capped,
 * fingerprinted with XXH3-64), checking it as YAML (one document, no
 * anchors, aliases or tags, bounded nesting), interpreting it against the
 * rules grammar with file:line:column errors, enabling groups, and the
 * per-component decision rules_decide, and the settings for computed files
 * (the settings group's mode, the settings.json policy, frontmatter
 * defusing, rules_transform). docs/rules.md is the user-facing description
 * of all of this; keep the two in step. The decisions go through indexes
 * of the pattern lists (rules_index.h) built once at load: the same
 * answers as scanning every pattern, at a cost that does not grow with
 * the number of patterns that cannot match.
 */
#include "seedfs/rules.h"

#include "rules_index.h"
#include "seedfs/pattern.h"
#include "util/keytab.h"
#include "util/readfile.h"
#include "util/yamlsub.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include <yaml.h>

#define GROUP_NAME_MAX 63

/* A rule and the pattern it owns (rule.pat points at pat). */
struct owned_rule {
	struct rule rule;
	struct pattern *pat;
};

struct rule_list {
	struct owned_rule *v;
	size_t n, cap;
};

struct group_def {
	char *name;
	char *description;
	unsigned line; /* where the name is, for duplicate reports */
	bool enabled;
	struct rule_list include, exclude;
};

/* A with: entry, resolved once every layer is loaded. */
struct group_ref {
	char *name; /* without "=MODE" */
	unsigned line, column;
	enum settings_mode mode; /* for settings; SETTINGS_OFF for others */
};

/* A list of owned strings without duplicates, in first-added order. */
struct str_list {
	char **v;
	size_t n, cap;
};

struct layer {
	char *file;
	uint64_t fingerprint;
	struct rule_list include, exclude, never;
	struct match_index *never_ix; /* over never (rules and exceptions) */
	struct group_def *groups;
	size_t ngroups, cap_groups;
	struct group_ref *with;
	size_t nwith, cap_with;
};

struct rules {
	struct layer *layers;
	size_t nlayers;
	/* include and exclude rules in evaluation order (docs/rules.md) */
	const struct rule **decide;
	size_t ndecide;
	struct match_index *decide_ix;
	/* the include rules among them, for the container test */
	const struct rule **includes;
	size_t nincludes;
	struct below_index *includes_ix;
	/* enabled group names (owned by their first definition) */
	const char **groups;
	size_t ngroups, cap_groups;
	char **follow;
	size_t nfollow, cap_follow;
	/* computed files */
	enum settings_mode settings_mode;
	bool keep_frontmatter;
	struct str_list env_allow, safe_keys;
	struct settings_policy policy; /* views of the two lists */
};

/* ---- small helpers ------------------------------------------------------ */

/* Makes room for one more element; returns the (maybe moved) array or NULL. */
static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return v;
	ncap = *cap ? *cap * 2 : 8;
	nv = reallocarray(v, ncap, size);
	if (nv)
		*cap = ncap;
	return nv;
}

static char *dup_bytes(const void *s, size_t len)
{
	char *d = malloc(len + 1);

	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

__attribute__((format(printf, 5, 6))) static int
set_error(struct rules_error *err, const char *file, unsigned line,
	  unsigned column, const char *fmt, ...)
{
	va_list ap;

	snprintf(err->file, sizeof(err->file), "%s", file);
	err->line = line;
	err->column = column;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int nomem(struct rules_error *err, const char *file)
{
	set_error(err, file, 0, 0, "out of memory");
	return -ENOMEM;
}

static int errno_error(struct rules_error *err, const char *file,
		       const char *what, int e)
{
	char buf[128];

	set_error(err, file, 0, 0, "%s: %s", what,
		  strerror_r(e, buf, sizeof(buf)));
	return -e;
}

static void str_list_free(struct str_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* Adds a copy of s[0..len) unless it is there already. */
static int str_list_add(struct str_list *l, const char *s, size_t len)
{
	char **v, *copy;

	for (size_t i = 0; i < l->n; i++)
		if (strlen(l->v[i]) == len && memcmp(l->v[i], s, len) == 0)
			return 0;
	v = grow(l->v, &l->cap, l->n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->v = v;
	copy = dup_bytes(s, len);
	if (!copy)
		return -ENOMEM;
	v[l->n++] = copy;
	return 0;
}

static void rule_list_free(struct rule_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		pattern_free(l->v[i].pat);
	free(l->v);
}

static bool group_name_valid(const char *s, size_t len)
{
	if (len == 0 || len > GROUP_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			  (c == '-' && i > 0);
		if (!ok)
			return false;
	}
	return true;
}

/* ---- reading a layer file ----------------------------------------------- */

struct file_bytes {
	unsigned char *buf;
	size_t len;
};

/* Reads a layer file: a regular file (symlinks to one are fine) of at most
 * RULES_MAX_FILE_BYTES; util/readfile.h keeps a FIFO from blocking. */
static int read_rule_file(const char *file, struct file_bytes *out,
			  struct rules_error *err)
{
	enum uread_step step = UREAD_OPEN;
	char *buf;
	int r = uread_path(file, RULES_MAX_FILE_BYTES, &buf, &out->len, &step);

	if (r == 0) {
		out->buf = (unsigned char *)buf;
		return 0;
	}
	if (r == -ENOMEM)
		return nomem(err, file);
	switch (step) {
	case UREAD_OPEN:
		return errno_error(err, file, "cannot open", -r);
	case UREAD_STAT:
		return errno_error(err, file, "cannot stat", -r);
	case UREAD_TYPE:
		return set_error(err, file, 0, 0, "not a regular file");
	case UREAD_SIZE:
		return set_error(err, file, 0, 0,
				 "file is larger than %u bytes",
				 RULES_MAX_FILE_BYTES);
	case UREAD_READ:
		break;
	}
	return errno_error(err, file, "cannot read", -r);
}

/* ---- YAML events -------------------------------------------------------- */

struct reader {
	yaml_parser_t parser;
	yaml_event_t ev;
	bool have_ev;
	const char *file;
	const struct file_bytes *bytes;
	struct rules_error *err;
};

static int reader_open(struct reader *rd, const char *file,
		       const struct file_bytes *bytes, struct rules_error *err)
{
	memset(rd, 0, sizeof(*rd));
	rd->file = file;
	rd->bytes = bytes;
	rd->err = err;
	if (!yaml_parser_initialize(&rd->parser))
		return nomem(err, file);
	yaml_parser_set_encoding(&rd->parser, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&rd->parser, bytes->buf, bytes->len);
	return 0;
}

static void reader_close(struct reader *rd)
{
	if (rd->have_ev)
		yaml_event_delete(&rd->ev);
	yaml_parser_delete(&rd->parser);
}

/* Line and column (1-based, columns in characters) of a byte offset. */
static void offset_position(const struct file_bytes *b, size_t off,
			    unsigned *line, unsigned *column)
{
	*line = 1;
	*column = 1;
	for (size_t i = 0; i < off && i < b->len; i++) {
		if (b->buf[i] == '\n') {
			++*line;
			*column = 1;
		} else if ((b->buf[i] & 0xC0) != 0x80) {
			++*column;
		}
	}
}

static int syntax_error(struct reader *rd)
{
	const yaml_parser_t *ps = &rd->parser;
	unsigned line, column;

	if (ps->error == YAML_MEMORY_ERROR)
		return nomem(rd->err, rd->file);
	if (ps->error == YAML_READER_ERROR) {
		offset_position(rd->bytes, ps->problem_offset, &line, &column);
	} else {
		line = (unsigned)ps->problem_mark.line + 1;
		column = (unsigned)ps->problem_mark.column + 1;
	}
	return set_error(rd->err, rd->file, line, column, "YAML syntax: %s%s%s",
			 ps->problem ? ps->problem : "malformed",
			 ps->context ? " " : "",
			 ps->context ? ps->context : "");
}

static int reader_next(struct reader *rd)
{
	if (rd->have_ev) {
		yaml_event_delete(&rd->ev);
		rd->have_ev = false;
	}
	if (!yaml_parser_parse(&rd->parser, &rd->ev))
		return syntax_error(rd);
	rd->have_ev = true;
	return 0;
}

static int error_at(struct reader *rd, yaml_mark_t mark, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int error_at(struct reader *rd, yaml_mark_t mark, const char *fmt, ...)
{
	va_list ap;

	snprintf(rd->err->file, sizeof(rd->err->file), "%s", rd->file);
	rd->err->line = (unsigned)mark.line + 1;
	rd->err->column = (unsigned)mark.column + 1;
	va_start(ap, fmt);
	vsnprintf(rd->err->msg, sizeof(rd->err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Checks one event against the YAML subset rule files may use. */
static int check_event(struct reader *rd, struct ysub *sub)
{
	const yaml_event_t *ev = &rd->ev;
	const char *what;

	switch (ysub_check(sub, ev, &what)) {
	case YSUB_OK:
		return 0;
	case YSUB_DOCS:
		return error_at(rd, ev->start_mark,
				"more than one YAML document in a rule file");
	case YSUB_ALIAS:
		return error_at(rd, ev->start_mark,
				"YAML aliases (*%s) are not supported", what);
	case YSUB_DEPTH:
		return error_at(rd, ev->start_mark,
				"nesting deeper than %d levels",
				RULES_MAX_DEPTH);
	case YSUB_ANCHOR:
		return error_at(rd, ev->start_mark,
				"YAML anchors (&%s) are not supported", what);
	case YSUB_TAG:
		break;
	}
	return error_at(rd, ev->start_mark, "YAML tags (%s) are not supported",
			what);
}

/* First pass: the whole file is well-formed YAML within the subset. Run
 * before interpreting it, so YAML-level problems are reported first and
 * wherever they are. */
static int check_yaml(const char *file, const struct file_bytes *bytes,
		      struct rules_error *err)
{
	struct reader rd;
	struct ysub sub = { .max_depth = RULES_MAX_DEPTH };
	int r;

	r = reader_open(&rd, file, bytes, err);
	if (r)
		return r;
	do {
		r = reader_next(&rd);
		if (!r)
			r = check_event(&rd, &sub);
	} while (!r && rd.ev.type != YAML_STREAM_END_EVENT);
	reader_close(&rd);
	return r;
}

/* ---- interpreting a layer ----------------------------------------------- */

struct layer_parse {
	struct reader rd;
	struct rules *rs;
	struct layer *layer;
	const char *home;
};

static bool is_null(const yaml_event_t *ev)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	const char *v;

	if (ev->type != YAML_SCALAR_EVENT ||
	    ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)ev->data.scalar.value;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (strcmp(v, nulls[i]) == 0)
			return true;
	return false;
}

static const char *describe(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	case YAML_SEQUENCE_START_EVENT:
		return "a list";
	case YAML_SCALAR_EVENT:
		return is_null(ev) ? "nothing" : "a string";
	default:
		return "something else";
	}
}

/* "prefix.key", or "key" at the top level. */
static const char *key_path(char *buf, size_t size, const char *prefix,
			    const char *key)
{
	snprintf(buf, size, "%s%s%s", prefix, *prefix ? "." : "", key);
	return buf;
}

/* The column of byte off inside the current scalar: quotes skipped,
 * characters counted like libyaml counts them. Exact for plain scalars and
 * for quoted ones without escapes. */
static unsigned scalar_column(const yaml_event_t *ev, size_t off)
{
	unsigned column = (unsigned)ev->start_mark.column + 1;
	yaml_scalar_style_t style = ev->data.scalar.style;

	if (style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
	    style == YAML_DOUBLE_QUOTED_SCALAR_STYLE)
		column++;
	for (size_t i = 0; i < off && i < ev->data.scalar.length; i++)
		if ((ev->data.scalar.value[i] & 0xC0) != 0x80)
			column++;
	return column;
}

typedef int (*entry_fn)(struct layer_parse *lp, const char *what, void *ctx);

/* Reads a list-of-strings value, calling fn with each entry as the current
 * event. An empty value is an empty list. */
static int parse_list(struct layer_parse *lp, const char *what, entry_fn fn,
		      void *ctx)
{
	const yaml_event_t *ev = &lp->rd.ev;
	int r;

	r = reader_next(&lp->rd);
	if (r)
		return r;
	if (is_null(ev))
		return 0;
	if (ev->type != YAML_SEQUENCE_START_EVENT)
		return error_at(&lp->rd, ev->start_mark,
				"%s: expected a list of strings, got %s", what,
				describe(ev));
	for (;;) {
		r = reader_next(&lp->rd);
		if (r)
			return r;
		if (ev->type == YAML_SEQUENCE_END_EVENT)
			return 0;
		if (ev->type != YAML_SCALAR_EVENT)
			return error_at(
				&lp->rd, ev->start_mark,
				"%s: expected a list of strings, got %s in the list",
				what, describe(ev));
		r = fn(lp, what, ctx);
		if (r)
			return r;
	}
}

struct pattern_target {
	struct rule_list *list;
	enum rule_kind kind;
	const char *group;
};

static int add_pattern(struct layer_parse *lp, const char *what, void *ctx)
{
	const struct pattern_target *t = ctx;
	const yaml_event_t *ev = &lp->rd.ev;
	const char *text = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length, skip = 0;
	enum rule_kind kind = t->kind;
	struct owned_rule *v, *o;
	struct pattern *pat;
	const char *why;
	unsigned col;
	int r;

	if (kind == RULE_NEVER && len > 0 && text[0] == '!') {
		kind = RULE_NEVER_EXCEPT;
		skip = 1;
	}
	r = pattern_compile(text + skip, len - skip, &pat, &why, &col);
	if (r == -ENOMEM)
		return nomem(lp->rd.err, lp->rd.file);
	if (r) {
		yaml_mark_t at = ev->start_mark;
		at.column = scalar_column(ev, skip + (col ? col - 1 : 0)) - 1;
		return error_at(&lp->rd, at, "%s: bad pattern \"%.200s\": %s",
				what, text, why);
	}
	v = grow(t->list->v, &t->list->cap, t->list->n, sizeof(*v));
	if (!v) {
		pattern_free(pat);
		return nomem(lp->rd.err, lp->rd.file);
	}
	t->list->v = v;
	o = &v[t->list->n++];
	o->pat = pat;
	o->rule = (struct rule){
		.kind = kind,
		.pat = pat,
		.file = lp->layer->file,
		.line = (unsigned)ev->start_mark.line + 1,
		.column = scalar_column(ev, 0),
		.group = t->group,
	};
	return 0;
}

static int parse_patterns(struct layer_parse *lp, const char *prefix,
			  const char *key, struct rule_list *list,
			  enum rule_kind kind, const char *group)
{
	struct pattern_target t = { list, kind, group };
	char what[96];

	return parse_list(lp, key_path(what, sizeof(what), prefix, key),
			  add_pattern, &t);
}

/* A group as with: and --with name it: "NAME" or, for the settings group
 * only, "settings=MODE". Sets *name_len (of NAME) and *mode (SETTINGS_OFF
 * for groups other than settings). Returns NULL or what is wrong, with
 * *bad_at the byte offset it starts at. */
static const char *parse_group_spec(const char *s, size_t len, size_t *name_len,
				    enum settings_mode *mode, size_t *bad_at)
{
	const char *eq = memchr(s, '=', len);
	const char *m;
	size_t mlen;
	bool settings;

	*name_len = eq ? (size_t)(eq - s) : len;
	settings = *name_len == 8 && memcmp(s, "settings", 8) == 0;
	*mode = settings ? SETTINGS_SANITIZED : SETTINGS_OFF;
	*bad_at = 0;
	if (!eq)
		return NULL;
	*bad_at = *name_len;
	if (!settings)
		return "only the settings group has modes";
	m = eq + 1;
	mlen = len - *name_len - 1;
	*bad_at = *name_len + 1;
	if (mlen == 3 && memcmp(m, "raw", 3) == 0)
		*mode = SETTINGS_RAW;
	else if (mlen == 9 && memcmp(m, "sanitized", 9) == 0)
		*mode = SETTINGS_SANITIZED;
	else
		return "unknown mode (modes: sanitized, raw)";
	return NULL;
}

static int add_with(struct layer_parse *lp, const char *what, void *ctx)
{
	const yaml_event_t *ev = &lp->rd.ev;
	const char *name = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	struct layer *l = lp->layer;
	enum settings_mode mode;
	struct group_ref *v;
	const char *why;
	size_t nlen, bad_at;
	char *copy;

	(void)ctx;
	why = parse_group_spec(name, len, &nlen, &mode, &bad_at);
	if (!group_name_valid(name, nlen))
		return error_at(&lp->rd, ev->start_mark,
				"%s: unknown group \"%.80s\"", what, name);
	if (why) {
		yaml_mark_t at = ev->start_mark;
		at.column = scalar_column(ev, bad_at) - 1;
		return error_at(&lp->rd, at, "%s: \"%.80s\": %s", what, name,
				why);
	}
	v = grow(l->with, &l->cap_with, l->nwith, sizeof(*v));
	if (!v)
		return nomem(lp->rd.err, lp->rd.file);
	l->with = v;
	copy = dup_bytes(name, nlen);
	if (!copy)
		return nomem(lp->rd.err, lp->rd.file);
	v[l->nwith++] =
		(struct group_ref){ copy, (unsigned)ev->start_mark.line + 1,
				    (unsigned)ev->start_mark.column + 1, mode };
	return 0;
}

/* A follow: entry as an absolute path: "/..." as is, "~/..." under home. */
static int expand_follow(struct layer_parse *lp, const char *what,
			 const char *dir, size_t len, char **out)
{
	const yaml_event_t *ev = &lp->rd.ev;
	size_t hlen;

	if (memchr(dir, '\0', len))
		return error_at(&lp->rd, ev->start_mark, "%s: NUL byte in path",
				what);
	if (len > 0 && dir[0] == '/') {
		*out = dup_bytes(dir, len);
		return *out ? 0 : nomem(lp->rd.err, lp->rd.file);
	}
	if (len < 2 || dir[0] != '~' || dir[1] != '/')
		return error_at(
			&lp->rd, ev->start_mark,
			"%s: \"%.200s\" is relative; use an absolute path or one starting with ~/",
			what, dir);
	if (!lp->home || lp->home[0] != '/')
		return error_at(
			&lp->rd, ev->start_mark,
			"%s: cannot expand \"%.200s\": no absolute home directory known",
			what, dir);
	hlen = strlen(lp->home);
	while (hlen > 0 && lp->home[hlen - 1] == '/')
		hlen--; /* "/home/u/" and "/" join without "//" */
	*out = malloc(hlen + len);
	if (!*out)
		return nomem(lp->rd.err, lp->rd.file);
	memcpy(*out, lp->home, hlen);
	memcpy(*out + hlen, dir + 1, len - 1); /* from the '/' after '~' */
	(*out)[hlen + len - 1] = '\0';
	return 0;
}

static int add_follow(struct layer_parse *lp, const char *what, void *ctx)
{
	const yaml_event_t *ev = &lp->rd.ev;
	struct rules *rs = lp->rs;
	char **v, *dir = NULL;
	int r;

	(void)ctx;
	r = expand_follow(lp, what, (const char *)ev->data.scalar.value,
			  ev->data.scalar.length, &dir);
	if (r)
		return r;
	v = grow(rs->follow, &rs->cap_follow, rs->nfollow, sizeof(*v));
	if (!v) {
		free(dir);
		return nomem(lp->rd.err, lp->rd.file);
	}
	rs->follow = v;
	v[rs->nfollow++] = dir;
	return 0;
}

/* A mapping key and what to do with its value. */
struct key_spec {
	const char *name;
	int (*parse)(struct layer_parse *lp, const char *prefix, void *ctx);
};

/* Reads a mapping value with fixed keys: each at most once, no others. */
static int parse_mapping(struct layer_parse *lp, const char *prefix,
			 const struct key_spec *keys, size_t nkeys, void *ctx)
{
	const yaml_event_t *ev = &lp->rd.ev;
	struct keytab tab;
	char words[256];
	const char *sep = *prefix ? ": " : "";
	int r;

	r = reader_next(&lp->rd);
	if (r || is_null(ev))
		return r;
	if (ev->type != YAML_MAPPING_START_EVENT)
		return error_at(&lp->rd, ev->start_mark,
				"%s%sexpected a mapping, got %s",
				*prefix ? prefix : "top level", ": ",
				describe(ev));
	keytab_init(&tab, keys, sizeof(*keys), nkeys);
	for (;;) {
		size_t k;
		r = reader_next(&lp->rd);
		if (r)
			return r;
		if (ev->type == YAML_MAPPING_END_EVENT)
			return 0;
		if (ev->type != YAML_SCALAR_EVENT)
			return error_at(&lp->rd, ev->start_mark,
					"%s%skeys must be strings, got %s",
					prefix, sep, describe(ev));
		const char *key = (const char *)ev->data.scalar.value;
		switch (keytab_take(&tab, key, ev->data.scalar.length,
				    (unsigned)ev->start_mark.line + 1, &k)) {
		case KEYTAB_UNKNOWN:
			keytab_unknown(&tab, key, NULL, true, words,
				       sizeof(words));
			return error_at(&lp->rd, ev->start_mark, "%s%s%s",
					prefix, sep, words);
		case KEYTAB_DUPLICATE:
			keytab_duplicate(&tab, k, words, sizeof(words));
			return error_at(&lp->rd, ev->start_mark, "%s%s%s",
					prefix, sep, words);
		case KEYTAB_FOUND:
			break;
		}
		r = keys[k].parse(lp, prefix, ctx);
		if (r)
			return r;
	}
}

static int parse_description(struct layer_parse *lp, const char *prefix,
			     void *ctx)
{
	struct group_def *g = ctx;
	const yaml_event_t *ev = &lp->rd.ev;
	int r;

	r = reader_next(&lp->rd);
	if (r)
		return r;
	if (ev->type != YAML_SCALAR_EVENT)
		return error_at(&lp->rd, ev->start_mark,
				"%s.description: expected a string, got %s",
				prefix, describe(ev));
	g->description =
		dup_bytes(ev->data.scalar.value, ev->data.scalar.length);
	return g->description ? 0 : nomem(lp->rd.err, lp->rd.file);
}

static int parse_group_include(struct layer_parse *lp, const char *prefix,
			       void *ctx)
{
	struct group_def *g = ctx;

	return parse_patterns(lp, prefix, "include", &g->include, RULE_INCLUDE,
			      g->name);
}

static int parse_group_exclude(struct layer_parse *lp, const char *prefix,
			       void *ctx)
{
	struct group_def *g = ctx;

	return parse_patterns(lp, prefix, "exclude", &g->exclude, RULE_EXCLUDE,
			      g->name);
}

static const struct key_spec group_keys[] = {
	{ "description", parse_description },
	{ "include", parse_group_include },
	{ "exclude", parse_group_exclude },
};

/* Adds the group named by the current key event to the layer. */
static int add_group(struct layer_parse *lp, struct group_def **out)
{
	const yaml_event_t *ev = &lp->rd.ev;
	struct layer *l = lp->layer;
	const char *name = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	struct group_def *v;

	if (!group_name_valid(name, len))
		return error_at(
			&lp->rd, ev->start_mark,
			"groups: \"%.80s\" is not a group name (1 to 63 of a-z, 0-9 and '-', not starting with '-')",
			name);
	for (size_t i = 0; i < l->ngroups; i++)
		if (strcmp(l->groups[i].name, name) == 0)
			return error_at(
				&lp->rd, ev->start_mark,
				"groups: duplicate key \"%s\" (first at line %u)",
				name, l->groups[i].line);
	v = grow(l->groups, &l->cap_groups, l->ngroups, sizeof(*v));
	if (!v)
		return nomem(lp->rd.err, lp->rd.file);
	l->groups = v;
	*out = &v[l->ngroups];
	memset(*out, 0, sizeof(**out));
	(*out)->name = dup_bytes(name, len);
	if (!(*out)->name)
		return nomem(lp->rd.err, lp->rd.file);
	(*out)->line = (unsigned)ev->start_mark.line + 1;
	l->ngroups++;
	return 0;
}

static int parse_groups(struct layer_parse *lp, const char *prefix, void *ctx)
{
	const yaml_event_t *ev = &lp->rd.ev;
	int r;

	(void)prefix;
	(void)ctx;
	r = reader_next(&lp->rd);
	if (r || is_null(ev))
		return r;
	if (ev->type != YAML_MAPPING_START_EVENT)
		return error_at(
			&lp->rd, ev->start_mark,
			"groups: expected a mapping of group names to groups, got %s",
			describe(ev));
	for (;;) {
		struct group_def *g = NULL;
		char gprefix[80];
		r = reader_next(&lp->rd);
		if (r)
			return r;
		if (ev->type == YAML_MAPPING_END_EVENT)
			return 0;
		if (ev->type != YAML_SCALAR_EVENT)
			return error_at(&lp->rd, ev->start_mark,
					"groups: keys must be strings, got %s",
					describe(ev));
		r = add_group(lp, &g);
		if (r)
			return r;
		snprintf(gprefix, sizeof(gprefix), "groups.%s", g->name);
		r = parse_mapping(lp, gprefix, group_keys,
				  sizeof(group_keys) / sizeof(group_keys[0]),
				  g);
		if (r)
			return r;
	}
}

static int parse_version(struct layer_parse *lp, const char *prefix, void *ctx)
{
	const yaml_event_t *ev = &lp->rd.ev;
	int r;

	(void)prefix;
	(void)ctx;
	r = reader_next(&lp->rd);
	if (r)
		return r;
	if (ev->type == YAML_SCALAR_EVENT &&
	    strcmp((const char *)ev->data.scalar.value, "1") == 0 &&
	    ev->data.scalar.length == 1)
		return 0;
	if (ev->type == YAML_SCALAR_EVENT)
		return error_at(
			&lp->rd, ev->start_mark,
			"version: only version 1 is known, got \"%.40s\"",
			(const char *)ev->data.scalar.value);
	return error_at(&lp->rd, ev->start_mark, "version: expected 1, got %s",
			describe(ev));
}

static int parse_include(struct layer_parse *lp, const char *prefix, void *ctx)
{
	(void)ctx;
	return parse_patterns(lp, prefix, "include", &lp->layer->include,
			      RULE_INCLUDE, NULL);
}

static int parse_exclude(struct layer_parse *lp, const char *prefix, void *ctx)
{
	(void)ctx;
	return parse_patterns(lp, prefix, "exclude", &lp->layer->exclude,
			      RULE_EXCLUDE, NULL);
}

static int parse_never(struct layer_parse *lp, const char *prefix, void *ctx)
{
	(void)ctx;
	return parse_patterns(lp, prefix, "never", &lp->layer->never,
			      RULE_NEVER, NULL);
}

static int parse_with(struct layer_parse *lp, const char *prefix, void *ctx)
{
	(void)prefix;
	return parse_list(lp, "with", add_with, ctx);
}

static int parse_follow(struct layer_parse *lp, const char *prefix, void *ctx)
{
	(void)prefix;
	return parse_list(lp, "follow", add_follow, ctx);
}

/* An environment variable name: [A-Za-z_][A-Za-z0-9_]*. */
static bool env_name_valid(const char *s, size_t len)
{
	if (len == 0 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

static int add_env_name(struct layer_parse *lp, const char *what, void *ctx)
{
	const yaml_event_t *ev = &lp->rd.ev;
	const char *name = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;

	(void)ctx;
	if (!env_name_valid(name, len))
		return error_at(
			&lp->rd, ev->start_mark,
			"%s: \"%.80s\" is not an environment variable name",
			what, name);
	if (settings_env_name_refused(name))
		return error_at(
			&lp->rd, ev->start_mark,
			"%s: \"%.80s\" may hold a secret, a proxy, a host path or code to load; it is never kept (use --with settings=raw)",
			what, name);
	if (str_list_add(&lp->rs->env_allow, name, len))
		return nomem(lp->rd.err, lp->rd.file);
	return 0;
}

static int add_safe_key(struct layer_parse *lp, const char *what, void *ctx)
{
	const yaml_event_t *ev = &lp->rd.ev;
	const char *key = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;

	(void)ctx;
	if (len == 0 || memchr(key, '\0', len))
		return error_at(
			&lp->rd, ev->start_mark,
			"%s: a key must be a non-empty string without NUL",
			what);
	if (strcmp(key, "env") == 0)
		return error_at(
			&lp->rd, ev->start_mark,
			"%s: \"env\" is never safe; its variables are kept through settings.env_allow",
			what);
	if (settings_key_is_stripped(key))
		return error_at(
			&lp->rd, ev->start_mark,
			"%s: \"%.80s\" runs commands or carries secrets or host paths; it is never kept (use --with settings=raw)",
			what, key);
	if (str_list_add(&lp->rs->safe_keys, key, len))
		return nomem(lp->rd.err, lp->rd.file);
	return 0;
}

static int parse_env_allow(struct layer_parse *lp, const char *prefix,
			   void *ctx)
{
	char what[64];

	return parse_list(lp, key_path(what, sizeof(what), prefix, "env_allow"),
			  add_env_name, ctx);
}

static int parse_safe_keys(struct layer_parse *lp, const char *prefix,
			   void *ctx)
{
	char what[64];

	return parse_list(lp, key_path(what, sizeof(what), prefix, "safe_keys"),
			  add_safe_key, ctx);
}

static const struct key_spec settings_keys[] = {
	{ "env_allow", parse_env_allow },
	{ "safe_keys", parse_safe_keys },
};

static int parse_settings(struct layer_parse *lp, const char *prefix, void *ctx)
{
	(void)prefix;
	return parse_mapping(lp, "settings", settings_keys,
			     sizeof(settings_keys) / sizeof(settings_keys[0]),
			     ctx);
}

static int parse_frontmatter(struct layer_parse *lp, const char *prefix,
			     void *ctx)
{
	const yaml_event_t *ev = &lp->rd.ev;
	const char *v;
	int r;

	(void)prefix;
	(void)ctx;
	r = reader_next(&lp->rd);
	if (r)
		return r;
	if (ev->type != YAML_SCALAR_EVENT || is_null(ev))
		return error_at(&lp->rd, ev->start_mark,
				"frontmatter: expected defuse or keep, got %s",
				describe(ev));
	v = (const char *)ev->data.scalar.value;
	if (strcmp(v, "defuse") == 0 && ev->data.scalar.length == 6)
		lp->rs->keep_frontmatter = false;
	else if (strcmp(v, "keep") == 0 && ev->data.scalar.length == 4)
		lp->rs->keep_frontmatter = true;
	else
		return error_at(
			&lp->rd, ev->start_mark,
			"frontmatter: expected defuse or keep, got \"%.40s\"",
			v);
	return 0;
}

static const struct key_spec top_keys[] = {
	{ "version", parse_version },	      { "include", parse_include },
	{ "exclude", parse_exclude },	      { "never", parse_never },
	{ "groups", parse_groups },	      { "with", parse_with },
	{ "follow", parse_follow },	      { "settings", parse_settings },
	{ "frontmatter", parse_frontmatter },
};

/* Second pass: the file (already checked by check_yaml) as a rule layer. */
static int parse_layer(struct layer_parse *lp)
{
	const yaml_event_t *ev = &lp->rd.ev;
	int r;

	r = reader_next(&lp->rd); /* stream start */
	if (!r)
		r = reader_next(&lp->rd);
	if (r || ev->type == YAML_STREAM_END_EVENT)
		return r; /* an empty file is an empty layer */
	r = parse_mapping(lp, "", top_keys,
			  sizeof(top_keys) / sizeof(top_keys[0]), NULL);
	return r;
}

static int load_layer(struct rules *rs, struct layer *l, const char *file,
		      const char *home, struct rules_error *err)
{
	struct file_bytes bytes = { NULL, 0 };
	struct layer_parse lp;
	int r;

	l->file = strdup(file);
	if (!l->file)
		return nomem(err, file);
	r = read_rule_file(file, &bytes, err);
	if (r)
		return r;
	l->fingerprint = XXH3_64bits(bytes.buf, bytes.len);
	r = check_yaml(file, &bytes, err);
	if (r)
		goto out;
	memset(&lp, 0, sizeof(lp));
	r = reader_open(&lp.rd, file, &bytes, err);
	if (r)
		goto out;
	lp.rs = rs;
	lp.layer = l;
	lp.home = home;
	r = parse_layer(&lp);
	reader_close(&lp.rd);
out:
	free(bytes.buf);
	return r;
}

/* ---- groups and the evaluation order ------------------------------------ */

static bool group_defined(const struct rules *rs, const char *name)
{
	for (size_t i = 0; i < rs->nlayers; i++)
		for (size_t j = 0; j < rs->layers[i].ngroups; j++)
			if (strcmp(rs->layers[i].groups[j].name, name) == 0)
				return true;
	return false;
}

/* Enables every definition of name; records it once, first-enabled order. */
static int enable_group(struct rules *rs, const char *name)
{
	const char *first = NULL;
	const char **v;

	for (size_t i = 0; i < rs->ngroups; i++)
		if (strcmp(rs->groups[i], name) == 0)
			return 0;
	for (size_t i = 0; i < rs->nlayers; i++) {
		for (size_t j = 0; j < rs->layers[i].ngroups; j++) {
			struct group_def *g = &rs->layers[i].groups[j];
			if (strcmp(g->name, name) == 0) {
				g->enabled = true;
				if (!first)
					first = g->name;
			}
		}
	}
	v = grow(rs->groups, &rs->cap_groups, rs->ngroups, sizeof(*v));
	if (!v)
		return -ENOMEM;
	rs->groups = v;
	v[rs->ngroups++] = first;
	return 0;
}

/* The names of all defined groups, for "unknown group" messages. */
static void defined_groups(const struct rules *rs, char *buf, size_t size)
{
	size_t used = 0;

	snprintf(buf, size, "none");
	for (size_t i = 0; i < rs->nlayers; i++) {
		for (size_t j = 0; j < rs->layers[i].ngroups; j++) {
			if (used >= size)
				return;
			used += (size_t)snprintf(buf + used, size - used,
						 "%s%s", used ? ", " : "",
						 rs->layers[i].groups[j].name);
		}
	}
}

static int enable_groups(struct rules *rs, const struct rules_input *in,
			 struct rules_error *err)
{
	char known[256];

	defined_groups(rs, known, sizeof(known));
	for (size_t i = 0; i < rs->nlayers; i++) {
		const struct layer *l = &rs->layers[i];
		for (size_t j = 0; j < l->nwith; j++) {
			const struct group_ref *w = &l->with[j];
			if (!group_defined(rs, w->name))
				return set_error(
					err, l->file, w->line, w->column,
					"with: unknown group \"%s\" (defined: %s)",
					w->name, known);
			if (enable_group(rs, w->name))
				return nomem(err, l->file);
			if (w->mode != SETTINGS_OFF)
				rs->settings_mode = w->mode;
		}
	}
	for (size_t i = 0; i < in->nwith; i++) {
		const char *spec = in->with[i], *why;
		char name[GROUP_NAME_MAX + 1];
		enum settings_mode mode;
		size_t nlen, bad_at;

		why = parse_group_spec(spec, strlen(spec), &nlen, &mode,
				       &bad_at);
		if (nlen >= sizeof(name))
			nlen = 0; /* not a group name: unknown */
		memcpy(name, spec, nlen);
		name[nlen] = '\0';
		if (!group_defined(rs, name))
			return set_error(
				err, "--with", 0, 0,
				"unknown group \"%.80s\" (defined: %s)", spec,
				known);
		if (why)
			return set_error(err, "--with", 0, 0, "\"%.80s\": %s",
					 spec, why);
		if (enable_group(rs, name))
			return nomem(err, "--with");
		if (mode != SETTINGS_OFF)
			rs->settings_mode = mode;
	}
	return 0;
}

/* Appends list's rules to out (when out is not NULL) and counts them. */
static void collect(const struct rule_list *list, const struct rule **out,
		    size_t *n)
{
	for (size_t i = 0; i < list->n; i++) {
		if (out)
			out[*n] = &list->v[i].rule;
		++*n;
	}
}

/* For each layer: its includes, each enabled group defined in it (includes
 * then excludes), its excludes. With out NULL, only counts. */
static size_t collect_decide(const struct rules *rs, const struct rule **out)
{
	size_t n = 0;

	for (size_t i = 0; i < rs->nlayers; i++) {
		const struct layer *l = &rs->layers[i];
		collect(&l->include, out, &n);
		for (size_t j = 0; j < l->ngroups; j++) {
			if (!l->groups[j].enabled)
				continue;
			collect(&l->groups[j].include, out, &n);
			collect(&l->groups[j].exclude, out, &n);
		}
		collect(&l->exclude, out, &n);
	}
	return n;
}

/* The patterns of rules[0..n), for an index. */
static const struct pattern **rule_patterns(const struct rule *const *rules,
					    size_t n)
{
	const struct pattern **pats = calloc(n ? n : 1, sizeof(*pats));

	if (pats)
		for (size_t i = 0; i < n; i++)
			pats[i] = rules[i]->pat;
	return pats;
}

/* The indexes: each layer's never list, the decide order, the includes. */
static int build_indexes(struct rules *rs)
{
	const struct pattern **pats;
	int r;

	for (size_t i = 0; i < rs->nlayers; i++) {
		struct layer *l = &rs->layers[i];
		pats = calloc(l->never.n ? l->never.n : 1, sizeof(*pats));
		if (!pats)
			return -ENOMEM;
		for (size_t j = 0; j < l->never.n; j++)
			pats[j] = l->never.v[j].pat;
		r = match_index_build(pats, l->never.n, &l->never_ix);
		free(pats);
		if (r)
			return r;
	}
	pats = rule_patterns(rs->decide, rs->ndecide);
	if (!pats)
		return -ENOMEM;
	r = match_index_build(pats, rs->ndecide, &rs->decide_ix);
	free(pats);
	if (r)
		return r;
	pats = rule_patterns(rs->includes, rs->nincludes);
	if (!pats)
		return -ENOMEM;
	r = below_index_build(pats, rs->nincludes, &rs->includes_ix);
	free(pats);
	return r;
}

static int build_order(struct rules *rs)
{
	size_t n = collect_decide(rs, NULL);

	rs->decide = calloc(n ? n : 1, sizeof(*rs->decide));
	rs->includes = calloc(n ? n : 1, sizeof(*rs->includes));
	if (!rs->decide || !rs->includes)
		return -ENOMEM;
	rs->ndecide = collect_decide(rs, rs->decide);
	for (size_t i = 0; i < rs->ndecide; i++)
		if (rs->decide[i]->kind == RULE_INCLUDE)
			rs->includes[rs->nincludes++] = rs->decide[i];
	return build_indexes(rs);
}

/* ---- public: loading ---------------------------------------------------- */

int rules_load(const struct rules_input *in, struct rules **out,
	       struct rules_error *err)
{
	struct rules *rs;
	int r;

	memset(err, 0, sizeof(*err));
	rs = calloc(1, sizeof(*rs));
	if (!rs)
		return nomem(err, "");
	if (in->nfiles > 0) {
		rs->layers = calloc(in->nfiles, sizeof(*rs->layers));
		if (!rs->layers) {
			r = nomem(err, "");
			goto fail;
		}
	}
	for (size_t i = 0; i < in->nfiles; i++) {
		rs->nlayers++;
		r = load_layer(rs, &rs->layers[i], in->files[i], in->home, err);
		if (r)
			goto fail;
	}
	r = enable_groups(rs, in, err);
	if (r)
		goto fail;
	if (build_order(rs)) {
		r = nomem(err, "");
		goto fail;
	}
	rs->policy = (struct settings_policy){
		(const char *const *)rs->env_allow.v,
		rs->env_allow.n,
		(const char *const *)rs->safe_keys.v,
		rs->safe_keys.n,
	};
	*out = rs;
	return 0;
fail:
	rules_free(rs);
	return r;
}

static void layer_free(struct layer *l)
{
	free(l->file);
	match_index_free(l->never_ix);
	rule_list_free(&l->include);
	rule_list_free(&l->exclude);
	rule_list_free(&l->never);
	for (size_t i = 0; i < l->ngroups; i++) {
		free(l->groups[i].name);
		free(l->groups[i].description);
		rule_list_free(&l->groups[i].include);
		rule_list_free(&l->groups[i].exclude);
	}
	free(l->groups);
	for (size_t i = 0; i < l->nwith; i++)
		free(l->with[i].name);
	free(l->with);
}

void rules_free(struct rules *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->nlayers; i++)
		layer_free(&rs->layers[i]);
	free(rs->layers);
	match_index_free(rs->decide_ix);
	below_index_free(rs->includes_ix);
	free(rs->decide);
	free(rs->includes);
	free(rs->groups);
	for (size_t i = 0; i < rs->nfollow; i++)
		free(rs->follow[i]);
	free(rs->follow);
	str_list_free(&rs->env_allow);
	str_list_free(&rs->safe_keys);
	free(rs);
}

void rules_error_format(const struct rules_error *err, char *buf, size_t len)
{
	if (len == 0)
		return;
	if (err->line && err->column)
		snprintf(buf, len, "%s:%u:%u: %s", err->file, err->line,
			 err->column, err->msg);
	else if (err->line)
		snprintf(buf, len, "%s:%u: %s", err->file, err->line, err->msg);
	else
		snprintf(buf, len, "%s: %s", err->file, err->msg);
}

/* ---- public: decisions -------------------------------------------------- */

/* A layer's never list: the last matching entry decides; an exception
 * ("!pat") means this layer does not say never. */
static const struct rule *layer_never(const struct layer *l, const char *path,
				      size_t len, bool is_dir)
{
	size_t i = match_index_last(l->never_ix, path, len, is_dir);

	if (i == SIZE_MAX || l->never.v[i].rule.kind != RULE_NEVER)
		return NULL;
	return &l->never.v[i].rule;
}

static const struct rule *any_never(const struct rules *rs, const char *path,
				    size_t len, bool is_dir)
{
	for (size_t i = 0; i < rs->nlayers; i++) {
		const struct rule *r =
			layer_never(&rs->layers[i], path, len, is_dir);
		if (r)
			return r;
	}
	return NULL;
}

struct verdict rules_root(const struct rules *rs)
{
	(void)rs;
	return (struct verdict){ VIS_CONTAINER, NULL };
}

struct verdict rules_decide(const struct rules *rs, struct verdict parent,
			    const char *path, size_t len, bool is_dir)
{
	const struct rule *r;
	size_t i;

	if (parent.vis == VIS_HIDDEN)
		return parent;
	r = any_never(rs, path, len, is_dir);
	if (r)
		return (struct verdict){ VIS_HIDDEN, r };
	i = match_index_last(rs->decide_ix, path, len, is_dir);
	if (i != SIZE_MAX) {
		r = rs->decide[i];
		return (struct verdict){ r->kind == RULE_INCLUDE ? VIS_INCLUDED
								 : VIS_HIDDEN,
					 r };
	}
	if (parent.vis == VIS_INCLUDED)
		return parent;
	if (is_dir && below_index_any(rs->includes_ix, path, len))
		return (struct verdict){ VIS_CONTAINER, NULL };
	return (struct verdict){ VIS_HIDDEN, NULL };
}

const struct rule *rules_never_match(const struct rules *rs, const char *path,
				     size_t len, bool is_dir)
{
	const char *slash;
	size_t pos = 0;

	/* Each ancestor as a directory first: below a never directory is never. */
	while (pos < len && (slash = memchr(path + pos, '/', len - pos))) {
		size_t dlen = (size_t)(slash - path);
		const struct rule *r = any_never(rs, path, dlen, true);
		if (r)
			return r;
		pos = dlen + 1;
	}
	return any_never(rs, path, len, is_dir);
}

/* ---- public: introspection ---------------------------------------------- */

size_t rules_layer_count(const struct rules *rs)
{
	return rs->nlayers;
}

const char *rules_layer_file(const struct rules *rs, size_t i)
{
	return i < rs->nlayers ? rs->layers[i].file : NULL;
}

uint64_t rules_layer_fingerprint(const struct rules *rs, size_t i)
{
	return i < rs->nlayers ? rs->layers[i].fingerprint : 0;
}

size_t rules_group_count(const struct rules *rs)
{
	return rs->ngroups;
}

const char *rules_group_name(const struct rules *rs, size_t i)
{
	return i < rs->ngroups ? rs->groups[i] : NULL;
}

size_t rules_follow_count(const struct rules *rs)
{
	return rs->nfollow;
}

const char *rules_follow_dir(const struct rules *rs, size_t i)
{
	return i < rs->nfollow ? rs->follow[i] : NULL;
}

/* ---- public: computed files --------------------------------------------- */

enum settings_mode rules_settings_mode(const struct rules *rs)
{
	return rs->settings_mode;
}

const char *rules_settings_mode_name(enum settings_mode mode)
{
	switch (mode) {
	case SETTINGS_SANITIZED:
		return "sanitized";
	case SETTINGS_RAW:
		return "raw";
	case SETTINGS_OFF:
		break;
	}
	return "off";
}

const struct settings_policy *rules_settings_policy(const struct rules *rs)
{
	return &rs->policy;
}

bool rules_defuse_frontmatter(const struct rules *rs)
{
	return !rs->keep_frontmatter;
}

static bool has_prefix(const char *path, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(path, prefix, n) == 0;
}

enum transform rules_transform(const struct rules *rs, const char *path,
			       size_t len)
{
	static const char settings[] = "settings.json";
	static const char skill[] = "/SKILL.md";
	const size_t nskill = sizeof(skill) - 1;

	if (len == sizeof(settings) - 1 && memcmp(path, settings, len) == 0)
		return rs->settings_mode == SETTINGS_RAW ? TRANSFORM_NONE
							 : TRANSFORM_SETTINGS;
	if (rs->keep_frontmatter)
		return TRANSFORM_NONE;
	/* skills/NAME/SKILL.md: one non-empty NAME without '/' */
	if (has_prefix(path, len, "skills/") && len > 7 + nskill &&
	    memcmp(path + len - nskill, skill, nskill) == 0 &&
	    !memchr(path + 7, '/', len - 7 - nskill))
		return TRANSFORM_SKILL_FM;
	/* agents/.../NAME.md at any depth (dot files too: defusing a file
	 * Claude Code does not load is harmless) */
	if (has_prefix(path, len, "agents/") && len >= 7 + 3 &&
	    memcmp(path + len - 3, ".md", 3) == 0)
		return TRANSFORM_AGENT_FM;
	return TRANSFORM_NONE;
}
