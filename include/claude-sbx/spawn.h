/* spawn.h — running one program from an argv array, never through a shell.
 *
 * Owns: posix_spawnp with stdout/stderr captured (polled together, capped)
 * or inherited, and the exit status as a number scripts can use.
 */
#ifndef CLAUDE_SBX_SPAWN_H
#define CLAUDE_SBX_SPAWN_H

#include <stdbool.h>
#include <stddef.h>

#define SBX_CAPTURE_MAX (16u * 1024 * 1024)

struct proc_result {
	int status;	  /* exit status; 128+N after signal N; -1 not started */
	int spawn_errno;  /* when status is -1 (ENOENT: not on PATH) */
	char *out;	  /* captured stdout (NUL-terminated), or NULL */
	size_t outlen;
	char *err;	  /* captured stderr (NUL-terminated), or NULL */
	size_t errlen;
};

/* Runs argv[0] (looked up on PATH) with argv. capture: collect stdout and
 * stderr; otherwise they are inherited. stdin is /dev/null when capturing,
 * inherited otherwise. Returns 0 when the program ran (whatever its
 * status), -1 when it could not be started. */
int proc_run(const char *const argv[], bool capture, struct proc_result *res);
/* Same, capturing, with the len bytes at input as the child's stdin. */
int proc_run_input(const char *const argv[], const char *input, size_t len,
		   struct proc_result *res);
void proc_result_free(struct proc_result *res);

/* true when an executable named name is on PATH. */
bool proc_on_path(const char *name);

/* A readable one-line rendering of argv for messages (malloc'd). */
char *proc_argv_display(const char *const argv[], size_t max_args);

#endif
