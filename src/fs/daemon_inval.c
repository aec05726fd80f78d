/* daemon_inval.c — kernel invalidations of a mounted view (daemon.h).
 *
 * Owns: sending entry and inode invalidations to the kernel (from the
 * watcher and adder threads only: never from inside a request handler,
 * where the kernel may be waiting on us), moving the change generation the
 * probe answers, and the queue request handlers fill for the watcher to
 * send.
 */
#include <fuse_lowlevel.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

void daemon_issue(struct daemon *d, struct inval_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct inval *iv = &l->v[i];
		if (i > 0 && iv->entry == l->v[i - 1].entry &&
		    iv->ino == l->v[i - 1].ino &&
		    (!iv->entry ||
		     (iv->namelen == l->v[i - 1].namelen &&
		      memcmp(iv->name, l->v[i - 1].name, iv->namelen) == 0)))
			continue; /* the same as the one just sent */
		if (iv->entry) {
			stats_bump(d->stats, ST_INVAL_ENTRY);
			fuse_lowlevel_notify_inval_entry(d->se, iv->ino,
							 iv->name, iv->namelen);
		} else {
			stats_bump(d->stats, ST_INVAL_INODE);
			fuse_lowlevel_notify_inval_inode(d->se, iv->ino, 0, 0);
		}
	}
	if (l->n > 0)
		atomic_fetch_add(&d->change_gen, 1); /* after: see probe.h */
	inval_list_free(l);
}

void daemon_defer_forget(struct daemon *d, const struct node *n)
{
	char c = 'i';
	pthread_mutex_lock(&d->pending_lock);
	inval_push(&d->pending, node_ino(&d->nodes, n), NULL, 0);
	if (n->parent)
		inval_push(&d->pending, node_ino(&d->nodes, n->parent), n->name,
			   strlen(n->name));
	pthread_mutex_unlock(&d->pending_lock);
	if (write(d->wake[1], &c, 1) < 0) {
		/* a wake-up is already pending */
	}
}

void daemon_kick_watches(struct daemon *d)
{
	char c = 'w';
	if (atomic_load(&d->adder_armed))
		return;
	if (!node_watches_take_new(&d->nodes))
		return;
	stats_bump(d->stats, ST_WATCH_WAKE);
	if (write(d->add_wake[1], &c, 1) < 0) {
		/* a wake-up is already pending */
	}
}

void daemon_issue_pending(struct daemon *d)
{
	pthread_mutex_lock(&d->pending_lock);
	struct inval_list l = d->pending;
	memset(&d->pending, 0, sizeof(d->pending));
	pthread_mutex_unlock(&d->pending_lock);
	daemon_issue(d, &l);
}

size_t daemon_add_watches(struct daemon *d)
{
	struct inval_list l = { 0 };
	size_t n = node_watch_queued(&d->nodes, &l);
	if (n)
		stats_bump(d->stats, ST_WATCH_BATCH);
	daemon_issue(d, &l);
	return n;
}
