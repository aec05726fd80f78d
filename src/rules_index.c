/* rules_index.c — hash indexes of pattern lists (rules_index.h).
 *
 * Owns: the key tables and the two queries. A key table maps a key's
 * bytes to the patterns filed under it, ascending; the last-match query
 * confirms each bucket from its highest index down and stops at the first
 * match or at the best index found so far, so "last match wins" costs no
 * sorting. Probes are skipped when no key of the table starts (suffixes:
 * ends) with the probe's byte.
 */
#include "rules_index.h"

#include "pattern_key.h"
#include "seedfs/pattern.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* A distinct key and where its patterns are in the table's members. */
struct key_slot {
	const char *key; /* NULL: the slot is free */
	uint64_t hash;
	size_t len;
	uint32_t first, count;
};

/* The patterns of one kind of key; open addressing, linear probing. */
struct key_table {
	struct key_slot *slots; /* NULL while the table is empty */
	size_t mask;
	uint32_t *members;
	uint64_t lead[4]; /* bytes some key starts with (suffixes: ends) */
	size_t *lens;	  /* distinct key lengths, or component counts of
			     heads, ascending */
	size_t nlens;
};

/* A key to file, before the table is built. */
struct key_entry {
	const char *bytes;
	size_t len;
	size_t probe_len; /* what lens holds: len, or components (heads) */
	uint32_t idx;
};

struct entry_list {
	struct key_entry *v;
	size_t n, cap;
};

struct match_index {
	const struct pattern **pats;
	size_t n;
	struct key_table path, name, prefix, suffix, head, comp;
	uint32_t *wild; /* patterns without a key, ascending */
	size_t nwild;
};

struct below_index {
	const struct pattern **pats;
	size_t n;
	bool all; /* some pattern may match below every directory */
	/* each component prefix of a literal head (for a whole literal
	 * pattern, the proper ones): a directory on the way to it */
	struct key_table within;
	/* the heads of patterns that go on with globs or '**': a directory
	 * past them */
	struct key_table head;
	uint32_t *wild;
	size_t nwild;
};

/* ---- key tables --------------------------------------------------------- */

static void lead_add(uint64_t *lead, unsigned char b)
{
	lead[b >> 6] |= UINT64_C(1) << (b & 63);
}

static bool lead_has(const uint64_t *lead, unsigned char b)
{
	return (lead[b >> 6] >> (b & 63)) & 1;
}

static int entry_add(struct entry_list *l, const char *bytes, size_t len,
		     size_t probe_len, size_t idx)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct key_entry *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] =
		(struct key_entry){ bytes, len, probe_len, (uint32_t)idx };
	return 0;
}

/* The slot of key (hash h), or the free slot where it would go. */
static struct key_slot *table_slot(const struct key_table *t, const char *key,
				   size_t len, uint64_t h)
{
	for (size_t i = (size_t)h & t->mask;; i = (i + 1) & t->mask) {
		struct key_slot *s = &t->slots[i];
		if (!s->key || (s->hash == h && s->len == len &&
				memcmp(s->key, key, len) == 0))
			return s;
	}
}

