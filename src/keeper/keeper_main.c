/* keeper_main.c — claude-seedfs-keeper: the probe loop, the pidfile, the
 * cache drop and the log (one line per change). The decisions are in
 * keeper.c. Runs in the guest, usually as root; reads nothing but the
 * probe's st_size.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "keeper.h"

#ifndef SEEDFS_VERSION
#define SEEDFS_VERSION "unknown"
#endif

#define PROG "claude-seedfs-keeper"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* flock(fd, op | LOCK_NB) on the pidfile: 1 locked, 0 another process
 * holds the lock, -1 error (message printed). */
static int lock_pidfile(int fd, const char *path, int op)
{
	if (flock(fd, op | LOCK_NB) == 0)
		return 1;
	if (errno == EWOULDBLOCK)
		return 0;
	fprintf(stderr, PROG ": pidfile %s: lock: %s\n", path, strerror(errno));
	return -1;
}

/* The pidfile's text into buf (at most size - 1 bytes; "" if unreadable). */
static void pidfile_text(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
}

/* Takes the pidfile's lock: 1 taken (pid written), 0 another keeper holds
 * it, -1 error (message printed). The descriptor stays open for life. */
static int take_pidfile(const char *path, int *fdout)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		fprintf(stderr, PROG ": pidfile %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	int locked = lock_pidfile(fd, path, LOCK_EX);
	if (locked < 0) {
		close(fd);
		return -1;
	}
	if (!locked) {
		char buf[32];
		pidfile_text(fd, buf, sizeof(buf));
		buf[strcspn(buf, "\n")] = '\0';
		fprintf(stderr, PROG ": already running (pid %s, %s)\n",
			buf[0] ? buf : "?", path);
		close(fd);
		return 0;
	}
	char pid[32];
	int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
		fprintf(stderr, PROG ": pidfile %s: write: %s\n", path,
			strerror(errno));
		close(fd);
		return -1;
	}
	*fdout = fd;
	return 1;
}

/* 0, or the errno of the write. */
/* Twice: the shrinker gives a dentry or inode touched since its last
 * scan a second chance (it clears the referenced flag and keeps it), and
 * one write stops after a pass that freed little, as in a small guest. A
 * file re-read more often than the keeper drops was never evicted by
 * single writes (5 of 40 rename-overs stale for good, measured); the
 * second write, a few milliseconds later, evicts what the first marked. */
static int drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	int rc = 0;
	for (int i = 0; i < 2 && rc == 0; i++)
		rc = pwrite(fd, "2", 1, 0) == 1 ? 0 : errno;
	close(fd);
	return rc;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One probe: the keeper_judge inputs. */
static void probe(const struct keeper_opts *o, uint64_t gen, uint64_t nonce,
		  int *err, int64_t *size)
{
	char path[4096 + 64];
	struct stat st;
	if (keeper_probe_path(path, sizeof(path), o->view, gen, nonce) < 0) {
		*err = ENAMETOOLONG;
		return;
	}
	*err = stat(path, &st) < 0 ? errno : 0;
	*size = *err ? 0 : (int64_t)st.st_size;
}

/* Drops the caches for a change; returns the text to log. */
static const char *act(const struct keeper_opts *o)
{
	static char msg[128];
	if (o->no_drop)
		return "caches kept (--no-drop)";
	int e = drop_caches();
	if (e) {
		snprintf(msg, sizeof(msg),
			 "cannot drop caches: %s (root needed)", strerror(e));
		return msg;
	}
	return "dropped dentry and inode caches";
}

/* --status: who holds the pidfile's lock. Returns the pid (> 0), 0 when
 * nobody holds it (or there is no pidfile), -1 on error (printed). */
static long pidfile_holder(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, PROG ": pidfile %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	long pid = 0;
	int locked = lock_pidfile(fd, path, LOCK_SH);
	if (locked < 0) {
		close(fd);
		return -1;
	}
	if (!locked) {
		char buf[32];
		pidfile_text(fd, buf, sizeof(buf));
		pid = strtol(buf, NULL, 10);
		if (pid <= 0)
			pid = 1; /* held, the pid not written yet */
	}
	close(fd);
	return pid;
}

/* Closes the descriptors lo..hi (hi -1: all above lo). */
static void close_fds(int lo, int hi)
{
	if (hi != -1 && hi < lo)
		return;
	if (close_range((unsigned)lo, hi == -1 ? ~0U : (unsigned)hi, 0) == 0)
		return;
	long max = sysconf(_SC_OPEN_MAX);
	for (long fd = lo; fd <= (hi == -1 ? (max > 0 ? max : 1024) : hi); fd++)
		close((int)fd);
}

/* Detaches: the parent returns only in the child (0), after which the
 * parent exits 0 once the child has rewritten the pidfile; -1 on error. */
