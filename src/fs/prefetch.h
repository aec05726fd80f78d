/* prefetch.h — warming the source's caches ahead of the kernel's requests.
 *
 * Owns: a small pool of background threads that, for a directory the view
 * has just shown, read its entries' inodes (fstatat) and the first bytes
 * of the files served computed, so that the LOOKUP or listing slice that
 * follows finds them in memory instead of waiting for one disk read at a
 * time. It decides nothing and serves nothing: every request still
 * classifies from the source itself; this only overlaps the disk reads a
 * cold walk would otherwise make one by one.
 *
 * Threads start on the first prefetch_dir call (a confined request thread,
 * so they inherit the confinement). The queue is bounded: a directory that
 * does not fit is not warmed. prefetch_stop ends them before the daemon
 * frees what they read (the rules, the source descriptors).
 */
#ifndef SEEDFS_PREFETCH_H
#define SEEDFS_PREFETCH_H

#include <pthread.h>
#include <stddef.h>

#include "seedfs/rules.h"

/* Where the current rules are, to tell which files are served computed. */
struct prefetch_rules {
	pthread_rwlock_t *lock;
	struct rules *const *rules;
};

/* Queues the directory open as dirfd (O_PATH; duplicated, the caller keeps
 * its own) with view path path for warming. Best effort. */
void prefetch_dir(const struct prefetch_rules *pr, int dirfd, const char *path,
		  size_t pathlen);

/* Stops the threads: the queue is dropped, a warm in progress ends at its
 * next entry, and it returns once no thread runs. Later prefetch_dir calls
 * do nothing. */
void prefetch_stop(void);

#endif
