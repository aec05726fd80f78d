/*
 * guest_agent.c — runs commands inside the test microVM for the host.
 *
 * Owns one job: listen on a TCP port in the guest (reached from the host
 * through QEMU user networking's hostfwd) and run one command per
 * connection, never through a shell. Statically linked (gcc -static); runs
 * as root from the initramfs' /init. Concurrent connections are served by
 * one forked handler each.
 *
 * Request (host -> guest): a u32 count N, then N strings, each a u32 length
 * and that many bytes (all integers big-endian). The strings are
 *   "seedfs-vm-1", uid, gid, cwd, timeout seconds ("0": none),
 *   number of env entries E, E "NAME=value" strings, then argv (>= 1).
 * Reply (guest -> host): frames of a type byte and a u32 length:
 *   'o' stdout bytes, 'e' stderr bytes, 'x' the exit status as text
 *   (the exit code, or 128 + signal number), 'f' a failure to start the
 *   command (text; then the connection ends).
 * The command's stdin is /dev/null; it runs in its own session. When the
 * host closes the connection, or the timeout passes, the whole process
 * group is killed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_STRINGS 4096
#define MAX_TOTAL   (8u << 20)

static int read_full(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int send_frame(int fd, char type, const void *data, uint32_t len)
{
	unsigned char hdr[5];
	uint32_t be = htonl(len);
	hdr[0] = (unsigned char)type;
	memcpy(hdr + 1, &be, 4);
	if (write_full(fd, hdr, sizeof hdr) < 0)
		return -1;
	return len ? write_full(fd, data, len) : 0;
}

static int read_u32(int fd, uint32_t *out)
{
	uint32_t be;
	if (read_full(fd, &be, 4) < 0)
		return -1;
	*out = ntohl(be);
	return 0;
}

/* Reads the request's strings; NULL-terminated array, or NULL on error. */
static char **read_request(int fd, uint32_t *count)
{
	uint32_t n, total = 0;
	if (read_u32(fd, &n) < 0 || n == 0 || n > MAX_STRINGS)
		return NULL;
	char **s = calloc((size_t)n + 1, sizeof *s);
	if (!s)
		return NULL;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t len;
		if (read_u32(fd, &len) < 0 || len > MAX_TOTAL - total)
			return NULL;
		total += len;
		s[i] = malloc((size_t)len + 1);
		if (!s[i] || read_full(fd, s[i], len) < 0)
			return NULL;
		s[i][len] = '\0';
		if (strlen(s[i]) != len) /* embedded NUL */
			return NULL;
	}
	*count = n;
	return s;
}

