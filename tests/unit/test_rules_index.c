/* test_rules_index.c — the indexed decisions (rules_decide, rules_never_match)
 * give exactly the answers of a plain scan of every rule.
 *
 * Property-style, deterministic: rule sets of generated patterns (basename
 * and anchored, literal, globs, classes, escapes, '**', dir-only, never
 * exceptions, groups on and off, several layers) are written as rule
 * files, loaded, and every generated path is decided both by the library
 * and by the reference scan below, which is the evaluation order of
 * docs/rules.md written out naively with pattern_match and
 * pattern_may_match_below.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "seedfs/pattern.h"
#include "seedfs/rules.h"

#define MAX_LAYERS 3
#define NGROUPS	   3

/* ---- deterministic random ----------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

static size_t pick(size_t n)
{
	return (size_t)(rnd() % n);
}

#define PICK(a) ((a)[pick(sizeof(a) / sizeof((a)[0]))])

/* ---- the reference ------------------------------------------------------ */

struct ref_rule {
	enum rule_kind kind;
	struct pattern *pat;
	size_t layer;
	unsigned line;
};

struct ref_list {
	struct ref_rule *v;
	size_t n, cap;
};

struct ref_set {
	size_t nlayers;
	char files[MAX_LAYERS][320];
	struct ref_list never[MAX_LAYERS];
	struct ref_list decide;	  /* include and exclude, evaluation order */
	struct ref_list includes; /* the include rules among them */
};

/* A verdict in a form both sides give: the rule by file and line. */
struct seen {
	enum visibility vis;
	enum rule_kind kind;
	const char *file; /* NULL: no rule */
	unsigned line;
};

static void list_add(struct ref_list *l, struct ref_rule r)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 32;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		assert_non_null(l->v);
	}
	l->v[l->n++] = r;
}

static void ref_free(struct ref_set *s)
{
	for (size_t i = 0; i < s->nlayers; i++) {
		for (size_t j = 0; j < s->never[i].n; j++)
			pattern_free(s->never[i].v[j].pat);
		free(s->never[i].v);
	}
	for (size_t j = 0; j < s->decide.n; j++)
		pattern_free(s->decide.v[j].pat);
	free(s->decide.v);
	free(s->includes.v);
	memset(s, 0, sizeof(*s));
}

static struct seen seen_ref(const struct ref_set *s, enum visibility vis,
			    const struct ref_rule *r)
{
	if (!r)
		return (struct seen){ vis, RULE_INCLUDE, NULL, 0 };
	return (struct seen){ vis, r->kind, s->files[r->layer], r->line };
}

static struct seen seen_lib(struct verdict v)
{
	if (!v.rule)
		return (struct seen){ v.vis, RULE_INCLUDE, NULL, 0 };
	return (struct seen){ v.vis, v.rule->kind, v.rule->file, v.rule->line };
}

static const struct ref_rule *ref_any_never(const struct ref_set *s,
					    const char *path, size_t len,
					    bool is_dir)
{
	for (size_t l = 0; l < s->nlayers; l++) {
		const struct ref_list *nl = &s->never[l];
		for (size_t i = nl->n; i-- > 0;) {
			if (!pattern_match(nl->v[i].pat, path, len, is_dir))
				continue;
			if (nl->v[i].kind == RULE_NEVER)
				return &nl->v[i];
			break; /* an exception: this layer says nothing */
		}
	}
	return NULL;
}

