/* util/keytab.h — the keys a YAML mapping may have (part of the shared util
 * layer, src/util/).
 *
 * Owns: walking a mapping's keys against a fixed table — each known key
 * at most once, no others — and the wording of the two refusals:
 *   unknown key "K" (known keys: a, b, c)   or   unknown key "K" in WHERE
 *   duplicate key "K" (first at line N)
 * (the config's tests pin its "in WHERE" form of the first exactly)
 * for the rule files (src/rules.c, over libyaml events) and the launcher's
 * config (src/sbx/config.c, over its tree). The callers put their position
 * and where-in-the-file around the words.
 *
 * A table is an array of structs whose first member is the key's
 * `const char *name`; the callers' handler pointers follow it.
 */
#ifndef UTIL_KEYTAB_H
#define UTIL_KEYTAB_H

#include <stdbool.h>
#include <stddef.h>

#define KEYTAB_MAX 16 /* keys in one table */

struct keytab {
	const char *table;
	size_t stride, n;
	unsigned seen[KEYTAB_MAX]; /* line of each key's first use; 0 none */
};

enum keytab_result { KEYTAB_FOUND, KEYTAB_UNKNOWN, KEYTAB_DUPLICATE };

/* n entries of stride bytes at table (n == 0: up to the entry whose name
 * is NULL), at most KEYTAB_MAX. */
void keytab_init(struct keytab *t, const void *table, size_t stride, size_t n);

/* The name of entry i. */
const char *keytab_name(const struct keytab *t, size_t i);

/* Looks key[0..len) up. FOUND: *index is its entry, now seen at line.
 * DUPLICATE: *index is its entry, first seen at t->seen[*index].
 * UNKNOWN: not in the table. */
enum keytab_result keytab_take(struct keytab *t, const char *key, size_t len,
			       unsigned line, size_t *index);

/* The refusals' words: 'unknown key "K"[ in IN][ (known keys: …)]' (in
 * may be NULL; known: list the table) and 'duplicate key "K" (first at
 * line N)'. */
void keytab_unknown(const struct keytab *t, const char *key, const char *in,
		    bool known, char *buf, size_t size);
void keytab_duplicate(const struct keytab *t, size_t index, char *buf,
		      size_t size);

#endif
