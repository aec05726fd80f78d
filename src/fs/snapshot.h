/* snapshot.h — a filtered directory listing, taken once and served in
 * slices: READDIR offsets are indexes into it, so hidden entries never show
 * in d_off values. Names live in one arena (a 100,000-entry listing is one
 * allocation, not 100,000). Reference-counted: a directory node keeps the
 * one being read while the kernel fills its readdir cache. */
#ifndef SEEDFS_SNAPSHOT_H
#define SEEDFS_SNAPSHOT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct snap_ent {
	uint32_t off; /* of the name in the arena */
	mode_t type;
};

struct snapshot {
	atomic_uint refs;
	struct snap_ent *v; /* v[0] ".", v[1] "..", then visible entries */
	size_t n, cap;
	char *names;
	size_t used, room;
};

struct snapshot *snapshot_new(void); /* holds "." and "..", one reference */
int snapshot_add(struct snapshot *s, const char *name, mode_t type);
void snapshot_ref(struct snapshot *s);
void snapshot_put(struct snapshot *s); /* frees on the last reference */

static inline const char *snapshot_name(const struct snapshot *s, size_t i)
{
	return s->names + s->v[i].off;
}

#endif
