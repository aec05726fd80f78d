/* mountpoint.h — where a view may be mounted, and what is mounted where.
 *
 * Owns: the refusals (a mountpoint inside SOURCE or another anchor, a
 * non-empty one, one already mounted) and the daemon's questions to
 * /proc/self/mountinfo (parsed by util/mountinfo.h).
 */
#ifndef SEEDFS_MOUNTPOINT_H
#define SEEDFS_MOUNTPOINT_H

#include <stdbool.h>
#include <stddef.h>

#include "seedfs/seedfs.h"

#define SEEDFS_FSTYPE "fuse.claude-seedfs"
#define MAX_ANCHORS   64 /* SOURCE and follow directories checked */

/* Checks mp and returns its canonical path in *canonical (malloc'd).
 * anchors are O_PATH descriptors of SOURCE and the other anchors. */
int mountpoint_check(const char *mp, const int *anchors, size_t nanchors,
		     char **canonical, struct seedfs_error *err);

/* Canonical path of mp without touching mp itself (it may be a dead
 * mount): the parent resolved, the last component kept. */
int mountpoint_canonical(const char *mp, char **out);

/* 1 if something is mounted exactly at mp (canonical), with its fstype in
 * fstype; 0 if not; -errno. */
int mountinfo_lookup(const char *mp, char *fstype, size_t len);

/* Calls fn for every claude-seedfs mount point. */
int mountinfo_each_view(void (*fn)(const char *mp, void *arg), void *arg);

#endif
