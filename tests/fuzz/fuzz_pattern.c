/* fuzz_pattern.c — libFuzzer target for src/pattern.c, with property checks.
 *
 * Input: one flag byte, then the pattern up to the first '\n', then paths,
 * one per '\n'-separated line. Patterns and paths may contain any other
 * byte, NUL included. Every buffer handed to the library is allocated to
 * its exact length, so reading one byte past it is an ASan report: nothing
 * can depend on bytes after the length (or after a NUL inside it).
 *
 * The checks (any failure is __builtin_trap, a crash for libFuzzer):
 *
 *  P1  pattern_compile accepts exactly what a small reference compiler,
 *      written from docs/rules.md, accepts; a refusal has a reason and a
 *      column within the pattern; NUL anywhere is refused.
 *  P2  pattern_text() gives back the source bytes exactly.
 *  P3  pattern_match agrees with a reference matcher (straightforward
 *      dynamic programming, no shortcuts) on the input paths, on paths
 *      generated from the pattern (which must match), and on mutations of
 *      them, for files and directories.
 *  P4  pattern_may_match_below agrees with the reference, and is true for
 *      every proper ancestor of a matched path.
 *  P5  A path with an empty, "." or ".." component (in its last component,
 *      for a basename pattern) is matched only by a pattern with a glob
 *      ('*', '?', '[') or '**' component; a pattern with
 *      only literal components matches exactly one path (anchored) or one
 *      basename.
 *  P6  Basename patterns (no '/' except a trailing one) look at the last
 *      component only.
 *  P7  Matching is deterministic and does not depend on the is_dir flag
 *      unless the pattern ends in '/'.
 *
 * The reference runs on small inputs only (pattern <= 200 bytes, paths
 * <= 300 bytes); larger inputs still go through the library for crashes
 * and time-outs.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seedfs/pattern.h"
#include "common.h"

#define REF_MAX_PAT  200
#define REF_MAX_PATH 300

/* ---- the reference: compile ---------------------------------------------- */

enum rtok_kind { RT_LIT, RT_ONE, RT_STAR, RT_CLASS };

struct rtok {
	enum rtok_kind kind;
	unsigned char byte; /* RT_LIT */
	uint8_t set[32];    /* RT_CLASS: bit b set if byte b is in the class */
};

enum rcomp_kind { RC_GLOB, RC_ANY_DEPTH, RC_ANY_ONE };

struct rcomp {
	enum rcomp_kind kind;
	size_t first, ntoks; /* RC_GLOB: toks[first .. first+ntoks) */
	bool literal;	     /* RC_GLOB made of RT_LIT only */
};

struct rpat {
	bool basename; /* one component, no leading '/' */
	bool dir_only;
	struct rtok toks[REF_MAX_PAT + 1];
	size_t ntoks;
	struct rcomp comps[REF_MAX_PAT + 2];
	size_t ncomps;
};

static bool set_has(const uint8_t *set, unsigned char b)
{
	return (set[b >> 3] >> (b & 7)) & 1;
}

static void set_add(uint8_t *set, unsigned char b)
{
	set[b >> 3] |= (uint8_t)(1u << (b & 7));
}

/* One class member: a plain byte or '\x'; '/' (plain or escaped) and the
 * end of the pattern are errors. */
static bool ref_member(const unsigned char *s, size_t len, size_t *i,
		       unsigned char *out)
{
	if (*i >= len || s[*i] == '/')
		return false;
	if (s[*i] == '\\') {
		if (*i + 1 >= len || s[*i + 1] == '/')
			return false;
		*out = s[*i + 1];
		*i += 2;
		return true;
	}
	*out = s[*i];
	*i += 1;
	return true;
}

/* "[...]" at s[*i] == '['; on success *i is just past the ']'. */
static bool ref_class(const unsigned char *s, size_t len, size_t *i,
		      uint8_t *set)
{
	size_t j = *i + 1;
	bool neg = false, first = true;

	memset(set, 0, 32);
	if (j < len && (s[j] == '!' || s[j] == '^')) {
		neg = true;
		j++;
	}
	for (;;) {
		unsigned char lo, hi;
		if (j < len && s[j] == ']' && !first)
			break;
		if (!ref_member(s, len, &j, &lo))
			return false;
		hi = lo;
		/* "a-z"; a '-' right before the closing ']' is literal */
		if (j + 1 < len && s[j] == '-' && s[j + 1] != ']') {
			j++;
			if (!ref_member(s, len, &j, &hi))
				return false;
			if (hi < lo)
				return false;
		}
		for (unsigned b = lo; b <= hi; b++)
			set_add(set, (unsigned char)b);
		first = false;
	}
	if (neg)
		for (int k = 0; k < 32; k++)
			set[k] = (uint8_t)~set[k];
	set['/' >> 3] &= (uint8_t) ~(1u << ('/' & 7));
	*i = j + 1;
	return true;
}

