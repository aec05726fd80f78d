/* scratch.h — a scratch tree for the launcher's cmocka tests (test_kit.c,
 * test_shared.c): paths below base, and files and directories made there
 * with cmocka assertions. The includer calls scratch_make in its setup and
 * scratch_remove in its teardown. Include after <cmocka.h>. */
#ifndef SBX_TEST_SCRATCH_H
#define SBX_TEST_SCRATCH_H

#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "claude-sbx/fstree.h"

static char base[PATH_MAX];

/* For setup: base made from a mkdtemp template ("/tmp/sbx-NAME-XXXXXX"),
 * and umask 022 so that modes come out as asked. 0, or -1. */
static inline int scratch_make(const char *tmpl)
{
	snprintf(base, sizeof(base), "%s", tmpl);
	if (!mkdtemp(base))
		return -1;
	umask(022);
	return 0;
}

/* For teardown: the whole tree at base removed (sbx_remove_tree, which
 * does not cross into a mount left behind). */
static inline void scratch_remove(void)
{
	char where[PATH_MAX], parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%s", base);
	char *slash = strrchr(parent, '/');
	*slash = '\0';
	int fd = open(parent, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(sbx_remove_tree(fd, slash + 1, where, sizeof(where)),
			 0);
	close(fd);
}

static inline void path(char *out, const char *rel)
{
	if (snprintf(out, PATH_MAX, "%s/%s", base, rel) >= PATH_MAX)
		fail_msg("path too long");
}

static inline void put(const char *rel, const char *text, mode_t mode)
{
	char p[PATH_MAX];
	path(p, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(p, mode);
}

static inline void dir(const char *rel)
{
	char p[PATH_MAX];
	path(p, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static inline bool exists(const char *rel)
{
	char p[PATH_MAX];
	struct stat st;
	path(p, rel);
	return lstat(p, &st) == 0;
}

static inline int open_dir(const char *rel)
{
	char p[PATH_MAX];
	path(p, rel);
	int fd = open(p, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	return fd;
}

#endif
