/* runcmd.c — see runcmd.h. */
#include "runcmd.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int spawn_capture(const char *const argv[], char *out, size_t outlen)
{
	int pfd[2];
	posix_spawn_file_actions_t fa;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
					 O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDERR_FILENO);
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv,
			      environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (rc != 0) {
		close(pfd[0]);
		return -rc;
	}
	size_t used = 0;
	for (;;) {
		char scratch[512];
		char *dst = used + 1 < outlen ? out + used : scratch;
		size_t room = used + 1 < outlen ? outlen - 1 - used
						: sizeof(scratch);
		ssize_t n = read(pfd[0], dst, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (dst != scratch)
			used += (size_t)n;
	}
	close(pfd[0]);
	if (outlen) {
		out[used < outlen ? used : outlen - 1] = '\0';
		while (used > 0 && out[used - 1] == '\n')
			out[--used] = '\0';
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
