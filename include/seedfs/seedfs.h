/* seedfs.h — the library entry points shared by the claude-seedfs CLI and the
 * claude-sbx launcher: mount a seed view, unmount it, ask about active views.
 *
 * Owns: nothing itself; it is the facade over the daemon (fs/), the runtime
 * state registry and the mountpoint checks.
 */
#ifndef SEEDFS_SEEDFS_H
#define SEEDFS_SEEDFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Exit statuses shared by every command. */
enum seedfs_exit {
	SEEDFS_EXIT_OK = 0,
	SEEDFS_EXIT_FAIL = 1,  /* operational failure; explain: hidden */
	SEEDFS_EXIT_USAGE = 2, /* bad arguments or bad input (rules, YAML) */
};

struct seedfs_error {
	int status;	/* an enum seedfs_exit value */
	char msg[4608]; /* one or more lines, no trailing newline */
};

struct seedfs_config {
	const char *source; /* NULL: $CLAUDE_CONFIG_DIR, else ~/.claude */
	const char *mountpoint;
	const char *default_rules; /* NULL: $CLAUDE_SEEDFS_DEFAULT_RULES, else
				      the installed default.yaml */
	const char *const *rules;  /* --rules layers, in order */
	size_t nrules;
	const char *const *with; /* --with groups */
	size_t nwith;
	const char *const *follow; /* --follow directories */
	size_t nfollow;
	const char *const *options; /* -o entries (allow_other, auto_unmount…) */
	size_t noptions;
	bool foreground; /* serve in this process until unmounted */
};

/* Mounts the view. In the background mode returns 0 only once the mount
 * answers, with the daemon detached; on failure returns -1, fills *err and
 * leaves nothing mounted. In the foreground mode returns when the view is
 * unmounted (0) or failed (-1). */
int seedfs_mount(const struct seedfs_config *cfg, struct seedfs_error *err);

/* Unmounts a claude-seedfs view, also a stale one whose daemon died.
 * Returns 0, or -1 with *err (status 1: not a view, busy, …). */
int seedfs_umount(const char *mountpoint, struct seedfs_error *err);

/* Why PATH (relative to SOURCE) is or is not in the view. Uses the same
 * code path as the filesystem. Returns 1 visible, 0 hidden (reason filled:
 * "FILE:LINE: PATTERN (kind)" for a rule, a sentence for a structural
 * cause), or -1 with *err (mountpoint is ignored). */
int seedfs_explain(const struct seedfs_config *cfg, const char *path,
		   char *reason, size_t len, struct seedfs_error *err);

/* Every visible regular file of a view with the XXH3-128 of the bytes it
 * serves (computed files: the served bytes), in byte order of path. target
 * is a mounted view (walked through the mount) or, when it is not one, a
 * SOURCE walked with cfg's rules exactly as the view would serve it (NULL:
 * cfg->source or the default SOURCE). fn gets each path (relative) and its
 * 16-byte canonical digest. Returns 0 or -1 with *err. */
int seedfs_manifest(const struct seedfs_config *cfg, const char *target,
		    void (*fn)(const char *path, const unsigned char digest[16],
			       void *arg),
		    void *arg, struct seedfs_error *err);

struct seedfs_layer {
	char *file;
	uint64_t xxh3;
};

struct seedfs_view {
	char *mountpoint;
	char *source;
	pid_t pid;
	bool running; /* daemon alive and the mount answers */
	struct seedfs_layer *layers;
	size_t nlayers;
	char **groups;
	size_t ngroups;
	char *reload_error; /* last failed reload ("FILE:LINE:COL: …") or NULL */
	unsigned long generation;      /* bumped on every successful reload */
	unsigned long reload_attempts; /* bumped on every reload, good or not */
	char *confinement; /* "landlock ABI 7, seccomp" or why it is off */
	bool complete;	   /* internal: the state file was read whole */
};

/* The view mounted at mountpoint: 0, or -ENOENT when it is not one. */
int seedfs_view_get(const char *mountpoint, struct seedfs_view **out);
/* Every active or stale view of this user. */
int seedfs_view_list(struct seedfs_view ***out, size_t *n);
void seedfs_view_free(struct seedfs_view *v);
void seedfs_view_list_free(struct seedfs_view **v, size_t n);

/* Asks the daemon of the view at mountpoint to re-read its rule files and
 * waits for the outcome. 0: reloaded; -1 with *err: status 2 when a rule
 * file is broken (the old rules stay in force), 1 otherwise. */
int seedfs_reload(const char *mountpoint, struct seedfs_error *err);

struct seedfs_counter {
	const char *name; /* FUSE opcode or event, lower case */
	uint64_t count;
};

struct seedfs_usage {
	long rss_kb, peak_rss_kb, fds;
};

/* Request counters of a view since it was mounted (up to max of them) and
 * the daemon's memory and open descriptors (-1 when unreadable). Returns
 * the number of counters, or -errno. */
int seedfs_view_stats(const struct seedfs_view *v, struct seedfs_counter *out,
		      size_t max, struct seedfs_usage *usage);

#endif
