/* util/safeopen.h — opening objects one name at a time below a directory
 * descriptor, never following a symlink and never leaving the starting
 * directory or its mount (part of the shared util layer, src/util/).
 *
 * Owns: the only way the daemon turns a name into a descriptor, and the
 * launcher's careful tree walks (src/sbx/fstree.c) too. Uses openat2
 * with RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS|
 * RESOLVE_NO_XDEV; where the kernel or a seccomp profile refuses openat2
 * (ENOSYS, EPERM) it falls back to openat(O_NOFOLLOW) on single components
 * plus a device and mount-id check, which is equivalent for one component.
 */
#ifndef UTIL_SAFEOPEN_H
#define UTIL_SAFEOPEN_H

/* Opens the single component name beneath dirfd. flags are open(2) flags;
 * O_NOFOLLOW and O_CLOEXEC are always added, so O_PATH on a symlink yields
 * the link itself. Returns a descriptor or -errno (ELOOP for a symlink when
 * not O_PATH, EXDEV for a mount point). name must be a valid name. */
int safe_openat(int dirfd, const char *name, int flags);

/* Opens relpath ("a/b/c", no "." or ".." or empty components) beneath
 * dirfd with the same guarantees for every component. "" reopens dirfd. */
int safe_open_beneath(int dirfd, const char *relpath, int flags);

/* Reopens an O_PATH descriptor for reading through /proc/self/fd; the
 * caller must check the identity of what it got. Returns fd or -errno. */
int safe_reopen(int pathfd, int flags);

#endif
