/* readfile.c — see readfile.h. */
#include "claude-sbx/readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int sbx_read_file(const char *path, size_t max, const char *what,
		  bool missing_ok, char **out, size_t *len, struct sbx_err *err)
{
	*out = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (missing_ok && errno == ENOENT)
			return 0;
		return sbx_err_set(err, 2, "%s: cannot open %s: %s", path, what,
				   strerror(errno));
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return sbx_err_set(err, 2, "%s: not a regular file", path);
	}
	if ((size_t)st.st_size > max) {
		close(fd);
		return sbx_err_set(err, 2, "%s: larger than %zu bytes", path, max);
	}
	char *buf = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	if (!buf) {
		close(fd);
		return sbx_err_set(err, 1, "out of memory");
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}
