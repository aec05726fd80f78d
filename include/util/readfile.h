/* util/readfile.h — reading a small file whole, bounded (part of the shared
 * util layer, src/util/).
 *
 * Owns: the one bounded whole-file read of the project: rule files
 * (src/rules.c), computed sources (src/fs/computed.c) and the launcher's
 * config layers and allowlists (src/sbx/readfile.c). Only regular files
 * are read; a path is opened with O_NONBLOCK so that a FIFO can neither
 * block the open nor the read, and a read error is an error, never a
 * silently shorter file.
 */
#ifndef UTIL_READFILE_H
#define UTIL_READFILE_H

#include <stddef.h>

/* Which step of uread_path failed. */
enum uread_step { UREAD_OPEN, UREAD_STAT, UREAD_TYPE, UREAD_SIZE, UREAD_READ };

/* Reads the regular file open at fd whole from offset 0, NUL-terminated,
 * into *out (malloc'd) and *len. Returns 0; -EINVAL when fd is not a
 * regular file; -EFBIG when it has (or grows to) more than max bytes;
 * -ENOMEM; -errno of fstat or a read. *step (may be NULL) says which. */
int uread_fd(int fd, size_t max, char **out, size_t *len,
	     enum uread_step *step);

/* Opens path (following links, O_NONBLOCK|O_NOCTTY|O_CLOEXEC) and reads it
 * with uread_fd. Returns 0 or -errno as uread_fd, or the open's -errno
 * with *step UREAD_OPEN. */
int uread_path(const char *path, size_t max, char **out, size_t *len,
	       enum uread_step *step);

#endif
