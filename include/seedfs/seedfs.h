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
	const char *source;	   /* NULL: $CLAUDE_CONFIG_DIR, else ~/.claude */
	const char *mountpoint;
	const char *default_rules; /* NULL: $CLAUDE_SEEDFS_DEFAULT_RULES, else
				      the installed default.yaml */
	const char *const *rules;  /* --rules layers, in order */
	size_t nrules;
	const char *const *with;   /* --with groups */
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
	unsigned long generation; /* bumped on every successful reload */
};

/* The view mounted at mountpoint: 0, or -ENOENT when it is not one. */
int seedfs_view_get(const char *mountpoint, struct seedfs_view **out);
/* Every active or stale view of this user. */
int seedfs_view_list(struct seedfs_view ***out, size_t *n);
void seedfs_view_free(struct seedfs_view *v);
void seedfs_view_list_free(struct seedfs_view **v, size_t n);

#endif
