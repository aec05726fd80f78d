/* confine.c — see confine.h. */
#include "confine.h"

#include <dlfcn.h>
#include <errno.h>
#include <time.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- Landlock ---- */

/* Access rights newer than the build headers know. */
#define LL_FS_REFER	       (1ULL << 13) /* ABI 2 */
#define LL_FS_TRUNCATE	       (1ULL << 14) /* ABI 3 */
#define LL_FS_IOCTL_DEV	       (1ULL << 15) /* ABI 5 */
#define LL_NET_BIND_TCP	       (1ULL << 0)  /* ABI 4 */
#define LL_NET_CONNECT_TCP     (1ULL << 1)  /* ABI 4 */
#define LL_SCOPE_ABSTRACT_UNIX (1ULL << 0)  /* ABI 6 */
#define LL_SCOPE_SIGNAL	       (1ULL << 1)  /* ABI 6 */

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

static uint64_t ll_fs_rights(int abi)
{
	uint64_t r = (1ULL << 13) - 1; /* ABI 1: EXECUTE … MAKE_SYM */
	if (abi >= 2)
		r |= LL_FS_REFER;
	if (abi >= 3)
		r |= LL_FS_TRUNCATE;
	if (abi >= 5)
		r |= LL_FS_IOCTL_DEV;
	return r;
}

static int ll_allow(int ruleset, int fd, uint64_t access)
{
	struct landlock_path_beneath_attr pb = {
		.allowed_access = access,
		.parent_fd = fd,
	};
	return (int)syscall(SYS_landlock_add_rule, ruleset,
			    LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
}

static int apply_landlock(const struct confine_input *in, char *note,
			  size_t len)
{
	int abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0,
			       LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1) {
		snprintf(note, len, "landlock unavailable (%s)",
			 strerror(errno));
		return 0;
	}
	struct ll_ruleset_attr attr = { .handled_access_fs =
						ll_fs_rights(abi) };
	size_t size = sizeof(uint64_t);
	if (abi >= 4) {
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		size = 2 * sizeof(uint64_t);
	}
	if (abi >= 6) {
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
		size = sizeof(attr);
	}
	int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (rs < 0) {
		snprintf(note, len, "landlock ruleset: %s", strerror(errno));
		return 0;
	}
	const uint64_t read_dir = LANDLOCK_ACCESS_FS_READ_FILE |
				  LANDLOCK_ACCESS_FS_READ_DIR;
	const uint64_t read_file = LANDLOCK_ACCESS_FS_READ_FILE;
	int err = 0;
	for (size_t i = 0; i < in->ndirs && !err; i++)
		err = ll_allow(rs, in->dirs[i], read_dir) < 0 ? errno : 0;
	for (size_t i = 0; i < in->nfiles && !err; i++)
		err = ll_allow(rs, in->files[i], read_file) < 0 ? errno : 0;
	for (size_t i = 0; i < in->nrule_files && !err; i++) {
		int fd = open(in->rule_files[i], O_PATH | O_CLOEXEC);
		if (fd < 0)
			continue; /* a missing file fails the reload anyway */
		err = ll_allow(rs, fd, read_file) < 0 ? errno : 0;
		close(fd);
	}
	if (!err && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		err = errno;
	if (!err && syscall(SYS_landlock_restrict_self, rs, 0) < 0)
		err = errno;
	close(rs);
	if (err) {
		snprintf(note, len, "landlock: %s", strerror(err));
		return 0;
	}
	return abi;
}

/* ---- seccomp ---- */

#if defined(__x86_64__)
#define SECCOMP_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SECCOMP_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef SECCOMP_ARCH
/* What the daemon, glibc, libfuse's worker threads and syslog use once
 * the mount is up. Everything else kills the process. */
static const int allowed_syscalls[] = {
	SYS_read,
	SYS_readv,
	SYS_pread64,
	SYS_write,
	SYS_writev,
	SYS_vmsplice,
	SYS_tee,
	SYS_pwrite64,
	SYS_splice,
	SYS_lseek,
	SYS_close,
	SYS_openat,
	SYS_openat2,
	SYS_newfstatat,
	SYS_fstat,
	SYS_statx,
	SYS_fstatfs,
	SYS_getdents64,
	SYS_readlinkat,
	SYS_fcntl,
	SYS_dup,
	SYS_dup3,
	SYS_pipe2,
	SYS_ftruncate,
	SYS_fsync,
	SYS_fdatasync,
	SYS_inotify_add_watch,
	SYS_inotify_rm_watch,
	SYS_fchdir,
	SYS_chdir,
	SYS_ppoll,
	SYS_mmap,
	SYS_munmap,
	SYS_mprotect,
	SYS_madvise,
	SYS_mremap,
	SYS_brk,
	SYS_futex,
	SYS_clone,
	SYS_clone3,
	SYS_set_robust_list,
	SYS_rseq,
	SYS_exit,
	SYS_exit_group,
	SYS_rt_sigaction,
	SYS_rt_sigprocmask,
	SYS_rt_sigreturn,
	SYS_sigaltstack,
	SYS_restart_syscall,
	SYS_getpid,
	SYS_gettid,
	SYS_tgkill,
	SYS_getuid,
	SYS_geteuid,
	SYS_getgid,
	SYS_getegid,
	SYS_getrandom,
	SYS_clock_gettime,
	SYS_clock_nanosleep,
	SYS_nanosleep,
	SYS_sched_yield,
	SYS_sched_getaffinity,
	SYS_wait4,
	SYS_connect,
	SYS_sendto,
	SYS_sendmsg,
	SYS_getsockname,
	SYS_prctl,
	SYS_set_tid_address,
	SYS_membarrier,
#ifdef SYS_poll
	SYS_poll,
	SYS_readlink,
	SYS_open,
	SYS_stat,
	SYS_lstat,
	SYS_pipe,
	SYS_dup2,
#endif
};
#define NALLOWED (sizeof(allowed_syscalls) / sizeof(allowed_syscalls[0]))

static int apply_seccomp(char *note, size_t len)
{
	/* arch check, load nr, the special cases (ioctl, socket, unshare,
	 * sched_setscheduler), the list. */
	struct sock_filter prog[15 + NALLOWED + 16];
	size_t n = 0;
#define ADD(...) (prog[n++] = (struct sock_filter)__VA_ARGS__)
	ADD(BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		     offsetof(struct seccomp_data, arch)));
	ADD(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_ARCH, 1, 0));
	ADD(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
	ADD(BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		     offsetof(struct seccomp_data, nr)));
