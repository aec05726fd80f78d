/* fstree.c — the careful tree copy and removal of kit export (see
 * fstree.h). */
#include "claude-sbx/fstree.h"
#include "util/safeopen.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct walk {
	char path[PATH_MAX]; /* relative to the walk's root */
	size_t len;
	char *where;
	size_t wlen;
	bool failed; /* where names the first failure */
};

static int fail(struct walk *w, int e)
{
	if (!w->failed && w->where && w->wlen)
		snprintf(w->where, w->wlen, "%s", w->len ? w->path : ".");
	w->failed = true;
	return -e;
}

/* Appends "/name" (or "name" at the top) to the walk's path. */
static int push(struct walk *w, const char *name, size_t *saved)
{
	size_t n = strlen(name);
	*saved = w->len;
	if (w->len + n + 2 > sizeof(w->path))
		return fail(w, ENAMETOOLONG);
	if (w->len)
		w->path[w->len++] = '/';
	memcpy(w->path + w->len, name, n + 1);
	w->len += n;
	return 0;
}

static void pop(struct walk *w, size_t saved)
{
	w->len = saved;
	w->path[saved] = '\0';
}

/* Opens the directory name below dirfd without following a link or
 * crossing into another mount (-EXDEV): the shared open, with its
 * openat2 fallback and mount-id check. */
static int open_dir_here(int dirfd, const char *name)
{
	return safe_openat(dirfd, name, O_RDONLY | O_DIRECTORY);
}

