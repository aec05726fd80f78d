/* mountinfo.c — /proc/self/mountinfo lines (see util/mountinfo.h). */
#include "util/mountinfo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* Splits one mountinfo line into its mount point, fstype and super
 * options. */
static bool parse_mountinfo(char *line, char **mp, char **fstype,
			    char **super)
{
	char *save = NULL, *tok;
	int field = 0, after = -1;

	*mp = *fstype = *super = NULL;
	for (tok = strtok_r(line, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save), field++) {
		if (field == 4)
			*mp = tok;
		else if (field > 5 && after < 0 && strcmp(tok, "-") == 0)
			after = field;
		else if (after >= 0 && field == after + 1)
			*fstype = tok;
		else if (after >= 0 && field == after + 3)
			*super = tok;
	}
	if (!*mp || !*fstype)
		return false;
	unescape_octal(*mp);
	return true;
}

int mountinfo_scan(bool (*fn)(const char *mp, const char *fstype,
			      const char *super, void *arg),
		   void *arg)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		char *mp, *fstype, *super;
		if (parse_mountinfo(line, &mp, &fstype, &super) &&
		    !fn(mp, fstype, super ? super : "", arg))
			break;
	}
	free(line);
	fclose(f);
	return 0;
}