#ifdef __x86_64__
	/* x32 system calls share the numbers with a high bit set. */
	ADD(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1));
	ADD(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
#endif
	/* ioctl answers ENOTTY: glibc's stdio asks isatty() of a stderr on
	 * /dev/null before libfuse's perror(); the daemon needs no ioctl. */
	ADD(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 0, 1));
	ADD(BPF_STMT(BPF_RET | BPF_K,
		     SECCOMP_RET_ERRNO | (ENOTTY & SECCOMP_RET_DATA)));
	/* socket(AF_UNIX, …) only: syslog reconnects after a restart. */
	ADD(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 0, 4));
	ADD(BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		     offsetof(struct seccomp_data, args[0])));
	ADD(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, 1));
	ADD(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	ADD(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
	/* unshare(CLONE_FS) only: the watcher thread's own working
	 * directory (node_watch_thread). */
	ADD(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_unshare, 0, 4));
	ADD(BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		     offsetof(struct seccomp_data, args[0])));
	ADD(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CLONE_FS, 0, 1));
	ADD(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	ADD(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
	/* sched_setscheduler(0, SCHED_IDLE, …) only: the adder thread lowers
	 * its own priority (daemon_watchadd.c). */
	ADD(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sched_setscheduler, 0, 6));
	ADD(BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		     offsetof(struct seccomp_data, args[0])));
	ADD(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3));
	ADD(BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		     offsetof(struct seccomp_data, args[1])));
	ADD(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SCHED_IDLE, 0, 1));
	ADD(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
	ADD(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
	/* The list: a hit jumps to the final ALLOW. */
	for (size_t i = 0; i < NALLOWED; i++) {
		unsigned to_allow = (unsigned)(NALLOWED - i);
		ADD(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			     (unsigned)allowed_syscalls[i], (uint8_t)to_allow,
			     0));
	}
	ADD(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
	ADD(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
#undef ADD
	struct sock_fprog fprog = { .len = (unsigned short)n, .filter = prog };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0) {
		snprintf(note, len, "seccomp: %s", strerror(errno));
		return 0;
	}
	return 1;
}
#else
static int apply_seccomp(char *note, size_t len)
{
	snprintf(note, len, "seccomp: no filter for this architecture");
	return 0;
}
#endif

bool confine_disabled(char *why, size_t len)
{
#if defined(__SANITIZE_ADDRESS__)
	/* ASan's runtime needs files and system calls a confined daemon
	 * refuses (reports, leak checks). */
	snprintf(why, len, "confinement off: sanitizer build");
	return true;
#else
	const char *off = getenv("CLAUDE_SEEDFS_NO_CONFINE");
	if (off && *off && strcmp(off, "0") != 0) {
		snprintf(why, len,
			 "confinement off: CLAUDE_SEEDFS_NO_CONFINE is set");
		return true;
	}
	return false;
#endif
}

/* What glibc would otherwise load lazily, from paths a confined daemon can
 * no longer open: the unwinder pthread_cancel needs (libfuse cancels its
 * workers at exit) and the time zone syslog stamps messages with. */
static void preload(void)
{
	void *h = dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_NODELETE);
	(void)h; /* kept loaded for the life of the process */
	tzset();
}

