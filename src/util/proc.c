/* proc.c — argv-only process spawning with captured output (see
 * util/proc.h). */
#include "util/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct buf {
	char *p;
	size_t n, cap;
};

static int buf_read(int fd, struct buf *b)
{
	char tmp[65536];
	ssize_t r = read(fd, tmp, sizeof(tmp));
	if (r < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : -1;
	if (r == 0)
		return 0;
	if (b->n + (size_t)r > PROC_CAPTURE_MAX)
		return 1; /* keep draining, drop the excess */
	if (b->n + (size_t)r + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->n + (size_t)r + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p)
			return 1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, tmp, (size_t)r);
	b->n += (size_t)r;
	b->p[b->n] = '\0';
	return 1;
}

static char *buf_take(struct buf *b, size_t *len)
{
	*len = b->n;
	if (!b->p)
		return strdup("");
	return b->p;
}

/* The child's stdin: the bytes in an anonymous memory file, so that no
 * writer has to interleave with the capture loop. Returns the descriptor
 * (positioned at 0) or -1 with errno. */
static int input_fd(const char *input, size_t len)
{
	int fd = memfd_create("proc-stdin", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, input + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : EIO;
			close(fd);
			errno = e;
			return -1;
		}
		off += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

bool proc_on_path(const char *name)
{
	const char *path = getenv("PATH");
	if (strchr(name, '/'))
		return access(name, X_OK) == 0;
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t n = colon ? (size_t)(colon - path) : strlen(path);
		char full[4096];
		if (snprintf(full, sizeof(full), "%.*s/%s", (int)n,
			     n ? path : ".", name) < (int)sizeof(full)) {
			struct stat st;
			if (stat(full, &st) == 0 && S_ISREG(st.st_mode) &&
			    access(full, X_OK) == 0)
				return true;
		}
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}

/* merge: stderr goes to the stdout pipe (res->err stays NULL). */
static int run(const char *const argv[], bool capture, bool merge,
	       const char *input, size_t inlen, struct proc_result *res)
{
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, in = -1;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	res->status = -1;
	/* posix_spawnp reports a missing program only where the child can
	 * tell the parent (not under valgrind: exit 127 there); look first */
	if (!proc_on_path(argv[0])) {
		res->spawn_errno = ENOENT;
		return -1;
	}
	if (capture && (pipe2(po, O_CLOEXEC) < 0 ||
			(!merge && pipe2(pe, O_CLOEXEC) < 0))) {
		res->spawn_errno = errno;
		goto fail_pipes;
	}
	if (input && (in = input_fd(input, inlen)) < 0) {
		res->spawn_errno = errno;
		goto fail_pipes;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	/* the child starts with default signal dispositions and mask */
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF);
	if (in >= 0)
		posix_spawn_file_actions_adddup2(&fa, in, 0);
	else if (capture)
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY,
						 0);
	if (capture) {
		posix_spawn_file_actions_adddup2(&fa, po[1], 1);
		posix_spawn_file_actions_adddup2(&fa, merge ? po[1] : pe[1], 2);
	}
	int r = posix_spawnp(&pid, argv[0], &fa, &at, (char *const *)argv,
			     environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (in >= 0) {
		close(in);
		in = -1;
	}
	if (r != 0) {
		res->spawn_errno = r;
		goto fail_pipes;
	}
	struct buf bo = { 0 }, be = { 0 };
	if (capture) {
		close(po[1]);
		if (pe[1] >= 0)
			close(pe[1]);
		struct pollfd fds[2] = { { po[0], POLLIN, 0 },
					 { pe[0], POLLIN, 0 } };
		int open_fds = merge ? 1 : 2;
		while (open_fds > 0) {
			if (poll(fds, 2, -1) < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			for (int i = 0; i < 2; i++) {
				if (fds[i].fd < 0 ||
				    !(fds[i].revents &
				      (POLLIN | POLLHUP | POLLERR)))
					continue;
				if (buf_read(fds[i].fd, i == 0 ? &bo : &be) <=
				    0) {
					close(fds[i].fd);
					fds[i].fd = -1;
					open_fds--;
				}
			}
		}
		for (int i = 0; i < 2; i++)
			if (fds[i].fd >= 0)
				close(fds[i].fd);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			st = 0x7f00; /* treat as exit 127 */
			break;
		}
	}
	res->status = WIFEXITED(st)	? WEXITSTATUS(st)
		      : WIFSIGNALED(st) ? 128 + WTERMSIG(st)
					: 1;
	if (capture) {
		res->out = buf_take(&bo, &res->outlen);
		if (!merge)
			res->err = buf_take(&be, &res->errlen);
	}
	return 0;
fail_pipes:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	if (in >= 0)
		close(in);
	return -1;
}

int proc_run(const char *const argv[], bool capture, struct proc_result *res)
{
	return run(argv, capture, false, NULL, 0, res);
}

int proc_run_input(const char *const argv[], const char *input, size_t len,
		   struct proc_result *res)
{
	return run(argv, true, false, input ? input : "", input ? len : 0, res);
}

void proc_result_free(struct proc_result *res)
{
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
}

int spawn_capture(const char *const argv[], char *out, size_t outlen)
{
	struct proc_result res;

	if (run(argv, true, true, NULL, 0, &res) < 0)
		return -res.spawn_errno;
	if (outlen) {
		size_t used = res.outlen < outlen - 1 ? res.outlen : outlen - 1;
		memcpy(out, res.out ? res.out : "", used);
		out[used] = '\0';
		while (used > 0 && out[used - 1] == '\n')
			out[--used] = '\0';
	}
	proc_result_free(&res);
	return res.status;
}
