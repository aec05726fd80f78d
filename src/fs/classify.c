/* classify.c — see classify.h. */
#include "classify.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probe.h"
#include "safeopen.h"
#include "seedfs/names.h"

bool classify_servable(const struct stat *st)
{
	return S_ISDIR(st->st_mode) ||
	       (S_ISREG(st->st_mode) && st->st_nlink == 1);
}

static enum hide_reason special_reason(const struct stat *st)
{
	switch (st->st_mode & S_IFMT) {
	case S_IFIFO:
		return HIDE_FIFO;
	case S_IFSOCK:
		return HIDE_SOCKET;
	case S_IFCHR:
	case S_IFBLK:
		return HIDE_DEVICE;
	case S_IFREG:
		return HIDE_HARDLINK;
	default:
		return HIDE_LINK_TARGET_TYPE;
	}
}

/* The kernel's name for what fd refers to, or -errno. A deleted object
 * (" (deleted)") or a pseudo-file ("pipe:[…]") is reported as -ENOENT. */
static int fd_path(int fd, char *buf, size_t len)
{
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(proc, buf, len - 1);
	if (n < 0)
		return -errno;
	if ((size_t)n >= len - 1)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	if (buf[0] != '/')
		return -ENOENT;
	static const char deleted[] = " (deleted)";
	size_t dl = sizeof(deleted) - 1;
	if ((size_t)n > dl && strcmp(buf + n - dl, deleted) == 0)
		return -ENOENT;
	return 0;
}

/* If path lies at or below dir, returns the remainder ("" for equal). */
static const char *path_below(const char *path, const char *dir)
{
	size_t dl = strlen(dir);
	if (dl == 1 && dir[0] == '/')
		return path + 1;
	if (strncmp(path, dir, dl) != 0)
		return NULL;
	if (path[dl] == '\0')
		return path + dl;
	if (path[dl] == '/')
		return path + dl + 1;
	return NULL;
}

/* The verdict of a whole relative path, deciding component by component;
 * intermediate components are directories. */
static struct verdict path_verdict(const struct rules *rs, const char *path,
				   bool is_dir)
{
	struct verdict v = rules_root(rs);
	size_t len = strlen(path);
	for (size_t i = 0; i <= len && v.vis != VIS_HIDDEN; i++) {
		if (i == len || path[i] == '/')
			v = rules_decide(rs, v, path, i,
					 i == len ? is_dir : true);
	}
	return v;
}

/* The never rule matching any component prefix of rel, or NULL. */
static const struct rule *path_never(const struct rules *rs, const char *rel,
				     bool is_dir)
{
	size_t len = strlen(rel);
	for (size_t i = 1; i <= len; i++) {
		if (i == len || rel[i] == '/') {
			const struct rule *r = rules_never_match(
				rs, rel, i, i == len ? is_dir : true);
			if (r)
				return r;
		}
	}
	return NULL;
}

struct anchor {
	int fd;		    /* not owned */
	const char *prefix; /* view path of the anchor, NULL for follow dirs */
};

/* Top-level entries of SOURCE that are symlinks with a visible name: their
 * targets are anchors. Fills fds (owned by the caller) and names. */
static size_t top_level_anchors(const struct source_view *sv,
				const struct rules *rs, int *fds, char **names,
				size_t max)
{
	int dfd = safe_reopen(sv->root_fd, O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		return 0;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0;
	}
	size_t n = 0;
	struct dirent *de;
	while (n < max && (de = readdir(d)) != NULL) {
		if (de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)
			continue;
		size_t nl = strlen(de->d_name);
		if (!name_is_valid(de->d_name, nl))
			continue;
		struct stat st;
		if (fstatat(sv->root_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) <
			    0 ||
		    !S_ISLNK(st.st_mode))
			continue;
		int tfd = openat(sv->root_fd, de->d_name, O_PATH | O_CLOEXEC);
		if (tfd < 0)
			continue;
		if (fstat(tfd, &st) < 0 || !classify_servable(&st) ||
		    path_verdict(rs, de->d_name, S_ISDIR(st.st_mode)).vis ==
			    VIS_HIDDEN) {
			close(tfd);
			continue;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			close(tfd);
			break;
		}
		fds[n++] = tfd;
	}
	closedir(d);
	return n;
}

