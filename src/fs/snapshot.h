/* snapshot.h — a filtered directory listing, taken once and served in
 * slices: READDIR offsets are indexes into it, so hidden entries never show
 * in d_off values. Reference-counted: a directory node keeps the one being
 * read while the kernel fills its readdir cache. */
#ifndef SEEDFS_SNAPSHOT_H
#define SEEDFS_SNAPSHOT_H

#include <stdatomic.h>
#include <stddef.h>
#include <sys/types.h>

struct snap_ent {
	char *name;
	mode_t type;
};

struct snapshot {
	atomic_uint refs;
	struct snap_ent *v; /* v[0] ".", v[1] "..", then visible entries */
	size_t n, cap;
};

struct snapshot *snapshot_new(void); /* holds "." and "..", one reference */
int snapshot_add(struct snapshot *s, const char *name, mode_t type);
void snapshot_ref(struct snapshot *s);
void snapshot_put(struct snapshot *s); /* frees on the last reference */

#endif