static bool ref_end_comp(struct rpat *rp, const unsigned char *s,
			 size_t raw_from, size_t raw_to, size_t tok_from)
{
	struct rcomp *c = &rp->comps[rp->ncomps++];

	if (raw_to == raw_from)
		return false; /* empty component */
	c->first = tok_from;
	c->ntoks = rp->ntoks - tok_from;
	if (raw_to - raw_from == 2 && s[raw_from] == '*' &&
	    s[raw_from + 1] == '*') {
		c->kind = RC_ANY_DEPTH;
		return true;
	}
	c->kind = RC_GLOB;
	c->literal = true;
	for (size_t k = 0; k < c->ntoks; k++)
		if (rp->toks[c->first + k].kind != RT_LIT)
			c->literal = false;
	if (c->literal && c->ntoks <= 2) {
		bool dots = true;
		for (size_t k = 0; k < c->ntoks; k++)
			dots &= rp->toks[c->first + k].byte == '.';
		if (dots)
			return false; /* "." or ".." (escaped or not) */
	}
	return true;
}

/* Compiles s[0..len) into *rp; false if the language refuses it. */
static bool ref_compile(const unsigned char *s, size_t len, struct rpat *rp)
{
	size_t i, comp_from, tok_from;
	bool anchored;

	memset(rp, 0, sizeof(*rp));
	if (len == 0 || len > PATTERN_MAX_LEN || memchr(s, 0, len) ||
	    s[0] == '!' || (len == 1 && s[0] == '/'))
		return false;
	anchored = s[0] == '/';
	i = comp_from = anchored ? 1 : 0;
	tok_from = 0;
	while (i < len) {
		struct rtok *t = &rp->toks[rp->ntoks];
		unsigned char c = s[i];
		if (c == '/') {
			if (!ref_end_comp(rp, s, comp_from, i, tok_from))
				return false;
			if (i + 1 == len) {
				rp->dir_only = true;
				goto shape;
			}
			comp_from = ++i;
			tok_from = rp->ntoks;
			continue;
		}
		if (c == '\\') {
			if (i + 1 >= len || s[i + 1] == '/')
				return false;
			t->kind = RT_LIT;
			t->byte = s[i + 1];
			i += 2;
		} else if (c == '[') {
			t->kind = RT_CLASS;
			if (!ref_class(s, len, &i, t->set))
				return false;
		} else {
			t->kind = c == '*'   ? RT_STAR
				  : c == '?' ? RT_ONE
					     : RT_LIT;
			t->byte = c;
			i++;
		}
		rp->ntoks++;
	}
	if (!ref_end_comp(rp, s, comp_from, len, tok_from))
		return false;
shape:
	if (!anchored && rp->ncomps == 1) {
		rp->basename = true;
		if (rp->comps[0].kind == RC_ANY_DEPTH) {
			/* a lone "**" is '*' */
			rp->comps[0].kind = RC_GLOB;
			rp->comps[0].literal = false;
			rp->comps[0].first = rp->ntoks;
			rp->comps[0].ntoks = 1;
			rp->toks[rp->ntoks++].kind = RT_STAR;
		}
		return true;
	}
	/* "**" runs are one "**"; a trailing "**" means one or more. */
	size_t n = 0;
	for (size_t k = 0; k < rp->ncomps; k++) {
		if (rp->comps[k].kind == RC_ANY_DEPTH && n > 0 &&
		    rp->comps[n - 1].kind == RC_ANY_DEPTH)
			continue;
		rp->comps[n++] = rp->comps[k];
	}
	rp->ncomps = n;
	if (rp->comps[n - 1].kind == RC_ANY_DEPTH) {
		rp->comps[n - 1].kind = RC_ANY_ONE;
		rp->comps[n].kind = RC_ANY_DEPTH;
		rp->ncomps++;
	}
	return true;
}

/* ---- the reference: match ------------------------------------------------ */

static bool ref_tok_byte(const struct rtok *t, unsigned char b)
{
	switch (t->kind) {
	case RT_LIT:
		return t->byte == b;
	case RT_ONE:
		return true;
	case RT_CLASS:
		return set_has(t->set, b);
	case RT_STAR:
		break;
	}
	return false;
}

/* Tokens against one component, by the textbook table: ok[j] is "the
 * tokens so far match comp[0..j)". */
