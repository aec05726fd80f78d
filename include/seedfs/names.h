/* names.h — what a single directory-entry name may be.
 *
 * Owns: the refusal of names that could step outside a directory or confuse
 * a path join. Checked before any source access: a refused name is answered
 * exactly like an absent one.
 */
#ifndef SEEDFS_NAMES_H
#define SEEDFS_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* Longest name handled; longer ones are refused with ENAMETOOLONG. */
#define NAME_MAX_BYTES 4095

/* Non-empty, not "." or "..", no '/' and no NUL within name[0..len). */
bool name_is_valid(const char *name, size_t len);

/* Splits a relative PATH argument (explain) into components, checking each
 * with name_is_valid. Accepts "a/b", refuses "", "/a", "a//b", "a/./b",
 * "a/../b"; a single trailing '/' is allowed. Returns 0 or -EINVAL. */
int name_check_relpath(const char *path);

#endif
