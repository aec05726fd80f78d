/* pattern.c — compiles and matches the gitignore-like patterns of rule files.
 *
 * Owns: turning pattern text into per-component segments (literal, glob,
 * '**'), the compile errors with their columns, and matching without
 * allocation. A pattern is matched by a small state-set automaton over its
 * segments, one path component at a time: '**' costs at most
 * O(components x segments) and nothing recurses, whatever the pattern.
 */
#include "seedfs/pattern.h"

#include "pattern_key.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum seg_kind {
	SEG_LITERAL,   /* the component is exactly lits[off .. off+len) */
	SEG_GLOB,      /* matched by ops[off .. off+len) */
	SEG_ANY_ONE,   /* any one component (first half of a trailing '**') */
	SEG_ANY_DEPTH, /* '**': zero or more components */
};

enum op_kind {
	OP_LITERAL, /* lits[off .. off+len) */
	OP_ONE,	    /* '?' */
	OP_STAR,    /* '*' (a run of stars is one op) */
	OP_CLASS,   /* classes[off] */
};

struct glob_op {
	enum op_kind kind;
	uint32_t off, len;
};

struct segment {
	enum seg_kind kind;
	uint32_t off, len;
	uint32_t min_len; /* SEG_GLOB: the shortest component it can match */
	int first, last;  /* the byte a match must start/end with, or -1 */
};

struct byte_class {
	uint64_t bits[4];
};

enum pattern_shape {
	SHAPE_BASENAME, /* one segment, matched against the last component */
	SHAPE_LITERAL_PATH, /* anchored and all literal: one memcmp */
	SHAPE_SEGMENTS,	    /* anchored, general: the automaton */
};

struct pattern {
	char *text;
	enum pattern_shape shape;
	bool dir_only;
	struct segment *segs;
	size_t nsegs;
	struct glob_op *ops;
	size_t nops;
	struct byte_class *classes;
	size_t nclasses;
	char *lits; /* unescaped literal bytes of all segments and ops */
	size_t nlits;
	/* The leading literal segments joined with '/', unescaped (NULL if
	 * there are none): for SHAPE_LITERAL_PATH the whole path. */
	char *path_lit;
	size_t path_lit_len;
	size_t head_segs; /* how many segments path_lit holds */
};

/* At most one segment per two bytes, plus one for a trailing '**'. */
#define MAX_SEGS    (PATTERN_MAX_LEN / 2 + 2)
#define STATE_WORDS ((MAX_SEGS + 1 + 63) / 64)

struct state_set {
	uint64_t w[STATE_WORDS];
};

/* Where compiling failed: a static reason and a 0-based byte offset. */
struct compile_error {
	const char *why;
	size_t at;
};

static int fail(struct compile_error *e, const char *why, size_t at)
{
	e->why = why;
	e->at = at;
	return -EINVAL;
}

/* ---- compiling ---------------------------------------------------------- */

static void class_add_range(struct byte_class *c, unsigned lo, unsigned hi)
{
	for (unsigned b = lo; b <= hi; b++)
		c->bits[b >> 6] |= UINT64_C(1) << (b & 63);
}

static bool class_has(const struct byte_class *c, unsigned char b)
{
	return (c->bits[b >> 6] >> (b & 63)) & 1;
}

/* Reads one class member at src[*i] ('\x' or a plain byte) into *byte.
 * A '/' (plain or escaped) or the end of the pattern ends the class early. */
static int class_member(const char *src, size_t end, size_t *i,
			unsigned char *byte, size_t open,
			struct compile_error *e)
{
	if (*i >= end || src[*i] == '/')
		return fail(e, "unterminated '['", open);
	if (src[*i] == '\\') {
		if (*i + 1 >= end)
			return fail(e, "unterminated '['", open);
		if (src[*i + 1] == '/')
			return fail(
				e,
				"'/' cannot be escaped: a name never contains '/'",
				*i);
		*byte = (unsigned char)src[*i + 1];
		*i += 2;
		return 0;
	}
	*byte = (unsigned char)src[*i];
	*i += 1;
	return 0;
}

