/* stats.h — per-opcode request counters the daemon exposes to `status
 * --stats`: a small shared file in the runtime directory, mapped by the
 * daemon and read by the CLI. Counting is one relaxed atomic add. */
#ifndef SEEDFS_STATS_H
#define SEEDFS_STATS_H

#include <stdatomic.h>
#include <stdint.h>

enum stat_op {
	ST_LOOKUP,
	ST_FORGET,
	ST_GETATTR,
	ST_OPEN,
	ST_READ,
	ST_OPENDIR,
	ST_READDIR,
	ST_READDIRPLUS,
	ST_RELEASEDIR,
	ST_STATFS,
	ST_XATTR,
	ST_ACCESS,
	ST_REFUSED, /* every write-type request */
	ST_OTHER,
	ST_INVAL_ENTRY, /* notifications sent to the kernel */
	ST_INVAL_INODE,
	ST_RELOAD,
	ST_AHEAD,	/* READDIRPLUS entries classified ahead (ops.c) */
	ST_WATCH_WAKE,	/* watcher woken by a handler for queued watches */
	ST_WATCH_BATCH, /* batches of plain-file watches the watcher added */
	ST_PREFETCH,	/* directories the prefetch threads read */
	ST__COUNT
};

#define STATS_MAGIC 0x5345454446535354ull /* "SEEDFSST" */

struct stats_page {
	uint64_t magic;
	uint64_t nops;
	_Atomic uint64_t count[ST__COUNT];
};

static inline void stats_bump(struct stats_page *s, enum stat_op op)
{
	atomic_fetch_add_explicit(&s->count[op], 1, memory_order_relaxed);
}

/* Lower-case opcode names, indexed by enum stat_op. */
extern const char *const stats_names[ST__COUNT];

#endif
