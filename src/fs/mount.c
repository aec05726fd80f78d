/* mount.c — seedfs_mount and seedfs_umount (seedfs.h): check everything
 * that can be checked before mounting (prepare.c), then serve in the
 * foreground or in a detached daemon that reports readiness through a pipe.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "prepare.h"
#include "log.h"
#include "error.h"
#include "mountpoint.h"
#include "runcmd.h"
#include "state.h"

/* The daemon is a fork without exec: close every descriptor the caller
 * had open (pipes of a launcher, say) except what the daemon needs. */
static void close_inherited(const struct prepared *p, int keep)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return;
	int self = dirfd(d);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		int fd = atoi(de->d_name);
		bool needed = fd <= STDERR_FILENO || fd == self || fd == keep ||
			      fd == p->root_fd;
		for (size_t i = 0; i < p->nfollow && !needed; i++)
			needed = fd == p->follow_fds[i];
		if (!needed)
			close(fd);
	}
	closedir(d);
}

static void detach_stdio(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

/* Reads the daemon's report: "OK\n", or an error text then EOF. */
static ssize_t read_report(int fd, char *buf, size_t len)
{
	size_t used = 0;
	while (used < len - 1) {
		ssize_t n = read(fd, buf + used, len - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
		if (used >= 3 && memcmp(buf, "OK\n", 3) == 0)
			break;
	}
	buf[used] = '\0';
	return (ssize_t)used;
}

int seedfs_mount(const struct seedfs_config *cfg, struct seedfs_error *err)
{
	struct prepared *p = NULL;
	int pfd[2];

	memset(err, 0, sizeof(*err));
	if (prepare(cfg, true, &p, err) < 0)
		return -1;
	if (cfg->foreground) {
		int rc = daemon_serve(p, -1, err);
		prepared_free(p);
		return rc;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		prepared_free(p);
		return seedfs_fail(err, SEEDFS_EXIT_FAIL, "pipe: %s",
				   strerror(errno));
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		prepared_free(p);
		close(pfd[0]);
		close(pfd[1]);
		return seedfs_fail(err, SEEDFS_EXIT_FAIL, "fork: %s",
				   strerror(errno));
	}
	if (pid == 0) {
		struct seedfs_error e;
		close(pfd[0]);
		setsid();
		prctl(PR_SET_NAME, "claude-seedfs");
		if (chdir("/") < 0) {
			/* "/" always exists */
		}
		signal(SIGPIPE, SIG_IGN);
		close_inherited(p, pfd[1]);
		detach_stdio();
		log_to_syslog(true);
		int rc = daemon_serve(p, pfd[1], &e);
		prepared_free(p);
		_exit(rc < 0 ? 1 : 0);
	}
	close(pfd[1]);
	char buf[sizeof(err->msg)];
	read_report(pfd[0], buf, sizeof(buf));
	close(pfd[0]);
	if (strncmp(buf, "OK\n", 3) != 0) {
		int status = 0;
		waitpid(pid, &status, 0);
		if (buf[0])
			seedfs_fail(err, SEEDFS_EXIT_FAIL, "%s", buf);
		else
			seedfs_fail(err, SEEDFS_EXIT_FAIL,
				    "the daemon exited before the mount was up "
				    "(status %d)",
				    WIFEXITED(status) ? WEXITSTATUS(status)
						      : -1);
		prepared_free(p);
		return -1;
	}
	/* The mount exists; a stat through it returns once the daemon
	 * answers requests. */
	struct stat st;
	int rc = stat(p->mountpoint, &st);
	if (rc < 0) {
		seedfs_fail(err, SEEDFS_EXIT_FAIL,
			    "mounted %s but it does not answer: %s",
			    p->mountpoint, strerror(errno));
		struct seedfs_error ignored;
		seedfs_umount(p->mountpoint, &ignored);
		prepared_free(p);
		return -1;
	}
	prepared_free(p);
	return 0;
}

int seedfs_umount(const char *mountpoint, struct seedfs_error *err)
{
	char *canon = NULL, fstype[256] = "", statepath[PATH_MAX];
	struct seedfs_view *v = NULL;

	memset(err, 0, sizeof(*err));
	int rc = mountpoint_canonical(mountpoint, &canon);
	if (rc < 0)
		return seedfs_fail(err, SEEDFS_EXIT_FAIL, "%s: %s", mountpoint,
				   strerror(-rc));
	if (mountinfo_lookup(canon, fstype, sizeof(fstype)) != 1 ||
	    strcmp(fstype, SEEDFS_FSTYPE) != 0) {
		seedfs_fail(err, SEEDFS_EXIT_FAIL,
			    "%s: not a claude-seedfs mount", canon);
		free(canon);
		return -1;
	}
	if (state_path(canon, ".state", statepath, sizeof(statepath)) == 0)
		state_read(statepath, &v);

	if (geteuid() == 0) {
		rc = umount2(canon, UMOUNT_NOFOLLOW);
		if (rc < 0)
			rc = -errno;
	} else {
		const char *argv[] = { "fusermount3", "-u", "--", canon, NULL };
		char out[1024];
		rc = spawn_capture(argv, out, sizeof(out));
		if (rc > 0) {
			seedfs_fail(err, SEEDFS_EXIT_FAIL,
				    "fusermount3 -u %s: %s", canon, out);
			goto done;
		}
	}
	if (rc == -EBUSY) {
		seedfs_fail(
			err, SEEDFS_EXIT_FAIL,
			"%s: busy (a process has a file or directory open there)",
			canon);
		goto done;
	}
	if (rc < 0) {
		seedfs_fail(err, SEEDFS_EXIT_FAIL, "umount %s: %s", canon,
			    strerror(-rc));
		goto done;
	}
	/* The daemon sees its session end and exits; wait briefly so that a
	 * fresh mount right after does not race with its cleanup. */
	if (v && v->pid > 0) {
		for (int i = 0; i < 200 && seedfs_daemon_alive(v->pid); i++)
			nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 },
				  NULL);
	}
	if (!v || !seedfs_daemon_alive(v->pid))
		state_remove(canon);
	rc = 0;
done:
	seedfs_view_free(v);
	free(canon);
	return rc < 0 ? -1 : 0;
}
