/* why.c — the reason formatter (see util/why.h). */
#include "util/why.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int set_why(char *why, size_t why_len, const char *fmt, ...)
{
	va_list ap;

	if (why_len == 0)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(why, why_len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}
