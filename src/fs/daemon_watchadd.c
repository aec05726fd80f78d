/* daemon_watchadd.c — the adder thread of a mounted view (daemon.h).
 *
 * Owns: adding the plain-file watches request handlers queue (node.c,
 * "plain-file watches"), in batches, at the lowest priority there is. It
 * ends when adder_stop is set (and a byte written to wake it: if the pipe
 * is full, it is readable anyway).
 *
 * A first walk of a large directory queues one watch per file, and adding
 * one (a path walk and a mark, then a check the file did not change
 * before it) costs about as much CPU as the rest of the file's lookup.
 * On a 2 vCPU machine that work ran beside the reader and the request
 * threads and took a CPU from them: the reader, woken by a reply, waited
 * for it or displaced the thread that was about to classify the next
 * slice. SCHED_IDLE makes the scheduler count a CPU running only this
 * thread as idle, so a woken reader or request thread takes it at once
 * (100,000-entry first walk: docs/performance.md). The cost is latency,
 * only when the machine is busy: a watch waits for a free CPU (with four
 * CPU hogs on 2 vCPUs, a link made right after a lookup hid the file
 * after 1.3 ms median, 8.6 ms at most, against 0.1 ms). What happens to
 * the file before its watch exists is still caught, by the check after
 * the watch is added (docs/threat-model.md). The thread holds the node
 * table's lock only to take the queue and to file a batch, a few
 * microseconds, so a request thread waiting on it behind a starved adder
 * is rare and short (the same hogs: a 20,000-entry walk took 217 ms
 * either way). Events, reloads and handler-queued invalidations stay with
 * the watcher thread, at normal priority.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "daemon.h"

/* Watches queued during a burst of lookups are added in batches: after a
 * wake-up that found some, the thread stays armed and looks again every
 * WATCH_BATCH_MS by itself, so handlers stop waking it once per lookup
 * (a context switch each; 2 vCPU, fresh-mount stat of 2,548 entries:
 * docs/performance.md). It disarms after a look that found none. The
 * first watch of a burst is added at once; later ones wait at most this
 * long (on an idle CPU), on top of the asynchronous window the threat
 * model already allows (docs/threat-model.md, "Invalidation is
 * asynchronous"). */
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
	if (daemon_add_watches(d) > 0) {
		atomic_store(&d->adder_armed, true);
		return;
	}
	if (!atomic_load(&d->adder_armed))
		return;
	atomic_store(&d->adder_armed, false);
	if (node_watches_take_new(&d->nodes) && daemon_add_watches(d) > 0)
		atomic_store(&d->adder_armed, true);
}

/* The calling thread only (0), and only down to SCHED_IDLE: the one form
 * the confined daemon's seccomp filter lets through (confine.c). */
static void lowest_priority(void)
{
	struct sched_param sp = { .sched_priority = 0 };
	if (syscall(SYS_sched_setscheduler, 0, SCHED_IDLE, &sp) < 0) {
		/* unsupported: the watches are added at normal priority */
	}
}

void *daemon_adder_main(void *arg)
{
	struct daemon *d = arg;
	pthread_setname_np(pthread_self(), "seedfs-watchadd");
	lowest_priority();
	node_watch_thread();
	struct pollfd pfd = { .fd = d->add_wake[0], .events = POLLIN };
	while (!atomic_load(&d->adder_stop)) {
		/* only this thread writes the flag */
		bool armed = atomic_load(&d->adder_armed);
		int r = poll(&pfd, 1, armed ? WATCH_BATCH_MS : -1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		/* Every byte at once: handlers write one per wake-up, and
		 * while this thread waits for a CPU they can pile up. */
		bool woken = false;
		char buf[64];
		while (r > 0 && read(d->add_wake[0], buf, sizeof(buf)) > 0)
			woken = true;
		if ((woken || armed) && !atomic_load(&d->adder_stop))
			look(d);
	}
	atomic_store(&d->adder_armed, false);
	return NULL;
}
