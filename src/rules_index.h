/* rules_index.h — private to the core library: ordered pattern lists that
 * answer "which is the last pattern matching this path" and "may any match
 * below this directory" without scanning every pattern.
 *
 * Owns: hash tables of the patterns by their keys (pattern_key.h): whole
 * path, last component, its literal prefix or suffix, literal leading
 * components, any one component. A query hashes the few parts of the path
 * a key can name, confirms the candidates with the real matcher and scans
 * only the patterns that have no key, so its cost follows how many
 * patterns could match, not how many there are. The answers are exactly
 * those of a scan.
 *
 * An index points at the patterns it was built from and is immutable once
 * built: it is freed before them and is safe to share between threads.
 */
#ifndef SEEDFS_RULES_INDEX_H
#define SEEDFS_RULES_INDEX_H

#include <stdbool.h>
#include <stddef.h>

struct pattern;

/* pattern_match over an ordered list: last match wins. */
struct match_index;

/* Indexes pats[0..n). Returns 0 or -ENOMEM. */
int match_index_build(const struct pattern *const *pats, size_t n,
		      struct match_index **out);
void match_index_free(struct match_index *ix);

/* The highest i with pattern_match(pats[i], path, len, is_dir), or
 * SIZE_MAX if none matches. */
size_t match_index_last(const struct match_index *ix, const char *path,
			size_t len, bool is_dir);

/* pattern_may_match_below over a list: does any? */
struct below_index;

int below_index_build(const struct pattern *const *pats, size_t n,
		      struct below_index **out);
void below_index_free(struct below_index *ix);

/* True if pattern_may_match_below(pats[i], dir, len) for some i. */
bool below_index_any(const struct below_index *ix, const char *dir, size_t len);

#endif
