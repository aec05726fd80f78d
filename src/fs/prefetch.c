/* prefetch.c — see prefetch.h. */
#include "prefetch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safeopen.h"
#include "seedfs/names.h"

#define QUEUE_MAX                                                              \
	64	  /* directories waiting (each holds a descriptor:
			      a few percent of a 1,024 limit) */
#define WORKERS 2 /* reads in flight besides the request's own */
#define ENTRIES_MAX                                                            \
	2048		 /* per queued directory, subdirectories
			      included: a huge one is left to the listing */
#define HEAD_BYTES 65536 /* of a computed file: its whole usual size */
#define DEPTH_MAX  3	 /* subdirectories warmed with their parent */

struct item {
	int fd;
	char *path;
	size_t pathlen;
};

/* One daemon per process: the pool is process state, like the openat2
 * probe in safeopen.c. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct item q[QUEUE_MAX];
	size_t head, n;
	struct prefetch_rules rules;
	bool started, failed;
	atomic_bool stopping;
	int running;	      /* worker threads not yet ended */
	pthread_cond_t ended; /* signalled as each one ends */
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER,
	   .cond = PTHREAD_COND_INITIALIZER,
	   .ended = PTHREAD_COND_INITIALIZER };

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
	pthread_rwlock_rdlock(pool.rules.lock);
	enum transform t = rules_transform(*pool.rules.rules, path, len);
	pthread_rwlock_unlock(pool.rules.lock);
	return t != TRANSFORM_NONE;
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

/* Reads the entries of the directory dirfd (view path path) and, depth
 * first in the order a walk takes, those of its subdirectories, up to
 * *budget entries in all. */
static void warm(int dirfd, const char *path, size_t pathlen, int depth,
		 size_t *budget, char *buf)
{
	int dfd = safe_reopen(dirfd, O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		return;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return;
	}
	char *child = malloc(PATH_BUF);
	struct dirent *de;
	while (child && *budget > 0 && !atomic_load(&pool.stopping) &&
	       (de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name), clen;
		struct stat st;
		if (!name_is_valid(de->d_name, len) ||
		    fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !join(child, path, pathlen, de->d_name, len, &clen))
			continue;
		(*budget)--;
		if (S_ISREG(st.st_mode) && st.st_nlink == 1 &&
		    computed(child, clen)) {
			read_head(dirfd, de->d_name, buf);
		} else if (S_ISDIR(st.st_mode) && depth < DEPTH_MAX) {
			int sub = safe_openat(dirfd, de->d_name,
					      O_PATH | O_DIRECTORY);
			if (sub >= 0) {
				warm(sub, child, clen, depth + 1, budget, buf);
				close(sub);
			}
		}
	}
	free(child);
	closedir(d);
}

static void *worker(void *arg)
{
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
		struct item it = pool.q[pool.head];
		pool.head = (pool.head + 1) % QUEUE_MAX;
		pool.n--;
		pthread_mutex_unlock(&pool.lock);
		size_t budget = ENTRIES_MAX;
		if (buf)
			warm(it.fd, it.path, it.pathlen, 0, &budget, buf);
		close(it.fd);
		free(it.path);
	}
	free(buf);
	return arg;
}

/* Caller holds pool.lock. */
static bool start_locked(const struct prefetch_rules *pr)
{
	if (pool.started || pool.failed)
		return pool.started;
	pool.rules = *pr;
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

void prefetch_dir(const struct prefetch_rules *pr, int dirfd, const char *path,
		  size_t pathlen)
{
	pthread_mutex_lock(&pool.lock);
	if (atomic_load(&pool.stopping) || !start_locked(pr) ||
	    pool.n == QUEUE_MAX) {
		pthread_mutex_unlock(&pool.lock);
		return;
	}
	struct item it = { .fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0),
			   .path = strndup(path, pathlen),
			   .pathlen = pathlen };
	if (it.fd < 0 || !it.path) {
		pthread_mutex_unlock(&pool.lock);
		if (it.fd >= 0)
			close(it.fd);
		free(it.path);
		return;
	}
	pool.q[(pool.head + pool.n) % QUEUE_MAX] = it;
	pool.n++;
	pthread_cond_signal(&pool.cond);
	pthread_mutex_unlock(&pool.lock);
}

void prefetch_stop(void)
{
	pthread_mutex_lock(&pool.lock);
	atomic_store(&pool.stopping, true);
	pthread_cond_broadcast(&pool.cond);
	while (pool.running > 0)
		pthread_cond_wait(&pool.ended, &pool.lock);
	for (; pool.n > 0; pool.n--) {
		struct item *it = &pool.q[pool.head];
		close(it->fd);
		free(it->path);
		pool.head = (pool.head + 1) % QUEUE_MAX;
	}
	pthread_mutex_unlock(&pool.lock);
}