/* Parses the class opening at src[open] == '['. On success *close is the
 * offset of its ']' and, if out is not NULL, *out holds its bytes. */
static int parse_class(const char *src, size_t end, size_t open,
		       struct byte_class *out, size_t *close,
		       struct compile_error *e)
{
	struct byte_class c = { { 0 } };
	size_t i = open + 1;
	bool negate = false;
	bool first = true;
	int r;

	if (i < end && (src[i] == '!' || src[i] == '^')) {
		negate = true;
		i++;
	}
	for (;;) {
		if (i < end && src[i] == ']' && !first)
			break;
		size_t lo_at = i;
		unsigned char lo, hi;
		r = class_member(src, end, &i, &lo, open, e);
		if (r)
			return r;
		hi = lo;
		if (i + 1 < end && src[i] == '-' && src[i + 1] != ']') {
			i++;
			r = class_member(src, end, &i, &hi, open, e);
			if (r)
				return r;
			if (hi < lo)
				return fail(e, "reversed range in [...]",
					    lo_at);
		}
		class_add_range(&c, lo, hi);
		first = false;
	}
	if (negate)
		for (size_t w = 0; w < 4; w++)
			c.bits[w] = ~c.bits[w];
	c.bits['/' >> 6] &= ~(UINT64_C(1) << ('/' & 63));
	if (out)
		*out = c;
	*close = i;
	return 0;
}

static bool is_glob_byte(char c)
{
	return c == '*' || c == '?' || c == '[';
}

/* Appends one literal byte to the op list, extending a literal run of the
 * same segment (whose ops start at seg_off): never the last op of the
 * previous glob segment, which is complete. */
static void ops_add_byte(struct pattern *p, size_t seg_off, char byte)
{
	struct glob_op *last = p->nops > seg_off ? &p->ops[p->nops - 1] : NULL;

	if (!last || last->kind != OP_LITERAL ||
	    last->off + last->len != p->nlits) {
		last = &p->ops[p->nops++];
		last->kind = OP_LITERAL;
		last->off = (uint32_t)p->nlits;
		last->len = 0;
	}
	p->lits[p->nlits++] = byte;
	last->len++;
}

/* Compiles the glob component src[from .. to) (already validated). */
static void compile_glob(struct pattern *p, const char *src, size_t from,
			 size_t to, struct segment *seg)
{
	struct compile_error ignored;
	size_t i = from;

	seg->kind = SEG_GLOB;
	seg->off = (uint32_t)p->nops;
	seg->min_len = 0;
	while (i < to) {
		char c = src[i];
		if (c == '*') {
			if (p->nops == seg->off ||
			    p->ops[p->nops - 1].kind != OP_STAR)
				p->ops[p->nops++] =
					(struct glob_op){ OP_STAR, 0, 0 };
			i++;
		} else if (c == '?') {
			p->ops[p->nops++] = (struct glob_op){ OP_ONE, 0, 0 };
			seg->min_len++;
			i++;
		} else if (c == '[') {
			size_t close = i;
			parse_class(src, to, i, &p->classes[p->nclasses],
				    &close, &ignored);
			p->ops[p->nops++] =
				(struct glob_op){ OP_CLASS,
						  (uint32_t)p->nclasses++, 0 };
			seg->min_len++;
			i = close + 1;
		} else {
			if (c == '\\')
				i++;
			ops_add_byte(p, seg->off, src[i]);
			seg->min_len++;
			i++;
		}
	}
	seg->len = (uint32_t)(p->nops - seg->off);
}

