/* confine.h — the walls behind the rules: once the mount is up the daemon
 * gives up every filesystem access but reading beneath its anchors and rule
 * files (Landlock), and every system call it does not need (seccomp: no
 * exec, no ptrace, no mount, no sockets but AF_UNIX for syslog). A bug in
 * path handling then still cannot read or run anything else.
 *
 * Owns: building and applying both filters, and the unmount helper — a
 * process forked before confinement that unmounts on the daemon's request,
 * since a confined daemon may neither umount nor exec fusermount3.
 */
#ifndef SEEDFS_CONFINE_H
#define SEEDFS_CONFINE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct confinement {
	int landlock_abi; /* 0: not applied */
	bool seccomp;	  /* filter installed */
	char note[256];	  /* why something is off, for the log and status */
};

struct confine_input {
	const int *dirs; /* O_PATH directories readable beneath */
	size_t ndirs;
	const int *files; /* O_PATH regular files readable (top-level
				    file targets) */
	size_t nfiles;
	const char *const *rule_files; /* readable for reload */
	size_t nrule_files;
};

/* Applies Landlock then seccomp to the calling thread (and the threads it
 * creates afterwards). Call before any other thread exists. Never fails
 * the mount: what could not be applied is said in out->note. */
void confine_apply(const struct confine_input *in, struct confinement *out);

/* True when CLAUDE_SEEDFS_NO_CONFINE is set (debugging under valgrind or
 * gdb, which seccomp would kill) or the build has sanitizers. */
bool confine_disabled(char *why, size_t len);

/* The unmount helper: forked now, it waits for one byte on a pipe. 'u':
 * unmount mountpoint (umount2 as root, fusermount3 -u otherwise) and
 * remove the files in cleanup; 'x': only remove them. EOF without a byte
 * (the daemon was killed) leaves everything, so a killed daemon still
 * shows as a stale mount. Returns the write end, or -errno. */
int unmount_helper_start(const char *mountpoint, const char *const *cleanup,
			 size_t ncleanup, pid_t *pid);
/* Asks the helper to unmount (and clean up) and waits for it. */
void unmount_helper_run(int fd, pid_t pid);
/* Asks the helper only to clean up (the view is already unmounted). */
void unmount_helper_dismiss(int fd, pid_t pid);

#ifdef SEEDFS_CONFINE_SELFTEST
/* Test builds only: tries to open $CLAUDE_SEEDFS_SELFTEST_PATH or exec a
 * program, as $CLAUDE_SEEDFS_SELFTEST says, and reports on stderr. */
void confine_selftest(void);
#endif

#endif
