/* alive.c — whether a pid is a live claude-seedfs daemon (state.h).
 *
 * Owns: reading /proc/PID/comm and /proc/PID/stat for that answer, and
 * nothing else: status and umount both ask it of the pid a state file
 * names. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "state.h"

static bool pid_is_daemon(pid_t pid)
{
	char path[64], comm[32] = "";
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool ok = fgets(comm, sizeof(comm), f) &&
		  strncmp(comm, "claude-seedfs", 13) == 0;
	fclose(f);
	/* A zombie has exited already. */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (f) {
		char state = 0;
		if (fscanf(f, "%*d %*s %c", &state) == 1 && state == 'Z')
			ok = false;
		fclose(f);
	}
	return ok;
}

bool seedfs_daemon_alive(pid_t pid)
{
	return pid > 0 && pid_is_daemon(pid);
}
