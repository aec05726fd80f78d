/* names.c — what a single directory-entry name, or a relative path of them,
 * may be.
 *
 * Owns: refusing names that could step outside a directory or confuse a
 * path join, before anything touches the source tree. In the util layer
 * (src/util/) because the shared open (safeopen.c) checks names with it;
 * its header stays include/seedfs/names.h.
 */
#include "seedfs/names.h"

#include <errno.h>
#include <string.h>

bool name_is_valid(const char *name, size_t len)
{
	if (len == 0 || len > NAME_MAX_BYTES)
		return false;
	if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
		return false;
	return memchr(name, '/', len) == NULL &&
	       memchr(name, '\0', len) == NULL;
}

int name_check_relpath(const char *path)
{
	size_t len = strlen(path);
	size_t start = 0;

	if (len > 0 && path[len - 1] == '/')
		len--;
	if (len == 0)
		return -EINVAL;
	while (start <= len) {
		const char *slash = memchr(path + start, '/', len - start);
		size_t end = slash ? (size_t)(slash - path) : len;
		if (!name_is_valid(path + start, end - start))
			return -EINVAL;
		start = end + 1;
	}
	return 0;
}
