/* error.h — filling a struct seedfs_error (seedfs.h) in one line. */
#ifndef SEEDFS_ERROR_H
#define SEEDFS_ERROR_H

#include "seedfs/seedfs.h"

/* Sets err->status and a formatted message; returns -1 for "return
 * seedfs_fail(…)". */
int seedfs_fail(struct seedfs_error *err, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