static int daemonize(int pidfd)
{
	int sync[2];
	if (pipe(sync) < 0) {
		fprintf(stderr, PROG ": pipe: %s\n", strerror(errno));
		return -1;
	}
	pid_t child = fork();
	if (child < 0) {
		fprintf(stderr, PROG ": fork: %s\n", strerror(errno));
		return -1;
	}
	if (child > 0) {
		char ok = 0;
		close(sync[1]);
		ssize_t n = read(sync[0], &ok, 1);
		_exit(n == 1 && ok == 'y' ? 0 : 1);
	}
	close(sync[0]);
	setsid();
	char pid[32];
	int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(pidfd, 0) < 0 ||
	    pwrite(pidfd, pid, (size_t)len, 0) != len) {
		fprintf(stderr, PROG ": pidfile: write: %s\n", strerror(errno));
		_exit(1);
	}
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
	    dup2(null, 2) < 0)
		_exit(1);
	if (null > 2)
		close(null);
	if (chdir("/") < 0) {
		/* stays where it was; it holds no path relative to it */
	}
	/* nothing inherited stays open (a caller waiting for EOF on a pipe
	 * it gave us would wait forever): only the pidfile and the pipe */
	int keep_lo = pidfd < sync[1] ? pidfd : sync[1];
	int keep_hi = pidfd < sync[1] ? sync[1] : pidfd;
	close_fds(3, keep_lo - 1);
	close_fds(keep_lo + 1, keep_hi - 1);
	close_fds(keep_hi + 1, -1);
	char y = 'y';
	if (write(sync[1], &y, 1) != 1)
		_exit(1);
	close(sync[1]);
	return 0;
}

static int status(const struct keeper_opts *o, uint64_t nonce)
{
	long pid = pidfile_holder(o->pidfile);
	if (pid < 0)
		return 1;
	if (pid > 0)
		printf("running pid=%ld", pid);
	else
		printf("stopped");
	int rc = pid > 0 ? 0 : KEEPER_EXIT_NOT_RUNNING;
	if (o->view) {
		int err;
		int64_t size;
		uint64_t next = 0;
		double t0 = now_ms();
		probe(o, 0, nonce, &err, &size);
		double ms = now_ms() - t0;
		if (keeper_judge(0, err, size, &next) == KEEPER_CHANGED) {
			printf(" generation=%" PRIu64 " probe_ms=%.1f", next,
			       ms);
		} else {
			printf(" generation=none (%s: %s)", o->view,
			       err ? strerror(err)
				   : "not a claude-seedfs view");
			rc = 1;
		}
	}
	putchar('\n');
	return rc;
}

int main(int argc, char **argv)
{
	struct keeper_opts o;
	char why[512];

	if (keeper_parse_args(argc, argv, &o, why, sizeof(why)) < 0) {
		fprintf(stderr, PROG ": %s\n%s", why, keeper_usage);
		return 2;
	}
	if (o.help) {
		fputs(keeper_usage, stdout);
		return 0;
	}
	if (o.version) {
		puts(PROG " " SEEDFS_VERSION);
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	uint64_t nonce;
	if (getrandom(&nonce, sizeof(nonce), 0) != sizeof(nonce))
		nonce = (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);

	if (o.status)
		return status(&o, nonce);

	uint64_t gen = 0, next = 0;
	int err;
	int64_t size;
	if (o.once) {
		probe(&o, 0, nonce, &err, &size);
		if (keeper_judge(0, err, size, &next) != KEEPER_CHANGED) {
			fprintf(stderr,
				PROG
				": %s does not answer the change probe (%s): "
				"not a claude-seedfs view?\n",
				o.view, err ? strerror(err) : "bad size");
			return 1;
		}
		printf("%" PRIu64 "\n", next);
		if (!o.no_drop) {
			int e = drop_caches();
			if (e) {
				fprintf(stderr,
					PROG ": cannot drop caches: %s\n",
					strerror(e));
				return 1;
			}
		}
		return 0;
	}

	if (o.pidfile) {
		int pidfd = -1;
		int rc = take_pidfile(o.pidfile, &pidfd);
		if (rc <= 0)
			return rc < 0 ? 1 : 0;
		if (o.daemon && daemonize(pidfd) < 0)
			return 1;
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	printf(PROG ": watching %s every %u ms (pid %ld)\n", o.view,
	       o.interval_ms, (long)getpid());
	bool failing = false;
	bool redrop = false;	/* this round drops though nothing changed */
	double changed_at = -1; /* now_ms() of the last change seen */
	while (!stop) {
		double t0 = now_ms();
		probe(&o, gen, ++nonce, &err, &size);
		switch (keeper_judge(gen, err, size, &next)) {
		case KEEPER_SAME:
			if (redrop)
				act(&o);
			break;
		case KEEPER_CHANGED: {
			const char *what = act(&o);
			printf(PROG ": generation %" PRIu64 " -> %" PRIu64
				    ": %s (%.1f ms)\n",
			       gen, next, what, now_ms() - t0);
			gen = next;
			changed_at = t0;
			failing = false;
			break;
		}
		case KEEPER_FAILED:
			if (!failing)
				printf(PROG ": %s does not answer the change "
					    "probe (%s); retrying\n",
				       o.view,
				       err ? strerror(err) : "bad size");
			failing = true;
			break;
		}
		unsigned ms = keeper_pause_ms(
			o.interval_ms,
			changed_at < 0 ? -1 : now_ms() - changed_at, &redrop);
		struct timespec pause = { ms / 1000,
					  (long)(ms % 1000) * 1000000L };
		nanosleep(&pause, NULL);
	}
	return 0;
}
