/* view.c — seedfs_view_get / seedfs_view_list (seedfs.h): what the
 * runtime registry and the mount table say about active views. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mountpoint.h"
#include "seedfs/seedfs.h"
#include "state.h"

void seedfs_view_list_free(struct seedfs_view **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		seedfs_view_free(v[i]);
	free(v);
}

static void fill_running(struct seedfs_view *v)
{
	char fstype[256];
	v->running = seedfs_daemon_alive(v->pid) &&
		     mountinfo_lookup(v->mountpoint, fstype, sizeof(fstype)) ==
			     1;
}

int seedfs_view_get(const char *mountpoint, struct seedfs_view **out)
{
	char *canon = NULL, path[PATH_MAX], fstype[256];
	int rc = mountpoint_canonical(mountpoint, &canon);
	if (rc < 0)
		return rc;
	rc = state_path(canon, ".state", path, sizeof(path));
	if (rc == 0)
		rc = state_read(path, out);
	if (rc < 0 && mountinfo_lookup(canon, fstype, sizeof(fstype)) == 1 &&
	    strcmp(fstype, SEEDFS_FSTYPE) == 0) {
		/* Mounted, but its daemon left no state: a stale view. */
		struct seedfs_view *v = calloc(1, sizeof(*v));
		if (!v) {
			free(canon);
			return -ENOMEM;
		}
		v->mountpoint = canon;
		v->source = strdup("?");
		*out = v;
		return 0;
	}
	free(canon);
	if (rc < 0)
		return -ENOENT;
	fill_running(*out);
	return 0;
}

struct list {
	struct seedfs_view **v;
	size_t n;
	int err;
};

static bool listed(const struct list *l, const char *mp)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i]->mountpoint, mp) == 0)
			return true;
	return false;
}

static void add(struct list *l, struct seedfs_view *v)
{
	struct seedfs_view **nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!nv) {
		seedfs_view_free(v);
		l->err = -ENOMEM;
		return;
	}
	l->v = nv;
	nv[l->n++] = v;
}

static void add_mounted(const char *mp, void *arg)
{
	struct list *l = arg;
	struct seedfs_view *v;
	if (!listed(l, mp) && seedfs_view_get(mp, &v) == 0)
		add(l, v);
}

int seedfs_view_list(struct seedfs_view ***out, size_t *n)
{
	struct list l = { 0 };
	char dir[PATH_MAX];

	if (state_dir(dir, sizeof(dir)) == 0) {
		DIR *d = opendir(dir);
		struct dirent *de;
		while (d && (de = readdir(d)) != NULL) {
			size_t len = strlen(de->d_name);
			if (len < 7 || strcmp(de->d_name + len - 6, ".state"))
				continue;
			char path[PATH_MAX + 300];
			struct seedfs_view *v;
			struct stat st;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			/* A daemon killed before its first write leaves an
			 * empty file: gone once it is old enough not to be a
			 * daemon still starting. */
			if (stat(path, &st) == 0 && st.st_size == 0) {
				if (st.st_mtime + 10 < time(NULL))
					unlink(path);
				continue;
			}
			if (state_read(path, &v) < 0)
				continue;
			fill_running(v);
			char fstype[256];
			if (!v->running &&
			    mountinfo_lookup(v->mountpoint, fstype,
					     sizeof(fstype)) != 1) {
				/* Neither mounted nor served: leftover. */
				unlink(path);
				seedfs_view_free(v);
				continue;
			}
			add(&l, v);
		}
		if (d)
			closedir(d);
	}
	mountinfo_each_view(add_mounted, &l);
	if (l.err) {
		seedfs_view_list_free(l.v, l.n);
		return l.err;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}
