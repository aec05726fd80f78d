/* probe.c — see probe.h. */
#include "probe.h"

#include <string.h>

bool probe_reserved(const char *name, size_t len)
{
	return len >= PROBE_PREFIX_LEN &&
	       memcmp(name, PROBE_PREFIX, PROBE_PREFIX_LEN) == 0;
}

static bool nonce_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}

bool probe_parse(const char *name, size_t len, uint64_t *gen)
{
	if (!probe_reserved(name, len))
		return false;
	size_t i = PROBE_PREFIX_LEN, digits = 0;
	uint64_t g = 0;
	while (i < len && name[i] >= '0' && name[i] <= '9') {
		if (digits == 19)
			return false;
		if (digits == 1 && g == 0)
			return false; /* leading zero */
		g = g * 10 + (uint64_t)(name[i] - '0');
		digits++;
		i++;
	}
	if (digits == 0 || i >= len || name[i] != '.')
		return false;
	i++;
	if (i >= len)
		return false; /* empty nonce */
	for (; i < len; i++)
		if (!nonce_char(name[i]))
			return false;
	*gen = g;
	return true;
}
