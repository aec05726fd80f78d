/* ops.c — the FUSE low-level operations of the view.
 *
 * Owns: turning kernel requests into classify() calls and replies. Every
 * request that reaches a name goes through classify(); every request on an
 * inode first checks the node is still live and still names the same
 * source object. Write-type requests answer EROFS. Hidden and absent are
 * answered identically (a negative entry).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "prefetch.h"
#include "probe.h"
#include "safeopen.h"
#include "snapshot.h"
#include "told.h"

#define LONG_TIMEOUT 86400.0 /* correct only because the watcher invalidates */
#define SHORT_TIMEOUT                                                          \
	1.0 /* for entries of directories without a watch,
				and for the root's attributes, so that a dead
				daemon shows as ENOTCONN at the mountpoint */
/* Negative entries (hidden or absent, indistinguishable) are kept half a
 * second: a name can become visible without any event on its directory
 * (a hard link elsewhere dropped, taking its link count back to 1). */
#define NEGATIVE_TIMEOUT 0.5
#define UNKNOWN_INO	 0xffffffffu /* d_ino for readdir entries not looked up */

static struct daemon *dm(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static void count(struct daemon *d, enum stat_op op)
{
	stats_bump(d->stats, op);
}

static double timeout_for(const struct node *dir)
{
	return dir->wd >= 0 ? LONG_TIMEOUT : SHORT_TIMEOUT;
}

/* How long the kernel may keep n's attributes. A directory without a watch
 * of its own (inotify limit reached) gets a second: the kernel keeps its
 * listing until it sees the directory's mtime change, so its attributes
 * must be asked for again. The root: a second, so that a dead daemon shows
 * as ENOTCONN. */
static double attr_timeout(const struct node *n)
{
	if (!n->parent || (n->type == S_IFDIR && n->wd < 0))
		return SHORT_TIMEOUT;
	return timeout_for(n->parent);
}

/* Attributes as the view presents them: no write or set-id bits, our own
 * inode numbers, directories with link count 1 and size 0 so that neither
 * reveals how many hidden entries they hold. */
static void view_attr(const struct stat *src, fuse_ino_t ino, struct stat *out)
{
	*out = *src;
	out->st_ino = ino;
	out->st_mode = (src->st_mode & S_IFMT) | (src->st_mode & 0555);
	out->st_dev = 0;
	out->st_rdev = 0;
	if (S_ISDIR(src->st_mode)) {
		out->st_nlink = 1;
		out->st_size = 0;
		out->st_blocks = 0;
	}
}

/* A computed file's size is its served size. */
static void computed_attr(struct stat *st, const struct blob *b)
{
	st->st_size = (off_t)b->len;
	st->st_blocks = (blkcnt_t)((b->len + 511) / 512);
}

static bool ancestor_of(const void *ctx, dev_t dev, ino_t ino)
{
	for (const struct node *n = ctx; n; n = n->parent)
		if (n->dev == dev && n->ino == ino)
			return true;
	return false;
}

static struct dirref dirref_of(const struct node *n)
{
	struct dirref dr = node_dirref(n);
	dr.is_ancestor = ancestor_of;
	dr.ctx = n;
	return dr;
}

/* Current attributes of n's source object, checked to be the same object
 * and still servable. Returns 0 or -errno. */
static int node_stat(const struct node *n, struct stat *st)
{
	int rc = n->fd >= 0 ? fstat(n->fd, st)
			    : fstatat(n->parent->fd, n->name, st,
				      AT_SYMLINK_NOFOLLOW);
	if (rc < 0)
		return errno == ENOENT ? -ESTALE : -errno;
	if (st->st_dev != n->dev || st->st_ino != n->ino ||
	    (st->st_mode & S_IFMT) != n->type || !classify_servable(st))
		return -ESTALE;
	return 0;
}

static struct node *live_node(struct daemon *d, fuse_ino_t ino, int *err)
{
	struct node *n = node_of(&d->nodes, ino);
	if (!node_live(n)) {
		*err = n == d->nodes.root || ino == FUSE_ROOT_ID ? ENOENT
								 : ESTALE;
		return NULL;
	}
	return n;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ms(void)
{
	return now_ns() / 1000000u;
}

/* The size to tell the kernel for n, whose source has size: recorded
 * (told.h), and no more than the end of a short answer just given, with
 * *timeout 0 then so the kernel asks again. */
static off_t tell_size(struct node *n, off_t size, double *timeout)
{
	bool capped = false;
	told_record(&n->told, (uint64_t)size);
	if (!told_marked(&n->told))
		return size;
	off_t s = (off_t)told_cap(&n->told, (uint64_t)size, now_ms(), &capped);
	if (capped)
		*timeout = 0.0;
	return s;
}

/* Links a node for the shown entry e below parent and fills *fe: the
 * shared part of LOOKUP and READDIRPLUS. e stays the caller's to release.
 * Returns 0 or -ENOMEM. Caller holds the rules lock. */
static int link_entry(struct daemon *d, struct node *parent, const char *name,
		      struct entry *e, struct fuse_entry_param *fe)
{
	double t = timeout_for(parent);

	memset(fe, 0, sizeof(*fe));
	fe->entry_timeout = t;
	fe->attr_timeout = t;
	struct node *n = node_link(&d->nodes, parent, e, name, strlen(name));
	if (!n)
		return -ENOMEM;
	fe->ino = node_ino(&d->nodes, n);
	fe->generation = n->generation;
	if (n->type == S_IFDIR && n->fd >= 0 &&
	    !atomic_exchange(&n->prefetched, true)) {
		/* Its entries are what the kernel asks about next: read
		 * their inodes in the background meanwhile. */
		struct prefetch_ctx pr = { &d->rules_lock, &d->rules,
					   d->stats };
		prefetch_dir(&pr, n->fd, n->dev, n->ino, n->path, n->pathlen);
	}
	if (n->type == S_IFDIR && n->wd < 0)
		fe->attr_timeout =
			SHORT_TIMEOUT; /* no watch: see dir_timeout */
	if (n->transform != TRANSFORM_NONE) {
		struct blob *b = node_blob_take(&d->nodes, n);
		if (b)
			computed_attr(&e->st, b);
		blob_put(b);
	}
	view_attr(&e->st, node_st_ino(n), &fe->attr);
	fe->attr.st_size = tell_size(n, fe->attr.st_size, &fe->attr_timeout);
	return 0;
}

/* Looks name up below parent and links a node. Returns 0 with *e filled
 * (ino 0 for hidden/absent), or -errno for a real error. Caller holds the
 * rules lock. */
static int do_lookup(struct daemon *d, struct node *parent, const char *name,
		     struct fuse_entry_param *fe)
{
	struct dirref dr = dirref_of(parent);
	struct entry e;
	double t = timeout_for(parent);

	memset(fe, 0, sizeof(*fe));
	fe->entry_timeout = t;
	fe->attr_timeout = t;
	if (classify(&d->sv, d->rules, &dr, name, strlen(name), true, &e) < 0)
		return -ENOMEM;
	if (e.why == HIDE_ERROR && e.err == ENAMETOOLONG) {
		entry_release(&e);
		return -ENAMETOOLONG;
	}
	if (e.why != SHOWN) {
		entry_release(&e);
		/* negative entry: hidden looks exactly like absent */
		fe->entry_timeout = t < NEGATIVE_TIMEOUT ? t : NEGATIVE_TIMEOUT;
		return 0;
	}
	int rc = link_entry(d, parent, name, &e, fe);
	entry_release(&e);
	return rc;
}

static void sfs_init(void *userdata, struct fuse_conn_info *conn)
{
	struct daemon *d = userdata;

	if (conn->capable & FUSE_CAP_SPLICE_WRITE)
		conn->want |= FUSE_CAP_SPLICE_WRITE;
	if (conn->capable & FUSE_CAP_SPLICE_MOVE)
		conn->want |= FUSE_CAP_SPLICE_MOVE;
	if (conn->capable & FUSE_CAP_PARALLEL_DIROPS)
		conn->want |= FUSE_CAP_PARALLEL_DIROPS;
	/* Every chunk of a listing as READDIRPLUS, not only the first: the
	 * entries arrive with their attributes, so a walk that stats what it
	 * lists (ls -l, find -printf %s) costs one request per chunk instead
	 * of one LOOKUP round trip per entry. The entries are classified for
	 * the snapshot anyway. */
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want &= ~(unsigned)FUSE_CAP_READDIRPLUS_AUTO;
	conn->want &= ~(unsigned)FUSE_CAP_WRITEBACK_CACHE;
	d->no_open = (conn->capable & FUSE_CAP_NO_OPEN_SUPPORT) != 0;
	d->no_opendir = (conn->capable & FUSE_CAP_NO_OPENDIR_SUPPORT) != 0;
}

/* Attributes of the probe: an empty-to-read, read-only regular file whose
 * size is the current change generation. */
static void probe_attr(struct daemon *d, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = node_st_ino(d->nodes.probe);
	st->st_mode = S_IFREG | 0444;
	st->st_nlink = 1;
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_size = (off_t)atomic_load(&d->change_gen);
}

/* A reserved root name (probe.h): ENOENT, never cached, while the name's
 * generation is the current one; otherwise the probe, never cached either.
 * Never reaches the source. */
static void probe_lookup(fuse_req_t req, struct daemon *d, const char *name)
{
	uint64_t g;
	if (!probe_parse(name, strlen(name), &g) ||
	    g == atomic_load(&d->change_gen)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	struct fuse_entry_param fe = { 0 };
	fe.ino = node_ino(&d->nodes, d->nodes.probe);
	fe.generation = d->nodes.probe->generation;
	probe_attr(d, &fe.attr);
	fuse_reply_entry(req, &fe);
}

static void sfs_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct daemon *d = dm(req);
	struct fuse_entry_param fe;
	int err = 0;

	count(d, ST_LOOKUP);
	if (parent == FUSE_ROOT_ID && probe_reserved(name, strlen(name))) {
		probe_lookup(req, d, name);
		return;
	}
	pthread_rwlock_rdlock(&d->rules_lock);
	struct node *p = live_node(d, parent, &err);
	if (!p) {
		err = ENOENT;
	} else if (p->type != S_IFDIR) {
		err = ENOTDIR;
	} else {
		int rc = do_lookup(d, p, name, &fe);
		if (rc < 0)
			err = -rc;
	}
	pthread_rwlock_unlock(&d->rules_lock);
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_entry(req, &fe);
	daemon_kick_watches(d);
}

static void sfs_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct daemon *d = dm(req);
	count(d, ST_FORGET);
	if (ino != FUSE_ROOT_ID) /* node_forget ignores the probe */
		node_forget(&d->nodes, node_of(&d->nodes, ino), nlookup);
	fuse_reply_none(req);
}

static void sfs_forget_multi(fuse_req_t req, size_t n,
			     struct fuse_forget_data *forgets)
{
	struct daemon *d = dm(req);
	for (size_t i = 0; i < n; i++) {
		count(d, ST_FORGET);
		if (forgets[i].ino != FUSE_ROOT_ID)
			node_forget(&d->nodes,
				    node_of(&d->nodes, forgets[i].ino),
				    forgets[i].nlookup);
	}
	fuse_reply_none(req);
}

static int open_for_read(const struct node *n);

/* Re-reads computed file n and returns its current served bytes (the
 * cached ones when the source bytes did not change). A source the
 * transform now refuses makes the file gone: -ESTALE, node killed. */
static int refresh_computed(struct daemon *d, struct node *n, struct blob **out)
{
	char why[TRANSFORM_WHY_MAX] = "";
	int fd = open_for_read(n);
	if (fd < 0)
		return fd;
	struct blob *prev = node_blob_take(&d->nodes, n);
	pthread_rwlock_rdlock(&d->rules_lock);
	int rc = computed_build(fd, (enum transform)n->transform,
				rules_settings_policy(d->rules), prev, out, why,
				sizeof(why));
	pthread_rwlock_unlock(&d->rules_lock);
	close(fd);
	blob_put(prev);
	if (rc < 0) {
		node_kill(&d->nodes, n);
		daemon_defer_forget(d, n);
		return -ESTALE;
	}
	node_blob_set(&d->nodes, n, *out);
	return 0;
}

static void sfs_getattr(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	struct daemon *d = dm(req);
	struct stat st, attr;
	int err = 0;

	count(d, ST_GETATTR);
	struct node *n = live_node(d, ino, &err);
	if (n == d->nodes.probe) {
		probe_attr(d, &attr);
		fuse_reply_attr(req, &attr, 0.0);
		return;
	}
	if (n) {
		int rc = node_stat(n, &st);
		if (rc < 0) {
			err = -rc;
			if (rc == -ESTALE) {
				node_kill(&d->nodes, n);
				daemon_defer_forget(d, n);
			}
		}
	}
	if (!err && n->transform != TRANSFORM_NONE) {
		struct blob *b = NULL;
		int rc = refresh_computed(d, n, &b);
		if (rc < 0)
			err = -rc;
		else
			computed_attr(&st, b);
		blob_put(b);
	}
	if (!err && n->type == S_IFREG &&
	    (uint64_t)st.st_size < told_size(told_load(&n->told))) {
		/* Smaller than a size told for this inode, which the kernel may
		 * still hold (told.h), and not yet retired: the watcher learns
		 * of a computed file's new bytes only when its writer closes
		 * it. Retire it here; stat(2) meets ESTALE by looking the name
		 * up again (LOOKUP_REVAL), which links a new node. */
		node_kill(&d->nodes, n);
		daemon_defer_forget(d, n);
		err = ESTALE;
	}
	if (err) {
		fuse_reply_err(req, err);
		return;
	}
	view_attr(&st, node_st_ino(n), &attr);
	double t = attr_timeout(n);
	attr.st_size = tell_size(n, attr.st_size, &t);
	fuse_reply_attr(req, &attr, t);
}

/* Opens n's file for reading: first an O_PATH handle, checked to be the
 * same regular file with a single link, and only then a readable
 * descriptor of that very inode (so nothing else, a device node swapped in
 * say, is ever opened). Returns fd or -errno. */
static int open_for_read(const struct node *n)
{
	int pfd = n->fd >= 0 ? n->fd
			     : safe_openat(n->parent->fd, n->name, O_PATH);
	struct stat st;
	int fd;

	if (pfd < 0)
		return pfd == -ENOENT || pfd == -ELOOP ? -ESTALE : pfd;
	if (fstat(pfd, &st) < 0 || st.st_dev != n->dev || st.st_ino != n->ino ||
	    !S_ISREG(st.st_mode) || st.st_nlink != 1)
		fd = -ESTALE;
	else
		fd = safe_reopen(pfd, O_RDONLY | O_NONBLOCK);
	if (pfd != n->fd)
		close(pfd);
	return fd;
}

static void sfs_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct daemon *d = dm(req);
	int err = 0;

	count(d, ST_OPEN);
	if (d->no_open) {
		/* The kernel then stops sending OPEN and keeps the page
		 * cache: re-reads cost no round trip at all. */
		fuse_reply_err(req, ENOSYS);
		return;
	}
	if ((fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC)) {
		fuse_reply_err(req, EROFS);
		return;
	}
	struct node *n = live_node(d, ino, &err);
	if (!n) {
		fuse_reply_err(req, err);
		return;
	}
	fi->keep_cache = 1;
	fi->noflush = 1;
	fuse_reply_open(req, fi);
}