/* rules_decide, with parent given as seen (its rule only passed on). */
static struct seen ref_decide(const struct ref_set *s, struct seen parent,
			      const char *path, size_t len, bool is_dir)
{
	const struct ref_rule *r;

	if (parent.vis == VIS_HIDDEN)
		return parent;
	r = ref_any_never(s, path, len, is_dir);
	if (r)
		return seen_ref(s, VIS_HIDDEN, r);
	for (size_t i = s->decide.n; i-- > 0;) {
		r = &s->decide.v[i];
		if (pattern_match(r->pat, path, len, is_dir))
			return seen_ref(s,
					r->kind == RULE_INCLUDE ? VIS_INCLUDED
								: VIS_HIDDEN,
					r);
	}
	if (parent.vis == VIS_INCLUDED)
		return parent;
	if (is_dir)
		for (size_t i = 0; i < s->includes.n; i++)
			if (pattern_may_match_below(s->includes.v[i].pat, path,
						    len))
				return seen_ref(s, VIS_CONTAINER, NULL);
	return seen_ref(s, VIS_HIDDEN, NULL);
}

static struct seen ref_never_match(const struct ref_set *s, const char *path,
				   size_t len, bool is_dir)
{
	const struct ref_rule *r = NULL;

	for (size_t i = 0; i < len && !r; i++)
		if (path[i] == '/')
			r = ref_any_never(s, path, i, true);
	if (!r)
		r = ref_any_never(s, path, len, is_dir);
	return seen_ref(s, VIS_HIDDEN, r);
}

/* ---- generated patterns, rule files and paths --------------------------- */

static const char *const literal_comps[] = {
	"a",   "b",	 "ab", "ba",  "key",   "x.pem", ".env", ".env.local",
	"a.b", "id_rsa", "c",  "\\*", "k\\?y", "\\[a]", "a\\b", "skills",
};
static const char *const glob_comps[] = {
	"*",	"?",	 "a*",	   "*a",      "*.pem",	"k*y",
	"[ab]", "[!a]*", "[a-c]?", "\\**",    ".env.*", "id_*",
	"*b",	"a?",	 "*.*",	   "x.*",     "[kx]*m", "?b*",
	"*\\*", "[^.]*", "ab*ba",  "*.local", "[.]env",
};
static const char *const path_comps[] = {
	"a",	  "b",	  "ab",		"ba",  "key",	 "kay",	 "x.pem",
	"y.pem",  ".env", ".env.local", "a.b", "*",	 "k?y",	 "[a]",
	"id_rsa", "c",	  "abc",	"xb",  "skills", "abba", "x.local",
};

static void add_comp(char *buf, size_t size, bool allow_any_depth)
{
	size_t r = pick(20);
	const char *c;

	if (allow_any_depth && r < 3)
		c = "**";
	else if (r < 11)
		c = PICK(literal_comps);
	else
		c = PICK(glob_comps);
	strncat(buf, c, size - strlen(buf) - 1);
}

/* A pattern that compiles: basename (unless anchored), anchored by a
 * leading '/', or by an inner '/'; sometimes directories only. */
static void gen_pattern(char *buf, size_t size, bool anchored)
{
	struct pattern *p;
	const char *why;
	unsigned col;

	for (;;) {
		size_t form = anchored ? 4 + pick(6) : pick(10), n;
		buf[0] = '\0';
		if (form < 4) {
			add_comp(buf, size, pick(8) == 0);
		} else {
			if (form < 7)
				strncat(buf, "/", size - 1);
			n = form < 7 ? 1 + pick(4) : 2 + pick(3);
			for (size_t i = 0; i < n; i++) {
				if (i > 0)
					strncat(buf, "/",
						size - strlen(buf) - 1);
				add_comp(buf, size, true);
			}
		}
		if (pick(5) == 0)
			strncat(buf, "/", size - strlen(buf) - 1);
		if (pattern_compile(buf, strlen(buf), &p, &why, &col) == 0) {
			pattern_free(p);
			return;
		}
	}
}

/* A rule file under construction, with its line count. */
struct layer_text {
	FILE *fp;
	unsigned line;
	size_t layer;
};

static void emit(struct layer_text *lt, const char *line)
{
	assert_true(fputs(line, lt->fp) >= 0);
	assert_true(fputc('\n', lt->fp) != EOF);
	lt->line++;
}

