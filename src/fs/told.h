/* told.h — what the kernel may hold of a file's size.
 *
 * A READ answered short comes back zero-filled up to the kernel's i_size
 * when the inode's attributes changed while the READ was in flight
 * (fuse_short_read then skips its shrink): bytes the source never held.
 * Two races lead there, and each side has a record here.
 *
 * The kernel holds a larger size than the source has: it drops the
 * attributes of a reply overtaken by another attribute change, so after
 * telling 41 it may still hold the 2411 told before, and no notification
 * makes it forget a size. The record is therefore the maximum of all sizes
 * told for the node, for its whole life: a source that shrank below it is
 * served by a new node (the watcher kills the old one; a GETATTR that
 * finds the file smaller, or a READ that would end short of it, kills it
 * too and answers ESTALE), so the kernel meets the new size on a new
 * inode.
 *
 * The kernel learns a larger size while a short READ is in flight: the
 * file grew just after it was read. A READ about to answer short marks the
 * end it answers (told_mark_short) and then checks that no size was told
 * since it looked; a reply telling a size records it and then reads the
 * mark, and tells no more than the marked end (with no caching time, so
 * the kernel asks again) while the mark holds. Both orders are sequentially
 * consistent, so at least one side sees the other. The mark holds for
 * TOLD_GRACE_MS after the READ: a readahead's short answer is taken in by
 * the kernel while the reply is written, a synchronous read's once the
 * reading thread runs again.
 *
 * Sizes are packed in 48 bits (larger ones are recorded as 2^48 - 1: still
 * larger than any short read), a change count above; the mark keeps its
 * end in 40 bits and a millisecond stamp above.
 */
#ifndef SEEDFS_TOLD_H
#define SEEDFS_TOLD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define TOLD_SIZE_BITS 48
#define TOLD_SIZE_MAX  ((UINT64_C(1) << TOLD_SIZE_BITS) - 1)
#define TOLD_END_BITS  40
#define TOLD_END_MAX   ((UINT64_C(1) << TOLD_END_BITS) - 1)
#define TOLD_STAMP_MAX ((UINT64_C(1) << (64 - TOLD_END_BITS)) - 1)
#define TOLD_GRACE_MS  10

struct told {
	_Atomic uint64_t word; /* maximum size told, and a change count */
	_Atomic uint64_t mark; /* end of the last short answer, and when */
};

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

/* Records that size is being told: raises the maximum and moves the count
 * even when the maximum stays. */
static inline void told_record(struct told *t, uint64_t size)
{
	uint64_t old = atomic_load(&t->word);
	uint64_t want;
	do {
		uint64_t max = told_size(old);
		want = told_pack(old, size > max ? size : max);
	} while (!atomic_compare_exchange_weak(&t->word, &old, want));
}

/* The word as read now, for told_short and told_mark_short. */
static inline uint64_t told_load(struct told *t)
{
	return atomic_load(&t->word);
}

/* Would a read of [off, off+len) that finds the source ending at have
 * end short of a size the kernel may hold? */
static inline bool told_short(uint64_t word, uint64_t off, uint64_t len,
			      uint64_t have)
{
	uint64_t end = off + len;
	uint64_t got = have > off ? have : off;
	return got < end && got < told_size(word);
}

/* Marks a short answer ending at end, at now_ms; then returns whether no
 * size was told since seen was loaded (if one was, refuse the answer). */
static inline bool told_mark_short(struct told *t, uint64_t seen, uint64_t end,
				   uint64_t now_ms)
{
	if (end > TOLD_END_MAX)
		end = TOLD_END_MAX;
	atomic_store(&t->mark,
		     ((now_ms & TOLD_STAMP_MAX) << TOLD_END_BITS) | end);
	return atomic_load(&t->word) == seen;
}

/* Has a short answer ever been marked? (told_cap needs the time then.) */
static inline bool told_marked(struct told *t)
{
	return atomic_load(&t->mark) != 0;
}

/* The size to tell for a source of size size at now_ms, called after
 * told_record(size): no more than the end of a short answer marked in the
 * last TOLD_GRACE_MS. Sets *capped when it is less than size. */
static inline uint64_t told_cap(struct told *t, uint64_t size, uint64_t now_ms,
				bool *capped)
{
	uint64_t m = atomic_load(&t->mark);
	uint64_t end = m & TOLD_END_MAX;
	uint64_t age = ((now_ms & TOLD_STAMP_MAX) - (m >> TOLD_END_BITS)) &
		       TOLD_STAMP_MAX;
	*capped = m != 0 && end < size && age <= TOLD_GRACE_MS;
	return *capped ? end : size;
}

#endif