/* Answers a READ of [off, off+size) whose answer, data, ends at the
 * source's end of file, have, short of the range; seen is n's size record
 * as loaded before the source was looked at. A short answer comes back
 * zero-filled by the kernel up to its i_size if that is larger (told.h):
 * when it would end before the largest size told, the source shrank below
 * what this inode may hold, so the node is retired (a fresh lookup gets a
 * new one) and the READ answers ESTALE. Returns false, answering nothing,
 * when a size was told while the source was being read: look again. */
static bool answer_short(struct daemon *d, fuse_req_t req, struct node *n,
			 uint64_t seen, off_t off, size_t size,
			 const char *data, uint64_t have)
{
	if (told_short(seen, (uint64_t)off, size, have)) {
		node_kill(&d->nodes, n);
		daemon_defer_forget(d, n);
		fuse_reply_err(req, ESTALE);
		return true;
	}
	if (!told_mark_short(&n->told, seen, have, now_ms()))
		return false;
	size_t len = have > (uint64_t)off ? (size_t)(have - (uint64_t)off) : 0;
	fuse_reply_buf(req, data, len);
	return true;
}

/* Looks again this many times before answering ESTALE (the kernel then
 * retries a readahead synchronously, where a short answer stays exposed
 * longer: told.h). */
#define SHORT_TRIES 4

