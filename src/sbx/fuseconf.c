/* fuseconf.c — see claude-sbx/fuseconf.h. Pure. */
#include "claude-sbx/fuseconf.h"

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
		if (b - a == want && memcmp(text + a, SBX_FUSE_CONF_LINE, want) == 0) {
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

/* Field i (0-based, space-separated) of line [a, b): [*fa, *fb). */
static bool field(const char *t, size_t a, size_t b, unsigned i, size_t *fa,
		  size_t *fb)
{
	size_t p = a;
	for (unsigned k = 0;; k++) {
		while (p < b && t[p] == ' ')
			p++;
		if (p >= b)
			return false;
		size_t q = p;
		while (q < b && t[q] != ' ')
			q++;
		if (k == i) {
			*fa = p;
			*fb = q;
			return true;
		}
		p = q;
	}
}

/* Whether the escaped field [a, b) decodes to s. */
static bool unescaped_equals(const char *t, size_t a, size_t b, const char *s)
{
	size_t j = 0;
	for (size_t p = a; p < b; p++, j++) {
		char c = t[p];
		if (c == '\\' && p + 3 < b &&
		    t[p + 1] >= '0' && t[p + 1] <= '3' && t[p + 2] >= '0' &&
		    t[p + 2] <= '7' && t[p + 3] >= '0' && t[p + 3] <= '7') {
			c = (char)((t[p + 1] - '0') * 64 + (t[p + 2] - '0') * 8 +
				   (t[p + 3] - '0'));
			p += 3;
		}
		if (s[j] == '\0' || s[j] != c)
			return false;
	}
	return s[j] == '\0';
}

int sbx_mountinfo_allow_other(const char *text, size_t len, const char *mp)
{
	int found = -1;
	for (size_t i = 0; i < len;) {
		size_t end = i;
		while (end < len && text[end] != '\n')
			end++;
		size_t fa, fb;
		if (field(text, i, end, 4, &fa, &fb) &&
		    unescaped_equals(text, fa, fb, mp)) {
			/* after the " - " separator: fstype, source, options */
			found = 0;
			for (unsigned k = 5; field(text, i, end, k, &fa, &fb); k++) {
				if (fb - fa != 1 || text[fa] != '-')
					continue;
				size_t oa, ob;
				if (!field(text, i, end, k + 3, &oa, &ob))
					break;
				for (size_t p = oa; p < ob;) {
					size_t q = p;
					while (q < ob && text[q] != ',')
						q++;
					if (q - p == 11 &&
					    memcmp(text + p, "allow_other", 11) == 0)
						found = 1;
					p = q + 1;
				}
				break;
			}
		}
		i = end + 1;
	}
	return found;
}
