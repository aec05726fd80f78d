/* daemon.c — serving a mounted view (see daemon.h).
 *
 * Owns: daemon_serve: the FUSE session and its mount (with libfuse's and
 * fusermount3's stderr captured into the reason), the signal handlers
 * (SIGHUP → the wake pipe), starting the watcher thread, the readiness
 * report to the parent, the request loop, and the clean-up at the end.
 */
#include "daemon.h"
#include "mount_reason.h"

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"
#include "prefetch.h"
#include "safeopen.h"
#include "state.h"

/* The signal handler's only way to reach the daemon: the write end of the
 * wake pipe, set once before signals are installed. */
static int wake_fd = -1;

static void on_sighup(int sig)
{
	(void)sig;
	char c = 'h';
	if (wake_fd >= 0 && write(wake_fd, &c, 1) < 0) {
		/* nothing to do: a pending byte already wakes the watcher */
	}
}

static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Descriptors a view holds: one per cached directory, and the prefetch
 * queue's. The kernel grows a descriptor table by doubling, and once
 * threads share it each growth first waits out an RCU grace period, with
 * the request that opened the descriptor stalled (measured here: 4 of
 * them, 16 ms each, in the first walk of 430 directories). Grown once
 * now, while the daemon is one thread, it costs no wait (and 64 KiB). */
#define FD_TABLE_RESERVE 8192

static void reserve_fd_table(int any_fd)
{
	struct rlimit rl;
	rlim_t want = FD_TABLE_RESERVE;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want)
		want = rl.rlim_cur;
	int fd = fcntl(any_fd, F_DUPFD_CLOEXEC, (int)want - 1);
	if (fd >= 0)
		close(fd);
}

static void report(int ready_fd, struct seedfs_error *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void report(int ready_fd, struct seedfs_error *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err->status = SEEDFS_EXIT_FAIL;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (ready_fd >= 0) {
		if (write(ready_fd, err->msg, strlen(err->msg)) < 0) {
			/* the parent is gone; nothing else to tell */
		}
	}
}

/* fuse_session_mount with its stderr captured: what libfuse and the
 * fusermount3 it execs for an ordinary user say when the mount is refused
 * (fusermount3: "option allow_other only allowed if 'user_allow_other' is
 * set in /etc/fuse.conf") goes into why instead of being lost (a detached
 * daemon has no stderr). On success the text is passed on to stderr. */
static int mount_captured(struct fuse_session *se, const char *mp, char *why,
			  size_t whylen)
{
	int cap = memfd_create("seedfs-mount-stderr", MFD_CLOEXEC);
	int saved = cap >= 0 ? fcntl(2, F_DUPFD_CLOEXEC, 3) : -1;
	if (saved < 0 || dup2(cap, 2) < 0) {
		if (saved >= 0)
			close(saved);
		if (cap >= 0)
			close(cap);
		return fuse_session_mount(se, mp);
	}
	log_capture_libfuse(cap);
	int rc = fuse_session_mount(se, mp);
	log_capture_libfuse(-1);
	dup2(saved, 2);
	close(saved);
	char raw[4096];
	ssize_t n = pread(cap, raw, sizeof(raw), 0);
	close(cap);
	if (n <= 0)
		return rc;
	if (rc < 0)
		mount_reason(raw, (size_t)n, why, whylen);
	else if (write(2, raw, (size_t)n) < 0) {
		/* stderr is gone: nothing to pass on */
	}
	return rc;
}

static int make_session(struct daemon *d, struct seedfs_error *err,
			int ready_fd)
{
	char *opts = NULL;
	if (asprintf(&opts,
		     "ro,nosuid,nodev,noatime,fsname=claude-seedfs,"
		     "subtype=claude-seedfs%s%s",
		     d->p->fuse_opts ? "," : "",
		     d->p->fuse_opts ? d->p->fuse_opts : "") < 0)
		return -1;
	char *argv[] = { "claude-seedfs", "-o", opts, NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	d->se = fuse_session_new(&args, seedfs_ops(),
				 sizeof(struct fuse_lowlevel_ops), d);
	fuse_opt_free_args(&args);
	free(opts);
	if (!d->se) {
		report(ready_fd, err, "cannot create the FUSE session");
		return -1;
	}
	return 0;
}

static void daemon_cleanup(struct daemon *d)
{
	if (d->watcher_running) {
		char q = 'q';
		if (write(d->wake[1], &q, 1) == 1)
			pthread_join(d->watcher, NULL);
	}
	if (d->adder_running) {
		char q = 'q';
		atomic_store(&d->adder_stop, true);
		if (write(d->add_wake[1], &q, 1) < 0) {
			/* full: readable, so it wakes anyway */
		}
		pthread_join(d->adder, NULL);
	}
	prefetch_stop(); /* before the rules and descriptors it reads go */
	if (d->se) {
		if (d->helper_fd >= 0) {
			/* Confined: neither umount nor exec is possible here.
			 * Still connected means still mounted (SIGTERM): the
			 * helper unmounts; otherwise it only cleans up. */
			struct pollfd pfd = { .fd = fuse_session_fd(d->se) };
			if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR))
				unmount_helper_dismiss(d->helper_fd,
						       d->helper_pid);
			else
				unmount_helper_run(d->helper_fd, d->helper_pid);
			d->helper_fd = -1;
		} else {
			fuse_session_unmount(d->se);
		}
		fuse_remove_signal_handlers(d->se);
		fuse_session_destroy(d->se);
	}
	if (d->helper_fd >= 0)
		unmount_helper_dismiss(d->helper_fd, d->helper_pid);
	wake_fd = -1;
	if (d->wake[0] >= 0)
		close(d->wake[0]);
	if (d->wake[1] >= 0)
		close(d->wake[1]);
	for (int i = 0; i < 2; i++)
		if (d->add_wake[i] >= 0)
			close(d->add_wake[i]);
	if (d->nodes.root)
		node_table_destroy(&d->nodes);
	if (d->inotify_fd >= 0)
		close(d->inotify_fd);
	if (d->stats != &d->local_stats)
		stats_unmap(d->stats);
	if (d->state_fd >= 0) {
		close(d->state_fd);
		if (!d->confined)
			state_remove(d->p->mountpoint);
	}
	free(d->reload_error);
	inval_list_free(&d->pending);
	pthread_mutex_destroy(&d->pending_lock);
	pthread_rwlock_destroy(&d->rules_lock);
}