/* A READ ending at the source's end of file: read, then answer_short. */
static void read_to_eof(struct daemon *d, fuse_req_t req, struct node *n,
			uint64_t seen, int fd, size_t size, off_t off)
{
	char *buf = malloc(size ? size : 1);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (int i = 0;; i++) {
		ssize_t got;
		while ((got = pread(fd, buf, size, off)) < 0 && errno == EINTR)
			;
		if (got < 0) {
			fuse_reply_err(req, errno);
			break;
		}
		if (answer_short(d, req, n, seen, off, size, buf,
				 (uint64_t)off + (uint64_t)got))
			break;
		if (i + 1 == SHORT_TRIES) {
			fuse_reply_err(req, ESTALE);
			break;
		}
		seen = told_load(&n->told);
	}
	free(buf);
}

/* A READ of a computed file ending at its end: answer_short. */
static void blob_short(struct daemon *d, fuse_req_t req, struct node *n,
		       uint64_t seen, off_t off, size_t size,
		       const struct blob *b)
{
	size_t start = (size_t)off < b->len ? (size_t)off : b->len;
	for (int i = 0;
	     !answer_short(d, req, n, seen, off, size, b->data + start, b->len);
	     i++) {
		if (i + 1 == SHORT_TRIES) {
			fuse_reply_err(req, ESTALE);
			return;
		}
		seen = told_load(&n->told);
	}
}