/* Compiles the literal component src[from .. to), unescaping it. */
static int compile_literal(struct pattern *p, const char *src, size_t from,
			   size_t to, struct segment *seg,
			   struct compile_error *e)
{
	seg->kind = SEG_LITERAL;
	seg->off = (uint32_t)p->nlits;
	for (size_t i = from; i < to; i++) {
		if (src[i] == '\\')
			i++;
		p->lits[p->nlits++] = src[i];
	}
	seg->len = (uint32_t)(p->nlits - seg->off);
	if ((seg->len == 1 && p->lits[seg->off] == '.') ||
	    (seg->len == 2 && memcmp(p->lits + seg->off, "..", 2) == 0))
		return fail(e, "'.' and '..' are not allowed as components",
			    from);
	return 0;
}

/* The bytes a literal or glob segment must start and end with, if fixed:
 * a cheap test before any memcmp. */
static void set_end_bytes(const struct pattern *p, struct segment *seg)
{
	const struct glob_op *first_op, *last_op;

	seg->first = seg->last = -1;
	if (seg->kind == SEG_LITERAL) {
		seg->first = (unsigned char)p->lits[seg->off];
		seg->last = (unsigned char)p->lits[seg->off + seg->len - 1];
		return;
	}
	if (seg->kind != SEG_GLOB)
		return;
	first_op = &p->ops[seg->off];
	last_op = &p->ops[seg->off + seg->len - 1];
	if (first_op->kind == OP_LITERAL)
		seg->first = (unsigned char)p->lits[first_op->off];
	if (last_op->kind == OP_LITERAL)
		seg->last =
			(unsigned char)p->lits[last_op->off + last_op->len - 1];
}

/* Compiles one component src[from .. to) into a new segment. */
static int compile_component(struct pattern *p, const char *src, size_t from,
			     size_t to, bool has_glob, struct compile_error *e)
{
	struct segment *seg = &p->segs[p->nsegs++];

	if (to == from)
		return fail(e, "empty component ('//')", from);
	if (to - from == 2 && src[from] == '*' && src[from + 1] == '*') {
		*seg = (struct segment){ SEG_ANY_DEPTH, 0, 0, 0, -1, -1 };
		return 0;
	}
	if (has_glob) {
		compile_glob(p, src, from, to, seg);
	} else {
		int r = compile_literal(p, src, from, to, seg, e);
		if (r)
			return r;
	}
	set_end_bytes(p, seg);
	return 0;
}

/* Splits src[from .. end) into components and compiles each; sets
 * p->dir_only for a trailing '/'. */
static int compile_components(struct pattern *p, const char *src, size_t from,
			      size_t end, struct compile_error *e)
{
	size_t start = from;
	size_t i = from;
	bool has_glob = false;
	int r;

	while (i < end) {
		char c = src[i];
		if (c == '\\') {
			if (i + 1 >= end)
				return fail(e, "trailing '\\' escapes nothing",
					    i);
			if (src[i + 1] == '/')
				return fail(
					e,
					"'/' cannot be escaped: a name never contains '/'",
					i);
			i += 2;
		} else if (c == '[') {
			size_t close;
			r = parse_class(src, end, i, NULL, &close, e);
			if (r)
				return r;
			has_glob = true;
			i = close + 1;
		} else if (c == '/') {
			if (i == start)
				return fail(e, "empty component ('//')", i);
			r = compile_component(p, src, start, i, has_glob, e);
			if (r)
				return r;
			if (i + 1 == end) {
				p->dir_only = true;
				return 0;
			}
			start = ++i;
			has_glob = false;
		} else {
			has_glob |= is_glob_byte(c);
			i++;
		}
	}
	return compile_component(p, src, start, end, has_glob, e);
}

/* Merges runs of '**' and turns a trailing '**' ("strictly inside") into
 * one-any-component followed by '**'. */
static void normalize_any_depth(struct pattern *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nsegs; i++) {
		if (p->segs[i].kind == SEG_ANY_DEPTH && n > 0 &&
		    p->segs[n - 1].kind == SEG_ANY_DEPTH)
			continue;
		p->segs[n++] = p->segs[i];
	}
	p->nsegs = n;
	if (p->segs[n - 1].kind == SEG_ANY_DEPTH) {
		p->segs[n - 1].kind = SEG_ANY_ONE;
		p->segs[n] = (struct segment){ SEG_ANY_DEPTH, 0, 0, 0, -1, -1 };
		p->nsegs++;
	}
}

