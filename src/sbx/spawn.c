/* spawn.c — the launcher's spawning helper: argv display for messages
 * (see spawn.h; PATH lookup and the spawning itself are src/util/proc.c). */
#include "claude-sbx/spawn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
