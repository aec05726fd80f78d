/* daemon.h — one mounted view: its context, and serving it (private to
 * the daemon's files).
 *
 * Owns: the daemon's single context struct (everything mutable lives here)
 * and what the daemon's files offer each other, one section per file:
 * serving (daemon.c: the FUSE session, signals, the loop, clean-up), the
 * kernel invalidations (daemon_inval.c), the watcher thread (inotify →
 * invalidations, SIGHUP → reload; daemon_watch.c), reloading the rules
 * (daemon_reload.c), the runtime state file (daemon_state.c) and the
 * confinement set-up (daemon_confine.c). What is checked before mounting
 * is in prepare.h; the request handlers in ops.c.
 */
#ifndef SEEDFS_DAEMON_H
#define SEEDFS_DAEMON_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "classify.h"
#include "confine.h"
#include "node.h"
#include "prepare.h"
#include "seedfs/rules.h"
#include "seedfs/seedfs.h"
#include "stats.h"

struct daemon {
	struct prepared *p;
	struct fuse_session *se;
	struct source_view sv;
	struct node_table nodes;
	pthread_rwlock_t rules_lock; /* shared by requests, exclusive on reload */
	struct rules *rules;
	unsigned rules_gen;
	bool no_open;	 /* kernel accepts ENOSYS for OPEN */
	bool no_opendir; /* and for OPENDIR */
	int inotify_fd;
	int wake[2]; /* SIGHUP and shutdown → watcher */
	pthread_t watcher;
	bool watcher_running;
	int add_wake[2]; /* queued plain-file watches and shutdown → adder */
	/* The adder looks at the queued watches within WATCH_BATCH_MS
	 * without being woken (daemon_watchadd.c): handlers then skip the
	 * wake-up. */
	atomic_bool adder_armed;
	atomic_bool adder_stop; /* set before the wake-up that ends it */
	pthread_t adder;
	bool adder_running;
	struct stats_page *stats;
	struct stats_page local_stats; /* when the shared page is unavailable */
	pthread_mutex_t pending_lock;  /* invalidations found by handlers */
	struct inval_list pending;
	int state_fd; /* the state file, rewritten in place */
	bool confined;
	char confinement[300]; /* what status shows */
	int helper_fd;	       /* unmount helper (confined daemons) */
	pid_t helper_pid;
	unsigned long generation, reload_attempts;
	/* Moves whenever the watcher sends any invalidation or a reload
	 * succeeds: what the probe (probe.h) answers. Starts at 1. */
	_Atomic uint64_t change_gen;
	char *reload_error;
};

/* ---- daemon.c ---- */

/* Serves p until unmounted. ready_fd (or -1) receives "OK\n" once the
 * mount is up, or the error text. Returns 0 or -1. */
int daemon_serve(struct prepared *p, int ready_fd, struct seedfs_error *err);

/* ---- daemon_inval.c ---- */

/* From a request handler: n turned out to be gone or replaced; have the
 * watcher thread invalidate its kernel entry so the next path lookup makes
 * a fresh one (notify calls are never made from handlers). */
void daemon_defer_forget(struct daemon *d, const struct node *n);

/* From a request handler, after its reply: wakes the adder thread when
 * plain-file watches were queued for it (node_link) and it is not armed to
 * look at them anyway. */
void daemon_kick_watches(struct daemon *d);

/* Watcher and adder threads only: sends l (skipping a repeat of the one
 * just sent), moves change_gen when it sent any, and frees l. */
void daemon_issue(struct daemon *d, struct inval_list *l);
/* Watcher thread only: sends what daemon_defer_forget queued. */
void daemon_issue_pending(struct daemon *d);
/* Adder thread only: adds the queued watches and sends what they found
 * changed; returns how many watches it took. */
size_t daemon_add_watches(struct daemon *d);

/* ---- daemon_watch.c ---- */

/* The watcher thread (arg: the daemon): until 'q' arrives on the wake pipe. */
void *daemon_watcher_main(void *arg);

/* ---- daemon_watchadd.c ---- */

/* The adder thread (arg: the daemon): until adder_stop is set. */
void *daemon_adder_main(void *arg);

/* ---- daemon_reload.c ---- */

/* Watcher thread only (on SIGHUP): loads the rules and follow directories
 * anew, re-decides every node and invalidates what the kernel may hold;
 * on an error keeps the previous rules and records why. Rewrites the
 * state file either way. */
void daemon_reload(struct daemon *d);

/* ---- daemon_state.c ---- */

/* Rewrites the state file from d (a warning in the log when it cannot). */
void daemon_write_state(struct daemon *d);

/* ---- daemon_confine.c ---- */

/* Once mounted: starts the unmount helper and confines the process to the
 * anchors it still needs; fills d->confined and d->confinement. */
void daemon_confine(struct daemon *d);

/* ---- ops.c ---- */

/* Lowlevel operations (ops.c). */
const struct fuse_lowlevel_ops *seedfs_ops(void);

#endif