/* Joins the leading literal segments into path_lit (the literal head, for
 * the rules index); the pattern is SHAPE_LITERAL_PATH if they are all. */
static int build_literal_head(struct pattern *p)
{
	size_t n = 0, k = 0;

	while (k < p->nsegs && p->segs[k].kind == SEG_LITERAL)
		n += p->segs[k++].len + 1;
	if (k == 0)
		return 0;
	p->path_lit = malloc(n);
	if (!p->path_lit)
		return -ENOMEM;
	for (size_t i = 0; i < k; i++) {
		const struct segment *s = &p->segs[i];
		if (i > 0)
			p->path_lit[p->path_lit_len++] = '/';
		memcpy(p->path_lit + p->path_lit_len, p->lits + s->off, s->len);
		p->path_lit_len += s->len;
	}
	p->head_segs = k;
	if (k == p->nsegs)
		p->shape = SHAPE_LITERAL_PATH;
	return 0;
}

/* Checks what can be refused before splitting into components. */
static int check_whole(const char *src, size_t len, struct compile_error *e)
{
	const char *nul;

	if (len == 0)
		return fail(e, "empty pattern", 0);
	if (len > PATTERN_MAX_LEN)
		return fail(e, "pattern is longer than 4095 bytes",
			    PATTERN_MAX_LEN);
	nul = memchr(src, '\0', len);
	if (nul)
		return fail(e, "NUL byte in pattern", (size_t)(nul - src));
	if (src[0] == '!')
		return fail(e,
			    "negation is not supported here; use exclude:", 0);
	if (len == 1 && src[0] == '/')
		return fail(e, "pattern is only '/'", 0);
	return 0;
}

static int alloc_parts(struct pattern *p, const char *src, size_t len)
{
	p->text = malloc(len + 1);
	p->segs = calloc(len / 2 + 2, sizeof(*p->segs));
	p->ops = calloc(len, sizeof(*p->ops));
	p->classes = calloc(len / 3 + 1, sizeof(*p->classes));
	p->lits = malloc(len);
	if (!p->text || !p->segs || !p->ops || !p->classes || !p->lits)
		return -ENOMEM;
	memcpy(p->text, src, len);
	p->text[len] = '\0';
	return 0;
}

int pattern_compile(const char *src, size_t len, struct pattern **out,
		    const char **why, unsigned *col)
{
	struct compile_error e = { NULL, 0 };
	struct pattern *p = NULL;
	bool leading_slash;
	int r;

	r = check_whole(src, len, &e);
	if (r)
		goto fail_compile;
	p = calloc(1, sizeof(*p));
	if (!p || alloc_parts(p, src, len)) {
		r = -ENOMEM;
		goto out_nomem;
	}
	leading_slash = src[0] == '/';
	r = compile_components(p, src, leading_slash ? 1 : 0, len, &e);
	if (r)
		goto fail_compile;

	if (!leading_slash && p->nsegs == 1) {
		p->shape = SHAPE_BASENAME;
		if (p->segs[0].kind == SEG_ANY_DEPTH) {
			/* a lone "**" names any basename, like '*' */
			p->segs[0] = (struct segment){
				SEG_GLOB, (uint32_t)p->nops, 1, 0, -1, -1
			};
			p->ops[p->nops++] = (struct glob_op){ OP_STAR, 0, 0 };
		}
	} else {
		p->shape = SHAPE_SEGMENTS;
		normalize_any_depth(p);
		r = build_literal_head(p);
		if (r)
			goto out_nomem;
	}
	*out = p;
	return 0;

fail_compile:
	*why = e.why;
	*col = (unsigned)e.at + 1;
out_nomem:
	if (r == -ENOMEM) {
		*why = "out of memory";
		*col = 0;
	}
	pattern_free(p);
	return r;
}