/* One list entry, single-quoted for YAML; records it in the reference. */
static void emit_rule(struct layer_text *lt, struct ref_list *to,
		      enum rule_kind kind, const char *pat, const char *indent)
{
	char line[600];
	size_t o = (size_t)snprintf(line, sizeof(line), "%s- '%s", indent,
				    kind == RULE_NEVER_EXCEPT ? "!" : "");
	struct ref_rule r = { kind, NULL, lt->layer, lt->line + 1 };
	const char *why;
	unsigned col;

	for (const char *c = pat; *c && o + 3 < sizeof(line); c++) {
		if (*c == '\'')
			line[o++] = '\'';
		line[o++] = *c;
	}
	line[o++] = '\'';
	line[o] = '\0';
	emit(lt, line);
	assert_int_equal(pattern_compile(pat, strlen(pat), &r.pat, &why, &col),
			 0);
	list_add(to, r);
}

/* Writes a layer of generated lists, defining some of the groups (set in
 * define). The never list goes to s; the others to inc, exc and, one list
 * per group, group_inc and group_exc, to be put in evaluation order.
 * anchored_inc leaves basename patterns out of the include lists: one
 * would make every directory a container. */
static void gen_layer(struct ref_set *s, size_t layer, const char *dir,
		      size_t max_rules, bool anchored_inc, bool define[NGROUPS],
		      struct ref_list *inc, struct ref_list *exc,
		      struct ref_list group_inc[NGROUPS],
		      struct ref_list group_exc[NGROUPS])
{
	struct layer_text lt = { NULL, 0, layer };
	char pat[300], line[64];
	size_t n;

	snprintf(s->files[layer], sizeof(s->files[layer]), "%s/layer%zu.yaml",
		 dir, layer);
	lt.fp = fopen(s->files[layer], "w");
	assert_non_null(lt.fp);
	emit(&lt, "version: 1");

	n = pick(max_rules + 1);
	if (n)
		emit(&lt, "include:");
	for (size_t i = 0; i < n; i++) {
		gen_pattern(pat, sizeof(pat), anchored_inc);
		emit_rule(&lt, inc, RULE_INCLUDE, pat, "  ");
	}
	for (size_t g = 0; g < NGROUPS; g++)
		define[g] = pick(2) == 0;
	if (define[0] || define[1] || define[2])
		emit(&lt, "groups:");
	for (size_t g = 0; g < NGROUPS; g++) {
		if (!define[g])
			continue;
		snprintf(line, sizeof(line), "  g%zu:", g);
		emit(&lt, line);
		emit(&lt, "    include:");
		n = 1 + pick(max_rules / 2 + 1);
		for (size_t i = 0; i < n; i++) {
			gen_pattern(pat, sizeof(pat), anchored_inc);
			emit_rule(&lt, &group_inc[g], RULE_INCLUDE, pat,
				  "      ");
		}
		n = pick(max_rules / 2 + 1);
		if (n)
			emit(&lt, "    exclude:");
		for (size_t i = 0; i < n; i++) {
			gen_pattern(pat, sizeof(pat), false);
			emit_rule(&lt, &group_exc[g], RULE_EXCLUDE, pat,
				  "      ");
		}
	}
	n = pick(max_rules + 1);
	if (n)
		emit(&lt, "exclude:");
	for (size_t i = 0; i < n; i++) {
		gen_pattern(pat, sizeof(pat), false);
		emit_rule(&lt, exc, RULE_EXCLUDE, pat, "  ");
	}
	n = pick(max_rules + 1);
	if (n)
		emit(&lt, "never:");
	for (size_t i = 0; i < n; i++) {
		/* exceptions after at least one entry, about one in four */
		enum rule_kind kind = i > 0 && pick(4) == 0 ? RULE_NEVER_EXCEPT
							    : RULE_NEVER;
		gen_pattern(pat, sizeof(pat), false);
		emit_rule(&lt, &s->never[layer], kind, pat, "  ");
	}
	assert_int_equal(fclose(lt.fp), 0);
}