static void sfs_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct daemon *d = dm(req);
	int err = 0;

	count(d, ST_READ);
	struct node *n = live_node(d, ino, &err);
	if (!n) {
		fuse_reply_err(req, err);
		return;
	}
	if (n->type != S_IFREG) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if (n == d->nodes.probe) {
		fuse_reply_buf(req, NULL, 0); /* nothing to read */
		return;
	}
	uint64_t seen = told_load(&n->told); /* before the source */
	if (n->transform != TRANSFORM_NONE) {
		struct blob *b = node_blob_take(&d->nodes, n);
		int rc = b ? 0 : refresh_computed(d, n, &b);
		if (rc < 0) {
			fuse_reply_err(req, -rc);
			return;
		}
		size_t start = (size_t)off < b->len ? (size_t)off : b->len;
		size_t len = b->len - start < size ? b->len - start : size;
		if (len == size)
			fuse_reply_buf(req, b->data + start, len);
		else
			blob_short(d, req, n, seen, off, size, b);
		blob_put(b);
		return;
	}
	int fd = open_for_read(n);
	if (fd < 0) {
		if (fd == -ESTALE) {
			node_kill(&d->nodes, n);
			daemon_defer_forget(d, n);
		}
		fuse_reply_err(req, -fd);
		return;
	}
	struct stat now;
	if (fstat(fd, &now) == 0 &&
	    (uint64_t)now.st_size < (uint64_t)off + size) {
		read_to_eof(d, req, n, seen, fd, size, off);
		close(fd);
		return;
	}
	struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);
	buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	buf.buf[0].fd = fd;
	buf.buf[0].pos = off;
	fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
	close(fd);
}