static bool ref_glob(const struct rpat *rp, const struct rcomp *c,
		     const unsigned char *comp, size_t n)
{
	bool ok[REF_MAX_PATH + 2], nx[REF_MAX_PATH + 2];

	if (c->kind != RC_GLOB)
		return true;
	memset(ok, 0, sizeof(ok));
	ok[0] = true;
	for (size_t k = 0; k < c->ntoks; k++) {
		const struct rtok *t = &rp->toks[c->first + k];
		memset(nx, 0, sizeof(nx));
		for (size_t j = 0; j <= n; j++) {
			if (t->kind == RT_STAR)
				nx[j] = ok[j] || (j > 0 && nx[j - 1]);
			else
				nx[j] = j > 0 && ok[j - 1] &&
					ref_tok_byte(t, comp[j - 1]);
		}
		memcpy(ok, nx, sizeof(ok));
	}
	return ok[n];
}

struct rpath {
	size_t ncomps;
	size_t off[REF_MAX_PATH + 1], len[REF_MAX_PATH + 1];
};

/* Every '/' separates; "" has no components at all. */
static void ref_split(const unsigned char *p, size_t len, struct rpath *rp)
{
	size_t from = 0;

	rp->ncomps = 0;
	if (len == 0)
		return;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || p[i] == '/') {
			rp->off[rp->ncomps] = from;
			rp->len[rp->ncomps] = i - from;
			rp->ncomps++;
			from = i + 1;
		}
	}
}

/* The set of pattern positions reachable after the components of path;
 * state k means "comps[k..] still to match". */
static void ref_states(const struct rpat *rp, const unsigned char *p,
		       const struct rpath *sp, bool *st)
{
	bool nx[REF_MAX_PAT + 3];

	memset(st, 0, (rp->ncomps + 1) * sizeof(bool));
	st[0] = true;
	for (size_t k = 0; k < rp->ncomps; k++)
		if (st[k] && rp->comps[k].kind == RC_ANY_DEPTH)
			st[k + 1] = true;
	for (size_t ci = 0; ci < sp->ncomps; ci++) {
		memset(nx, 0, (rp->ncomps + 1) * sizeof(bool));
		for (size_t k = 0; k < rp->ncomps; k++) {
			const struct rcomp *c = &rp->comps[k];
			if (!st[k])
				continue;
			if (c->kind == RC_ANY_DEPTH)
				nx[k] = true;
			else if (ref_glob(rp, c, p + sp->off[ci], sp->len[ci]))
				nx[k + 1] = true;
		}
		for (size_t k = 0; k < rp->ncomps; k++)
			if (nx[k] && rp->comps[k].kind == RC_ANY_DEPTH)
				nx[k + 1] = true;
		memcpy(st, nx, (rp->ncomps + 1) * sizeof(bool));
	}
}

static bool ref_match(const struct rpat *rp, const unsigned char *p, size_t len,
		      bool is_dir)
{
	struct rpath sp;
	bool st[REF_MAX_PAT + 3];

	if (len == 0 || (rp->dir_only && !is_dir))
		return false;
	ref_split(p, len, &sp);
	if (rp->basename) {
		size_t last = sp.ncomps - 1;
		return ref_glob(rp, &rp->comps[0], p + sp.off[last],
				sp.len[last]);
	}
	ref_states(rp, p, &sp, st);
	return st[rp->ncomps];
}

static bool ref_may_match_below(const struct rpat *rp, const unsigned char *d,
				size_t len)
{
	struct rpath sp;
	bool st[REF_MAX_PAT + 3];

	if (rp->basename)
		return true;
	ref_split(d, len, &sp);
	ref_states(rp, d, &sp, st);
	for (size_t k = 0; k < rp->ncomps; k++)
		if (st[k])
			return true;
	return false;
}

/* ---- paths --------------------------------------------------------------- */

/* A deterministic byte source seeded from the input. */
struct rng {
	const uint8_t *d;
	size_t n, i;
	uint32_t x;
};

static unsigned rnd(struct rng *r, unsigned bound)
{
	r->x = r->x * 1103515245u + 12345u + (r->n ? r->d[r->i++ % r->n] : 0);
	return bound ? (r->x >> 8) % bound : 0;
}

struct buf {
	unsigned char b[REF_MAX_PATH * 4];
	size_t n;
};

static void put(struct buf *b, unsigned char c)
{
	if (b->n < sizeof(b->b))
		b->b[b->n++] = c;
}

static unsigned char any_byte(struct rng *r)
{
	static const unsigned char pool[] = "ab.-_x*?[]\\!/ \x01\x00\xff";
	unsigned char c;

	do
		c = rnd(r, 4) ? pool[rnd(r, sizeof(pool))]
			      : (unsigned char)rnd(r, 256);
	while (c == '/');
	return c;
}