void pattern_free(struct pattern *p)
{
	if (!p)
		return;
	free(p->text);
	free(p->segs);
	free(p->ops);
	free(p->classes);
	free(p->lits);
	free(p->path_lit);
	free(p);
}

const char *pattern_text(const struct pattern *p)
{
	return p->text;
}

/* ---- matching ----------------------------------------------------------- */

static bool op_match_one(const struct pattern *p, const struct glob_op *op,
			 unsigned char byte)
{
	if (op->kind == OP_ONE)
		return true;
	return class_has(&p->classes[op->off], byte);
}

/* Glob ops against one component s[0..n) (no '/' inside). Iterative with
 * one backtrack point, the last '*': every other op has a fixed width, so
 * a later '*' can always absorb what an earlier one would have. */
static bool glob_match(const struct pattern *p, const struct segment *seg,
		       const char *s, size_t n)
{
	const struct glob_op *ops = p->ops + seg->off;
	size_t nops = seg->len;
	size_t i = 0, j = 0;
	size_t star_op = SIZE_MAX, star_j = 0;

	for (;;) {
		if (i < nops) {
			const struct glob_op *op = &ops[i];
			if (op->kind == OP_STAR) {
				if (i + 1 == nops)
					return true;
				star_op = i++;
				star_j = j;
				continue;
			}
			if (op->kind == OP_LITERAL) {
				if (n - j >= op->len &&
				    memcmp(s + j, p->lits + op->off, op->len) ==
					    0) {
					i++;
					j += op->len;
					continue;
				}
			} else if (j < n &&
				   op_match_one(p, op, (unsigned char)s[j])) {
				i++;
				j++;
				continue;
			}
		} else if (j == n) {
			return true;
		}
		if (star_op == SIZE_MAX || star_j >= n)
			return false;
		j = ++star_j;
		i = star_op + 1;
	}
}

/* Quick reject: a glob ending in a literal ("*.pem") needs that suffix. */
static bool glob_suffix_ok(const struct pattern *p, const struct segment *seg,
			   const char *s, size_t n)
{
	const struct glob_op *last = &p->ops[seg->off + seg->len - 1];

	return last->kind != OP_LITERAL ||
	       (n >= last->len &&
		memcmp(s + n - last->len, p->lits + last->off, last->len) == 0);
}

static bool segment_match(const struct pattern *p, const struct segment *seg,
			  const char *comp, size_t n)
{
	if ((seg->first >= 0 &&
	     (n == 0 || (unsigned char)comp[0] != seg->first)) ||
	    (seg->last >= 0 &&
	     (n == 0 || (unsigned char)comp[n - 1] != seg->last)))
		return false;
	switch (seg->kind) {
	case SEG_LITERAL:
		return n == seg->len &&
		       memcmp(comp, p->lits + seg->off, n) == 0;
	case SEG_GLOB:
		return n >= seg->min_len && glob_suffix_ok(p, seg, comp, n) &&
		       glob_match(p, seg, comp, n);
	case SEG_ANY_ONE:
	case SEG_ANY_DEPTH:
		return true;
	}
	return false;
}

/* Next component of path[0..len) from *pos; false when none are left. */
static bool next_component(const char *path, size_t len, size_t *pos,
			   const char **comp, size_t *n)
{
	const char *start, *slash;

	if (*pos > len)
		return false;
	start = path + *pos;
	slash = memchr(start, '/', len - *pos);
	*n = slash ? (size_t)(slash - start) : len - *pos;
	*comp = start;
	*pos += *n + 1;
	return true;
}

static size_t state_words(const struct pattern *p)
{
	return (p->nsegs + 1 + 63) / 64;
}

static bool state_has(const struct state_set *s, size_t i)
{
	return (s->w[i >> 6] >> (i & 63)) & 1;
}

