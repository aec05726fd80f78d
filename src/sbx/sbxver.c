/* sbxver.c — `sbx version` parsing and the version feature table. */
#include "claude-sbx/sbxver.h"

#include <ctype.h>
#include <stdlib.h>

static int read_num(const char **p)
{
	long v = 0;

	while (isdigit((unsigned char)**p)) {
		if (v < 100000)
			v = v * 10 + (**p - '0');
		(*p)++;
	}
	return (int)v;
}

int sbx_version_parse(const char *text, struct sbx_version *out)
{
	for (const char *p = text; *p; p++) {
		if (!isdigit((unsigned char)*p))
			continue;
		if (p > text && (isalnum((unsigned char)p[-1]) && p[-1] != 'v'))
			continue;
		const char *q = p;
		int major = read_num(&q);
		if (*q != '.' || !isdigit((unsigned char)q[1])) {
			p = q - 1;
			continue;
		}
		q++;
		int minor = read_num(&q);
		int patch = 0;
		if (*q == '.' && isdigit((unsigned char)q[1])) {
			q++;
			patch = read_num(&q);
		}
		out->major = major;
		out->minor = minor;
		out->patch = patch;
		return 0;
	}
	return -1;
}

int sbx_version_cmp(const struct sbx_version *a, int major, int minor)
{
	if (a->major != major)
		return a->major < major ? -1 : 1;
	if (a->minor != minor)
		return a->minor < minor ? -1 : 1;
	return 0;
}

bool sbx_has_policy_init(const struct sbx_version *v)
{
	return sbx_version_cmp(v, 0, 34) >= 0;
}

bool sbx_has_run_name(const struct sbx_version *v)
{
	return sbx_version_cmp(v, 0, 33) >= 0;
}

bool sbx_has_policy_json(const struct sbx_version *v)
{
	return sbx_version_cmp(v, 0, 35) >= 0;
}