static void gen_comp_bytes(const struct rpat *rp, const struct rcomp *c,
			   struct rng *r, struct buf *b)
{
	if (c->kind != RC_GLOB) {
		unsigned n = 1 + rnd(r, 3);
		while (n--)
			put(b, any_byte(r));
		return;
	}
	for (size_t k = 0; k < c->ntoks; k++) {
		const struct rtok *t = &rp->toks[c->first + k];
		switch (t->kind) {
		case RT_LIT:
			put(b, t->byte);
			break;
		case RT_ONE:
			put(b, any_byte(r));
			break;
		case RT_STAR:
			for (unsigned n = rnd(r, 3); n; n--)
				put(b, any_byte(r));
			break;
		case RT_CLASS: {
			unsigned start = rnd(r, 256);
			for (unsigned x = 0; x < 256; x++) {
				unsigned char cand =
					(unsigned char)((start + x) & 255);
				if (set_has(t->set, cand)) {
					put(b, cand);
					break;
				}
			}
			break;
		}
		}
	}
}

/* A path the pattern must match (P3's positive case). */
static void gen_witness(const struct rpat *rp, struct rng *r, struct buf *b)
{
	bool need_sep = false;

	b->n = 0;
	if (rp->basename) {
		for (unsigned n = rnd(r, 3); n; n--) {
			gen_comp_bytes(rp, &rp->comps[0], r, b);
			put(b, '/');
		}
		gen_comp_bytes(rp, &rp->comps[0], r, b);
		return;
	}
	for (size_t k = 0; k < rp->ncomps; k++) {
		const struct rcomp *c = &rp->comps[k];
		unsigned reps = c->kind == RC_ANY_DEPTH ? rnd(r, 3) : 1;
		while (reps--) {
			if (need_sep)
				put(b, '/');
			gen_comp_bytes(rp, c, r, b);
			need_sep = true;
		}
	}
}

static void mutate(struct rng *r, struct buf *b)
{
	switch (rnd(r, 5)) {
	case 0:
		if (b->n)
			b->b[rnd(r, (unsigned)b->n)] = any_byte(r);
		break;
	case 1:
		if (b->n)
			b->n = rnd(r, (unsigned)b->n);
		break;
	case 2:
		put(b, '/');
		put(b, any_byte(r));
		break;
	case 3: /* an empty, "." or ".." component */
		put(b, '/');
		if (rnd(r, 3)) {
			put(b, '.');
			if (rnd(r, 2))
				put(b, '.');
		}
		break;
	default:
		if (b->n)
			b->b[rnd(r, (unsigned)b->n)] = '/';
		break;
	}
}

/* ---- the checks ---------------------------------------------------------- */

static unsigned char *exact_copy(const unsigned char *p, size_t len)
{
	unsigned char *c = malloc(len ? len : 1);

	CHECK(c);
	if (len)
		memcpy(c, p, len);
	return c;
}

static bool has_glob_comp(const struct rpat *rp)
{
	for (size_t k = 0; k < rp->ncomps; k++)
		if (rp->comps[k].kind != RC_GLOB || !rp->comps[k].literal)
			return true;
	return false;
}

