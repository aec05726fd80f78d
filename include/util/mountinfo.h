/* util/mountinfo.h — reading /proc/self/mountinfo (part of the shared util
 * layer, src/util/).
 *
 * Owns: the one parser of mountinfo lines (mount point unescaped from its
 * \ooo form, fstype, super options), for the daemon's mountpoint checks
 * (src/fs/mountpoint.c) and kit export's "is anything mounted in there"
 * (src/sbx/cmd_kit.c).
 */
#ifndef UTIL_MOUNTINFO_H
#define UTIL_MOUNTINFO_H

#include <stdbool.h>

/* Calls fn for every mount of this process's namespace, in the file's
 * order (later mounts on top), until fn returns false. super is "" when
 * the line has none. Returns 0, or -errno when the file cannot be read. */
int mountinfo_scan(bool (*fn)(const char *mp, const char *fstype,
			      const char *super, void *arg),
		   void *arg);

#endif