static void state_add(struct state_set *s, size_t i)
{
	s->w[i >> 6] |= UINT64_C(1) << (i & 63);
}

/* A state in front of '**' is also a state behind it (zero components). */
static void state_close(const struct pattern *p, struct state_set *s)
{
	for (size_t i = 0; i < p->nsegs; i++)
		if (p->segs[i].kind == SEG_ANY_DEPTH && state_has(s, i))
			state_add(s, i + 1);
}

/* Feeds one component to the automaton: cur -> next. False if no state
 * survives. */
static bool state_step(const struct pattern *p, const struct state_set *cur,
		       struct state_set *next, const char *comp, size_t n)
{
	size_t words = state_words(p);
	bool alive = false;

	memset(next->w, 0, words * sizeof(next->w[0]));
	for (size_t w = 0; w < words; w++) {
		uint64_t bits = cur->w[w];
		while (bits) {
			size_t i = w * 64 + (size_t)__builtin_ctzll(bits);
			bits &= bits - 1;
			if (i >= p->nsegs)
				continue;
			const struct segment *seg = &p->segs[i];
			if (seg->kind == SEG_ANY_DEPTH) {
				state_add(next, i);
				alive = true;
			} else if (segment_match(p, seg, comp, n)) {
				state_add(next, i + 1);
				alive = true;
			}
		}
	}
	state_close(p, next);
	return alive;
}

/* Runs the automaton over every component of path[0..len). Returns false
 * as soon as no state is left; otherwise *out holds the final states. */
static bool run_segments(const struct pattern *p, const char *path, size_t len,
			 struct state_set *out)
{
	struct state_set sets[2];
	size_t words = state_words(p);
	size_t cur = 0, pos = 0, n;
	const char *comp;

	memset(sets[0].w, 0, words * sizeof(sets[0].w[0]));
	state_add(&sets[0], 0);
	state_close(p, &sets[0]);
	if (len > 0) {
		while (next_component(path, len, &pos, &comp, &n)) {
			if (!state_step(p, &sets[cur], &sets[cur ^ 1], comp, n))
				return false;
			cur ^= 1;
		}
	}
	memcpy(out->w, sets[cur].w, words * sizeof(out->w[0]));
	return true;
}

/* Quick reject: a pattern starting with a literal component needs path's
 * first component to be exactly that. */
static bool first_component_ok(const struct pattern *p, const char *path,
			       size_t len)
{
	const struct segment *seg = &p->segs[0];

	if (seg->kind != SEG_LITERAL)
		return true;
	return len >= seg->len &&
	       memcmp(path, p->lits + seg->off, seg->len) == 0 &&
	       (len == seg->len || path[seg->len] == '/');
}

bool pattern_match(const struct pattern *p, const char *path, size_t len,
		   bool is_dir)
{
	struct state_set final;
	const char *slash;

	if (len == 0 || (p->dir_only && !is_dir))
		return false;
	switch (p->shape) {
	case SHAPE_BASENAME:
		slash = memrchr(path, '/', len);
		if (slash) {
			size_t skip = (size_t)(slash - path) + 1;
			path += skip;
			len -= skip;
		}
		return segment_match(p, &p->segs[0], path, len);
	case SHAPE_LITERAL_PATH:
		return len == p->path_lit_len &&
		       memcmp(path, p->path_lit, len) == 0;
	case SHAPE_SEGMENTS:
		return first_component_ok(p, path, len) &&
		       run_segments(p, path, len, &final) &&
		       state_has(&final, p->nsegs);
	}
	return false;
}

bool pattern_may_match_below(const struct pattern *p, const char *dir,
			     size_t len)
{
	struct state_set final;

	switch (p->shape) {
	case SHAPE_BASENAME:
		return true;
	case SHAPE_LITERAL_PATH:
		return len == 0 ||
		       (len < p->path_lit_len && p->path_lit[len] == '/' &&
			memcmp(dir, p->path_lit, len) == 0);
	case SHAPE_SEGMENTS:
		if ((len > 0 && !first_component_ok(p, dir, len)) ||
		    !run_segments(p, dir, len, &final))
			return false;
		for (size_t i = 0; i < p->nsegs; i++)
			if (state_has(&final, i))
				return true;
		return false;
	}
	return false;
}

