/* strv.h — a growable, NULL-terminated vector of owned strings.
 *
 * Owns: argv building and string lists for the launcher. Every function
 * returns 0 or -ENOMEM; v is always NULL-terminated, so it can be handed
 * to execvp/posix_spawnp as it is.
 */
#ifndef CLAUDE_SBX_STRV_H
#define CLAUDE_SBX_STRV_H

#include <stdbool.h>
#include <stddef.h>

struct strv {
	char **v;
	size_t n;
	size_t cap;
};

int strv_push(struct strv *s, const char *x);
int strv_pushn(struct strv *s, const char *x, size_t len);
/* Appends printf-formatted text as one element. */
int strv_pushf(struct strv *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int strv_extend(struct strv *s, const struct strv *from);
bool strv_contains(const struct strv *s, const char *x);
/* Appends x unless already present. */
int strv_add_unique(struct strv *s, const char *x);
void strv_clear(struct strv *s);
void strv_free(struct strv *s);

#endif