static void move_all(struct ref_list *to, struct ref_list *from)
{
	for (size_t i = 0; i < from->n; i++)
		list_add(to, from->v[i]);
	free(from->v);
	memset(from, 0, sizeof(*from));
}

static void free_rules_of(struct ref_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		pattern_free(l->v[i].pat);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Generates and loads a rule set: nlayers files in dir, each list up to
 * max_rules entries; s gets the reference. */
static struct rules *gen_rules(struct ref_set *s, const char *dir,
			       size_t nlayers, size_t max_rules)
{
	struct ref_list inc[MAX_LAYERS] = { { 0 } };
	struct ref_list exc[MAX_LAYERS] = { { 0 } };
	struct ref_list ginc[MAX_LAYERS][NGROUPS] = { { { 0 } } };
	struct ref_list gexc[MAX_LAYERS][NGROUPS] = { { { 0 } } };
	bool define[MAX_LAYERS][NGROUPS], defined[NGROUPS] = { false };
	bool enabled[NGROUPS], anchored_inc = pick(2) == 0;
	const char *files[MAX_LAYERS];
	struct rules_input in = { .files = files, .nfiles = nlayers };
	struct rules_error err;
	struct rules *rs = NULL;
	char msg[5000];

	memset(s, 0, sizeof(*s));
	s->nlayers = nlayers;
	for (size_t g = 0; g < NGROUPS; g++)
		enabled[g] = pick(2) == 0;
	for (size_t l = 0; l < nlayers; l++) {
		gen_layer(s, l, dir, max_rules, anchored_inc, define[l],
			  &inc[l], &exc[l], ginc[l], gexc[l]);
		for (size_t g = 0; g < NGROUPS; g++)
			defined[g] |= define[l][g];
		files[l] = s->files[l];
	}
	/* the last layer's with: enables the chosen groups that some layer
	 * defines (a with: of an undefined group is an error); an empty
	 * with: is null, which is allowed */
	FILE *fp = fopen(s->files[nlayers - 1], "a");
	assert_non_null(fp);
	fputs("with:\n", fp);
	for (size_t g = 0; g < NGROUPS; g++) {
		enabled[g] = enabled[g] && defined[g];
		if (enabled[g])
			fprintf(fp, "  - g%zu\n", g);
	}
	assert_int_equal(fclose(fp), 0);
	/* the evaluation order: per layer its includes, each enabled group
	 * defined in it (includes, excludes), its excludes */
	for (size_t l = 0; l < nlayers; l++) {
		move_all(&s->decide, &inc[l]);
		for (size_t g = 0; g < NGROUPS; g++) {
			if (enabled[g]) {
				move_all(&s->decide, &ginc[l][g]);
				move_all(&s->decide, &gexc[l][g]);
			} else {
				free_rules_of(&ginc[l][g]);
				free_rules_of(&gexc[l][g]);
			}
		}
		move_all(&s->decide, &exc[l]);
	}
	for (size_t i = 0; i < s->decide.n; i++)
		if (s->decide.v[i].kind == RULE_INCLUDE)
			list_add(&s->includes, s->decide.v[i]);
	if (rules_load(&in, &rs, &err) != 0) {
		rules_error_format(&err, msg, sizeof(msg));
		fail_msg("load failed: %s", msg);
	}
	return rs;
}

/* A path of 1 to 5 components from pool, now and then with an odd shape
 * that the filesystem never asks about but that both sides must still
 * agree on. */
static size_t gen_path(char *buf, size_t size, const char *const *pool,
		       size_t npool)
{
	size_t n = 1 + pick(5), odd = pick(40);

	buf[0] = '\0';
	if (odd == 0)
		return 0;
	if (odd == 1)
		strncat(buf, "/", size - 1);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strncat(buf, odd == 2 ? "//" : "/",
				size - strlen(buf) - 1);
		strncat(buf, pool[pick(npool)], size - strlen(buf) - 1);
	}
	if (odd == 3)
		strncat(buf, "/", size - strlen(buf) - 1);
	return strlen(buf);
}

