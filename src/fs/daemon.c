/* daemon.c — see daemon.h. */
#include "daemon.h"
#include "mount_reason.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <limits.h>
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

/* ---- state file ---- */

static void write_state(struct daemon *d)
{
	const struct rules *rs = d->rules;
	size_t nl = rules_layer_count(rs), ng = rules_group_count(rs);
	struct seedfs_layer *layers = calloc(nl ? nl : 1, sizeof(*layers));
	char **groups = calloc(ng ? ng : 1, sizeof(*groups));
	if (!layers || !groups)
		goto out;
	for (size_t i = 0; i < nl; i++)
		layers[i] = (struct seedfs_layer){
			(char *)rules_layer_file(rs, i),
			rules_layer_fingerprint(rs, i) };
	for (size_t i = 0; i < ng; i++)
		groups[i] = (char *)rules_group_name(rs, i);
	struct seedfs_view v = {
		.mountpoint = d->p->mountpoint,
		.source = d->p->source,
		.pid = getpid(),
		.layers = layers,
		.nlayers = nl,
		.groups = groups,
		.ngroups = ng,
		.reload_error = d->reload_error,
		.generation = d->generation,
		.reload_attempts = d->reload_attempts,
		.confinement = d->confinement,
	};
	int rc = d->state_fd >= 0 ? state_write_fd(d->state_fd, &v) : -EBADF;
	if (rc < 0)
		log_msg(LOG_WARNING, "cannot write the state file: %s",
			strerror(-rc));
out:
	free(layers);
	free(groups);
}

/* ---- invalidations ---- */

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

/* ---- reload ---- */


static bool reverdict(struct daemon *d, struct node *n)
{
	if (n->rules_gen == d->rules_gen)
		return !atomic_load(&n->dead);
	n->rules_gen = d->rules_gen;
	if (!n->parent)
		return true;
	bool parent_ok = reverdict(d, n->parent);
	if (!parent_ok || n->via_link || n->target ||
	    atomic_load(&n->dead)) {
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
		int fd = openat(df->fd[i], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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

static void reload(struct daemon *d)
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
	write_state(d);
	log_msg(LOG_INFO, "rules reloaded (%zu layers)",
		rules_layer_count(d->rules));
	return;
failed:
	log_msg(LOG_ERR, "reload failed, keeping the previous rules: %s", msg);
	free(d->reload_error);
	d->reload_error = strdup(msg);
	write_state(d);
}

static void *watcher_main(void *arg)
{
	struct daemon *d = arg;
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
					reload(d);
				daemon_issue_pending(d);
			}
		}
	}
	return NULL;
}

/* ---- confinement ---- */

struct anchor_fds {
	int v[64];
	size_t n;
};

/* Targets of the visible top-level symlinks: anchors the daemon must
 * still be able to read once confined. */
static void top_targets(struct daemon *d, struct anchor_fds *dirs,
			struct anchor_fds *files)
{
	int fd = openat(d->p->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir) {
		if (fd >= 0)
			close(fd);
		return;
	}
	struct dirref dr = node_dirref(d->nodes.root);
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)
			continue;
		struct entry e;
		if (classify(&d->sv, d->rules, &dr, de->d_name,
			     strlen(de->d_name), true, &e) < 0)
			break;
		struct anchor_fds *to = S_ISDIR(e.st.st_mode) ? dirs : files;
		if (e.why == SHOWN && e.via_link && e.fd >= 0 &&
		    to->n < sizeof(to->v) / sizeof(to->v[0])) {
			to->v[to->n++] = e.fd;
			e.fd = -1;
		}
		entry_release(&e);
	}
	closedir(dir);
}

static void confine(struct daemon *d)
{
	char why[256];
	if (confine_disabled(why, sizeof(why))) {
		snprintf(d->confinement, sizeof(d->confinement), "%s", why);
		log_msg(LOG_WARNING, "%s", why);
		return;
	}
	char state[PATH_MAX], stats[PATH_MAX];
	const char *cleanup[2];
	size_t nclean = 0;
	if (state_path(d->p->mountpoint, ".state", state, sizeof(state)) == 0)
		cleanup[nclean++] = state;
	if (state_path(d->p->mountpoint, ".stats", stats, sizeof(stats)) == 0)
		cleanup[nclean++] = stats;
	int hfd = unmount_helper_start(d->p->mountpoint, cleanup, nclean,
				       &d->helper_pid);
	if (hfd < 0) {
		snprintf(d->confinement, sizeof(d->confinement),
			 "confinement off: no unmount helper (%s)",
			 strerror(-hfd));
		log_msg(LOG_WARNING, "%s", d->confinement);
		return;
	}
	d->helper_fd = hfd;

	struct anchor_fds dirs = { .n = 0 }, files = { .n = 0 };
	dirs.v[dirs.n++] = d->p->root_fd;
	for (size_t i = 0; i < d->p->nfollow && dirs.n < 64; i++)
		dirs.v[dirs.n++] = d->p->follow_fds[i];
	size_t own = dirs.n;
	top_targets(d, &dirs, &files);
	struct confine_input in = {
		.dirs = dirs.v,
		.ndirs = dirs.n,
		.files = files.v,
		.nfiles = files.n,
		.rule_files = d->p->input.files,
		.nrule_files = d->p->input.nfiles,
	};
	struct confinement c;
	confine_apply(&in, &c);
	for (size_t i = own; i < dirs.n; i++)
		close(dirs.v[i]);
	for (size_t i = 0; i < files.n; i++)
		close(files.v[i]);
	d->confined = c.landlock_abi > 0 || c.seccomp;
	if (c.landlock_abi > 0 && c.seccomp)
		snprintf(d->confinement, sizeof(d->confinement),
			 "landlock ABI %d, seccomp", c.landlock_abi);
	else
		snprintf(d->confinement, sizeof(d->confinement), "%s%s%s",
			 c.landlock_abi > 0 ? "landlock only; " : "",
			 c.seccomp ? "seccomp only; " : "", c.note);
	if (c.note[0])
		log_msg(LOG_WARNING, "%s", c.note);
}

/* ---- serving ---- */

static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void report(int ready_fd, struct seedfs_error *err, const char *fmt,
		   ...) __attribute__((format(printf, 3, 4)));
static void report(int ready_fd, struct seedfs_error *err, const char *fmt,
		   ...)
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
	if (pipe2(d.wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		report(ready_fd, err, "pipe: %s", strerror(errno));
		goto out;
	}
	d.inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d.inotify_fd < 0)
		log_msg(LOG_WARNING, "inotify unavailable (%s): the view will "
			"not follow source changes quickly", strerror(errno));
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
			report(ready_fd, err, "mount %s failed (is /dev/fuse "
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
	confine(&d);
#ifdef SEEDFS_CONFINE_SELFTEST
	confine_selftest(); /* test builds only: a daemon with a "bug" */
#endif
	write_state(&d);

	/* Only the watcher thread issues invalidations: never from inside a
	 * request handler, where the kernel may be waiting on us. */
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if (pthread_create(&d.watcher, NULL, watcher_main, &d) == 0)
		d.watcher_running = true;
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
