/* fstree.h — copying a directory tree and removing one, carefully.
 *
 * Owns: the two tree walks of `kit export`. Both work from directory
 * descriptors (openat/unlinkat), never follow a symbolic link, and never
 * enter another mount: the copy takes regular files and directories only
 * (anything else is counted and skipped); the removal unlinks symbolic
 * links as names and refuses to go below a mount point. Errors return
 * -errno and name the path (relative to the walk's root) in where.
 */
#ifndef CLAUDE_SBX_FSTREE_H
#define CLAUDE_SBX_FSTREE_H

#include <stdbool.h>
#include <stddef.h>

#define SBX_TREE_MAX_DEPTH 128

struct sbx_copy_stats {
	size_t files, dirs, skipped;
};

/* Copies what is below the directory srcfd into the directory dstfd.
 * Names in skip_top (NULL-terminated, may be NULL) are not copied at the
 * top level. Files are written 0644 (0755 when the source has any execute
 * bit), directories 0755; a name that exists in dstfd is an error. stop
 * (may be NULL) is polled between entries: when it returns true the copy
 * ends with -EINTR. */
int sbx_copy_tree(int srcfd, int dstfd, const char *const *skip_top,
		  bool (*stop)(void), struct sbx_copy_stats *st, char *where,
		  size_t wlen);

/* Removes name (one path component: a directory tree, a file or a link)
 * below dirfd. Returns 0
 * (also when name does not exist) or -errno: -EXDEV when a mount point was
 * found inside (it and its parents are left in place). */
int sbx_remove_tree(int dirfd, const char *name, char *where, size_t wlen);

#endif
