/* mount_reason.h — turning what the mount step wrote to stderr (libfuse's
 * messages, fusermount3's own refusal) into one line for the mount error.
 * Pure logic; daemon.c captures the text.
 */
#ifndef SEEDFS_MOUNT_REASON_H
#define SEEDFS_MOUNT_REASON_H

#include <stddef.h>

/* Condenses raw (len bytes, not NUL-terminated, possibly binary) into out:
 * non-printable bytes dropped, blank lines skipped, lines joined with
 * "; ", at most outlen - 1 bytes (cut with "..." at the end). Returns the
 * length written (0: nothing worth saying). */
size_t mount_reason(const char *raw, size_t len, char *out, size_t outlen);

#endif
