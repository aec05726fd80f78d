/* state.h — the runtime registry of active views.
 *
 * Owns: one directory per user ($XDG_RUNTIME_DIR/claude-seedfs, or
 * /run/claude-seedfs for root, else /tmp/claude-seedfs-UID, 0700 and owned
 * by the user), holding for each view a state file its daemon rewrites in place
 * through a descriptor (with an end marker against torn reads) (mountpoint, source, pid, rule layers with fingerprints, groups,
 * reload outcome) and a stats page of request counters. Files are named by
 * an XXH3 of the canonical mountpoint. Values are escaped, so hostile paths
 * (newlines, tabs) round-trip. seedfs_view_free (seedfs.h) frees what
 * state_read returns.
 */
#ifndef SEEDFS_STATE_H
#define SEEDFS_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "seedfs/seedfs.h"
#include "stats.h"

/* The registry directory (created if missing). Returns 0 or -errno. */
int state_dir(char *buf, size_t len);

/* Path of the state or stats file of the view at canonical mountpoint. */
int state_path(const char *mountpoint, const char *suffix, char *buf,
	       size_t len);

/* Opens (creating) the state file of the view at canonical mountpoint for
 * rewriting in place: a confined daemon can no longer create or rename
 * files, only write through this descriptor. */
int state_open(const char *mountpoint);
/* Rewrites the state through fd: whole content, then truncate. Readers
 * detect a torn read by the missing end marker and retry. */
int state_write_fd(int fd, const struct seedfs_view *v);
/* Reads the state file at path. */
int state_read(const char *path, struct seedfs_view **out);
int state_remove(const char *mountpoint);

/* True when pid is a live claude-seedfs daemon (not a zombie, not a
 * recycled pid of another program). alive.c. */
bool seedfs_daemon_alive(pid_t pid);

/* Maps the stats page of a view, creating it when create is set. */
struct stats_page *stats_map(const char *mountpoint, bool create);
void stats_unmap(struct stats_page *s);

#endif
