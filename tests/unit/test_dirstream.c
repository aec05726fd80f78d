/* Reading a directory on across slices (src/fs/dirstream.h): every name
 * once, whether the stream was kept between slices or opened again at its
 * offset, and no more descriptors kept than the budget. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirstream.h"

#define NAMES 3000 /* several 16 KiB reads' worth */

struct tree {
	char path[64];
	int fd; /* O_PATH, as a node's */
};

static int setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));
	snprintf(t->path, sizeof(t->path), "/tmp/dirstream-XXXXXX");
	if (!t || !mkdtemp(t->path))
		return -1;
	for (int i = 0; i < NAMES; i++) {
		char name[96];
		snprintf(name, sizeof(name), "%s/entry-%05d.md", t->path, i);
		int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0)
			return -1;
		close(fd);
	}
	t->fd = open(t->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	*state = t;
	return t->fd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct tree *t = *state;
	for (int i = 0; i < NAMES; i++) {
		char name[96];
		snprintf(name, sizeof(name), "%s/entry-%05d.md", t->path, i);
		unlink(name);
	}
	rmdir(t->path);
	close(t->fd);
	free(t);
	return 0;
}

/* Reads the whole directory in slices of `slice` names, pausing (or, when
 * reopen, closing) between slices, as listing_read does; counts each
 * name's sightings in seen[]. Returns the number of records read. */
static int read_in_slices(int dirfd, int slice, bool reopen, int *seen,
			  bool *kept_between)
{
	struct dirstream ds = DIRSTREAM_INIT;
	const struct dirent64 *de;
	off_t pos = 0;
	int total = 0, err = 0;
	*kept_between = true;
	for (;;) {
		int k = 0;
		while (k < slice &&
		       (de = dirstream_peek(&ds, dirfd, pos, &err))) {
			int i;
			if (sscanf(de->d_name, "entry-%05d.md", &i) == 1 &&
			    i >= 0 && i < NAMES)
				seen[i]++;
			pos = de->d_off;
			dirstream_consume(&ds);
			k++;
			total++;
		}
		assert_int_equal(err, 0);
		if (k < slice)
			break;
		if (reopen)
			dirstream_close(&ds);
		else
			dirstream_pause(&ds);
		*kept_between = *kept_between && ds.fd >= 0;
	}
	dirstream_close(&ds);
	assert_int_equal(ds.fd, -1);
	return total;
}

static void every_name_once_kept_or_reopened(void **state)
{
	struct tree *t = *state;
	const int slices[] = { 1, 7, 195, 400, NAMES + 10 };
	for (size_t s = 0; s < sizeof(slices) / sizeof(*slices); s++) {
		for (int reopen = 0; reopen < 2; reopen++) {
			int *seen = calloc(NAMES, sizeof(int));
			bool kept;
			int total = read_in_slices(t->fd, slices[s], reopen,
						   seen, &kept);
			assert_int_equal(total, NAMES + 2); /* with . and .. */
			for (int i = 0; i < NAMES; i++)
				assert_int_equal(seen[i], 1);
			if (!reopen)
				assert_true(kept);
			free(seen);
		}
	}
}

/* A record peeked but not consumed is the next one after a pause. */
static void a_peeked_record_stays_next(void **state)
{
	struct tree *t = *state;
	struct dirstream ds = DIRSTREAM_INIT;
	int err;
	const struct dirent64 *de = dirstream_peek(&ds, t->fd, 0, &err);
	assert_non_null(de);
	char first[256];
	snprintf(first, sizeof(first), "%s", de->d_name);
	dirstream_pause(&ds);
	de = dirstream_peek(&ds, t->fd, 0, &err);
	assert_non_null(de);
	assert_string_equal(de->d_name, first);
	dirstream_close(&ds);
}

static void kept_descriptors_are_bounded(void **state)
{
	struct tree *t = *state;
	struct dirstream ds[DIRSTREAM_KEPT_MAX + 8];
	int err, kept = 0;
	for (size_t i = 0; i < sizeof(ds) / sizeof(*ds); i++) {
		ds[i] = DIRSTREAM_INIT;
		assert_non_null(dirstream_peek(&ds[i], t->fd, 0, &err));
		dirstream_consume(&ds[i]);
		dirstream_pause(&ds[i]);
		kept += ds[i].fd >= 0;
	}
	assert_int_equal(kept, DIRSTREAM_KEPT_MAX);
	/* closing one makes room for another */
	dirstream_close(&ds[0]);
	struct dirstream more = DIRSTREAM_INIT;
	assert_non_null(dirstream_peek(&more, t->fd, 0, &err));
	dirstream_pause(&more);
	assert_true(more.fd >= 0);
	dirstream_close(&more);
	for (size_t i = 0; i < sizeof(ds) / sizeof(*ds); i++)
		dirstream_close(&ds[i]);
	/* and all of the budget is back */
	for (size_t i = 0; i < DIRSTREAM_KEPT_MAX; i++) {
		ds[i] = DIRSTREAM_INIT;
		assert_non_null(dirstream_peek(&ds[i], t->fd, 0, &err));
		dirstream_pause(&ds[i]);
		assert_true(ds[i].fd >= 0);
	}
	for (size_t i = 0; i < DIRSTREAM_KEPT_MAX; i++)
		dirstream_close(&ds[i]);
}

static void a_missing_directory_is_an_error_not_an_end(void **state)
{
	(void)state;
	struct dirstream ds = DIRSTREAM_INIT;
	int err = 0;
	int fd = open("/proc/self/exe", O_PATH | O_CLOEXEC); /* not a dir */
	assert_true(fd >= 0);
	assert_null(dirstream_peek(&ds, fd, 0, &err));
	assert_int_equal(err, -ENOTDIR);
	assert_int_equal(ds.fd, -1);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_name_once_kept_or_reopened),
		cmocka_unit_test(a_peeked_record_stays_next),
		cmocka_unit_test(kept_descriptors_are_bounded),
		cmocka_unit_test(a_missing_directory_is_an_error_not_an_end),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