/* The patterns filed under key, or NULL. */
static const struct key_slot *table_find(const struct key_table *t,
					 const char *key, size_t len)
{
	const struct key_slot *s;

	if (!t->slots)
		return NULL;
	s = table_slot(t, key, len, XXH3_64bits(key, len));
	return s->key ? s : NULL;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

/* Fills t from the entries (ascending idx per key); suffix says which end
 * of the keys goes into lead. */
static int table_build(struct key_table *t, const struct entry_list *l,
		       bool suffix)
{
	uint32_t *slot_of;
	size_t cap = 8, off = 0;

	if (l->n == 0)
		return 0;
	while (cap < 2 * l->n)
		cap *= 2;
	t->slots = calloc(cap, sizeof(*t->slots));
	t->members = calloc(l->n, sizeof(*t->members));
	t->lens = calloc(l->n, sizeof(*t->lens));
	slot_of = calloc(l->n, sizeof(*slot_of));
	if (!t->slots || !t->members || !t->lens || !slot_of) {
		free(slot_of);
		return -ENOMEM;
	}
	t->mask = cap - 1;
	for (size_t i = 0; i < l->n; i++) {
		const struct key_entry *e = &l->v[i];
		uint64_t h = XXH3_64bits(e->bytes, e->len);
		struct key_slot *s = table_slot(t, e->bytes, e->len, h);
		if (!s->key)
			*s = (struct key_slot){ e->bytes, h, e->len, 0, 0 };
		s->count++;
		slot_of[i] = (uint32_t)(s - t->slots);
		lead_add(t->lead,
			 (unsigned char)e->bytes[suffix ? e->len - 1 : 0]);
		t->lens[i] = e->probe_len;
	}
	for (size_t i = 0; i <= t->mask; i++) {
		t->slots[i].first = (uint32_t)off;
		off += t->slots[i].count;
		t->slots[i].count = 0;
	}
	for (size_t i = 0; i < l->n; i++) {
		struct key_slot *s = &t->slots[slot_of[i]];
		t->members[s->first + s->count++] = l->v[i].idx;
	}
	free(slot_of);
	qsort(t->lens, l->n, sizeof(*t->lens), cmp_size);
	for (size_t i = 0; i < l->n; i++)
		if (t->nlens == 0 || t->lens[t->nlens - 1] != t->lens[i])
			t->lens[t->nlens++] = t->lens[i];
	return 0;
}

static void table_free(struct key_table *t)
{
	free(t->slots);
	free(t->members);
	free(t->lens);
}

static int copy_pats(const struct pattern *const *pats, size_t n,
		     const struct pattern ***out)
{
	/* indexes are stored as uint32_t */
	if (n > UINT32_MAX)
		return -ENOMEM;
	*out = calloc(n ? n : 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	if (n)
		memcpy(*out, pats, n * sizeof(**out));
	return 0;
}

/* Where component number comps (1-based) of path[0..len) ends, going on
 * from component *at ending at *end; false if path has fewer. */
static bool component_end(const char *path, size_t len, size_t comps,
			  size_t *at, size_t *end)
{
	while (*at < comps) {
		const char *slash;
		if (*end >= len)
			return false;
		slash = memchr(path + *end + 1, '/', len - *end - 1);
		*end = slash ? (size_t)(slash - path) : len;
		++*at;
	}
	return true;
}

/* ---- last match --------------------------------------------------------- */

/* Confirms v[0..n) (ascending) from the highest down, above *best (an
 * index + 1, 0 for none). */
static void last_of(const struct match_index *ix, const uint32_t *v, size_t n,
		    const char *path, size_t len, bool is_dir, size_t *best)
{
	for (size_t k = n; k-- > 0;) {
		if (v[k] < *best)
			return;
		if (pattern_match(ix->pats[v[k]], path, len, is_dir)) {
			*best = (size_t)v[k] + 1;
			return;
		}
	}
}

static void last_in_slot(const struct match_index *ix,
			 const struct key_table *t, const struct key_slot *s,
			 const char *path, size_t len, bool is_dir,
			 size_t *best)
{
	if (s)
		last_of(ix, t->members + s->first, s->count, path, len, is_dir,
			best);
}

int match_index_build(const struct pattern *const *pats, size_t n,
		      struct match_index **out)
{
	struct entry_list lists[PKEY_ALL + 1] = { { NULL, 0, 0 } };
	struct match_index *ix = calloc(1, sizeof(*ix));
	int r = -ENOMEM;

	if (!ix || copy_pats(pats, n, &ix->pats))
		goto out;
	ix->n = n;
	ix->wild = calloc(n ? n : 1, sizeof(*ix->wild));
	if (!ix->wild)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct pattern_key k = pattern_match_key(pats[i]);
		if (k.kind == PKEY_NONE || k.kind == PKEY_ALL) {
			ix->wild[ix->nwild++] = (uint32_t)i;
			continue;
		}
		if (entry_add(&lists[k.kind], k.bytes, k.len,
			      k.kind == PKEY_HEAD ? k.comps : k.len, i))
			goto out;
	}
	if (table_build(&ix->path, &lists[PKEY_PATH], false) ||
	    table_build(&ix->name, &lists[PKEY_NAME], false) ||
	    table_build(&ix->prefix, &lists[PKEY_NAME_PREFIX], false) ||
	    table_build(&ix->suffix, &lists[PKEY_NAME_SUFFIX], true) ||
	    table_build(&ix->head, &lists[PKEY_HEAD], false) ||
	    table_build(&ix->comp, &lists[PKEY_COMPONENT], false))
		goto out;
	r = 0;
out:
	for (size_t i = 0; i <= PKEY_ALL; i++)
		free(lists[i].v);
	if (r) {
		match_index_free(ix);
		return r;
	}
	*out = ix;
	return 0;
}

void match_index_free(struct match_index *ix)
{
	if (!ix)
		return;
	table_free(&ix->path);
	table_free(&ix->name);
	table_free(&ix->prefix);
	table_free(&ix->suffix);
	table_free(&ix->head);
	table_free(&ix->comp);
	free(ix->wild);
	free(ix->pats);
	free(ix);
}

/* The literal prefixes and suffixes of the last component name[0..n). */
static void last_by_affix(const struct match_index *ix, const char *name,
			  size_t n, const char *path, size_t len, bool is_dir,
			  size_t *best)
{
	const struct key_table *t = &ix->prefix;

	if (n > 0 && t->slots && lead_has(t->lead, (unsigned char)name[0]))
		for (size_t i = 0; i < t->nlens && t->lens[i] <= n; i++)
			last_in_slot(ix, t, table_find(t, name, t->lens[i]),
				     path, len, is_dir, best);
	t = &ix->suffix;
	if (n > 0 && t->slots && lead_has(t->lead, (unsigned char)name[n - 1]))
		for (size_t i = 0; i < t->nlens && t->lens[i] <= n; i++)
			last_in_slot(ix, t,
				     table_find(t, name + n - t->lens[i],
						t->lens[i]),
				     path, len, is_dir, best);
}

/* The literal leading components of path. */
static void last_by_head(const struct match_index *ix, const char *path,
			 size_t len, bool is_dir, size_t *best)
{
	const struct key_table *t = &ix->head;
	const char *slash;
	size_t at = 1, end;

	if (!t->slots || !lead_has(t->lead, (unsigned char)path[0]))
		return;
	slash = memchr(path, '/', len);
	end = slash ? (size_t)(slash - path) : len;
	for (size_t i = 0; i < t->nlens; i++) {
		if (!component_end(path, len, t->lens[i], &at, &end))
			return;
		last_in_slot(ix, t, table_find(t, path, end), path, len, is_dir,
			     best);
	}
}

/* Each component of path. */
static void last_by_component(const struct match_index *ix, const char *path,
			      size_t len, bool is_dir, size_t *best)
{
	const struct key_table *t = &ix->comp;
	size_t start = 0;

	if (!t->slots)
		return;
	for (;;) {
		const char *slash = memchr(path + start, '/', len - start);
		size_t end = slash ? (size_t)(slash - path) : len;
		if (end > start &&
		    lead_has(t->lead, (unsigned char)path[start]))
			last_in_slot(ix, t,
				     table_find(t, path + start, end - start),
				     path, len, is_dir, best);
		if (!slash)
			return;
		start = end + 1;
	}
}

size_t match_index_last(const struct match_index *ix, const char *path,
			size_t len, bool is_dir)
{
	const char *name = path, *slash;
	size_t n = len, best = 0;

	if (len == 0)
		return SIZE_MAX; /* pattern_match is false for "" */
	slash = memrchr(path, '/', len);
	if (slash) {
		name = slash + 1;
		n = len - (size_t)(name - path);
	}
	last_of(ix, ix->wild, ix->nwild, path, len, is_dir, &best);
	if (ix->path.slots && lead_has(ix->path.lead, (unsigned char)path[0]))
		last_in_slot(ix, &ix->path, table_find(&ix->path, path, len),
			     path, len, is_dir, &best);
	if (n > 0 && ix->name.slots &&
	    lead_has(ix->name.lead, (unsigned char)name[0]))
		last_in_slot(ix, &ix->name, table_find(&ix->name, name, n),
			     path, len, is_dir, &best);
	last_by_affix(ix, name, n, path, len, is_dir, &best);
	last_by_head(ix, path, len, is_dir, &best);
	last_by_component(ix, path, len, is_dir, &best);
	return best ? best - 1 : SIZE_MAX;
}

/* ---- may match below ---------------------------------------------------- */

static bool any_of(const struct below_index *ix, const uint32_t *v, size_t n,
		   const char *dir, size_t len)
{
	for (size_t k = 0; k < n; k++)
		if (pattern_may_match_below(ix->pats[v[k]], dir, len))
			return true;
	return false;
}

static bool any_in_slot(const struct below_index *ix, const struct key_table *t,
			const struct key_slot *s, const char *dir, size_t len)
{
	return s && any_of(ix, t->members + s->first, s->count, dir, len);
}

/* Files a head under each of its component prefixes (within) and, unless
 * it is the whole pattern, as itself (head). */
static int below_add_head(struct entry_list *within, struct entry_list *head,
			  const struct pattern_key *k, size_t idx)
{
	size_t comps = 0;

	for (size_t i = 0; i <= k->len; i++) {
		if (i < k->len && k->bytes[i] != '/')
			continue;
		comps++;
		if (k->whole && comps == k->comps)
			break;
		if (entry_add(within, k->bytes, i, comps, idx))
			return -ENOMEM;
	}
	if (!k->whole && entry_add(head, k->bytes, k->len, k->comps, idx))
		return -ENOMEM;
	return 0;
}

int below_index_build(const struct pattern *const *pats, size_t n,
		      struct below_index **out)
{
	struct entry_list within = { NULL, 0, 0 }, head = { NULL, 0, 0 };
	struct below_index *ix = calloc(1, sizeof(*ix));
	int r = -ENOMEM;

	if (!ix || copy_pats(pats, n, &ix->pats))
		goto out;
	ix->n = n;
	ix->wild = calloc(n ? n : 1, sizeof(*ix->wild));
	if (!ix->wild)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct pattern_key k = pattern_below_key(pats[i]);
		if (k.kind == PKEY_ALL)
			ix->all = true;
		else if (k.kind == PKEY_HEAD) {
			if (below_add_head(&within, &head, &k, i))
				goto out;
		} else {
			ix->wild[ix->nwild++] = (uint32_t)i;
		}
	}
	if (table_build(&ix->within, &within, false) ||
	    table_build(&ix->head, &head, false))
		goto out;
	r = 0;
out:
	free(within.v);
	free(head.v);
	if (r) {
		below_index_free(ix);
		return r;
	}
	*out = ix;
	return 0;
}

