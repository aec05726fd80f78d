/* runcmd.h — running a helper program from an argv array, never a shell. */
#ifndef SEEDFS_SPAWN_H
#define SEEDFS_SPAWN_H

#include <stddef.h>

/* Runs argv[0] (searched in PATH) with stdin from /dev/null, capturing
 * stdout and stderr together into out (NUL-terminated, trailing newline
 * removed). Returns its exit status (0..255), or -errno if it could not be
 * started (-ENOENT: not installed). */
int spawn_capture(const char *const argv[], char *out, size_t outlen);

#endif
