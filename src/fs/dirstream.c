/* dirstream.c — see dirstream.h. */
#include "dirstream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#define DIRSTREAM_BUF 16384

static atomic_uint kept_streams;

static int open_at(struct dirstream *ds, int dirfd, off_t pos)
{
	ds->buf = malloc(DIRSTREAM_BUF);
	if (!ds->buf)
		return -ENOMEM;
	ds->fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ds->fd < 0 || lseek(ds->fd, pos, SEEK_SET) < 0) {
		int err = -errno;
		dirstream_close(ds);
		return err;
	}
	ds->at = ds->len = 0;
	return 0;
}

const struct dirent64 *dirstream_peek(struct dirstream *ds, int dirfd,
				      off_t pos, int *err)
{
	*err = 0;
	if (ds->fd < 0 && (*err = open_at(ds, dirfd, pos)) < 0)
		return NULL;
	if (ds->at == ds->len) {
		ssize_t got = getdents64(ds->fd, ds->buf, DIRSTREAM_BUF);
		if (got < 0)
			*err = -errno;
		if (got <= 0)
			return NULL;
		ds->at = 0;
		ds->len = (size_t)got;
	}
	return (const struct dirent64 *)(ds->buf + ds->at);
}

void dirstream_consume(struct dirstream *ds)
{
	const struct dirent64 *de = (const struct dirent64 *)(ds->buf + ds->at);
	ds->at += de->d_reclen;
}

void dirstream_pause(struct dirstream *ds)
{
	if (ds->fd < 0 || ds->kept)
		return;
	if (atomic_fetch_add(&kept_streams, 1) < DIRSTREAM_KEPT_MAX)
		ds->kept = true;
	else {
		atomic_fetch_sub(&kept_streams, 1);
		dirstream_close(ds);
	}
}

void dirstream_close(struct dirstream *ds)
{
	if (ds->fd >= 0)
		close(ds->fd);
	if (ds->kept)
		atomic_fetch_sub(&kept_streams, 1);
	free(ds->buf);
	*ds = DIRSTREAM_INIT;
}
