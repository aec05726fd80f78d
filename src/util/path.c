/* path.c — parent/base split (see util/path.h). */
#include "util/path.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int path_split(const char *path, char **parent, char **base)
{
	char *copy = strdup(path);
	*parent = *base = NULL;
	if (!copy)
		return -ENOMEM;
	size_t len = strlen(copy);
	while (len > 1 && copy[len - 1] == '/')
		copy[--len] = '\0';
	char *slash = strrchr(copy, '/');
	*base = strdup(slash ? slash + 1 : copy);
	if (slash && slash != copy)
		*slash = '\0';
	*parent = strdup(slash ? (slash == copy ? "/" : copy) : ".");
	free(copy);
	if (!*parent || !*base) {
		free(*parent);
		free(*base);
		*parent = *base = NULL;
		return -ENOMEM;
	}
	return 0;
}
