/* util/mountinfo.h — reading /proc/self/mountinfo (part of the shared util
 * layer, src/util/).
 *
 * Owns: the one parser of mountinfo lines (mount point unescaped from its
 * \ooo form, fstype, super options), for the daemon's mountpoint checks
 * (src/fs/mountpoint.c), kit export's "is anything mounted in there"
 * (src/sbx/cmd_kit.c) and the launcher's allow_other check
 * (src/sbx/fuseconf.c, over text it was given).
 */
#ifndef UTIL_MOUNTINFO_H
#define UTIL_MOUNTINFO_H

#include <stdbool.h>
#include <stddef.h>

#define MOUNTINFO_MAX_BYTES (16u << 20)

typedef bool (*mountinfo_fn)(const char *mp, const char *fstype,
			     const char *super, void *arg);

/* Calls fn for every line of mountinfo text that has a mount point, in
 * order, until fn returns false; fstype and super are "" when the line
 * is cut short before them. Returns 0 or -ENOMEM. */
int mountinfo_parse(const char *text, size_t len, mountinfo_fn fn, void *arg);

/* mountinfo_parse over /proc/self/mountinfo: every mount of this
 * process's namespace, in the file's order (later mounts on top).
 * Returns 0, or -errno when the file cannot be read. */
int mountinfo_scan(mountinfo_fn fn, void *arg);

#endif