/* ---- directories: a filtered snapshot, served in slices ----
 *
 * Where the kernel accepts ENOSYS for OPENDIR it stops sending OPENDIR and
 * RELEASEDIR and caches listings itself (FOPEN_CACHE_DIR): READDIR then
 * arrives with no handle, so the snapshot lives in the directory's node
 * from offset 0 until the listing has been read to its end. */

/* A READDIR(PLUS) reply being filled. */
struct dirbuf {
	fuse_req_t req;
	char *buf;
	size_t size, used;
	bool plus;
	bool full; /* the next entry did not fit */
};

/* Room for name in b? Sets b->full when not. */
static bool dirbuf_fits(struct dirbuf *b, const char *name)
{
	size_t need =
		b->plus ? fuse_add_direntry_plus(b->req, NULL, 0, name, NULL, 0)
			: fuse_add_direntry(b->req, NULL, 0, name, NULL, 0);
	if (need > b->size - b->used) {
		b->full = true;
		return false;
	}
	return true;
}

/* Adds entry i of s to b, which has room for it. For READDIRPLUS, e is the
 * entry's classification from this very request, or NULL to classify it
 * again (a slice read a second time). An entry gone or hidden since it was
 * classified is left out. */
static void dirbuf_add(struct daemon *d, struct node *dir,
		       const struct snapshot *s, size_t i, struct entry *e,
		       struct dirbuf *b)
{
	const char *name = snapshot_name(s, i);
	char *at = b->buf + b->used;
	size_t room = b->size - b->used;
	if (!b->plus) {
		uint64_t known =
			node_child_st_ino(&d->nodes, dir, name, strlen(name));
		struct stat st = { .st_ino = known ? known : UNKNOWN_INO,
				   .st_mode = s->v[i].type };
		b->used += fuse_add_direntry(b->req, at, room, name, &st,
					     (off_t)i + 1);
		return;
	}
	struct fuse_entry_param fe = { 0 };
	if (i < 2) {
		fe.attr.st_ino = UNKNOWN_INO;
		fe.attr.st_mode = S_IFDIR;
	} else if (e ? link_entry(d, dir, name, e, &fe) < 0
		     : do_lookup(d, dir, name, &fe) < 0 || fe.ino == 0) {
		return; /* gone or hidden since the snapshot, or no memory */
	}
	b->used += fuse_add_direntry_plus(b->req, at, room, name, &fe,
					  (off_t)i + 1);
}

/* Bytes of computed files a listing keeps classified ahead, at most. */
#define AHEAD_MAX_BYTES (1u << 20)

/* Keeps e, shown and just appended to s, in s->ahead (which has room) for
 * the slice that will serve it: a plain file whose classification holds no
 * descriptor. Any other entry is marked to be classified again. */
