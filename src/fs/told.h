/* told.h — the largest file size the kernel may hold for a node.
 *
 * A READ that comes back short of the kernel's i_size is zero-filled by
 * the kernel up to that size when the inode's attributes changed while the
 * READ was in flight (fuse_short_read then skips its shrink): bytes the
 * source never held. So a read must not end short of any size the kernel
 * may still hold, and "the size last told" is not enough: the kernel drops
 * the attributes of a reply whose request was overtaken by another
 * attribute change, so after telling 41 it may hold the 2411 told before.
 *
 * The record is therefore a maximum: every size told raises it, and only
 * told_lower(), called once the kernel has been made to forget the
 * attributes it holds (an attributes-only invalidation, which also makes
 * it drop every older reply still in flight), brings it down to the size
 * the source has now. A change count packed beside the size makes that
 * lowering fail when a size was told in between, so no telling is lost.
 *
 * Packed in one 64-bit word: size in the low 48 bits (larger sizes are
 * recorded as 2^48 - 1: still larger than any short read), count above.
 */
#ifndef SEEDFS_TOLD_H
#define SEEDFS_TOLD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define TOLD_SIZE_BITS 48
#define TOLD_SIZE_MAX  ((UINT64_C(1) << TOLD_SIZE_BITS) - 1)

static inline uint64_t told_size(uint64_t word)
{
	return word & TOLD_SIZE_MAX;
}

static inline uint64_t told_pack(uint64_t word, uint64_t size)
{
	uint64_t count = (word >> TOLD_SIZE_BITS) + 1;
	if (size > TOLD_SIZE_MAX)
		size = TOLD_SIZE_MAX;
	return (count << TOLD_SIZE_BITS) | size;
}

/* Records that size is being given to the kernel: raises the maximum and
 * moves the change count even when the maximum stays. */
static inline void told_record(_Atomic uint64_t *t, uint64_t size)
{
	uint64_t old = atomic_load_explicit(t, memory_order_relaxed);
	uint64_t want;
	do {
		uint64_t max = told_size(old);
		want = told_pack(old, size > max ? size : max);
	} while (!atomic_compare_exchange_weak_explicit(
		t, &old, want, memory_order_acq_rel, memory_order_relaxed));
}

/* The word as read now: pass it to told_lower() after invalidating. */
static inline uint64_t told_load(_Atomic uint64_t *t)
{
	return atomic_load_explicit(t, memory_order_acquire);
}

/* Lowers the maximum to size, unless a size was told since seen was
 * loaded. Returns whether it did. */
static inline bool told_lower(_Atomic uint64_t *t, uint64_t seen, uint64_t size)
{
	return atomic_compare_exchange_strong_explicit(t, &seen,
						       told_pack(seen, size),
						       memory_order_acq_rel,
						       memory_order_relaxed);
}

/* Would a read of [off, off+len) that finds the source holding have bytes
 * end short of a size the kernel may hold? */
static inline bool told_short(uint64_t word, uint64_t off, uint64_t len,
			      uint64_t have)
{
	uint64_t end = off + len;
	uint64_t got = have > off ? have : off;
	return got < end && got < told_size(word);
}

#endif
