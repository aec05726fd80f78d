/* snapshot.c — see snapshot.h. */
#include "snapshot.h"

#include "classify.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int snapshot_add(struct snapshot *s, const char *name, mode_t type)
{
	size_t len = strlen(name) + 1;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		struct snap_ent *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	if (s->used + len > s->room) {
		size_t room = s->room ? s->room : 512;
		while (room < s->used + len)
			room *= 2;
		if (room > UINT32_MAX)
			return -ENOMEM;
		char *names = realloc(s->names, room);
		if (!names)
			return -ENOMEM;
		s->names = names;
		s->room = room;
	}
	memcpy(s->names + s->used, name, len);
	s->v[s->n].off = (uint32_t)s->used;
	s->v[s->n++].type = type;
	s->used += len;
	return 0;
}

struct snapshot *snapshot_new(void)
{
	struct snapshot *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	atomic_init(&s->refs, 1);
	s->src = DIRSTREAM_INIT;
	pthread_mutex_init(&s->lock, NULL);
	if (snapshot_add(s, ".", S_IFDIR) < 0 ||
	    snapshot_add(s, "..", S_IFDIR) < 0) {
		snapshot_put(s);
		return NULL;
	}
	return s;
}

void snapshot_ref(struct snapshot *s)
{
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
}

void snapshot_put(struct snapshot *s)
{
	if (!s ||
	    atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
		return;
	snapshot_ahead_clear(s);
	dirstream_close(&s->src);
	pthread_mutex_destroy(&s->lock);
	free(s->v);
	free(s->names);
	free(s);
}

void snapshot_ahead_clear(struct snapshot *s)
{
	for (size_t k = 0; k < s->ahead_n; k++)
		entry_release(&s->ahead[k]);
	free(s->ahead);
	s->ahead = NULL;
	s->ahead_n = 0;
	s->ahead_bytes = 0;
}