static void keep_ahead(struct snapshot *s, struct entry *e)
{
	struct entry *slot = &s->ahead[s->ahead_n++];
	size_t bytes = e->blob ? e->blob->len : 0;
	if (S_ISREG(e->st.st_mode) && e->fd < 0 && !e->via_link &&
	    bytes <= AHEAD_MAX_BYTES - s->ahead_bytes) {
		s->ahead_bytes += bytes;
		*slot = *e;
		*e = (struct entry){ .fd = -1 };
	} else {
		*slot = (struct entry){ .why = HIDE_ABSENT, .fd = -1 };
	}
}

/* Reads the source directory of n on from s->pos and classifies each name,
 * once: the shown ones are appended to s and, with b, added to the reply
 * with that same classification, until b is full or the directory ends.
 * Without b, reads on until s holds more than upto entries, keeping their
 * classifications in s->ahead when keep (listing_ahead). Caller holds the
 * rules lock and s->lock. Returns 0 or -errno. */
static int listing_read(struct daemon *d, struct node *n, struct snapshot *s,
			size_t upto, struct dirbuf *b, bool keep)
{
	struct dirref dr = dirref_of(n);
	const struct dirent64 *de;
	int err = 0;

	while ((de = dirstream_peek(&s->src, n->fd, s->pos, &err))) {
		const char *name = de->d_name;
		size_t len = strlen(name);
		if ((name[0] == '.' && (name[1] == '\0' ||
					(name[1] == '.' && name[2] == '\0'))) ||
		    (!n->parent && probe_reserved(name, len))) {
			s->pos = de->d_off; /* reserved: probe.h */
			dirstream_consume(&s->src);
			continue;
		}
		if (b && !dirbuf_fits(b, name))
			break; /* the next slice's first entry */
		struct entry e;
		if (classify(&d->sv, d->rules, &dr, name, len, b && b->plus,
			     &e) < 0) {
			err = -ENOMEM;
			break;
		}
		if (e.why == SHOWN) {
			err = snapshot_add(s, name, e.st.st_mode & S_IFMT);
			if (!err && b)
				dirbuf_add(d, n, s, s->n - 1, &e, b);
			else if (!err && keep)
				keep_ahead(s, &e);
		}
		entry_release(&e);
		if (err)
			break;
		s->pos = de->d_off;
		dirstream_consume(&s->src);
		if (!b && s->n > upto)
			break;
	}
	if (!de && !err)
		s->complete = true;
	if (s->complete || err)
		dirstream_close(&s->src);
	else
		dirstream_pause(&s->src);
	return err;
}

/* The listing to serve from offset off of directory n, with a reference
 * for the caller. Caller holds the rules lock. */
static int listing_for(struct daemon *d, struct node *n, off_t off,
		       struct fuse_file_info *fi, struct snapshot **out)
{
	if (!d->no_opendir) {
		*out = (struct snapshot *)(uintptr_t)fi->fh;
		snapshot_ref(*out);
		return 0;
	}
	struct snapshot *s = off > 0 ? node_snapshot_take(&d->nodes, n) : NULL;
	if (!s) {
		s = snapshot_new();
		if (!s)
			return -ENOMEM;
		node_snapshot_set(&d->nodes, n, s);
	}
	*out = s;
	return 0;
}

/* ---- classifying the next slice while the kernel takes this one ----
 *
 * A first walk of a large directory is a chain: the kernel asks for a
 * slice, the daemon classifies its entries, the kernel makes an inode and
 * dentry of each, the reader asks for the next. Once a READDIRPLUS reply
 * is out, its thread classifies the next slice's worth of entries, so the
 * two halves of the chain run on two cores. The next slice serves those
 * classifications only if it comes soon (AHEAD_MAX_NS; a sequential
 * reader's next request comes within 1-2 ms, and 96% of a 100,000-entry
 * walk is served ahead) and under the same rules; otherwise, and for
 * whatever is not a plain file, it classifies them anew, as for any slice
 * read a second time. The window this opens (a name hard-linked after it
 * was classified ahead is listed once) is in docs/threat-model.md. */
#define AHEAD_MAX_NS (10u * 1000000u)

/* Classifies up to count more entries of dir's listing s into s->ahead.
 * Caller holds the rules lock and s->lock. */
static void listing_ahead(struct daemon *d, struct node *dir,
			  struct snapshot *s, size_t count)
{
	snapshot_ahead_clear(s);
	if (s->complete || count == 0 ||
	    !(s->ahead = calloc(count, sizeof(*s->ahead))))
		return;
	s->ahead_at = s->n;
	s->ahead_gen = d->rules_gen;
	s->ahead_ns = now_ns();
	if (listing_read(d, dir, s, s->n + count - 1, NULL, true) < 0)
		snapshot_ahead_clear(s);
}

