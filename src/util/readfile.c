/* readfile.c — bounded whole-file read (see util/readfile.h). */
#include "util/readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(enum uread_step *step, enum uread_step at, int rc)
{
	if (step)
		*step = at;
	return rc;
}

int uread_fd(int fd, size_t max, char **out, size_t *len, enum uread_step *step)
{
	struct stat st;

	*out = NULL;
	*len = 0;
	if (fstat(fd, &st) < 0)
		return fail(step, UREAD_STAT, -errno);
	if (!S_ISREG(st.st_mode))
		return fail(step, UREAD_TYPE, -EINVAL);
	if (st.st_size < 0 || (unsigned long long)st.st_size > max)
		return fail(step, UREAD_SIZE, -EFBIG);
	/* one byte past the size seen: a file that grew shows as more */
	size_t cap = (size_t)st.st_size + 1, used = 0;
	char *buf = malloc(cap + 1);
	if (!buf)
		return fail(step, UREAD_READ, -ENOMEM);
	for (;;) {
		if (used == cap) {
			if (cap > max) {
				free(buf);
				return fail(step, UREAD_SIZE, -EFBIG);
			}
			size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *nb = realloc(buf, ncap + 1);
			if (!nb) {
				free(buf);
				return fail(step, UREAD_READ, -ENOMEM);
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t n = pread(fd, buf + used, cap - used, (off_t)used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;
			free(buf);
			return fail(step, UREAD_READ, err);
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used > max) {
		free(buf);
		return fail(step, UREAD_SIZE, -EFBIG);
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	return 0;
}

int uread_path(const char *path, size_t max, char **out, size_t *len,
	       enum uread_step *step)
{
	int fd, rc;

	*out = NULL;
	*len = 0;
	do
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return fail(step, UREAD_OPEN, -errno);
	rc = uread_fd(fd, max, out, len, step);
	close(fd);
	return rc;
}