static int copy_file(int sfd, int dfd, const char *name, mode_t src_mode,
		     struct walk *w)
{
	int in = openat(sfd, name,
			O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (in < 0)
		return fail(w, errno);
	struct stat st;
	if (fstat(in, &st) < 0) {
		int e = errno;
		close(in);
		return fail(w, e);
	}
	if (!S_ISREG(st.st_mode)) {
		close(in);
		return fail(w, EINVAL); /* replaced since it was looked at */
	}
	mode_t mode = (src_mode & 0111) ? 0755 : 0644;
	int out = openat(dfd, name,
			 O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			 mode);
	if (out < 0) {
		int e = errno;
		close(in);
		return fail(w, e);
	}
	char buf[65536];
	int rc = 0;
	for (;;) {
		ssize_t r = read(in, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = fail(w, errno);
			break;
		}
		if (r == 0)
			break;
		for (ssize_t off = 0; off < r;) {
			ssize_t wr = write(out, buf + off, (size_t)(r - off));
			if (wr < 0 && errno == EINTR)
				continue;
			if (wr < 0) {
				rc = fail(w, errno);
				break;
			}
			off += wr;
		}
		if (rc < 0)
			break;
	}
	close(in);
	if (close(out) < 0 && rc == 0)
		rc = fail(w, errno);
	return rc;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory, sorted (malloc'd array of malloc'd names). */
static int list_names(int fd, char ***names, size_t *n)
{
	int d2 = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d2 < 0)
		return -errno;
	DIR *d = fdopendir(d2);
	if (!d) {
		int e = errno;
		close(d2);
		return -e;
	}
	char **v = NULL;
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	int rc = 0;
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (cnt == cap) {
			size_t nc = cap ? cap * 2 : 16;
			char **nv = realloc(v, nc * sizeof(*nv));
			if (!nv) {
				rc = -ENOMEM;
				break;
			}
			v = nv;
			cap = nc;
		}
		if (!(v[cnt] = strdup(de->d_name))) {
			rc = -ENOMEM;
			break;
		}
		cnt++;
	}
	if (!rc && errno)
		rc = -errno;
	closedir(d);
	if (rc < 0) {
		for (size_t i = 0; i < cnt; i++)
			free(v[i]);
		free(v);
		return rc;
	}
	if (cnt > 1)
		qsort(v, cnt, sizeof(*v), cmp_name);
	*names = v;
	*n = cnt;
	return 0;
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static bool listed(const char *const *list, const char *name)
{
	for (; list && *list; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

static int copy_dir(int sfd, int dfd, int depth, const char *const *skip,
		    bool (*stop)(void), struct sbx_copy_stats *st,
		    struct walk *w)
{
	char **names = NULL;
	size_t n = 0;
	int rc;

	if (depth > SBX_TREE_MAX_DEPTH)
		return fail(w, ELOOP);
	if ((rc = list_names(sfd, &names, &n)) < 0)
		return fail(w, -rc);
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *name = names[i];
		struct stat sst;
		size_t saved;

		if (depth == 0 && listed(skip, name))
			continue;
		if (stop && stop()) {
			rc = fail(w, EINTR);
			break;
		}
		if ((rc = push(w, name, &saved)) < 0)
			break;
		if (fstatat(sfd, name, &sst, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = errno == ENOENT
				     ? 0
				     : fail(w, errno); /* gone meanwhile */
		} else if (S_ISREG(sst.st_mode)) {
			if ((rc = copy_file(sfd, dfd, name, sst.st_mode, w)) ==
			    0)
				st->files++;
		} else if (S_ISDIR(sst.st_mode)) {
			int ns = open_dir_here(sfd, name), nd = -1;
			if (ns < 0)
				rc = fail(w, -ns);
			else if (mkdirat(dfd, name, 0755) < 0)
				rc = fail(w, errno);
			else if ((nd = open_dir_here(dfd, name)) < 0)
				rc = fail(w, -nd);
			else {
				st->dirs++;
				rc = copy_dir(ns, nd, depth + 1, skip, stop, st,
					      w);
			}
			if (ns >= 0)
				close(ns);
			if (nd >= 0)
				close(nd);
		} else {
			st->skipped++; /* links, FIFOs, sockets, devices */
		}
		pop(w, saved);
	}
	free_names(names, n);
	return rc;
}

int sbx_copy_tree(int srcfd, int dstfd, const char *const *skip_top,
		  bool (*stop)(void), struct sbx_copy_stats *st, char *where,
		  size_t wlen)
{
	struct walk *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->where = where;
	w->wlen = wlen;
	memset(st, 0, sizeof(*st));
	int rc = copy_dir(srcfd, dstfd, 0, skip_top, stop, st, w);
	free(w);
	return rc;
}

static int remove_at(int dirfd, const char *name, int depth, struct walk *w)
{
	struct stat st;
	size_t saved;
	int rc;

	if ((rc = push(w, name, &saved)) < 0)
		return rc;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		rc = errno == ENOENT ? 0 : fail(w, errno);
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			rc = fail(w, errno);
		goto out;
	}
	if (depth > SBX_TREE_MAX_DEPTH) {
		rc = fail(w, ELOOP);
		goto out;
	}
	int fd = open_dir_here(dirfd, name);
	if (fd < 0) {
		rc = fail(w, -fd);
		goto out;
	}
	struct stat again;
	if (fstat(fd, &again) < 0 || again.st_ino != st.st_ino ||
	    again.st_dev != st.st_dev) {
		close(fd);
		rc = fail(w, EAGAIN); /* replaced between the two looks */
		goto out;
	}
	if ((st.st_mode & 0700) != 0700)
		(void)fchmod(fd, (st.st_mode & 07777) | 0700);
	char **names = NULL;
	size_t n = 0;
	if ((rc = list_names(fd, &names, &n)) < 0) {
		close(fd);
		rc = fail(w, -rc);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int r = remove_at(fd, names[i], depth + 1, w);
		if (r < 0 && rc == 0)
			rc = r; /* keep going: remove what can be removed */
	}
	free_names(names, n);
	close(fd);
	if (rc == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) < 0 &&
	    errno != ENOENT)
		rc = fail(w, errno);
out:
	pop(w, saved);
	return rc;
}

int sbx_remove_tree(int dirfd, const char *name, char *where, size_t wlen)
{
	struct walk *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->where = where;
	w->wlen = wlen;
	int rc = remove_at(dirfd, name, 0, w);
	free(w);
	return rc;
}
