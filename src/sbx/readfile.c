/* readfile.c — the launcher's wording of a bounded file read (see
 * readfile.h); the read itself is util/readfile.h's. */
#include "claude-sbx/readfile.h"
#include "util/readfile.h"

#include <errno.h>
#include <string.h>

int sbx_read_file(const char *path, size_t max, const char *what,
		  bool missing_ok, char **out, size_t *len, struct sbx_err *err)
{
	enum uread_step step = UREAD_OPEN;
	int rc = uread_path(path, max, out, len, &step);

	if (rc == 0)
		return 0;
	switch (step) {
	case UREAD_OPEN:
		if (missing_ok && rc == -ENOENT)
			return 0;
		return sbx_err_set(err, 2, "%s: cannot open %s: %s", path, what,
				   strerror(-rc));
	case UREAD_STAT:
	case UREAD_TYPE:
		return sbx_err_set(err, 2, "%s: not a regular file", path);
	case UREAD_SIZE:
		return sbx_err_set(err, 2, "%s: larger than %zu bytes", path,
				   max);
	case UREAD_READ:
		break;
	}
	if (rc == -ENOMEM)
		return sbx_err_set(err, 1, "out of memory");
	return sbx_err_set(err, 2, "%s: cannot read %s: %s", path, what,
			   strerror(-rc));
}
