/* daemon_watch.c — the watcher thread of a mounted view (daemon.h).
 *
 * Owns: the one thread that issues invalidations: it drains inotify into
 * kernel invalidations, and reads the wake pipe: 'h' (SIGHUP) reloads the
 * rules, 'i' sends what request handlers queued, 'q' ends the thread.
 */
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <pthread.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "daemon.h"

static void drain_inotify(struct daemon *d)
{
	char buf[64 * 1024]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	struct inval_list l = { 0 };

	for (;;) {
		ssize_t n = read(d->inotify_fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			node_watch_event(&d->nodes, ev->wd, ev->mask,
					 ev->len ? ev->name : NULL, &l);
			p += sizeof(*ev) + ev->len;
		}
	}
	daemon_issue(d, &l);
}

/* Watches queued during a burst of lookups are added in batches: after a
 * wake-up that found some, the thread stays armed and looks again every
 * WATCH_BATCH_MS by itself, so handlers stop waking it once per lookup
 * (a context switch each; 2 vCPU, fresh-mount stat of 2,548 entries:
 * docs/performance.md). It disarms after a look that found none. The
 * first watch of a burst is added at once; later ones wait at most this
 * long, on top of the asynchronous window the threat model already
 * allows (docs/threat-model.md, "Invalidation is asynchronous"). */
#define WATCH_BATCH_MS 1

/* One look at the queued watches (after a wake-up, or armed and due).
 * The flag watches_new is cleared first, so that after a look that found
 * nothing it tells of watches queued since. A look that found some arms
 * the thread; an armed look that found none disarms it and then looks once
 * more, since a handler that queued a watch while the thread was still
 * armed did not wake it (it reads the flag after queueing; the thread
 * clears it before this look). */
static void look(struct daemon *d)
{
	node_watches_take_new(&d->nodes);
	if (daemon_issue_pending(d) > 0) {
		atomic_store(&d->watcher_armed, true);
		return;
	}
	if (!atomic_load(&d->watcher_armed))
		return;
	atomic_store(&d->watcher_armed, false);
	if (node_watches_take_new(&d->nodes) && daemon_issue_pending(d) > 0)
		atomic_store(&d->watcher_armed, true);
}

void *daemon_watcher_main(void *arg)
{
	struct daemon *d = arg;
	pthread_setname_np(pthread_self(), "seedfs-watcher");
	node_watch_thread();
	struct pollfd pfd[2] = {
		{ .fd = d->inotify_fd, .events = POLLIN },
		{ .fd = d->wake[0], .events = POLLIN },
	};
	for (;;) {
		/* only this thread writes the flag */
		bool armed = atomic_load(&d->watcher_armed);
		int r = poll(pfd, 2, armed ? WATCH_BATCH_MS : -1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		bool woken = false;
		if (r > 0 && (pfd[0].revents & POLLIN))
			drain_inotify(d);
		if (r > 0 && (pfd[1].revents & POLLIN)) {
			char c;
			if (read(d->wake[0], &c, 1) == 1) {
				if (c == 'q')
					break;
				if (c == 'h')
					daemon_reload(d);
				woken = true;
			}
		}
		if (woken || armed)
			look(d);
	}
	atomic_store(&d->watcher_armed, false);
	return NULL;
}
