/* spawn.c — the launcher's spawning helpers: PATH lookup and argv display
 * (see spawn.h; the spawning itself is src/util/proc.c). */
#include "claude-sbx/spawn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool proc_on_path(const char *name)
{
	const char *path = getenv("PATH");
	if (strchr(name, '/'))
		return access(name, X_OK) == 0;
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t n = colon ? (size_t)(colon - path) : strlen(path);
		char full[4096];
		if (snprintf(full, sizeof(full), "%.*s/%s", (int)n,
			     n ? path : ".", name) < (int)sizeof(full)) {
			struct stat st;
			if (stat(full, &st) == 0 && S_ISREG(st.st_mode) &&
			    access(full, X_OK) == 0)
				return true;
		}
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}

static bool needs_quote(const char *s)
{
	if (!*s)
		return true;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("-_./:=,+@%", *s)))
			return true;
	return false;
}

char *proc_argv_display(const char *const argv[], size_t max_args)
{
	size_t cap = 256, n = 0;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	out[0] = '\0';
	for (size_t i = 0; argv[i]; i++) {
		const char *a = argv[i];
		char shown[160];
		if (i >= max_args) {
			a = "…";
		} else if (strchr(a, '\n') || strlen(a) > 120) {
			snprintf(shown, sizeof(shown), "<%zu-byte argument>",
				 strlen(a));
			a = shown;
		}
		size_t need = n + strlen(a) * 4 + 4;
		if (need >= cap) {
			while (cap <= need)
				cap *= 2;
			char *p = realloc(out, cap);
			if (!p) {
				free(out);
				return NULL;
			}
			out = p;
		}
		if (i)
			out[n++] = ' ';
		if (i < max_args && a == argv[i] && needs_quote(a)) {
			out[n++] = '\'';
			for (const char *p = a; *p; p++) {
				if (*p == '\'') {
					memcpy(out + n, "'\\''", 4);
					n += 4;
				} else {
					out[n++] = *p;
				}
			}
			out[n++] = '\'';
		} else {
			memcpy(out + n, a, strlen(a));
			n += strlen(a);
		}
		out[n] = '\0';
		if (i >= max_args)
			break;
	}
	return out;
}
