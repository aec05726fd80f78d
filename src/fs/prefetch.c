/* prefetch.c — see prefetch.h. */
#include "prefetch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "safeopen.h"
#include "seedfs/names.h"

/* Directories waiting; each holds a descriptor (a few percent of a 1,024
 * limit). */
#define QUEUE_MAX   64
/* Reads in flight besides the request's own: 5 measured best here (cold
 * find, 2 vCPU, virtio disk; docs/performance.md). */
#define WORKERS	    5
/* Entries read of one directory: a huge one is left to the listing. */
#define ENTRIES_MAX 2048
/* Bytes read of a computed file: its whole usual size. */
#define HEAD_BYTES  65536
/* Levels warmed below a directory just shown. */
#define DEPTH_MAX   3
/* 4,096 directories remembered as warmed, 8 to a set. */
#define CLAIM_WAYS  8
#define CLAIM_SETS  512
/* After which a directory may be warmed again. */
#define CLAIM_MS    10000

struct item {
	int fd; /* O_PATH */
	char *path;
	size_t pathlen;
	int depth; /* levels below it still to warm */
};

/* A directory warmed (or being warmed): no other item reads it again while
 * the claim holds. A claim ends when its directory's node is freed (the
 * kernel forgot it, as after a cache drop: the next walk is cold again),
 * with every other claim when the node of any directory under a live
 * claim is freed (pool.epoch), or CLAIM_MS after it was made. */
struct claim {
	dev_t dev;
	ino_t ino;
	uint64_t at_ms; /* 0: free slot */
	unsigned epoch; /* pool.epoch when made; any other: not live */
};

/* One daemon per process: the pool is process state, like the openat2
 * probe in safeopen.c. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* Next first: the directories just shown and the subdirectories of
	 * one being warmed go in front, in the order a walk takes them. */
	struct item q[QUEUE_MAX];
	size_t n;
	size_t burst; /* items put in front since a worker last took one */
	struct claim claims[CLAIM_SETS * CLAIM_WAYS];
	/* Moves when the view forgets a directory warmed under a live claim:
	 * the kernel is shedding its caches (a cache drop, memory pressure),
	 * so what was warmed with it, the subdirectories that have no node of
	 * their own to be forgotten by, is likely gone too. */
	unsigned epoch;
	struct prefetch_ctx ctx;
	bool started, failed;
	atomic_bool stopping;
	int running;	      /* worker threads not yet ended */
	pthread_cond_t ended; /* signalled as each one ends */
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER,
	   .cond = PTHREAD_COND_INITIALIZER,
	   .ended = PTHREAD_COND_INITIALIZER };

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static struct claim *claim_set(dev_t dev, ino_t ino)
{
	uint64_t h =
		((uint64_t)ino ^ ((uint64_t)dev << 40)) * 0x9e3779b97f4a7c15ull;
	return &pool.claims[(h >> 40) % CLAIM_SETS * CLAIM_WAYS];
}

/* The live claim on (dev, ino), or NULL. Caller holds pool.lock. */
static struct claim *claim_live(dev_t dev, ino_t ino, uint64_t now)
{
	struct claim *set = claim_set(dev, ino);
	for (int i = 0; i < CLAIM_WAYS; i++)
		if (set[i].at_ms && set[i].dev == dev && set[i].ino == ino)
			return now - set[i].at_ms < CLAIM_MS &&
					       set[i].epoch == pool.epoch
				       ? &set[i]
				       : NULL;
	return NULL;
}

/* Claims the directory (dev, ino) for the caller to warm; false when a
 * live claim is someone else's. Caller holds pool.lock. */
static bool claim_locked(dev_t dev, ino_t ino)
{
	uint64_t now = now_ms();
	if (claim_live(dev, ino, now))
		return false;
	struct claim *set = claim_set(dev, ino), *slot = &set[0];
	for (int i = 0; i < CLAIM_WAYS; i++) {
		struct claim *c = &set[i];
		if (c->at_ms && c->dev == dev && c->ino == ino) {
			slot = c; /* its own, expired */
			break;
		}
		if (c->at_ms < slot->at_ms)
			slot = c; /* a free one, or the oldest */
	}
	*slot = (struct claim){ .dev = dev,
				.ino = ino,
				.at_ms = now ? now : 1,
				.epoch = pool.epoch };
	return true;
}

/* Is (dev, ino) warmed, or being warmed? Caller holds pool.lock. */
static bool claimed_locked(dev_t dev, ino_t ino)
{
	return claim_live(dev, ino, now_ms()) != NULL;
}

void prefetch_unclaim(dev_t dev, ino_t ino)
{
	pthread_mutex_lock(&pool.lock);
	struct claim *c = claim_live(dev, ino, now_ms());
	if (c) {
		c->at_ms = 0;
		pool.epoch++; /* every other claim goes with it */
	}
	pthread_mutex_unlock(&pool.lock);
}