#define MAX_TOP_ANCHORS 64

/* Resolves the nested symlink name in dir to an object inside an anchor.
 * On success returns 0 with *out_fd (O_PATH, beneath the anchor, no
 * symlinks) and e->st; otherwise the hide reason. */
static enum hide_reason resolve_nested(const struct source_view *sv,
				       const struct rules *rs,
				       const struct dirref *dir,
				       const char *name, struct entry *e,
				       int *out_fd)
{
	enum hide_reason why = HIDE_LINK_OUTSIDE;
	char *real = malloc(PATH_MAX), *apath = malloc(PATH_MAX);
	int tfd = -1, top[MAX_TOP_ANCHORS];
	char *topnames[MAX_TOP_ANCHORS];
	size_t ntop = 0;
	struct stat tst;

	*out_fd = -1;
	if (!real || !apath) {
		why = HIDE_ERROR;
		e->err = ENOMEM;
		goto out;
	}
	/* Let the kernel follow the whole chain once, only to learn where it
	 * ends; what is served is re-opened beneath an anchor below. */
	tfd = openat(dir->fd, name, O_PATH | O_CLOEXEC);
	if (tfd < 0 || fstat(tfd, &tst) < 0 ||
	    fd_path(tfd, real, PATH_MAX) < 0) {
		why = HIDE_LINK_DANGLING;
		goto out;
	}

	ntop = top_level_anchors(sv, rs, top, topnames, MAX_TOP_ANCHORS);
	size_t nanchors = 1 + ntop + sv->nfollow;
	for (size_t i = 0; i < nanchors; i++) {
		struct anchor a;
		if (i == 0)
			a = (struct anchor){ sv->root_fd, "" };
		else if (i <= ntop)
			a = (struct anchor){ top[i - 1], topnames[i - 1] };
		else
			a = (struct anchor){ sv->follow[i - 1 - ntop], NULL };
		if (fd_path(a.fd, apath, PATH_MAX) < 0)
			continue;
		const char *rel = path_below(real, apath);
		if (!rel)
			continue;
		int fd = safe_open_beneath(a.fd, rel, O_PATH);
		struct stat st;
		if (fd < 0)
			continue;
		if (fstat(fd, &st) < 0 || st.st_dev != tst.st_dev ||
		    st.st_ino != tst.st_ino) {
			close(fd);
			continue;
		}
		/* Inside an anchor: now the target itself must pass. */
		if (!classify_servable(&st)) {
			close(fd);
			why = HIDE_LINK_TARGET_TYPE;
			goto out;
		}
		bool is_dir = S_ISDIR(st.st_mode);
		const struct rule *hiding = path_never(rs, rel, is_dir);
		char *tp = NULL;
		if (asprintf(&tp, "%s%s%s", a.prefix ? a.prefix : "",
			     a.prefix && a.prefix[0] && rel[0] ? "/" : "",
			     rel) < 0) {
			close(fd);
			why = HIDE_ERROR;
			e->err = ENOMEM;
			goto out;
		}
		if (!hiding && a.prefix) {
			struct verdict tv = path_verdict(rs, tp, is_dir);
			if (tv.vis == VIS_HIDDEN) {
				close(fd);
				free(tp);
				e->target_rule = tv.rule;
				why = HIDE_LINK_TARGET_RULE;
				goto out;
			}
			e->tverdict = tv;
		}
		e->tmode = a.prefix ? TARGET_RULES : TARGET_NEVER;
		e->tpath = tp;
		e->tpathlen = strlen(tp);
		if (hiding) {
			close(fd);
			free(e->tpath);
			e->tpath = NULL;
			e->tmode = TARGET_NONE;
			e->target_rule = hiding;
			why = HIDE_LINK_TARGET_RULE;
			goto out;
		}
		if (is_dir && dir->is_ancestor &&
		    dir->is_ancestor(dir->ctx, st.st_dev, st.st_ino)) {
			close(fd);
			free(e->tpath);
			e->tpath = NULL;
			e->tmode = TARGET_NONE;
			why = HIDE_LINK_LOOP;
			goto out;
		}
		e->st = st;
		*out_fd = fd;
		why = SHOWN;
		goto out;
	}
out:
	for (size_t i = 0; i < ntop; i++) {
		close(top[i]);
		free(topnames[i]);
	}
	if (tfd >= 0)
		close(tfd);
	free(real);
	free(apath);
	return why;
}