int daemon_serve(struct prepared *p, int ready_fd, struct seedfs_error *err)
{
	struct daemon d = {
		.p = p,
		.rules = p->rules,
		.inotify_fd = -1,
		.wake = { -1, -1 },
		.add_wake = { -1, -1 },
		.state_fd = -1,
		.helper_fd = -1,
		.sv = { p->root_fd, p->follow_fds, p->nfollow },
		.change_gen = 1,
	};
	int rc = -1;

	if (p->foreground)
		log_to_syslog(false);
	pthread_rwlock_init(&d.rules_lock, NULL);
	pthread_mutex_init(&d.pending_lock, NULL);
	d.stats = &d.local_stats;
	raise_fd_limit();
	if (pipe2(d.wake, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    pipe2(d.add_wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		report(ready_fd, err, "pipe: %s", strerror(errno));
		goto out;
	}
	reserve_fd_table(d.wake[0]);
	d.inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d.inotify_fd < 0)
		log_msg(LOG_WARNING,
			"inotify unavailable (%s): the view will "
			"not follow source changes quickly",
			strerror(errno));
	if (node_table_init(&d.nodes, p->root_fd, d.inotify_fd) < 0) {
		report(ready_fd, err, "out of memory");
		goto out;
	}
	if (make_session(&d, err, ready_fd) < 0)
		goto out;
	if (fuse_set_signal_handlers(d.se) < 0) {
		report(ready_fd, err, "cannot install signal handlers");
		goto out;
	}
	wake_fd = d.wake[1];
	struct sigaction sa = { .sa_handler = on_sighup };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);

	char why[400] = "";
	if (mount_captured(d.se, p->mountpoint, why, sizeof(why)) < 0) {
		if (why[0])
			report(ready_fd, err, "mount %s refused: %s",
			       p->mountpoint, why);
		else
			report(ready_fd, err,
			       "mount %s failed (is /dev/fuse "
			       "usable and fusermount3 installed?)",
			       p->mountpoint);
		fuse_remove_signal_handlers(d.se);
		fuse_session_destroy(d.se);
		d.se = NULL;
		goto out;
	}
	struct stats_page *sp = stats_map(p->mountpoint, true);
	if (sp)
		d.stats = sp;
	d.state_fd = state_open(p->mountpoint);
	daemon_confine(&d);
#ifdef SEEDFS_CONFINE_SELFTEST
	confine_selftest(); /* test builds only: a daemon with a "bug" */
#endif
	daemon_write_state(&d);

	/* Only the watcher and adder threads issue invalidations: never from
	 * inside a request handler, where the kernel may be waiting on us. */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if (pthread_create(&d.watcher, NULL, daemon_watcher_main, &d) == 0)
		d.watcher_running = true;
	if (pthread_create(&d.adder, NULL, daemon_adder_main, &d) == 0)
		d.adder_running = true;
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	if (ready_fd >= 0) {
		if (write(ready_fd, "OK\n", 3) != 3) {
			/* the parent died; serve anyway */
		}
		close(ready_fd);
		ready_fd = -1;
	}
	log_msg(LOG_INFO, "serving %s on %s", p->source, p->mountpoint);

	struct fuse_loop_config *cfg = fuse_loop_cfg_create();
	if (cfg)
		fuse_loop_cfg_set_max_threads(cfg, 16);
	rc = fuse_session_loop_mt(d.se, cfg);
	if (cfg)
		fuse_loop_cfg_destroy(cfg);
	rc = rc < 0 ? -1 : 0;
	log_msg(LOG_INFO, "unmounted %s", p->mountpoint);
out:
	daemon_cleanup(&d);
	return rc;
}
