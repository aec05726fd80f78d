/* util/path.h — splitting a path into its parent and last component (part
 * of the shared util layer, src/util/).
 *
 * Owns: the one parent/base split, for the daemon's canonical mountpoint
 * (src/fs/mountpoint.c) and kit export's DIR (src/sbx/cmd_kit.c).
 */
#ifndef UTIL_PATH_H
#define UTIL_PATH_H

/* Trailing slashes dropped, then split at the last '/': "a/b/" gives "a"
 * and "b", "/b" gives "/" and "b", "b" gives "." and "b", "/" gives "/"
 * and "". Both malloc'd. Returns 0 or -ENOMEM. */
int path_split(const char *path, char **parent, char **base);

#endif