void confine_apply(const struct confine_input *in, struct confinement *out)
{
	char note[sizeof(out->note)] = "";
	memset(out, 0, sizeof(*out));
	preload();
	out->landlock_abi = apply_landlock(in, out->note, sizeof(out->note));
	out->seccomp = apply_seccomp(note, sizeof(note)) == 1;
	if (note[0] && !out->note[0])
		snprintf(out->note, sizeof(out->note), "%s", note);
}

/* ---- the unmount helper ---- */

int unmount_helper_start(const char *mountpoint, const char *const *cleanup,
			 size_t ncleanup, pid_t *pid)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	/* Named before the fork, so that it is never seen under the
	 * daemon's name (the process name is inherited). */
	char self[16] = "";
	prctl(PR_GET_NAME, self);
	prctl(PR_SET_NAME, "seedfs-unmount");
	pid_t p = fork();
	if (p != 0)
		prctl(PR_SET_NAME, self);
	if (p < 0) {
		int err = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return err;
	}
	if (p == 0) {
		char c;
		/* Keep nothing of the daemon's but the pipe: holding /dev/fuse
		 * would keep a killed daemon's mount hanging, not ENOTCONN. */
		if (pfd[0] > 3)
			close_range(3, (unsigned)pfd[0] - 1, 0);
		close_range((unsigned)pfd[0] + 1, ~0u, 0);
		signal(SIGTERM, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		ssize_t r;
		do
			r = read(pfd[0], &c, 1);
		while (r < 0 && errno == EINTR);
		if (r != 1)
			_exit(0); /* the daemon died: leave the stale view */
		for (size_t i = 0; i < ncleanup; i++)
			unlink(cleanup[i]);
		if (c != 'u')
			_exit(0);
		if (geteuid() == 0)
			_exit(umount2(mountpoint,
				      MNT_DETACH | UMOUNT_NOFOLLOW) < 0);
		execlp("fusermount3", "fusermount3", "-u", "-z", "--",
		       mountpoint, (char *)NULL);
		_exit(127);
	}
	close(pfd[0]);
	*pid = p;
	return pfd[1];
}

static void finish(int fd, pid_t pid, char c)
{
	if (fd < 0)
		return;
	if (write(fd, &c, 1) < 0) {
		/* the helper is gone: nothing more it could do */
	}
	close(fd);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

void unmount_helper_run(int fd, pid_t pid)
{
	finish(fd, pid, 'u');
}

void unmount_helper_dismiss(int fd, pid_t pid)
{
	finish(fd, pid, 'x');
}

#ifdef SEEDFS_CONFINE_SELFTEST
/* Test builds only (meson -Dconfine_selftest=true builds a separate
 * claude-seedfs-selftest binary; release builds never contain this): on
 * request, behave like a daemon with a bug and try to escape. */
void confine_selftest(void)
{
	const char *what = getenv("CLAUDE_SEEDFS_SELFTEST");
	const char *target = getenv("CLAUDE_SEEDFS_SELFTEST_PATH");
	if (!what)
		return;
	if (strcmp(what, "open") == 0 && target) {
		int fd = open(target, O_RDONLY | O_CLOEXEC);
		fprintf(stderr, "selftest: open %s: %s\n", target,
			fd >= 0 ? "ok" : strerror(errno));
		if (fd >= 0)
			close(fd);
	} else if (strcmp(what, "unshare") == 0) {
		/* The one flag allowed, then one that makes a namespace. */
		fprintf(stderr, "selftest: unshare CLONE_FS: %s\n",
			unshare(CLONE_FS) == 0 ? "ok" : strerror(errno));
		fprintf(stderr, "selftest: unshare CLONE_NEWUSER\n");
		int rc = unshare(CLONE_NEWUSER);
		fprintf(stderr, "selftest: unshare CLONE_NEWUSER: %s\n",
			rc == 0 ? "ok" : strerror(errno));
	} else if (strcmp(what, "exec") == 0) {
		fprintf(stderr, "selftest: exec /bin/true\n");
		execl("/bin/true", "true", (char *)NULL);
		fprintf(stderr, "selftest: exec: %s\n", strerror(errno));
	}
}
#endif
