/* prefetch.h — warming the source's caches ahead of the kernel's requests.
 *
 * Owns: a small pool of background threads that, for a directory the view
 * has just shown, read its entries (the directory's blocks, which bring
 * the inode table with them), the first bytes of the files served
 * computed, and the same for its subdirectories a few levels down, so that
 * the LOOKUP or listing slice that follows finds them in memory instead of
 * waiting for one disk read at a time. It decides nothing and serves
 * nothing: every request still classifies from the source itself; this
 * only overlaps the disk reads a cold walk would otherwise make one by one.
 *
 * Work is one directory at a time, next first: the directories a listing
 * just showed, and the subdirectories of one being warmed, go in front, in
 * the walk's order, so the threads share a walk instead of repeating it.
 * Each directory is claimed by the thread that reads it; the claim lasts
 * until the view forgets the directory's node (prefetch_unclaim: as after a
 * cache drop, when the next walk is cold again) or for a few seconds; the
 * view forgetting a directory it warmed under a live claim ends every
 * claim, since the subdirectories warmed with it (which have no node to be
 * forgotten by) are likely gone from the caches too.
 *
 * Threads start on the first prefetch_dir call (a confined request thread,
 * so they inherit the confinement). The queue is bounded: a directory that
 * does not fit is not warmed, or is warmed at once by the thread that
 * found it. prefetch_stop ends them before the daemon frees what they read
 * (the rules, the source descriptors).
 */
#ifndef SEEDFS_PREFETCH_H
#define SEEDFS_PREFETCH_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

#include "seedfs/rules.h"
#include "stats.h"

/* What the threads need of the daemon: where the current rules are, to
 * tell which files are served computed, and its counters (ST_PREFETCH;
 * never NULL, as for every handler). */
struct prefetch_ctx {
	pthread_rwlock_t *lock;
	struct rules *const *rules;
	struct stats_page *stats;
};

/* Queues the directory (dev, ino), open as dirfd (O_PATH; duplicated, the
 * caller keeps its own), with view path path for warming, unless it is
 * claimed already. Best effort. */
void prefetch_dir(const struct prefetch_ctx *pr, int dirfd, dev_t dev,
		  ino_t ino, const char *path, size_t pathlen);

/* The directory (dev, ino) may be warmed again: the view forgot it. If it
 * was warmed under a live claim, so may every other. */
void prefetch_unclaim(dev_t dev, ino_t ino);

/* Stops the threads: the queue is dropped, a warm in progress ends at its
 * next entry, and it returns once no thread runs. Later prefetch_dir calls
 * do nothing. */
void prefetch_stop(void);

#endif
