/* manifest.c — seedfs_manifest (seedfs.h): the XXH3-128 of every file a
 * view serves, walked either through a mounted view or, for a SOURCE,
 * through classify() exactly as lookups through the mount would. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "classify.h"
#include "daemon.h"
#include "error.h"
#include "mountpoint.h"
#include "safeopen.h"

struct item {
	char *path;
	unsigned char digest[16];
};

struct items {
	struct item *v;
	size_t n, cap;
	int err;
};

static void add(struct items *l, const char *path, XXH128_hash_t h)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct item *v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			l->err = -ENOMEM;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	XXH128_canonical_t c;
	XXH128_canonicalFromHash(&c, h);
	l->v[l->n].path = strdup(path);
	if (!l->v[l->n].path) {
		l->err = -ENOMEM;
		return;
	}
	memcpy(l->v[l->n++].digest, c.digest, 16);
}

static int digest_fd(int fd, XXH128_hash_t *out)
{
	XXH3_state_t *st = XXH3_createState();
	char buf[1 << 16];
	ssize_t n;
	if (!st)
		return -ENOMEM;
	XXH3_128bits_reset(st);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int err = -errno;
			XXH3_freeState(st);
			return err;
		}
		XXH3_128bits_update(st, buf, (size_t)n);
	}
	*out = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	return 0;
}

static char *join(const char *dir, const char *name)
{
	char *p = NULL;
	if (asprintf(&p, "%s%s%s", dir, *dir ? "/" : "", name) < 0)
		return NULL;
	return p;
}

/* ---- through a mounted view: plain reads, the view filters ---- */

static void walk_mount(int dfd, const char *rel, struct items *l, int depth)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	if (!d) {
		if (fd >= 0)
			close(fd);
		l->err = -errno;
		return;
	}
	while (!l->err && (de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *p = join(rel, de->d_name);
		int cfd =
			openat(dirfd(d), de->d_name,
			       O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		struct stat st;
		if (!p || cfd < 0 || fstat(cfd, &st) < 0) {
			/* vanished since the listing: not in the manifest */
		} else if (S_ISDIR(st.st_mode) && depth < 4096) {
			walk_mount(cfd, p, l, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			XXH128_hash_t h;
			if (digest_fd(cfd, &h) == 0)
				add(l, p, h);
		}
		if (cfd >= 0)
			close(cfd);
		free(p);
	}
	closedir(d);
}

/* ---- through SOURCE: classify(), as the daemon does ---- */

struct chain {
	dev_t dev[256];
	ino_t ino[256];
	size_t n;
};

static bool on_chain(const void *ctx, dev_t dev, ino_t ino)
{
	const struct chain *c = ctx;
	for (size_t i = 0; i < c->n; i++)
		if (c->dev[i] == dev && c->ino[i] == ino)
			return true;
	return false;
}

static void walk_source(const struct source_view *sv, const struct rules *rs,
			const struct dirref *dir, struct chain *chain,
			struct items *l)
{
	int fd = openat(dir->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while (!l->err && (de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		struct entry e;
		if (classify(sv, rs, dir, de->d_name, strlen(de->d_name), true,
			     &e) < 0) {
			l->err = -ENOMEM;
			break;
		}
		if (e.why == SHOWN && S_ISDIR(e.st.st_mode) &&
		    chain->n < sizeof(chain->dev) / sizeof(chain->dev[0])) {
			struct dirref sub = {
				e.fd,
				e.st.st_dev,
				e.path,
				e.pathlen,
				e.verdict,
				{ e.tmode, e.tpath, e.tpathlen, e.tverdict },
				on_chain,
				chain,
			};
			chain->dev[chain->n] = e.st.st_dev;
			chain->ino[chain->n++] = e.st.st_ino;
			walk_source(sv, rs, &sub, chain, l);
			chain->n--;
		} else if (e.why == SHOWN && S_ISREG(e.st.st_mode)) {
			if (e.blob) {
				add(l, e.path,
				    XXH3_128bits(e.blob->data, e.blob->len));
			} else {
				int pfd = e.fd >= 0 ? e.fd
						    : safe_openat(dir->fd,
								  de->d_name,
								  O_PATH);
				struct stat st;
				int rfd = -1;
				XXH128_hash_t h;
				if (pfd >= 0 && fstat(pfd, &st) == 0 &&
				    st.st_ino == e.st.st_ino &&
				    st.st_dev == e.st.st_dev)
					rfd = safe_reopen(
						pfd, O_RDONLY | O_NONBLOCK);
				if (pfd >= 0 && pfd != e.fd)
					close(pfd);
				if (rfd >= 0 && digest_fd(rfd, &h) == 0)
					add(l, e.path, h);
				if (rfd >= 0)
					close(rfd);
			}
		}
		entry_release(&e);
	}
	closedir(d);
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->path,
		      ((const struct item *)b)->path);
}

static bool is_view(const char *target)
{
	char *canon = NULL, fstype[256];
	bool yes = mountpoint_canonical(target, &canon) == 0 &&
		   mountinfo_lookup(canon, fstype, sizeof(fstype)) == 1 &&
		   strcmp(fstype, SEEDFS_FSTYPE) == 0;
	free(canon);
	return yes;
}

int seedfs_manifest(const struct seedfs_config *cfg, const char *target,
		    void (*fn)(const char *path, const unsigned char digest[16],
			       void *arg),
		    void *arg, struct seedfs_error *err)
{
	struct items l = { 0 };
	memset(err, 0, sizeof(*err));

	if (target && is_view(target)) {
		int fd = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return seedfs_fail(err, SEEDFS_EXIT_FAIL, "%s: %s",
					   target, strerror(errno));
		walk_mount(fd, "", &l, 0);
		close(fd);
	} else {
		struct seedfs_config c = *cfg;
		struct prepared *p = NULL;
		if (target)
			c.source = target;
		if (prepare(&c, false, &p, err) < 0)
			return -1;
		struct stat st;
		fstat(p->root_fd, &st);
		struct chain *chain = calloc(1, sizeof(*chain));
		if (!chain) {
			prepared_free(p);
			return seedfs_fail(err, SEEDFS_EXIT_FAIL,
					   "out of memory");
		}
		chain->dev[0] = st.st_dev;
		chain->ino[0] = st.st_ino;
		chain->n = 1;
		struct source_view sv = { p->root_fd, p->follow_fds,
					  p->nfollow };
		struct dirref root = {
			p->root_fd,
			st.st_dev,
			"",
			0,
			rules_root(p->rules),
			{ TARGET_NONE, NULL, 0, { VIS_HIDDEN, NULL } },
			on_chain,
			chain
		};
		walk_source(&sv, p->rules, &root, chain, &l);
		free(chain);
		prepared_free(p);
	}
	int rc = 0;
	if (l.err)
		rc = seedfs_fail(err, SEEDFS_EXIT_FAIL, "walking the view: %s",
				 strerror(-l.err));
	else
		qsort(l.v, l.n, sizeof(*l.v), by_path);
	for (size_t i = 0; i < l.n; i++) {
		if (!rc)
			fn(l.v[i].path, l.v[i].digest, arg);
		free(l.v[i].path);
	}
	free(l.v);
	return rc;
}
