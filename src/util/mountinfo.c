/* mountinfo.c — /proc/self/mountinfo lines (see util/mountinfo.h). */
#include "util/mountinfo.h"
#include "util/readfile.h"

#include <errno.h>
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

/* Splits one mountinfo line into its mount point (field 4), and after the
 * " - " separator its fstype and super options. */
static bool split_line(char *line, char **mp, const char **fstype,
		       const char **super)
{
	char *save = NULL, *tok;
	int field = 0, after = -1;

	*mp = NULL;
	*fstype = *super = "";
	for (tok = strtok_r(line, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save), field++) {
		if (field == 4)
			*mp = tok;
		else if (field > 4 && after < 0 && strcmp(tok, "-") == 0)
			after = field;
		else if (after >= 0 && field == after + 1)
			*fstype = tok;
		else if (after >= 0 && field == after + 3)
			*super = tok;
	}
	if (!*mp)
		return false;
	unescape_octal(*mp);
	return true;
}

int mountinfo_parse(const char *text, size_t len, mountinfo_fn fn, void *arg)
{
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		char *line = strndup(text + i, end - i);
		char *mp;
		const char *fstype, *super;
		if (!line)
			return -ENOMEM;
		bool go = !split_line(line, &mp, &fstype, &super) ||
			  fn(mp, fstype, super, arg);
		free(line);
		if (!go)
			break;
		i = end + 1;
	}
	return 0;
}

int mountinfo_scan(mountinfo_fn fn, void *arg)
{
	char *text;
	size_t len;
	int rc = uread_path("/proc/self/mountinfo", MOUNTINFO_MAX_BYTES, &text,
			    &len, NULL);
	if (rc < 0)
		return rc;
	rc = mountinfo_parse(text, len, fn, arg);
	free(text);
	return rc;
}
