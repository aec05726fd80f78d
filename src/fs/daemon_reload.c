/* daemon_reload.c — reloading the rules of a mounted view (daemon.h).
 *
 * Owns: loading the rules and follow directories anew (keeping the old ones
 * on any error), re-deciding the verdict of every node the kernel may hold
 * (retiring those whose visibility or transform changed), dropping computed
 * bytes, and invalidating every name of every cached directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

static bool reverdict(struct daemon *d, struct node *n)
{
	if (n->rules_gen == d->rules_gen)
		return !atomic_load(&n->dead);
	n->rules_gen = d->rules_gen;
	if (!n->parent)
		return true;
	bool parent_ok = reverdict(d, n->parent);
	if (!parent_ok || n->via_link || n->target || atomic_load(&n->dead)) {
		/* Nodes reached through symlinks are re-resolved by a fresh
		 * lookup. */
		node_kill_locked(&d->nodes, n);
		n->verdict = (struct verdict){ VIS_HIDDEN, NULL };
		return false;
	}
	n->verdict = rules_decide(d->rules, n->parent->verdict, n->path,
				  n->pathlen, n->type == S_IFDIR);
	/* Served differently now (settings raw → sanitized, frontmatter
	 * keep → defuse): a fresh lookup computes it the new way. */
	if (n->verdict.vis == VIS_HIDDEN ||
	    (n->type == S_IFREG &&
	     rules_transform(d->rules, n->path, n->pathlen) != n->transform)) {
		/* Unhashed, so the next lookup makes a fresh node (and the
		 * kernel a fresh inode, without the old cached pages). */
		node_kill_locked(&d->nodes, n);
		return false;
	}
	return true;
}

struct dirfds {
	uint64_t *ino;
	int *fd;
	size_t n, cap;
};

struct reverdict_arg {
	struct daemon *d;
	struct dirfds *df;
	struct inval_list files; /* computed files to drop from the cache */
};

static void collect_dir(struct node *n, void *arg)
{
	struct reverdict_arg *a = arg;
	struct dirfds *df = a->df;
	bool live = reverdict(a->d, n);
	if (n->type == S_IFREG && (n->blob || !live)) {
		/* The policy (env allowlist, safe keys) may have changed:
		 * computed bytes are rebuilt, and the kernel's copy dropped;
		 * a retired file's cached pages go too. */
		blob_put(n->blob);
		n->blob = NULL;
		inval_push(&a->files, node_ino(&a->d->nodes, n), NULL, 0);
	}
	if (n->type != S_IFDIR || n->fd < 0)
		return;
	if (df->n == df->cap) {
		size_t cap = df->cap ? df->cap * 2 : 64;
		uint64_t *ino = realloc(df->ino, cap * sizeof(*ino));
		if (!ino)
			return;
		df->ino = ino;
		int *fd = realloc(df->fd, cap * sizeof(*fd));
		if (!fd)
			return;
		df->fd = fd;
		df->cap = cap;
	}
	int fd = dup(n->fd);
	if (fd < 0)
		return;
	df->ino[df->n] = node_ino(&a->d->nodes, n);
	df->fd[df->n++] = fd;
}

/* Every name in every directory the kernel may have cached, positive or
 * negative, is invalidated: names absent from the source stay absent
 * whatever the rules say, so these are all that can change. */
static void invalidate_listed(struct daemon *d, struct dirfds *df)
{
	struct inval_list l = { 0 };
	for (size_t i = 0; i < df->n; i++) {
		int fd = openat(df->fd[i], ".",
				O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
		if (dir) {
			struct dirent *de;
			while ((de = readdir(dir)) != NULL)
				if (strcmp(de->d_name, ".") &&
				    strcmp(de->d_name, ".."))
					inval_push(&l, df->ino[i], de->d_name,
						   strlen(de->d_name));
			closedir(dir);
		} else if (fd >= 0) {
			close(fd);
		}
		close(df->fd[i]);
		inval_push(&l, df->ino[i], NULL, 0);
	}
	daemon_issue(d, &l);
}

void daemon_reload(struct daemon *d)
{
	struct rules *nr = NULL;
	struct rules_error rerr;
	char msg[sizeof(rerr.msg) + sizeof(rerr.file) + 64];
	int *fds = NULL;
	size_t nfds = 0;

	stats_bump(d->stats, ST_RELOAD);
	d->reload_attempts++;
	if (rules_load(&d->p->input, &nr, &rerr) < 0) {
		rules_error_format(&rerr, msg, sizeof(msg));
		goto failed;
	}
	if (follow_open(d->p, nr, &fds, &nfds, msg, sizeof(msg)) < 0) {
		rules_free(nr);
		goto failed;
	}

	pthread_rwlock_wrlock(&d->rules_lock);
	struct rules *old = d->rules;
	int *oldfds = d->p->follow_fds;
	size_t noldfds = d->p->nfollow;
	d->rules = nr;
	d->p->rules = nr;
	d->p->follow_fds = fds;
	d->p->nfollow = nfds;
	d->sv.follow = fds;
	d->sv.nfollow = nfds;
	d->rules_gen++;
	struct dirfds df = { 0 };
	struct reverdict_arg a = { d, &df, { 0 } };
	node_for_each(&d->nodes, collect_dir, &a);
	pthread_rwlock_unlock(&d->rules_lock);
	daemon_issue(d, &a.files);

	rules_free(old);
	for (size_t i = 0; i < noldfds; i++)
		close(oldfds[i]);
	free(oldfds);
	invalidate_listed(d, &df);
	free(df.ino);
	free(df.fd);
	d->generation++;
	atomic_fetch_add(&d->change_gen, 1);
	free(d->reload_error);
	d->reload_error = NULL;
	daemon_write_state(d);
	log_msg(LOG_INFO, "rules reloaded (%zu layers)",
		rules_layer_count(d->rules));
	return;
failed:
	log_msg(LOG_ERR, "reload failed, keeping the previous rules: %s", msg);
	free(d->reload_error);
	d->reload_error = strdup(msg);
	daemon_write_state(d);
}
