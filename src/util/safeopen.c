/* safeopen.c — descriptor-relative open (see util/safeopen.h). */
#include "util/safeopen.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "seedfs/names.h"

#define RESOLVE_STRICT                                                         \
	(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |       \
	 RESOLVE_NO_XDEV)

/* A kernel capability probed once per process: not mutable state. */
static atomic_bool openat2_refused;

static int sys_openat2(int dirfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (unsigned long long)flags,
		.resolve = RESOLVE_STRICT,
	};
	for (;;) {
		long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
	}
}

/* The mount a descriptor is on: a bind mount shares st_dev with the
 * filesystem it shows, so only the mount id tells them apart. */
static int mount_id(int fd, uint64_t *id)
{
	struct statx sx;
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID,
		  &sx) < 0)
		return -errno;
	if (!(sx.stx_mask & STATX_MNT_ID))
		return -ENOSYS;
	*id = sx.stx_mnt_id;
	return 0;
}

/* One component with openat(O_NOFOLLOW): cannot traverse anything, so the
 * only property left to enforce is "no mount point crossed" — same device
 * and, where the kernel tells (5.8+), the same mount. */
static int fallback_openat(int dirfd, const char *name, int flags)
{
	struct stat dst, st;
	uint64_t dmnt = 0, mnt = 0;
	int fd;

	if (fstat(dirfd, &dst) < 0)
		return -errno;
	bool have_mnt = mount_id(dirfd, &dmnt) == 0;
	do
		fd = openat(dirfd, name, flags);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	if (st.st_dev != dst.st_dev ||
	    (have_mnt && (mount_id(fd, &mnt) < 0 || mnt != dmnt))) {
		close(fd);
		return -EXDEV;
	}
	return fd;
}

/* openat2 unless the kernel or a profile has refused it (then, from that
 * call on, -ENOSYS: the caller falls back). */
static int strict_openat2(int dirfd, const char *path, int flags)
{
	if (atomic_load_explicit(&openat2_refused, memory_order_relaxed))
		return -ENOSYS;
	int fd = sys_openat2(dirfd, path, flags);
	if (fd != -ENOSYS && fd != -EPERM)
		return fd;
	atomic_store(&openat2_refused, true);
	return -ENOSYS;
}

int safe_openat(int dirfd, const char *name, int flags)
{
	size_t len = strlen(name);

	if (len > NAME_MAX_BYTES)
		return -ENAMETOOLONG;
	if (!name_is_valid(name, len))
		return -ENOENT;
	flags |= O_NOFOLLOW | O_CLOEXEC;
	int fd = strict_openat2(dirfd, name, flags);
	if (fd != -ENOSYS)
		return fd;
	return fallback_openat(dirfd, name, flags);
}

int safe_open_beneath(int dirfd, const char *relpath, int flags)
{
	if (relpath[0] == '\0')
		return safe_reopen(dirfd, flags);
	if (name_check_relpath(relpath) < 0)
		return -EINVAL;
	flags |= O_NOFOLLOW | O_CLOEXEC;
	int first = strict_openat2(dirfd, relpath, flags);
	if (first != -ENOSYS)
		return first;

	/* Component by component, each an O_PATH directory. */
	char *copy = strdup(relpath);
	if (!copy)
		return -ENOMEM;
	int cur = -1, err = 0;
	char *save = NULL;
	char *comp = strtok_r(copy, "/", &save);
	while (comp) {
		char *next = strtok_r(NULL, "/", &save);
		int fd = fallback_openat(cur < 0 ? dirfd : cur, comp,
					 next ? O_PATH | O_DIRECTORY |
							 O_NOFOLLOW | O_CLOEXEC
					      : flags);
		if (cur >= 0)
			close(cur);
		if (fd < 0) {
			err = fd;
			cur = -1;
			break;
		}
		cur = fd;
		comp = next;
	}
	free(copy);
	return err ? err : cur;
}

int safe_reopen(int pathfd, int flags)
{
	char proc[64];
	int fd;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pathfd);
	do
		fd = open(proc, flags | O_CLOEXEC | O_NOCTTY);
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : fd;
}