static void item_free(struct item *it)
{
	close(it->fd);
	free(it->path);
}

/* Puts it at position pos of the queue; false (it stays the caller's)
 * when the queue is full. Caller holds pool.lock. */
static bool insert_locked(struct item it, size_t pos)
{
	if (pool.n == QUEUE_MAX)
		return false;
	if (pos > pool.n)
		pos = pool.n;
	memmove(&pool.q[pos + 1], &pool.q[pos],
		(pool.n - pos) * sizeof(pool.q[0]));
	pool.q[pos] = it;
	pool.n++;
	pthread_cond_signal(&pool.cond);
	return true;
}

/* dir/name into buf (sizeof PATH_BUF); false when too long. */
#define PATH_BUF 8192
static bool join(char *buf, const char *dir, size_t dirlen, const char *name,
		 size_t namelen, size_t *len)
{
	size_t sep = dirlen ? 1 : 0;
	if (dirlen + sep + namelen >= PATH_BUF)
		return false;
	memmove(buf, dir, dirlen);
	if (sep)
		buf[dirlen] = '/';
	memcpy(buf + dirlen + sep, name, namelen);
	buf[dirlen + sep + namelen] = '\0';
	*len = dirlen + sep + namelen;
	return true;
}

static bool computed(const char *path, size_t len)
{
	pthread_rwlock_rdlock(pool.ctx.lock);
	enum transform t = rules_transform(*pool.ctx.rules, path, len);
	pthread_rwlock_unlock(pool.ctx.lock);
	return t != TRANSFORM_NONE;
}

/* The type of name below dirfd, from a stat rather than d_type: the
 * lookup (or listing) the view makes next for the entry then finds the
 * source's dentry and inode in memory, and the request thread's share of
 * a cold walk shrinks (cold find: 39 → 29 ms of its CPU; see
 * docs/performance.md). */
static unsigned char type_at(int dirfd, const char *name, struct stat *st)
{
	if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
		return DT_UNKNOWN;
	return IFTODT(st->st_mode);
}

/* Reads the head of name below dfd, a regular file with one link (checked
 * on an O_PATH handle first, as every open of the daemon is). */
static void read_head(int dfd, const char *name, char *buf)
{
	struct stat st;
	int pfd = safe_openat(dfd, name, O_PATH);
	if (pfd < 0)
		return;
	if (fstat(pfd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1) {
		int fd = safe_reopen(pfd, O_RDONLY | O_NONBLOCK);
		if (fd >= 0) {
			while (pread(fd, buf, HEAD_BYTES, 0) < 0 &&
			       errno == EINTR)
				;
			close(fd);
		}
	}
	close(pfd);
}

/* Claims the directory it and, if that is new, warms it. */
static void warm(struct item *it, char *buf);

struct subdir {
	char *path;
	dev_t dev;
	ino_t ino;
};

/* The subdirectories of one directory (view paths), in the order the walk
 * takes them. */
struct subdirs {
	struct subdir *v;
	size_t n, cap;
};

static void subdirs_add(struct subdirs *s, const char *path, size_t len,
			const struct stat *st)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct subdir *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return;
		s->v = v;
		s->cap = cap;
	}
	struct subdir *d = &s->v[s->n];
	d->dev = st->st_dev;
	d->ino = st->st_ino;
	if ((d->path = strndup(path, len)) != NULL)
		s->n++;
}

/* Puts the subdirectories of it in front of the queue, in order; one that
 * does not fit is warmed here and now. One claimed already (warmed, or
 * being warmed) is left alone before anything is opened or a thread woken
 * for it. A claim is made when a warm starts, not when it is queued: a
 * directory a request asks for meanwhile must still be put in front
 * (prefetch_dir). */
static void subdirs_queue(const struct item *it, struct subdirs *s, char *buf)
{
	size_t pos = 0;
	for (size_t i = 0; i < s->n; i++) {
		char *path = s->v[i].path;
		size_t len = strlen(path);
		struct item sub = { .path = path,
				    .pathlen = len,
				    .depth = it->depth - 1 };
		const char *name = path + (it->pathlen ? it->pathlen + 1 : 0);
		pthread_mutex_lock(&pool.lock);
		bool done = claimed_locked(s->v[i].dev, s->v[i].ino);
		pthread_mutex_unlock(&pool.lock);
		sub.fd = done || atomic_load(&pool.stopping)
				 ? -1
				 : safe_openat(it->fd, name,
					       O_PATH | O_DIRECTORY);
		if (sub.fd < 0) {
			free(path);
			continue;
		}
		pthread_mutex_lock(&pool.lock);
		bool queued = insert_locked(sub, pos);
		pthread_mutex_unlock(&pool.lock);
		if (queued) {
			pos++;
		} else {
			warm(&sub, buf);
			item_free(&sub);
		}
	}
	free(s->v);
}

