/* util/proc.h — running one program from an argv array, never through a
 * shell (part of the shared util layer, src/util/).
 *
 * Owns: the one posix_spawnp of the project — default signal dispositions
 * and mask in the child, stdin from /dev/null or a memory file, stdout
 * and stderr captured (polled together, capped) or inherited, and the exit
 * status as a number scripts can use. The launcher (claude-sbx/spawn.h)
 * and the daemon's fusermount3 call (src/fs/runcmd.h) both use it.
 */
#ifndef UTIL_PROC_H
#define UTIL_PROC_H

#include <stdbool.h>
#include <stddef.h>

#define PROC_CAPTURE_MAX (16u * 1024 * 1024)

struct proc_result {
	int status;	 /* exit status; 128+N after signal N; -1 not started */
	int spawn_errno; /* when status is -1 (ENOENT: not on PATH) */
	char *out;	 /* captured stdout (NUL-terminated), or NULL */
	size_t outlen;
	char *err; /* captured stderr (NUL-terminated), or NULL */
	size_t errlen;
};

/* Runs argv[0] (looked up on PATH) with argv. capture: collect stdout and
 * stderr; otherwise they are inherited. stdin is /dev/null when capturing,
 * inherited otherwise. Returns 0 when the program ran (whatever its
 * status), -1 when it could not be started. */
int proc_run(const char *const argv[], bool capture, struct proc_result *res);

/* true when an executable named name is on PATH (or, with a '/', is an
 * executable file). */
bool proc_on_path(const char *name);
/* Same, capturing, with the len bytes at input as the child's stdin. */
int proc_run_input(const char *const argv[], const char *input, size_t len,
		   struct proc_result *res);
void proc_result_free(struct proc_result *res);

/* Runs argv[0] (searched in PATH) with stdin from /dev/null, capturing
 * stdout and stderr together into out (NUL-terminated, trailing newline
 * removed). Returns its exit status (0..255, 128+N after signal N), or
 * -errno if it could not be started (-ENOENT: not installed). */
int spawn_capture(const char *const argv[], char *out, size_t outlen);

#endif
