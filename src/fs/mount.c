/* mount.c — seedfs_mount and seedfs_umount (seedfs.h): check everything
 * that can be checked before mounting, then serve in the foreground or in a
 * detached daemon that reports readiness through a pipe. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "error.h"
#include "mountpoint.h"
#include "runcmd.h"
#include "state.h"

static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	if (h && h[0] == '/')
		return h;
	struct passwd *pw = getpwuid(geteuid());
	return pw ? pw->pw_dir : NULL;
}

static char **dup_list(const char *first, const char *const *v, size_t n)
{
	size_t off = first ? 1 : 0;
	char **out = calloc(n + off + 1, sizeof(*out));
	if (!out)
		return NULL;
	if (first && !(out[0] = strdup(first)))
		goto nomem;
	for (size_t i = 0; i < n; i++)
		if (!(out[i + off] = strdup(v[i])))
			goto nomem;
	return out;
nomem:
	for (size_t i = 0; i < n + off; i++)
		free(out[i]);
	free(out);
	return NULL;
}

/* -o options a user may pass; the security options are always forced. */
static int check_options(const struct seedfs_config *cfg, char **out,
			 struct seedfs_error *err)
{
	static const char *const allowed[] = { "allow_other", "allow_root",
					       "auto_unmount",
					       "default_permissions", NULL };
	size_t cap = 1;
	bool other = false;
	for (size_t i = 0; i < cfg->noptions; i++)
		cap += strlen(cfg->options[i]) + 1;
	char *buf = calloc(1, cap + sizeof(",default_permissions"));
	if (!buf)
		return seedfs_fail(err, SEEDFS_EXIT_FAIL, "out of memory");
	for (size_t i = 0; i < cfg->noptions; i++) {
		char *copy = strdup(cfg->options[i]), *save = NULL;
		if (!copy) {
			free(buf);
			return seedfs_fail(err, SEEDFS_EXIT_FAIL, "out of memory");
		}
		for (char *o = strtok_r(copy, ",", &save); o;
		     o = strtok_r(NULL, ",", &save)) {
			size_t k = 0;
			while (allowed[k] && strcmp(allowed[k], o))
				k++;
			if (!allowed[k]) {
				seedfs_fail(err, SEEDFS_EXIT_USAGE,
				     "-o %s: unsupported mount option (allowed: "
				     "allow_other, allow_root, auto_unmount, "
				     "default_permissions; ro,nosuid,nodev are "
				     "always set)",
				     o);
				free(copy);
				free(buf);
				return -1;
			}
			if (!strcmp(o, "allow_other") || !strcmp(o, "allow_root"))
				other = true;
			if (buf[0])
				strcat(buf, ",");
			strcat(buf, o);
		}
		free(copy);
	}
	if (other) /* others then go through the kernel's permission checks */
		strcat(buf, buf[0] ? ",default_permissions"
				   : "default_permissions");
	if (!buf[0]) {
		free(buf);
		buf = NULL;
	}
	*out = buf;
	return 0;
}

int prepare(const struct seedfs_config *cfg, bool with_mountpoint,
	    struct prepared **out, struct seedfs_error *err)
{
	struct prepared *p = calloc(1, sizeof(*p));
	const char *home = home_dir();
	char *src_default = NULL;
	struct rules_error rerr;
	char why[8192];

	if (!p)
		return seedfs_fail(err, SEEDFS_EXIT_FAIL, "out of memory");
	p->root_fd = -1;
	p->foreground = cfg->foreground;

