/* fuseconf.c — see claude-sbx/fuseconf.h. Pure. */
#include "claude-sbx/fuseconf.h"
#include "util/mountinfo.h"

#include <string.h>

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

bool sbx_fuseconf_allows_other(const char *text, size_t len, unsigned *line)
{
	const size_t want = sizeof(SBX_FUSE_CONF_LINE) - 1;
	unsigned no = 0;
	*line = 0;
	for (size_t i = 0; i < len;) {
		size_t end = i;
		while (end < len && text[end] != '\n')
			end++;
		no++;
		/* fusermount3 reads lines with a 256-byte fgets and parses
		 * only those that end in a newline within it */
		if (end == len || end - i + 1 > 255) {
			i = end + 1;
			continue;
		}
		size_t a = i, b = end;
		const char *hash = memchr(text + a, '#', b - a);
		if (hash)
			b = (size_t)(hash - text);
		while (a < b && blank(text[a]))
			a++;
		while (b > a && blank(text[b - 1]))
			b--;
		if (b - a == want &&
		    memcmp(text + a, SBX_FUSE_CONF_LINE, want) == 0) {
			*line = no;
			return true;
		}
		i = end + 1;
	}
	return false;
}

int sbx_allow_other_parse(const char *s, enum sbx_allow_other *out)
{
	if (!s || !*s || strcmp(s, "auto") == 0)
		*out = SBX_ALLOW_AUTO;
	else if (strcmp(s, "yes") == 0)
		*out = SBX_ALLOW_YES;
	else if (strcmp(s, "no") == 0)
		*out = SBX_ALLOW_NO;
	else
		return -1;
	return 0;
}

bool sbx_allow_other_wanted(enum sbx_allow_other mode, uid_t euid)
{
	switch (mode) {
	case SBX_ALLOW_YES:
		return true;
	case SBX_ALLOW_NO:
		return false;
	case SBX_ALLOW_AUTO:
		break;
	}
	return euid != 0;
}

struct allow_other_arg {
	const char *mp;
	int found;
};

static bool allow_other_one(const char *mp, const char *fstype,
			    const char *super, void *arg)
{
	struct allow_other_arg *a = arg;
	if (strcmp(mp, a->mp) != 0)
		return true;
	a->found = 0; /* the last mount there wins */
	for (const char *p = super; *p;) {
		size_t n = strcspn(p, ",");
		if (n == 11 && memcmp(p, "allow_other", 11) == 0)
			a->found = 1;
		p += n + (p[n] == ',');
	}
	return true;
}

int sbx_mountinfo_allow_other(const char *text, size_t len, const char *mp)
{
	struct allow_other_arg a = { mp, -1 };
	if (mountinfo_parse(text, len, allow_other_one, &a) < 0)
		return -1;
	return a.found;
}
