/* strv.c — growable NULL-terminated string vectors (see strv.h). */
#include "claude-sbx/strv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int strv_reserve(struct strv *s, size_t more)
{
	if (s->n + more + 1 <= s->cap)
		return 0;
	size_t cap = s->cap ? s->cap * 2 : 8;
	while (cap < s->n + more + 1)
		cap *= 2;
	char **v = realloc(s->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->v = v;
	s->cap = cap;
	return 0;
}

static int strv_take(struct strv *s, char *x)
{
	if (!x || strv_reserve(s, 1) < 0) {
		free(x);
		return -ENOMEM;
	}
	s->v[s->n++] = x;
	s->v[s->n] = NULL;
	return 0;
}

int strv_push(struct strv *s, const char *x)
{
	return strv_take(s, strdup(x));
}

int strv_pushn(struct strv *s, const char *x, size_t len)
{
	return strv_take(s, strndup(x, len));
}

int strv_pushf(struct strv *s, const char *fmt, ...)
{
	va_list ap;
	char *x = NULL;

	va_start(ap, fmt);
	int r = vasprintf(&x, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	return strv_take(s, x);
}

int strv_extend(struct strv *s, const struct strv *from)
{
	for (size_t i = 0; i < from->n; i++)
		if (strv_push(s, from->v[i]) < 0)
			return -ENOMEM;
	return 0;
}

bool strv_contains(const struct strv *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], x) == 0)
			return true;
	return false;
}

int strv_add_unique(struct strv *s, const char *x)
{
	return strv_contains(s, x) ? 0 : strv_push(s, x);
}

void strv_clear(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	s->n = 0;
	if (s->v)
		s->v[0] = NULL;
}

void strv_free(struct strv *s)
{
	strv_clear(s);
	free(s->v);
	s->v = NULL;
	s->cap = 0;
}
