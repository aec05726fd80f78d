/* daemon_watch.c — the watcher thread of a mounted view (daemon.h).
 *
 * Owns: the thread that follows the source: it drains inotify into kernel
 * invalidations, and reads the wake pipe: 'h' (SIGHUP) reloads the rules,
 * 'i' sends what request handlers queued, 'q' ends the thread. Plain-file
 * watches are added by another thread (daemon_watchadd.c), so that a burst
 * of them never holds back an event.
 */
#include <errno.h>
#include <poll.h>
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

void *daemon_watcher_main(void *arg)
{
	struct daemon *d = arg;
	pthread_setname_np(pthread_self(), "seedfs-watcher");
	struct pollfd pfd[2] = {
		{ .fd = d->inotify_fd, .events = POLLIN },
		{ .fd = d->wake[0], .events = POLLIN },
	};
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents & POLLIN)
			drain_inotify(d);
		if (pfd[1].revents & POLLIN) {
			char c;
			if (read(d->wake[0], &c, 1) == 1) {
				if (c == 'q')
					break;
				if (c == 'h')
					daemon_reload(d);
				daemon_issue_pending(d);
			}
		}
	}
	return NULL;
}