/* ---- keys for the rules index (pattern_key.h) ---------------------------- */

/* A literal prefix or suffix a glob segment's component must have: the
 * longer of its leading and trailing literal ops. */
static struct pattern_key glob_affix(const struct pattern *p,
				     const struct segment *seg)
{
	const struct glob_op *first = &p->ops[seg->off];
	const struct glob_op *last = &p->ops[seg->off + seg->len - 1];
	struct pattern_key k = { PKEY_NONE, NULL, 0, 0, false };

	if (first->kind == OP_LITERAL)
		k = (struct pattern_key){ PKEY_NAME_PREFIX,
					  p->lits + first->off, first->len, 0,
					  false };
	if (last->kind == OP_LITERAL && last->len > k.len)
		k = (struct pattern_key){ PKEY_NAME_SUFFIX, p->lits + last->off,
					  last->len, 0, false };
	return k;
}

static struct pattern_key literal_key(const struct pattern *p,
				      const struct segment *seg)
{
	return (struct pattern_key){ PKEY_NAME, p->lits + seg->off, seg->len, 0,
				     false };
}

static struct pattern_key head_key(const struct pattern *p)
{
	return (struct pattern_key){ PKEY_HEAD, p->path_lit, p->path_lit_len,
				     p->head_segs,
				     p->shape == SHAPE_LITERAL_PATH };
}

/* An affix at least this long is preferred to the literal head or a
 * literal component; a shorter one (".md") only comes last. */
#define AFFIX_OVER_HEAD 4

struct pattern_key pattern_match_key(const struct pattern *p)
{
	const struct segment *last = &p->segs[p->nsegs - 1];
	struct pattern_key affix = { PKEY_NONE, NULL, 0, 0, false };
	struct pattern_key comp = affix;

	switch (p->shape) {
	case SHAPE_BASENAME:
		/* the one segment matches the component after the last '/' */
		if (last->kind == SEG_LITERAL)
			return literal_key(p, last);
		return glob_affix(p, last);
	case SHAPE_LITERAL_PATH:
		return (struct pattern_key){ PKEY_PATH, p->path_lit,
					     p->path_lit_len, 0, false };
	case SHAPE_SEGMENTS:
		/* Only the last segment leads to the final state, and only by
		 * matching the last component (a final '**' is normalized to
		 * any-one + '**', which gives no key). The leading literal
		 * segments are the only way past the first components, and
		 * every literal segment matches some component. */
		if (last->kind == SEG_LITERAL)
			return literal_key(p, last);
		if (last->kind == SEG_GLOB)
			affix = glob_affix(p, last);
		if (affix.len >= AFFIX_OVER_HEAD)
			return affix;
		if (p->head_segs > 0)
			return head_key(p);
		for (size_t i = 0; i < p->nsegs; i++)
			if (p->segs[i].kind == SEG_LITERAL &&
			    p->segs[i].len > comp.len)
				comp = (struct pattern_key){
					PKEY_COMPONENT,
					p->lits + p->segs[i].off,
					p->segs[i].len, 0, false
				};
		return comp.kind != PKEY_NONE ? comp : affix;
	}
	return affix;
}

struct pattern_key pattern_below_key(const struct pattern *p)
{
	switch (p->shape) {
	case SHAPE_BASENAME:
		return (struct pattern_key){ PKEY_ALL, NULL, 0, 0, false };
	case SHAPE_LITERAL_PATH:
	case SHAPE_SEGMENTS:
		if (p->head_segs > 0)
			return head_key(p);
		break;
	}
	return (struct pattern_key){ PKEY_NONE, NULL, 0, 0, false };
}
