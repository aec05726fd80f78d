/* readfile.h — reading a small text file the launcher was given (a config
 * layer, an allowlist) whole and bounded. */
#ifndef CLAUDE_SBX_READFILE_H
#define CLAUDE_SBX_READFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "claude-sbx/err.h"

/* Reads the regular file path whole, NUL-terminated, refusing more than max
 * bytes; what names the file's role in errors ("config", "allowlist").
 * Returns 0 with *out (malloc'd) and *len; with missing_ok, a file that does
 * not exist gives 0 and *out NULL; otherwise -1 with *err (status 2 for a
 * bad file, 1 out of memory). */
int sbx_read_file(const char *path, size_t max, const char *what,
		  bool missing_ok, char **out, size_t *len,
		  struct sbx_err *err);

#endif