/* A symlink directly in SOURCE: its target is an anchor by definition, as
 * long as it is not SOURCE itself or one of SOURCE's ancestors. */
static enum hide_reason resolve_top(const struct source_view *sv,
				    const struct rules *rs, const char *name,
				    struct entry *e, int *out_fd)
{
	enum hide_reason why = SHOWN;
	char *real = malloc(PATH_MAX), *src = malloc(PATH_MAX);
	int fd = -1;

	*out_fd = -1;
	if (!real || !src) {
		e->err = ENOMEM;
		why = HIDE_ERROR;
		goto out;
	}
	fd = openat(sv->root_fd, name, O_PATH | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &e->st) < 0 ||
	    fd_path(fd, real, PATH_MAX) < 0) {
		why = HIDE_LINK_DANGLING;
		goto out;
	}
	if (!classify_servable(&e->st)) {
		why = HIDE_LINK_TARGET_TYPE;
		goto out;
	}
	if (fd_path(sv->root_fd, src, PATH_MAX) < 0 ||
	    (S_ISDIR(e->st.st_mode) && path_below(src, real))) {
		why = HIDE_LINK_WIDE;
		goto out;
	}
	/* The target's own name must not be a never name either
	 * (CLAUDE.md -> ~/.ssh/id_rsa). */
	const char *base = strrchr(real, '/') + 1;
	if (*base &&
	    (e->target_rule = rules_never_match(rs, base, strlen(base),
						S_ISDIR(e->st.st_mode)))) {
		why = HIDE_LINK_TARGET_RULE;
		goto out;
	}
	*out_fd = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	free(real);
	free(src);
	return why;
}

