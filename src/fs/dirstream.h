/* dirstream.h — reading a source directory on from where the last slice
 * of its listing stopped.
 *
 * A listing is read in slices of about 200 entries, one per READDIRPLUS.
 * Opening the directory again for each slice and seeking to where the last
 * one stopped makes the source filesystem start over there (ext4 rebuilds
 * its hash-order cursor), and a 16 KiB getdents64 returns about twice what
 * one slice uses, read again by the next: a 100,000-entry listing read that
 * way cost 75 ms against 26 ms through one descriptor (docs/performance.md).
 * A stream keeps the descriptor and the records read but not yet used from
 * one slice to the next. Descriptors kept are bounded (DIRSTREAM_KEPT_MAX,
 * for the whole process): past that a stream is closed after each slice and
 * opened again at its offset, as before. Not thread-safe: the snapshot's
 * lock guards it. */
#ifndef SEEDFS_DIRSTREAM_H
#define SEEDFS_DIRSTREAM_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define DIRSTREAM_KEPT_MAX 64

struct dirstream {
	int fd;		/* the directory, open for reading; -1: closed */
	bool kept;	/* counted against DIRSTREAM_KEPT_MAX */
	size_t at, len; /* buf[at..len): records read, not consumed */
	char *buf;	/* with fd */
};

#define DIRSTREAM_INIT ((struct dirstream){ .fd = -1 })

/* The next record of the directory dirfd names, reading on from offset pos
 * (the d_off of the last record consumed; 0 at the start) when nothing is
 * buffered. NULL at the end, with *err 0, or on failure, with *err -errno.
 * The record stays next until dirstream_consume. */
const struct dirent64 *dirstream_peek(struct dirstream *ds, int dirfd,
				      off_t pos, int *err);
void dirstream_consume(struct dirstream *ds);
/* Between slices: keeps the descriptor and what is buffered when the
 * budget allows, else closes the stream. */
void dirstream_pause(struct dirstream *ds);
void dirstream_close(struct dirstream *ds);

#endif