static void fail(int fd, const char *what)
{
	char msg[512];
	int n = snprintf(msg, sizeof msg, "%s: %s", what, strerror(errno));
	send_frame(fd, 'f', msg, (uint32_t)(n > 0 ? n : 0));
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void serve(int conn)
{
	uint32_t n;
	char **s = read_request(conn, &n);
	if (!s || n < 7 || strcmp(s[0], "seedfs-vm-1") != 0) {
		errno = EPROTO;
		fail(conn, "bad request");
		return;
	}
	uid_t uid = (uid_t)strtoul(s[1], NULL, 10);
	gid_t gid = (gid_t)strtoul(s[2], NULL, 10);
	const char *cwd = s[3];
	double timeout = strtod(s[4], NULL);
	uint32_t nenv = (uint32_t)strtoul(s[5], NULL, 10);
	if (nenv > n - 7) {
		errno = EPROTO;
		fail(conn, "bad request (env count)");
		return;
	}
	char **env = calloc((size_t)nenv + 1, sizeof *env);
	if (!env) {
		fail(conn, "calloc");
		return;
	}
	for (uint32_t i = 0; i < nenv; i++)
		env[i] = s[6 + i];
	char **argv = s + 6 + nenv;

	int out[2], err[2], ready[2];
	if (pipe(out) < 0 || pipe(err) < 0 || pipe2(ready, O_CLOEXEC) < 0) {
		fail(conn, "pipe");
		return;
	}
	signal(SIGCHLD, SIG_DFL);
	pid_t pid = fork();
	if (pid < 0) {
		fail(conn, "fork");
		return;
	}
	if (pid == 0) {
		const char *step = "setsid";
		int devnull = open("/dev/null", O_RDONLY);
		if (setsid() < 0)
			goto child_fail;
		step = "stdio";
		if (devnull < 0 || dup2(devnull, 0) < 0 ||
		    dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)
			goto child_fail;
		step = "setgroups";
		if (setgroups(0, NULL) < 0)
			goto child_fail;
		step = "setgid";
		if (setgid(gid) < 0)
			goto child_fail;
		step = "setuid";
		if (setuid(uid) < 0)
			goto child_fail;
		step = "chdir";
		if (chdir(cwd) < 0)
			goto child_fail;
		step = "exec";
		environ = env;
		execvp(argv[0], argv);
	child_fail:;
		char msg[512];
		int len = snprintf(msg, sizeof msg, "%s %s: %s", step,
				   strcmp(step, "exec") == 0	? argv[0]
				   : strcmp(step, "chdir") == 0 ? cwd
								: "",
				   strerror(errno));
		if (len > 0)
			(void)!write(ready[1], msg, (size_t)len);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	close(ready[1]);
	char msg[512];
	ssize_t ml = read(ready[0], msg, sizeof msg);
	if (ml > 0) {
		send_frame(conn, 'f', msg, (uint32_t)ml);
		waitpid(pid, NULL, 0);
		return;
	}

	struct pollfd p[3] = {
		{ .fd = out[0], .events = POLLIN },
		{ .fd = err[0], .events = POLLIN },
		{ .fd = conn, .events = POLLIN },
	};
	double deadline = timeout > 0 ? now() + timeout : 0;
	int open_pipes = 2, killed = 0;
	char buf[65536];
	while (open_pipes > 0) {
		int wait_ms = -1;
		if (deadline > 0) {
			double left = deadline - now();
			wait_ms = left > 0 ? (int)(left * 1000) + 1 : 0;
		}
		int r = poll(p, 3, wait_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0 && deadline > 0 && now() >= deadline) {
			kill(-pid, SIGKILL);
			killed = 1;
			deadline = 0;
			continue;
		}
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 ||
			    !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t got = read(p[i].fd, buf, sizeof buf);
			if (got <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
				open_pipes--;
			} else if (send_frame(conn, i == 0 ? 'o' : 'e', buf,
					      (uint32_t)got) < 0) {
				kill(-pid, SIGKILL);
				killed = 1;
			}
		}
		if (p[2].fd >= 0 &&
		    (p[2].revents & (POLLIN | POLLHUP | POLLERR))) {
			/* The host sends nothing after the request: data or EOF
			 * both mean it gave up. */
			kill(-pid, SIGKILL);
			killed = 1;
			p[2].fd = -1;
		}
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	int code = WIFEXITED(status)	 ? WEXITSTATUS(status)
		   : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
					 : 255;
	/* The command's children may still run: end its session too. */
	kill(-pid, SIGKILL);
	char text[32];
	int len = snprintf(text, sizeof text, "%d%s", code,
			   killed ? " killed" : "");
	send_frame(conn, 'x', text, (uint32_t)len);
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 7000;
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port) };
	if (s < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 64) < 0) {
		perror("guest_agent: listen");
		return 1;
	}
	signal(SIGCHLD, SIG_IGN); /* handlers are reaped by the kernel */
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "guest_agent: listening on port %d\n", port);
	for (;;) {
		int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("guest_agent: accept");
			sleep(1);
			continue;
		}
		pid_t h = fork();
		if (h == 0) {
			close(s);
			serve(c);
			shutdown(c, SHUT_WR);
			_exit(0);
		}
		close(c);
	}
}
