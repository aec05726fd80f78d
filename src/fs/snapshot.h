/* snapshot.h — a filtered directory listing, served in slices: READDIR
 * offsets are indexes into it, so hidden entries never show in d_off
 * values. It is taken as it is read: each slice classifies the source
 * entries it returns, once, and appends the shown ones (pos is where the
 * source directory is read on). Names live in one arena (a 100,000-entry
 * listing is one allocation, not 100,000). Reference-counted: a directory
 * node keeps the one being read while the kernel fills its readdir cache. */
#ifndef SEEDFS_SNAPSHOT_H
#define SEEDFS_SNAPSHOT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dirstream.h"

struct entry; /* classify.h */

struct snap_ent {
	uint32_t off; /* of the name in the arena */
	mode_t type;
};

struct snapshot {
	atomic_uint refs;
	pthread_mutex_t lock; /* held while a slice is served or appended */
	struct snap_ent *v;   /* v[0] ".", v[1] "..", then visible entries */
	size_t n, cap;
	char *names;
	size_t used, room;
	off_t pos;     /* source directory offset after the last entry read */
	bool complete; /* the source directory was read to its end */
	struct dirstream src; /* reading on from pos */
	/* Entries classified ahead of the READDIRPLUS that serves them
	 * (ops.c, listing_ahead): ahead[k] is entry ahead_at + k, classified
	 * at ahead_ns under rules generation ahead_gen; why != SHOWN marks
	 * one to classify again when served. */
	struct entry *ahead;
	size_t ahead_at, ahead_n, ahead_bytes; /* bytes: of computed files */
	uint64_t ahead_ns;
	unsigned ahead_gen;
};

struct snapshot *snapshot_new(void); /* holds "." and "..", one reference */
int snapshot_add(struct snapshot *s, const char *name, mode_t type);
void snapshot_ref(struct snapshot *s);
void snapshot_put(struct snapshot *s); /* frees on the last reference */
/* Releases the entries classified ahead. Caller holds s->lock. */
void snapshot_ahead_clear(struct snapshot *s);

static inline const char *snapshot_name(const struct snapshot *s, size_t i)
{
	return s->names + s->v[i].off;
}

#endif