	const char *source = cfg->source;
	if (!source)
		source = getenv("CLAUDE_CONFIG_DIR");
	if (!source || !*source) {
		if (!home || asprintf(&src_default, "%s/.claude", home) < 0) {
			seedfs_fail(err, SEEDFS_EXIT_FAIL,
			     "no SOURCE given and no home directory");
			goto bad;
		}
		source = src_default;
	}
	p->root_fd = open(source, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (p->root_fd < 0) {
		seedfs_fail(err, SEEDFS_EXIT_FAIL, "source %s: %s", source,
		     strerror(errno));
		goto bad;
	}
	p->source = realpath(source, NULL);
	if (!p->source) {
		seedfs_fail(err, SEEDFS_EXIT_FAIL, "source %s: %s", source,
		     strerror(errno));
		goto bad;
	}

	const char *def = cfg->default_rules;
	if (!def)
		def = getenv("CLAUDE_SEEDFS_DEFAULT_RULES");
	if (!def || !*def)
		def = SEEDFS_DEFAULT_RULES;
	p->files = dup_list(def, cfg->rules, cfg->nrules);
	/* The daemon runs in "/": reload must find the same files. */
	for (size_t i = 0; p->files && i <= cfg->nrules; i++) {
		char *abs = realpath(p->files[i], NULL);
		if (abs) {
			free(p->files[i]);
			p->files[i] = abs;
		}
	}
	p->with = dup_list(NULL, cfg->with, cfg->nwith);
	p->input.home = home ? strdup(home) : NULL;
	if (!p->files || !p->with || (home && !p->input.home)) {
		seedfs_fail(err, SEEDFS_EXIT_FAIL, "out of memory");
		goto bad;
	}
	p->input.files = (const char *const *)p->files;
	p->input.nfiles = cfg->nrules + 1;
	p->input.with = (const char *const *)p->with;
	p->input.nwith = cfg->nwith;
	if (rules_load(&p->input, &p->rules, &rerr) < 0) {
		rules_error_format(&rerr, err->msg, sizeof(err->msg));
		err->status = SEEDFS_EXIT_USAGE;
		goto bad;
	}
	if (with_mountpoint && rules_settings_mode(p->rules) == SETTINGS_RAW)
		log_msg(LOG_WARNING,
			"warning: settings.json is served raw: its hooks, "
			"statusLine, apiKeyHelper and env run or apply inside "
			"the sandbox");

	p->cli_follow = calloc(cfg->nfollow + 1, sizeof(char *));
	if (!p->cli_follow) {
		seedfs_fail(err, SEEDFS_EXIT_FAIL, "out of memory");
		goto bad;
	}
	for (size_t i = 0; i < cfg->nfollow; i++) {
		p->cli_follow[i] = realpath(cfg->follow[i], NULL);
		if (!p->cli_follow[i]) {
			seedfs_fail(err, SEEDFS_EXIT_FAIL, "--follow %s: %s",
			     cfg->follow[i], strerror(errno));
			goto bad;
		}
		p->ncli_follow++;
	}
	if (follow_open(p, p->rules, &p->follow_fds, &p->nfollow, why,
			sizeof(why)) < 0) {
		seedfs_fail(err, SEEDFS_EXIT_FAIL, "%s", why);
		goto bad;
	}
	if (check_options(cfg, &p->fuse_opts, err) < 0)
		goto bad;

	int anchors[MAX_ANCHORS] = { p->root_fd };
	size_t na = 1;
	for (size_t i = 0; i < p->nfollow && na < MAX_ANCHORS; i++)
		anchors[na++] = p->follow_fds[i];
	if (!with_mountpoint)
		goto done;
	if (!cfg->mountpoint) {
		seedfs_fail(err, SEEDFS_EXIT_USAGE, "no MOUNTPOINT given");
		goto bad;
	}
	if (mountpoint_check(cfg->mountpoint, anchors, na, &p->mountpoint,
			     err) < 0)
		goto bad;
done:
	free(src_default);
	*out = p;
	return 0;
bad:
	free(src_default);
	prepared_free(p);
	return -1;
}

/* The daemon is a fork without exec: close every descriptor the caller
 * had open (pipes of a launcher, say) except what the daemon needs. */
static void close_inherited(const struct prepared *p, int keep)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return;
	int self = dirfd(d);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		int fd = atoi(de->d_name);
		bool needed = fd <= STDERR_FILENO || fd == self || fd == keep ||
			      fd == p->root_fd;
		for (size_t i = 0; i < p->nfollow && !needed; i++)
			needed = fd == p->follow_fds[i];
		if (!needed)
			close(fd);
	}
	closedir(d);
}