/* The classification of entry i kept ahead and still good, or NULL. */
static struct entry *ahead_take(struct daemon *d, struct snapshot *s, size_t i)
{
	if (!s->ahead || i < s->ahead_at || i - s->ahead_at >= s->ahead_n)
		return NULL;
	if (s->ahead_gen != d->rules_gen ||
	    now_ns() - s->ahead_ns > AHEAD_MAX_NS) {
		snapshot_ahead_clear(s);
		return NULL;
	}
	struct entry *e = &s->ahead[i - s->ahead_at];
	if (e->why != SHOWN)
		return NULL;
	count(d, ST_AHEAD);
	return e;
}

/* After a full READDIRPLUS slice of dir (held: node_hold) that left s with
 * served entries and more to read: classifies as many again ahead, unless
 * another slice got there first. Lets dir go. */
static void read_ahead(struct daemon *d, struct node *dir, struct snapshot *s,
		       size_t served, size_t count)
{
	pthread_rwlock_rdlock(&d->rules_lock);
	if (node_live(dir)) {
		pthread_mutex_lock(&s->lock);
		if (s->n == served)
			listing_ahead(d, dir, s, count);
		pthread_mutex_unlock(&s->lock);
	}
	pthread_rwlock_unlock(&d->rules_lock);
	node_forget(&d->nodes, dir, 1);
}

static void sfs_opendir(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	struct daemon *d = dm(req);
	struct snapshot *s = NULL;
	int err = 0;

	count(d, ST_OPENDIR);
	if (d->no_opendir) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	pthread_rwlock_rdlock(&d->rules_lock);
	struct node *n = live_node(d, ino, &err);
	if (n && n->type != S_IFDIR)
		err = ENOTDIR;
	else if (n && !(s = snapshot_new()))
		err = ENOMEM;
	pthread_rwlock_unlock(&d->rules_lock);
	if (err) {
		fuse_reply_err(req, err);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)s;
	if (n->wd >= 0) {
		/* Listings are cached by the kernel until the watcher says
		 * the directory changed. */
		fi->cache_readdir = 1;
		fi->keep_cache = 1;
	}
	if (fuse_reply_open(req, fi) == -ENOENT)
		snapshot_put(s); /* interrupted: no RELEASEDIR will come */
}

static void reply_dir(fuse_req_t req, struct daemon *d, fuse_ino_t ino,
		      size_t size, off_t off, struct fuse_file_info *fi,
		      bool plus)
{
	struct snapshot *s = NULL;
	struct dirbuf b = {
		.req = req, .buf = malloc(size), .size = size, .plus = plus
	};
	size_t i = off > 0 ? (size_t)off : 0;
	size_t first = i, served = 0;
	bool ahead = false, all = false;
	int err = 0;

	if (!b.buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_rwlock_rdlock(&d->rules_lock);
	struct node *dir = live_node(d, ino, &err);
	if (dir && dir->type != S_IFDIR)
		err = ENOTDIR;
	if (!err) {
		int rc = listing_for(d, dir, off, fi, &s);
		if (rc < 0)
			err = -rc;
	}
	if (!err) {
		pthread_mutex_lock(&s->lock);
		/* An offset past what was read so far (a listing taken again
		 * meanwhile): read up to it first. */
		if (i > s->n && !s->complete)
			err = -listing_read(d, dir, s, i - 1, NULL, false);
		for (; !err && i < s->n; i++) {
			if (!dirbuf_fits(&b, snapshot_name(s, i)))
				break;
			struct entry *e = plus ? ahead_take(d, s, i) : NULL;
			dirbuf_add(d, dir, s, i, e, &b);
			if (e) {
				entry_release(e);
				e->why = HIDE_ABSENT;
			}
		}
		all = i == s->n; /* what a read of the source adds is served */
		if (!err && !b.full && !s->complete)
			err = -listing_read(d, dir, s, 0, &b, false);
		bool ended = !err && s->complete && b.used == 0 && !b.full;
		served = s->n;
		/* Reading on in order, with more to come: classify the next
		 * slice's worth while the kernel takes this one. */
		ahead = plus && all && !err && b.full && !s->complete &&
			served > first;
		if (ahead)
			node_hold(&d->nodes, dir);
		pthread_mutex_unlock(&s->lock);
		/* The empty slice at the end: the kernel has it all now. */
		if (ended && d->no_opendir)
			node_snapshot_drop(&d->nodes, dir, s);
	}
	pthread_rwlock_unlock(&d->rules_lock);
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_buf(req, b.buf, b.used);
	free(b.buf);
	daemon_kick_watches(d);
	if (ahead)
		read_ahead(d, dir, s, served, served - first);
	snapshot_put(s);
}

static void sfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	count(dm(req), ST_READDIR);
	reply_dir(req, dm(req), ino, size, off, fi, false);
}

