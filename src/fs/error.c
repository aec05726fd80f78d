/* error.c — see error.h. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

int seedfs_fail(struct seedfs_error *err, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err->status = status;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}