static int read_link(int dirfd, const char *name, char **out)
{
	char buf[PATH_MAX];
	ssize_t n = readlinkat(dirfd, name, buf, sizeof(buf) - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	*out = strdup(buf);
	return *out ? 0 : -ENOMEM;
}

static int set_path(struct entry *e, const struct dirref *dir, const char *name,
		    size_t namelen)
{
	size_t sep = dir->pathlen ? 1 : 0;
	e->pathlen = dir->pathlen + sep + namelen;
	e->path = malloc(e->pathlen + 1);
	if (!e->path)
		return -ENOMEM;
	memcpy(e->path, dir->path, dir->pathlen);
	if (sep)
		e->path[dir->pathlen] = '/';
	memcpy(e->path + dir->pathlen + sep, name, namelen);
	e->path[e->pathlen] = '\0';
	return 0;
}

/* Below a symlinked directory: the child's name at the target must pass
 * too, and the child inherits its target name for its own children. */
static void decide_target(const struct rules *rs, const struct dirref *dir,
			  const char *name, size_t namelen, struct entry *e,
			  bool is_dir)
{
	const struct target *t = &dir->target;
	size_t sep = t->pathlen ? 1 : 0;
	char *tp = malloc(t->pathlen + sep + namelen + 1);
	if (!tp) {
		e->why = HIDE_ERROR;
		e->err = ENOMEM;
		return;
	}
	memcpy(tp, t->path, t->pathlen);
	if (sep)
		tp[t->pathlen] = '/';
	memcpy(tp + t->pathlen + sep, name, namelen);
	size_t len = t->pathlen + sep + namelen;
	tp[len] = '\0';
	if (t->mode == TARGET_RULES) {
		struct verdict tv =
			rules_decide(rs, t->verdict, tp, len, is_dir);
		if (tv.vis == VIS_HIDDEN) {
			e->why = HIDE_LINK_TARGET_RULE;
			e->target_rule = tv.rule;
			free(tp);
			return;
		}
		e->tverdict = tv;
	} else {
		const struct rule *r = rules_never_match(rs, tp, len, is_dir);
		if (r) {
			e->why = HIDE_LINK_TARGET_RULE;
			e->target_rule = r;
			free(tp);
			return;
		}
	}
	e->tmode = t->mode;
	e->tpath = tp;
	e->tpathlen = len;
}

static void decide(const struct rules *rs, const struct dirref *dir,
		   const char *name, size_t namelen, struct entry *e,
		   bool is_dir)
{
	e->verdict =
		rules_decide(rs, dir->verdict, e->path, e->pathlen, is_dir);
	if (e->verdict.vis == VIS_HIDDEN) {
		e->why = e->verdict.rule ? HIDE_RULE : HIDE_NO_RULE;
		return;
	}
	if (dir->target.mode != TARGET_NONE && !e->via_link)
		decide_target(rs, dir, name, namelen, e, is_dir);
}

/* A visible regular file served computed: build its bytes now, so that a
 * source the transform refuses is hidden like anything else. */
static void compute(const struct rules *rs, const struct dirref *dir,
		    const char *name, struct entry *e)
{
	e->transform = rules_transform(rs, e->path, e->pathlen);
	if (e->transform == TRANSFORM_NONE)
		return;
	int pfd = e->fd >= 0 ? e->fd : safe_openat(dir->fd, name, O_PATH);
	struct stat st;
	int fd = -1, rc;
	if (pfd >= 0 && fstat(pfd, &st) == 0 && st.st_dev == e->st.st_dev &&
	    st.st_ino == e->st.st_ino && S_ISREG(st.st_mode) &&
	    st.st_nlink == 1)
		fd = safe_reopen(pfd, O_RDONLY | O_NONBLOCK);
	if (pfd >= 0 && pfd != e->fd)
		close(pfd);
	if (fd < 0) {
		e->why = HIDE_ABSENT; /* replaced between the two looks */
		return;
	}
	rc = computed_build(fd, e->transform, rules_settings_policy(rs), NULL,
			    &e->blob, e->twhy, sizeof(e->twhy));
	close(fd);
	if (rc < 0) {
		if (!e->twhy[0])
			snprintf(e->twhy, sizeof(e->twhy), "%s", strerror(-rc));
		e->why = HIDE_TRANSFORM;
	}
}

int classify(const struct source_view *sv, const struct rules *rs,
	     const struct dirref *dir, const char *name, size_t namelen,
	     bool want_fd, struct entry *e)
{
	*e = (struct entry){ .fd = -1 };
	if (namelen > NAME_MAX_BYTES) {
		e->why = HIDE_ERROR;
		e->err = ENAMETOOLONG;
		return 0;
	}
	if (!name_is_valid(name, namelen) || memchr(name, '\0', namelen) ||
	    strlen(name) != namelen) {
		e->why = HIDE_ABSENT;
		return 0;
	}
	if (set_path(e, dir, name, namelen) < 0)
		return -ENOMEM;
	if (dir->verdict.vis == VIS_HIDDEN) {
		e->why = HIDE_ABSENT;
		return 0;
	}

	if (fstatat(dir->fd, name, &e->st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			e->why = HIDE_ABSENT;
		} else {
			e->why = HIDE_ERROR;
			e->err = errno;
		}
		return 0;
	}
	if (dir->pathlen == 0 && probe_reserved(name, namelen)) {
		e->why = HIDE_RESERVED; /* the probe answers this name */
		return 0;
	}

	switch (e->st.st_mode & S_IFMT) {
	case S_IFREG:
		if (e->st.st_nlink != 1) {
			e->why = HIDE_HARDLINK;
			return 0;
		}
		if (e->st.st_dev != dir->dev) {
			e->why = HIDE_MOUNT;
			return 0;
		}
		decide(rs, dir, name, namelen, e, false);
		if (e->why == SHOWN)
			compute(rs, dir, name, e);
		return 0;
	case S_IFDIR: {
		if (e->st.st_dev != dir->dev) {
			e->why = HIDE_MOUNT;
			return 0;
		}
		decide(rs, dir, name, namelen, e, true);
		if (e->why != SHOWN || !want_fd)
			return 0;
		int fd = safe_openat(dir->fd, name, O_PATH | O_DIRECTORY);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0 || st.st_ino != e->st.st_ino ||
		    st.st_dev != e->st.st_dev) {
			/* Swapped between the two calls: report it absent;
			 * the watcher invalidates and the next lookup retries. */
			if (fd >= 0)
				close(fd);
			e->why = HIDE_ABSENT;
			return 0;
		}
		e->fd = fd;
		return 0;
	}
	case S_IFLNK: {
		int fd = -1;
		if (read_link(dir->fd, name, &e->link) == -ENOMEM)
			return -ENOMEM;
		enum hide_reason why =
			dir->pathlen == 0
				? resolve_top(sv, rs, name, e, &fd)
				: resolve_nested(sv, rs, dir, name, e, &fd);
		if (why != SHOWN) {
			e->why = why;
			return 0;
		}
		e->via_link = true;
		decide(rs, dir, name, namelen, e, S_ISDIR(e->st.st_mode));
		if (e->why != SHOWN) {
			close(fd);
			return 0;
		}
		e->fd = fd;
		if (S_ISREG(e->st.st_mode))
			compute(rs, dir, name, e);
		return 0;
	}
	default:
		e->why = special_reason(&e->st);
		return 0;
	}
}

