/* daemon.h — one mounted view: its context, and serving it.
 *
 * Owns: the daemon's single context struct (everything mutable lives here),
 * the FUSE session, the watcher thread (inotify → kernel invalidations,
 * SIGHUP → reload) and the runtime state file.
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
#include "seedfs/rules.h"
#include "seedfs/seedfs.h"
#include "stats.h"

/* What seedfs_mount prepared and checked before serving. */
struct prepared {
	char *source;	      /* canonical SOURCE */
	char *mountpoint;     /* canonical mountpoint */
	int root_fd;	      /* O_PATH of SOURCE */
	struct rules *rules;
	struct rules_input input; /* kept for reload */
	char **files;	      /* storage behind input.files */
	char **with;	      /* storage behind input.with */
	char **cli_follow;    /* --follow, canonical */
	size_t ncli_follow;
	int *follow_fds;      /* cli follow + rules follow, O_PATH */
	size_t nfollow;
	char *fuse_opts;      /* extra -o options, validated */
	bool foreground;
};

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
	int wake[2];	/* SIGHUP and shutdown → watcher */
	pthread_t watcher;
	bool watcher_running;
	struct stats_page *stats;
	struct stats_page local_stats; /* when the shared page is unavailable */
	pthread_mutex_t pending_lock; /* invalidations found by handlers */
	struct inval_list pending;
	int state_fd;	   /* the state file, rewritten in place */
	bool confined;
	char confinement[300]; /* what status shows */
	int helper_fd;	   /* unmount helper (confined daemons) */
	pid_t helper_pid;
	unsigned long generation, reload_attempts;
	/* Moves whenever the watcher sends any invalidation or a reload
	 * succeeds: what the probe (probe.h) answers. Starts at 1. */
	_Atomic uint64_t change_gen;
	char *reload_error;
};

/* Serves p until unmounted. ready_fd (or -1) receives "OK\n" once the
 * mount is up, or the error text. Returns 0 or -1. */
int daemon_serve(struct prepared *p, int ready_fd, struct seedfs_error *err);

/* Opens the follow directories of p (command line) and rs (follow: keys),
 * refusing one that contains SOURCE. Returns 0, or -1 with why filled. */
int follow_open(struct prepared *p, const struct rules *rs, int **out,
		size_t *nout, char *why, size_t whylen);

/* Resolves SOURCE, loads the rules, opens the follow directories and, when
 * with_mountpoint, checks the mountpoint (mount.c). */
int prepare(const struct seedfs_config *cfg, bool with_mountpoint,
	    struct prepared **out, struct seedfs_error *err);

/* Closes what prepared holds. */
void prepared_free(struct prepared *p);

/* ---- daemon_inval.c ---- */

/* From a request handler: n turned out to be gone or replaced; have the
 * watcher thread invalidate its kernel entry so the next path lookup makes
 * a fresh one (notify calls are never made from handlers). */
void daemon_defer_forget(struct daemon *d, const struct node *n);

/* Watcher thread only: sends l (skipping a repeat of the one just sent),
 * moves change_gen when it sent any, and frees l. */
void daemon_issue(struct daemon *d, struct inval_list *l);
/* Watcher thread only: sends what daemon_defer_forget queued. */
void daemon_issue_pending(struct daemon *d);

/* Lowlevel operations (ops.c). */
const struct fuse_lowlevel_ops *seedfs_ops(void);

#endif
