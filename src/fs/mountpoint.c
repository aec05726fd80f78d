/* mountpoint.c — see mountpoint.h. */
#include "mountpoint.h"

#include "error.h"
#include "util/mountinfo.h"
#include "util/path.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct lookup_arg {
	const char *mp;
	char *fstype;
	size_t len;
	int found;
};

static bool lookup_one(const char *mp, const char *fstype, const char *super,
		       void *arg)
{
	struct lookup_arg *a = arg;
	if (strcmp(mp, a->mp) == 0) {
		a->found = 1; /* keep going: the last mount on top wins */
		snprintf(a->fstype, a->len, "%s", fstype);
	}
	return true;
}

int mountinfo_lookup(const char *mp, char *fstype, size_t len)
{
	struct lookup_arg a = { mp, fstype, len, 0 };
	int rc = mountinfo_scan(lookup_one, &a);
	return rc < 0 ? rc : a.found;
}

struct each_arg {
	void (*fn)(const char *mp, void *arg);
	void *arg;
};

/* FUSE records the mounting user as user_id= in the super options. */
static bool mounted_by_me(const char *super)
{
	uid_t me = geteuid();
	if (me == 0)
		return true;
	const char *u = strstr(super, "user_id=");
	return u && (uid_t)strtoul(u + 8, NULL, 10) == me;
}

static bool each_one(const char *mp, const char *fstype, const char *super,
		     void *arg)
{
	struct each_arg *a = arg;
	if (strcmp(fstype, SEEDFS_FSTYPE) == 0 && mounted_by_me(super))
		a->fn(mp, a->arg);
	return true;
}

int mountinfo_each_view(void (*fn)(const char *mp, void *arg), void *arg)
{
	struct each_arg a = { fn, arg };
	return mountinfo_scan(each_one, &a);
}

int mountpoint_canonical(const char *mp, char **out)
{
	char *parent, *base;
	if (path_split(mp, &parent, &base) < 0)
		return -ENOMEM;
	if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || !*base) {
		/* "." or "/" : resolve the whole thing */
		char *r = realpath(mp, NULL);
		free(parent);
		free(base);
		if (!r)
			return -errno;
		*out = r;
		return 0;
	}
	char *rp = realpath(parent, NULL);
	if (!rp) {
		int e = -errno;
		free(parent);
		free(base);
		return e;
	}
	int n = asprintf(out, "%s%s%s", rp, strcmp(rp, "/") ? "/" : "", base);
	free(rp);
	free(parent);
	free(base);
	return n < 0 ? -ENOMEM : 0;
}

static bool is_empty_dir(int fd)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	bool empty = true;
	struct dirent *de;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return false;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			empty = false;
			break;
		}
	}
	closedir(d);
	return empty;
}

/* True if the directory fd, or one of its ancestors, is one of anchors. */
static bool inside_anchor(int fd, const int *anchors, size_t n)
{
	struct stat a[MAX_ANCHORS], cur, up;
	size_t na = n < MAX_ANCHORS ? n : MAX_ANCHORS;
	for (size_t i = 0; i < na; i++)
		if (fstat(anchors[i], &a[i]) < 0)
			a[i].st_ino = 0;
	int cfd = dup(fd);
	bool inside = false;
	for (int depth = 0; cfd >= 0 && depth < 4096; depth++) {
		if (fstat(cfd, &cur) < 0)
			break;
		for (size_t i = 0; i < na; i++)
			if (a[i].st_dev == cur.st_dev &&
			    a[i].st_ino == cur.st_ino)
				inside = true;
		if (inside)
			break;
		int pfd = openat(cfd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		close(cfd);
		cfd = pfd;
		if (cfd < 0 || fstat(cfd, &up) < 0)
			break;
		if (up.st_dev == cur.st_dev && up.st_ino == cur.st_ino)
			break; /* reached / */
	}
	if (cfd >= 0)
		close(cfd);
	return inside;
}

int mountpoint_check(const char *mp, const int *anchors, size_t nanchors,
		     char **canonical, struct seedfs_error *err)
{
	char fstype[256];
	char *canon = NULL;
	int rc = mountpoint_canonical(mp, &canon);
	if (rc < 0)
		return seedfs_fail(err, SEEDFS_EXIT_FAIL, "mountpoint %s: %s",
				   mp, strerror(-rc));
	if (mountinfo_lookup(canon, fstype, sizeof(fstype)) == 1) {
		seedfs_fail(err, SEEDFS_EXIT_FAIL,
			    "mountpoint %s: already mounted (%s)%s", canon,
			    fstype,
			    strcmp(fstype, SEEDFS_FSTYPE) == 0
				    ? "; run: claude-seedfs umount MOUNTPOINT"
				    : "");
		free(canon);
		return -1;
	}
	int fd = open(canon, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		seedfs_fail(err, SEEDFS_EXIT_FAIL, "mountpoint %s: %s", canon,
			    strerror(errno));
		free(canon);
		return -1;
	}
	if (inside_anchor(fd, anchors, nanchors)) {
		seedfs_fail(
			err, SEEDFS_EXIT_FAIL,
			"mountpoint %s: inside SOURCE or a followed directory "
			"(the view would contain itself)",
			canon);
	} else if (!is_empty_dir(fd)) {
		seedfs_fail(
			err, SEEDFS_EXIT_FAIL,
			"mountpoint %s: not empty (a view would hide its contents)",
			canon);
	} else {
		close(fd);
		*canonical = canon;
		return 0;
	}
	close(fd);
	free(canon);
	return -1;
}