void below_index_free(struct below_index *ix)
{
	if (!ix)
		return;
	table_free(&ix->within);
	table_free(&ix->head);
	free(ix->wild);
	free(ix->pats);
	free(ix);
}

bool below_index_any(const struct below_index *ix, const char *dir, size_t len)
{
	const struct key_table *t = &ix->head;
	const char *slash;
	size_t at = 1, end;

	if (len == 0) {
		/* SOURCE itself: rare, and every kind of pattern answers */
		for (size_t i = 0; i < ix->n; i++)
			if (pattern_may_match_below(ix->pats[i], dir, len))
				return true;
		return false;
	}
	if (ix->all)
		return true;
	if (ix->within.slots &&
	    lead_has(ix->within.lead, (unsigned char)dir[0]) &&
	    any_in_slot(ix, &ix->within, table_find(&ix->within, dir, len), dir,
			len))
		return true;
	if (t->slots && lead_has(t->lead, (unsigned char)dir[0])) {
		slash = memchr(dir, '/', len);
		end = slash ? (size_t)(slash - dir) : len;
		/* the heads that are proper component prefixes of dir */
		for (size_t i = 0; i < t->nlens; i++) {
			if (!component_end(dir, len, t->lens[i], &at, &end) ||
			    end == len)
				break;
			if (any_in_slot(ix, t, table_find(t, dir, end), dir,
					len))
				return true;
		}
	}
	return any_of(ix, ix->wild, ix->nwild, dir, len);
}
