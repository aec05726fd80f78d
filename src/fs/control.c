/* control.c — talking to a running daemon: reload (SIGHUP, then watch the
 * state file for the outcome) and reading its counters and usage. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "mountpoint.h"
#include "seedfs/seedfs.h"
#include "state.h"

#define RELOAD_WAIT_MS 10000

int seedfs_reload(const char *mountpoint, struct seedfs_error *err)
{
	struct seedfs_view *v = NULL;

	memset(err, 0, sizeof(*err));
	if (seedfs_view_get(mountpoint, &v) < 0)
		return seedfs_fail(err, SEEDFS_EXIT_FAIL,
				   "%s: not a claude-seedfs view", mountpoint);
	if (!v->running) {
		seedfs_fail(err, SEEDFS_EXIT_FAIL,
			    "%s: the daemon is not running (stale mount: run "
			    "claude-seedfs umount)",
			    v->mountpoint);
		seedfs_view_free(v);
		return -1;
	}
	unsigned long before = v->reload_attempts;
	char path[PATH_MAX];
	state_path(v->mountpoint, ".state", path, sizeof(path));
	if (kill(v->pid, SIGHUP) < 0) {
		seedfs_fail(err, SEEDFS_EXIT_FAIL, "signal daemon %d: %s",
			    (int)v->pid, strerror(errno));
		seedfs_view_free(v);
		return -1;
	}
	seedfs_view_free(v);
	for (int ms = 0; ms < RELOAD_WAIT_MS; ms += 10) {
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
		struct seedfs_view *now = NULL;
		if (state_read(path, &now) < 0)
			continue;
		if (now->reload_attempts == before) {
			seedfs_view_free(now);
			continue;
		}
		int rc = 0;
		if (now->reload_error)
			rc = seedfs_fail(
				err, SEEDFS_EXIT_USAGE,
				"%s\n(the previous rules stay in force)",
				now->reload_error);
		seedfs_view_free(now);
		return rc;
	}
	return seedfs_fail(err, SEEDFS_EXIT_FAIL,
			   "the daemon did not answer the reload "
			   "within %d s",
			   RELOAD_WAIT_MS / 1000);
}

static long proc_status_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	long val = -1;
	size_t kl = strlen(key);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			val = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return val;
}

static long count_fds(pid_t pid)
{
	char path[64];
	long n = 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int seedfs_view_stats(const struct seedfs_view *v, struct seedfs_counter *out,
		      size_t max, struct seedfs_usage *usage)
{
	struct stats_page *s = stats_map(v->mountpoint, false);
	if (usage) {
		usage->rss_kb = proc_status_kb(v->pid, "VmRSS");
		usage->peak_rss_kb = proc_status_kb(v->pid, "VmHWM");
		usage->fds = count_fds(v->pid);
	}
	if (!s)
		return -ENOENT;
	size_t n = 0;
	for (size_t i = 0; i < ST__COUNT && i < s->nops && n < max; i++)
		out[n++] = (struct seedfs_counter){
			stats_names[i],
			atomic_load_explicit(&s->count[i], memory_order_relaxed)
		};
	stats_unmap(s);
	return (int)n;
}