/* An empty, "." or ".." component; only the last one if last_only. */
static bool has_odd_comp(const unsigned char *p, size_t len, bool last_only)
{
	struct rpath sp;

	if (len > REF_MAX_PATH)
		return false;
	ref_split(p, len, &sp);
	for (size_t c = last_only ? sp.ncomps - 1 : 0; c < sp.ncomps; c++) {
		size_t n = sp.len[c];
		const unsigned char *s = p + sp.off[c];
		if (n == 0 || (n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			return true;
	}
	return false;
}

/* The unescaped literal the pattern names, for P5 (literal patterns). */
static size_t literal_text(const struct rpat *rp, unsigned char *out)
{
	size_t n = 0;

	for (size_t k = 0; k < rp->ncomps; k++) {
		if (k)
			out[n++] = '/';
		for (size_t t = 0; t < rp->comps[k].ntoks; t++)
			out[n++] = rp->toks[rp->comps[k].first + t].byte;
	}
	return n;
}

static void check_path(const struct pattern *p, const struct rpat *rp,
		       bool have_ref, const unsigned char *path0, size_t len)
{
	unsigned char *path = exact_copy(path0, len);

	for (int d = 0; d < 2; d++) {
		bool is_dir = d;
		bool got = pattern_match(p, (const char *)path, len, is_dir);

		/* P7: deterministic */
		CHECK(got == pattern_match(p, (const char *)path, len, is_dir));
		if (!have_ref || len > REF_MAX_PATH)
			continue;
		/* P3 */
		CHECK(got == ref_match(rp, path, len, is_dir));
		/* P7: is_dir matters only for a trailing '/' */
		if (!rp->dir_only)
			CHECK(got == pattern_match(p, (const char *)path, len,
						   !is_dir));
		if (!got)
			continue;
		/* P5 (a basename pattern looks at the last component only) */
		if (has_odd_comp(path, len, rp->basename))
			CHECK(has_glob_comp(rp));
		if (!has_glob_comp(rp)) {
			unsigned char lit[REF_MAX_PAT * 2];
			size_t ln = literal_text(rp, lit);
			if (rp->basename) {
				CHECK(len >= ln &&
				      memcmp(path + len - ln, lit, ln) == 0 &&
				      (len == ln || path[len - ln - 1] == '/'));
			} else {
				CHECK(len == ln && memcmp(path, lit, ln) == 0);
			}
		}
		/* P6 */
		if (rp->basename) {
			const unsigned char *slash = memrchr(path, '/', len);
			if (slash) {
				size_t skip = (size_t)(slash - path) + 1;
				unsigned char *base =
					exact_copy(path + skip, len - skip);
				CHECK(len - skip == 0 ||
				      pattern_match(p, (const char *)base,
						    len - skip, is_dir));
				free(base);
			}
		}
		/* P4: every proper ancestor can lead here */
		for (size_t i = 0; i < len; i++) {
			if (path[i] != '/')
				continue;
			unsigned char *anc = exact_copy(path, i);
			CHECK(pattern_may_match_below(p, (const char *)anc, i));
			free(anc);
		}
		CHECK(pattern_may_match_below(p, "", 0));
	}
	{
		bool below =
			pattern_may_match_below(p, (const char *)path, len);
		if (have_ref && len <= REF_MAX_PATH)
			CHECK(below == ref_may_match_below(rp, path, len));
	}
	free(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rpat rp;
	struct pattern *p = NULL;
	const char *why = NULL;
	unsigned col = 0;
	const uint8_t *pat, *nl, *rest, *end = data + size;
	size_t plen;
	unsigned char *src;
	bool have_ref, ref_ok;
	int r;

	if (size < 1)
		return 0;
	pat = data + 1;
	nl = memchr(pat, '\n', (size_t)(end - pat));
	plen = (size_t)((nl ? nl : end) - pat);
	rest = nl ? nl + 1 : end;

	src = exact_copy(pat, plen);
	r = pattern_compile((const char *)src, plen, &p, &why, &col);
	have_ref = plen <= REF_MAX_PAT;
	ref_ok = have_ref && ref_compile(src, plen, &rp);

	/* P1 */
	if (r != 0) {
		CHECK(r == -22 /* EINVAL */ && p == NULL && why && *why);
		CHECK(col >= 1 && col <= plen + 1);
		CHECK(!ref_ok);
		free(src);
		return 0;
	}
	CHECK(p != NULL);
	CHECK(!memchr(src, 0, plen));
	if (have_ref)
		CHECK(ref_ok);
	/* P2 */
	CHECK(strlen(pattern_text(p)) == plen &&
	      memcmp(pattern_text(p), src, plen) == 0);
	/* compiled from its own text, the same pattern */
	if (have_ref) {
		struct pattern *again = NULL;
		CHECK(pattern_compile(pattern_text(p), plen, &again, &why,
				      &col) == 0);
		pattern_free(again);
	}

	/* the input's own paths */
	while (rest < end) {
		const uint8_t *e = memchr(rest, '\n', (size_t)(end - rest));
		size_t n = (size_t)((e ? e : end) - rest);
		check_path(p, &rp, ref_ok, rest, n);
		rest = e ? e + 1 : end;
	}

	/* generated: witnesses must match, and mutations of them */
	if (ref_ok) {
		struct rng rg = { data, size, 0, (uint32_t)size };
		static struct buf b;
		for (int k = 0; k < 8; k++) {
			gen_witness(&rp, &rg, &b);
			if (b.n > 0 && b.n <= REF_MAX_PATH) {
				unsigned char *w = exact_copy(b.b, b.n);
				CHECK(ref_match(&rp, w, b.n, true));
				CHECK(pattern_match(p, (const char *)w, b.n,
						    true));
				free(w);
			}
			check_path(p, &rp, ref_ok, b.b, b.n);
			mutate(&rg, &b);
			check_path(p, &rp, ref_ok, b.b, b.n);
		}
	}
	pattern_free(p);
	free(src);
	return 0;
}
