/* pattern.h — gitignore-like path patterns, compiled once, matched byte-exact.
 *
 * Owns: the glob language of rule files (docs/rules.md). A pattern is matched
 * against a path relative to SOURCE: components separated by '/', no leading
 * or trailing '/', "" for SOURCE itself.
 *
 *   no '/' except trailing    matches the basename at any depth ("*.pem")
 *   a '/' at start or middle  anchored at SOURCE ("/skills/", "skills/x")
 *   trailing '/'              directories only
 *   '*'  any run of bytes except '/'      '?'  one byte except '/'
 *   '[a-z]', '[!x]', '[^x]'   one byte from a class (byte ranges, no locales)
 *   '**'  as a whole component: zero or more components
 *   '\x'  the byte x literally
 * A leading '!' is refused (rule files have separate include/exclude lists).
 */
#ifndef SEEDFS_PATTERN_H
#define SEEDFS_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

#define PATTERN_MAX_LEN 4095

struct pattern;

/* Compiles src[0..len). Returns 0, or -EINVAL with *why set to a static
 * English reason and *col to the 1-based byte column where it went wrong. */
int pattern_compile(const char *src, size_t len, struct pattern **out,
		    const char **why, unsigned *col);
void pattern_free(struct pattern *p);

/* The source text, as written. */
const char *pattern_text(const struct pattern *p);

/* True if path (relative, see above) matches. is_dir says what path is. */
bool pattern_match(const struct pattern *p, const char *path, size_t len,
		   bool is_dir);

/* True if some path strictly below directory dir could match: used to keep
 * directories that lead to included files visible as containers. */
bool pattern_may_match_below(const struct pattern *p, const char *dir,
			     size_t len);

#endif