/* ---- comparing ---------------------------------------------------------- */

static const char *vis_name(enum visibility v)
{
	return v == VIS_HIDDEN	    ? "hidden"
	       : v == VIS_CONTAINER ? "container"
				    : "included";
}

static void same(struct seen got, struct seen want, const char *what,
		 const char *path, size_t len, bool is_dir, unsigned round)
{
	if (got.vis == want.vis && got.line == want.line &&
	    (got.file == want.file ||
	     (got.file && want.file && strcmp(got.file, want.file) == 0)) &&
	    (!got.file || got.kind == want.kind))
		return;
	fail_msg("round %u, %s(\"%.*s\", %s): got %s %s:%u, want %s %s:%u",
		 round, what, (int)len, path, is_dir ? "dir" : "file",
		 vis_name(got.vis), got.file ? got.file : "-", got.line,
		 vis_name(want.vis), want.file ? want.file : "-", want.line);
}

/* Decides path component by component from SOURCE (the filesystem's
 * walk), then from a container and from an included parent at every
 * component, and its never rule; both sides each time. */
static void check_path(const struct rules *rs, const struct ref_set *s,
		       const char *path, size_t len, bool is_dir,
		       unsigned round)
{
	struct verdict v = rules_root(rs), inc_parent = { VIS_INCLUDED, NULL };
	size_t end = 0;

	for (;;) {
		const char *slash = memchr(path + end, '/', len - end);
		size_t e = slash ? (size_t)(slash - path) : len;
		bool dir = slash ? true : is_dir;
		struct verdict parents[3] = { v,
					      { VIS_CONTAINER, NULL },
					      inc_parent };
		for (size_t k = 0; k < 3; k++) {
			struct verdict got =
				rules_decide(rs, parents[k], path, e, dir);
			struct seen want = ref_decide(s, seen_lib(parents[k]),
						      path, e, dir);
			same(seen_lib(got), want, "rules_decide", path, e, dir,
			     round);
			if (k == 0)
				v = got;
		}
		if (v.vis == VIS_INCLUDED && v.rule)
			inc_parent = v; /* a rule to see passed on */
		if (!slash)
			break;
		end = e + 1;
	}
	same(seen_lib((struct verdict){
		     VIS_HIDDEN, rules_never_match(rs, path, len, is_dir) }),
	     ref_never_match(s, path, len, is_dir), "rules_never_match", path,
	     len, is_dir, round);
}

/* ---- tests -------------------------------------------------------------- */

static char tmpdir[256];

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/seedfs-index-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char path[400];

	(void)state;
	for (size_t l = 0; l < MAX_LAYERS; l++) {
		snprintf(path, sizeof(path), "%s/layer%zu.yaml", tmpdir, l);
		unlink(path);
	}
	return rmdir(tmpdir);
}

static void run_rounds(uint64_t seed, unsigned rounds, size_t max_rules,
		       unsigned paths_per_round)
{
	char path[400];

	rng_state = seed;
	for (unsigned round = 0; round < rounds; round++) {
		struct ref_set s;
		struct rules *rs =
			gen_rules(&s, tmpdir, 1 + pick(MAX_LAYERS), max_rules);
		for (unsigned i = 0; i < paths_per_round; i++) {
			size_t len = gen_path(path, sizeof(path), path_comps,
					      sizeof(path_comps) /
						      sizeof(path_comps[0]));
			check_path(rs, &s, path, len, pick(3) == 0, round);
		}
		rules_free(rs);
		ref_free(&s);
	}
}

/* Small rule sets: every kind of pattern alone and in few company. */
static void test_small_sets(void **state)
{
	(void)state;
	run_rounds(UINT64_C(0x5eedf5), 150, 6, 150);
}