static void sfs_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			    off_t off, struct fuse_file_info *fi)
{
	count(dm(req), ST_READDIRPLUS);
	reply_dir(req, dm(req), ino, size, off, fi, true);
}

static void sfs_releasedir(fuse_req_t req, fuse_ino_t ino,
			   struct fuse_file_info *fi)
{
	count(dm(req), ST_RELEASEDIR);
	snapshot_put((struct snapshot *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

static void sfs_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct daemon *d = dm(req);
	struct statvfs sv;

	count(d, ST_STATFS);
	if (fstatvfs(d->sv.root_fd, &sv) < 0) {
		fuse_reply_err(req, errno);
		return;
	}
	sv.f_flag |= ST_RDONLY | ST_NOSUID | ST_NODEV;
	fuse_reply_statfs(req, &sv);
}

static void sfs_readlink(fuse_req_t req, fuse_ino_t ino)
{
	count(dm(req), ST_OTHER);
	fuse_reply_err(req, EINVAL); /* the view presents no symlinks */
}

/* Extended attributes are not exposed; ENOSYS makes the kernel stop asking
 * and answer EOPNOTSUPP itself. */
static void sfs_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			 size_t size)
{
	count(dm(req), ST_XATTR);
	fuse_reply_err(req, ENOSYS);
}

static void sfs_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	count(dm(req), ST_XATTR);
	fuse_reply_err(req, ENOSYS);
}

static void sfs_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	count(dm(req), ST_ACCESS);
	fuse_reply_err(req, (mask & W_OK) ? EROFS : ENOSYS);
}

/* ---- write-type requests: refused by mechanism, whatever the name ---- */

static void refuse(fuse_req_t req)
{
	count(dm(req), ST_REFUSED);
	fuse_reply_err(req, EROFS);
}

static void sfs_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			int to_set, struct fuse_file_info *fi)
{
	refuse(req);
}
static void sfs_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, dev_t rdev)
{
	refuse(req);
}
static void sfs_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode)
{
	refuse(req);
}
static void sfs_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	refuse(req);
}
static void sfs_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	refuse(req);
}
static void sfs_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
			const char *name)
{
	refuse(req);
}
static void sfs_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		       fuse_ino_t newparent, const char *newname,
		       unsigned int flags)
{
	refuse(req);
}
static void sfs_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		     const char *newname)
{
	refuse(req);
}
static void sfs_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		      size_t size, off_t off, struct fuse_file_info *fi)
{
	refuse(req);
}
static void sfs_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		       mode_t mode, struct fuse_file_info *fi)
{
	refuse(req);
}
static void sfs_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
			 const char *value, size_t size, int flags)
{
	refuse(req);
}
static void sfs_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	refuse(req);
}
static void sfs_fallocate(fuse_req_t req, fuse_ino_t ino, int mode,
			  off_t offset, off_t length, struct fuse_file_info *fi)
{
	refuse(req);
}
static void sfs_copy_file_range(fuse_req_t req, fuse_ino_t ino_in, off_t off_in,
				struct fuse_file_info *fi_in,
				fuse_ino_t ino_out, off_t off_out,
				struct fuse_file_info *fi_out, size_t len,
				int flags)
{
	refuse(req);
}

static const struct fuse_lowlevel_ops ops = {
	.init = sfs_init,
	.lookup = sfs_lookup,
	.forget = sfs_forget,
	.forget_multi = sfs_forget_multi,
	.getattr = sfs_getattr,
	.open = sfs_open,
	.read = sfs_read,
	.opendir = sfs_opendir,
	.readdir = sfs_readdir,
	.readdirplus = sfs_readdirplus,
	.releasedir = sfs_releasedir,
	.statfs = sfs_statfs,
	.readlink = sfs_readlink,
	.getxattr = sfs_getxattr,
	.listxattr = sfs_listxattr,
	.access = sfs_access,
	.setattr = sfs_setattr,
	.mknod = sfs_mknod,
	.mkdir = sfs_mkdir,
	.unlink = sfs_unlink,
	.rmdir = sfs_rmdir,
	.symlink = sfs_symlink,
	.rename = sfs_rename,
	.link = sfs_link,
	.write = sfs_write,
	.create = sfs_create,
	.setxattr = sfs_setxattr,
	.removexattr = sfs_removexattr,
	.fallocate = sfs_fallocate,
	.copy_file_range = sfs_copy_file_range,
};

const struct fuse_lowlevel_ops *seedfs_ops(void)
{
	return &ops;
}
