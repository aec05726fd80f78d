/* util/why.h — filling a caller's "why" buffer (part of the shared util
 * layer, src/util/).
 *
 * Owns: the one formatter of the (char *why, size_t why_len) reason that
 * the pure transforms (src/frontmatter.c, src/settings_sanitize.c) return
 * with -EINVAL.
 */
#ifndef UTIL_WHY_H
#define UTIL_WHY_H

#include <stddef.h>

/* Formats into why (when why_len > 0) and returns -EINVAL. */
__attribute__((format(printf, 3, 4))) int set_why(char *why, size_t why_len,
						  const char *fmt, ...);

#endif