static void detach_stdio(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

/* Reads the daemon's report: "OK\n", or an error text then EOF. */
static ssize_t read_report(int fd, char *buf, size_t len)
{
	size_t used = 0;
	while (used < len - 1) {
		ssize_t n = read(fd, buf + used, len - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
		if (used >= 3 && memcmp(buf, "OK\n", 3) == 0)
			break;
	}
	buf[used] = '\0';
	return (ssize_t)used;
}

int seedfs_mount(const struct seedfs_config *cfg, struct seedfs_error *err)
{
	struct prepared *p = NULL;
	int pfd[2];

	memset(err, 0, sizeof(*err));
	if (prepare(cfg, true, &p, err) < 0)
		return -1;
	if (cfg->foreground) {
		int rc = daemon_serve(p, -1, err);
		prepared_free(p);
		return rc;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		prepared_free(p);
		return seedfs_fail(err, SEEDFS_EXIT_FAIL, "pipe: %s", strerror(errno));
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		prepared_free(p);
		close(pfd[0]);
		close(pfd[1]);
		return seedfs_fail(err, SEEDFS_EXIT_FAIL, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		struct seedfs_error e;
		close(pfd[0]);
		setsid();
		prctl(PR_SET_NAME, "claude-seedfs");
		if (chdir("/") < 0) {
			/* "/" always exists */
		}
		signal(SIGPIPE, SIG_IGN);
		close_inherited(p, pfd[1]);
		detach_stdio();
		log_to_syslog(true);
		int rc = daemon_serve(p, pfd[1], &e);
		prepared_free(p);
		_exit(rc < 0 ? 1 : 0);
	}
	close(pfd[1]);
	char buf[sizeof(err->msg)];
	read_report(pfd[0], buf, sizeof(buf));
	close(pfd[0]);
	if (strncmp(buf, "OK\n", 3) != 0) {
		int status = 0;
		waitpid(pid, &status, 0);
		if (buf[0])
			seedfs_fail(err, SEEDFS_EXIT_FAIL, "%s", buf);
		else
			seedfs_fail(err, SEEDFS_EXIT_FAIL,
			     "the daemon exited before the mount was up "
			     "(status %d)",
			     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		prepared_free(p);
		return -1;
	}
	/* The mount exists; a stat through it returns once the daemon
	 * answers requests. */
	struct stat st;
	int rc = stat(p->mountpoint, &st);
	if (rc < 0) {
		seedfs_fail(err, SEEDFS_EXIT_FAIL, "mounted %s but it does not answer: %s",
		     p->mountpoint, strerror(errno));
		struct seedfs_error ignored;
		seedfs_umount(p->mountpoint, &ignored);
		prepared_free(p);
		return -1;
	}
	prepared_free(p);
	return 0;
}

int seedfs_umount(const char *mountpoint, struct seedfs_error *err)
{
	char *canon = NULL, fstype[256] = "", statepath[PATH_MAX];
	struct seedfs_view *v = NULL;

	memset(err, 0, sizeof(*err));
	int rc = mountpoint_canonical(mountpoint, &canon);
	if (rc < 0)
		return seedfs_fail(err, SEEDFS_EXIT_FAIL, "%s: %s", mountpoint,
			    strerror(-rc));
	if (mountinfo_lookup(canon, fstype, sizeof(fstype)) != 1 ||
	    strcmp(fstype, SEEDFS_FSTYPE) != 0) {
		seedfs_fail(err, SEEDFS_EXIT_FAIL, "%s: not a claude-seedfs mount",
		     canon);
		free(canon);
		return -1;
	}
	if (state_path(canon, ".state", statepath, sizeof(statepath)) == 0)
		state_read(statepath, &v);

	if (geteuid() == 0) {
		rc = umount2(canon, UMOUNT_NOFOLLOW);
		if (rc < 0)
			rc = -errno;
	} else {
		const char *argv[] = { "fusermount3", "-u", "--", canon, NULL };
		char out[1024];
		rc = spawn_capture(argv, out, sizeof(out));
		if (rc > 0) {
			seedfs_fail(err, SEEDFS_EXIT_FAIL, "fusermount3 -u %s: %s",
			     canon, out);
			goto done;
		}
	}
	if (rc == -EBUSY) {
		seedfs_fail(err, SEEDFS_EXIT_FAIL,
		     "%s: busy (a process has a file or directory open there)",
		     canon);
		goto done;
	}
	if (rc < 0) {
		seedfs_fail(err, SEEDFS_EXIT_FAIL, "umount %s: %s", canon,
		     strerror(-rc));
		goto done;
	}
	/* The daemon sees its session end and exits; wait briefly so that a
	 * fresh mount right after does not race with its cleanup. */
	if (v && v->pid > 0) {
		for (int i = 0; i < 200 && seedfs_daemon_alive(v->pid); i++)
			nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
	if (!v || !seedfs_daemon_alive(v->pid))
		state_remove(canon);
	rc = 0;
done:
	seedfs_view_free(v);
	free(canon);
	return rc < 0 ? -1 : 0;
}
