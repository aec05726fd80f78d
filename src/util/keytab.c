/* keytab.c — a mapping's keys against a fixed table (see util/keytab.h). */
#include "util/keytab.h"

#include <stdio.h>
#include <string.h>

void keytab_init(struct keytab *t, const void *table, size_t stride, size_t n)
{
	memset(t, 0, sizeof(*t));
	t->table = table;
	t->stride = stride;
	if (n == 0)
		while (n < KEYTAB_MAX && keytab_name(t, n))
			n++;
	t->n = n < KEYTAB_MAX ? n : KEYTAB_MAX;
}

const char *keytab_name(const struct keytab *t, size_t i)
{
	const char *name;
	memcpy(&name, t->table + i * t->stride, sizeof(name));
	return name;
}

enum keytab_result keytab_take(struct keytab *t, const char *key, size_t len,
			       unsigned line, size_t *index)
{
	for (size_t i = 0; i < t->n; i++) {
		const char *name = keytab_name(t, i);
		if (strlen(name) != len || memcmp(name, key, len) != 0)
			continue;
		*index = i;
		if (t->seen[i])
			return KEYTAB_DUPLICATE;
		t->seen[i] = line ? line : 1;
		return KEYTAB_FOUND;
	}
	return KEYTAB_UNKNOWN;
}

void keytab_unknown(const struct keytab *t, const char *key, const char *in,
		    bool known, char *buf, size_t size)
{
	char list[128];
	size_t used = 0;

	list[0] = '\0';
	for (size_t i = 0; known && i < t->n && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used,
					 "%s%s", i ? ", " : "",
					 keytab_name(t, i));
	snprintf(buf, size, "unknown key \"%.80s\"%s%s%s%s%s", key,
		 in ? " in " : "", in ? in : "", known ? " (known keys: " : "",
		 list, known ? ")" : "");
}

void keytab_duplicate(const struct keytab *t, size_t index, char *buf,
		      size_t size)
{
	snprintf(buf, size, "duplicate key \"%s\" (first at line %u)",
		 keytab_name(t, index), t->seen[index]);
}