/* Reads the entries of it: the inode of each, the heads of the computed
 * files, and, it->depth levels down, the subdirectories. */
static void warm_entries(struct item *it, char *buf)
{
	/* "." beneath an O_PATH directory: the directory itself, without
	 * the path walk of /proc/self/fd. */
	int dfd = openat(it->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	stats_bump(pool.ctx.stats, ST_PREFETCH);
	char *child = malloc(PATH_BUF);
	struct subdirs subs = { 0 };
	struct dirent *de;
	size_t budget = ENTRIES_MAX;
	while (child && budget > 0 && !atomic_load(&pool.stopping) &&
	       (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name), clen;
		if (!name_is_valid(de->d_name, len) ||
		    !join(child, it->path, it->pathlen, de->d_name, len, &clen))
			continue;
		budget--;
		struct stat st;
		unsigned char type = type_at(it->fd, de->d_name, &st);
		if (type == DT_REG && computed(child, clen))
			read_head(it->fd, de->d_name, buf);
		else if (type == DT_DIR && it->depth > 0)
			subdirs_add(&subs, child, clen, &st);
	}
	free(child);
	closedir(d);
	subdirs_queue(it, &subs, buf);
}

static void warm(struct item *it, char *buf)
{
	struct stat st;
	if (atomic_load(&pool.stopping) || fstat(it->fd, &st) < 0)
		return;
	pthread_mutex_lock(&pool.lock);
	bool mine = claim_locked(st.st_dev, st.st_ino);
	pthread_mutex_unlock(&pool.lock);
	if (mine)
		warm_entries(it, buf);
}

static void *worker(void *arg)
{
	pthread_setname_np(pthread_self(), "seedfs-prefetch");
	char *buf = malloc(HEAD_BYTES);
	for (;;) {
		pthread_mutex_lock(&pool.lock);
		while (pool.n == 0 && !atomic_load(&pool.stopping))
			pthread_cond_wait(&pool.cond, &pool.lock);
		if (atomic_load(&pool.stopping)) {
			pool.running--;
			pthread_cond_signal(&pool.ended);
			pthread_mutex_unlock(&pool.lock);
			break;
		}
		struct item it = pool.q[0];
		pool.n--;
		memmove(&pool.q[0], &pool.q[1], pool.n * sizeof(pool.q[0]));
		pool.burst = 0;
		pthread_mutex_unlock(&pool.lock);
		if (buf)
			warm(&it, buf);
		item_free(&it);
	}
	free(buf);
	return arg;
}

/* Caller holds pool.lock. */
static bool start_locked(const struct prefetch_ctx *pr)
{
	if (pool.started || pool.failed)
		return pool.started;
	pool.ctx = *pr;
	pthread_attr_t attr;
	if (pthread_attr_init(&attr) != 0) {
		pool.failed = true;
		return false;
	}
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	for (int i = 0; i < WORKERS; i++) {
		pthread_t t;
		if (pthread_create(&t, &attr, worker, NULL) == 0) {
			pool.started = true;
			pool.running++;
		}
	}
	pthread_attr_destroy(&attr);
	pool.failed = !pool.started;
	return pool.started;
}

void prefetch_dir(const struct prefetch_ctx *pr, int dirfd, dev_t dev,
		  ino_t ino, const char *path, size_t pathlen)
{
	pthread_mutex_lock(&pool.lock);
	/* Already warmed (as a subdirectory of one shown before, say): no
	 * thread need be woken only to find the claim. */
	if (atomic_load(&pool.stopping) || claimed_locked(dev, ino) ||
	    !start_locked(pr) || pool.n == QUEUE_MAX) {
		pthread_mutex_unlock(&pool.lock);
		return;
	}
	struct item it = { .fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0),
			   .path = strndup(path, pathlen),
			   .pathlen = pathlen,
			   .depth = DEPTH_MAX };
	if (it.fd < 0 || !it.path) {
		pthread_mutex_unlock(&pool.lock);
		if (it.fd >= 0)
			close(it.fd);
		free(it.path);
		return;
	}
	/* After the others of the same listing, ahead of older work. */
	insert_locked(it, pool.burst++);
	pthread_mutex_unlock(&pool.lock);
}

void prefetch_stop(void)
{
	pthread_mutex_lock(&pool.lock);
	atomic_store(&pool.stopping, true);
	pthread_cond_broadcast(&pool.cond);
	while (pool.running > 0)
		pthread_cond_wait(&pool.ended, &pool.lock);
	for (; pool.n > 0; pool.n--)
		item_free(&pool.q[pool.n - 1]);
	pthread_mutex_unlock(&pool.lock);
}