/* Larger ones: buckets with many patterns, last match among them. */
static void test_large_sets(void **state)
{
	(void)state;
	run_rounds(UINT64_C(0x1d3c5), 8, 120, 400);
}

/* Many patterns sharing keys, literal heads of every depth: the order
 * within a bucket and across buckets decides. */
static void test_shared_keys(void **state)
{
	static const char *const pats[] = {
		"*.pem",     "key",	  "/a/b",	"a/**/x.pem",
		"/a/*/c",    "x.*",	  "[kx]*m",	"/a/",
		"a",	     "**/a",	  "/a/b/**",	"!key",
		"/a/b/*",    "/a/b/c/*",  "a/b/c/**/x", "/a/b/c/d/?",
		"a/*/c",     "/b/c/d/**", "/a/b/c/",	"b/c/*/",
		"/a/b/c/d",  "*",	  "!a",		"/c/*/d/*.pem",
		"/a/?/c/**", "d/",	  "**/b/**",	"**/c/*",
		"*/x/**/a",
	};
	static const char *const comps[] = { "a", "b",	 "c",	 "d",
					     "x", "key", "x.pem" };
	struct ref_set s;
	struct rules *rs;
	char path[400];

	rng_state = 42;
	for (unsigned round = 0; round < 40; round++) {
		const char *files[1] = { s.files[0] };
		struct rules_input in = { .files = files, .nfiles = 1 };
		struct layer_text lt = { NULL, 0, 0 };
		struct ref_list inc = { 0 }, exc = { 0 };
		/* every other round, no basename include (see gen_layer) */
		bool anchored_inc = round % 2;
		struct rules_error err;
		const char *p;
		FILE *fp;

		memset(&s, 0, sizeof(s));
		s.nlayers = 1;
		snprintf(s.files[0], sizeof(s.files[0]), "%s/layer0.yaml",
			 tmpdir);
		fp = fopen(s.files[0], "w");
		assert_non_null(fp);
		lt.fp = fp;
		emit(&lt, "include:");
		for (size_t i = 0, n = 1 + pick(40); i < n; i++) {
			do
				p = PICK(pats);
			while (anchored_inc && !strchr(p, '/'));
			emit_rule(&lt, &inc, RULE_INCLUDE,
				  p[0] == '!' ? p + 1 : p, "  ");
		}
		emit(&lt, "exclude:");
		for (size_t i = 0, n = 1 + pick(40); i < n; i++) {
			p = PICK(pats);
			emit_rule(&lt, &exc, RULE_EXCLUDE,
				  p[0] == '!' ? p + 1 : p, "  ");
		}
		emit(&lt, "never:");
		for (size_t i = 0, n = 1 + pick(40); i < n; i++) {
			bool except;
			p = PICK(pats);
			except = p[0] == '!' || (i > 0 && pick(3) == 0);
			emit_rule(&lt, &s.never[0],
				  except ? RULE_NEVER_EXCEPT : RULE_NEVER,
				  p[0] == '!' ? p + 1 : p, "  ");
		}
		assert_int_equal(fclose(fp), 0);
		move_all(&s.decide, &inc);
		move_all(&s.decide, &exc);
		for (size_t i = 0; i < s.decide.n; i++)
			if (s.decide.v[i].kind == RULE_INCLUDE)
				list_add(&s.includes, s.decide.v[i]);
		assert_int_equal(rules_load(&in, &rs, &err), 0);
		for (unsigned i = 0; i < 400; i++) {
			size_t len = gen_path(path, sizeof(path), comps,
					      sizeof(comps) / sizeof(comps[0]));
			check_path(rs, &s, path, len, pick(2) == 0, round);
		}
		rules_free(rs);
		ref_free(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_sets),
		cmocka_unit_test(test_large_sets),
		cmocka_unit_test(test_shared_keys),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