void entry_release(struct entry *e)
{
	if (e->fd >= 0)
		close(e->fd);
	free(e->link);
	free(e->path);
	free(e->tpath);
	blob_put(e->blob);
	e->blob = NULL;
	e->fd = -1;
	e->link = NULL;
	e->path = NULL;
	e->tpath = NULL;
}

const char *hide_reason_text(enum hide_reason why)
{
	switch (why) {
	case SHOWN:
		return "shown";
	case HIDE_ABSENT:
		return "not found in SOURCE";
	case HIDE_RULE:
		return "hidden by a rule";
	case HIDE_NO_RULE:
		return "no rule includes it (allowlist: hidden by default)";
	case HIDE_FIFO:
		return "fifo: only regular files and directories are served";
	case HIDE_SOCKET:
		return "socket: only regular files and directories are served";
	case HIDE_DEVICE:
		return "device node: only regular files and directories are served";
	case HIDE_HARDLINK:
		return "hard link: a regular file with more than one link could "
		       "carry another file's bytes";
	case HIDE_MOUNT:
		return "mount point: another filesystem is mounted there";
	case HIDE_LINK_DANGLING:
		return "symlink whose target does not resolve";
	case HIDE_LINK_OUTSIDE:
		return "symlink leaving the anchors (SOURCE, top-level targets, "
		       "follow directories)";
	case HIDE_LINK_TARGET_RULE:
		return "symlink to something the rules hide";
	case HIDE_LINK_TARGET_TYPE:
		return "symlink to something other than a regular file or "
		       "directory (fifo, socket, device, hard link)";
	case HIDE_LINK_LOOP:
		return "symlink to one of its own ancestors (a loop)";
	case HIDE_LINK_WIDE:
		return "top-level symlink to SOURCE or one of its ancestors";
	case HIDE_TRANSFORM:
		return "served computed, but its content cannot be served "
		       "safely";
	case HIDE_ERROR:
		return "the source answered an error";
	case HIDE_RESERVED:
		return "reserved at the root for the change probe "
		       "(" PROBE_PREFIX "*)";
	}
	return "hidden";
}
