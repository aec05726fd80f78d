/* cmd_kit.c — `claude-sbx kit export DIR`: a Docker Kit from the same
 * allowlists and the same seed view as `start`. The kit is assembled in a
 * directory beside DIR and renamed into place, so a failure leaves DIR as
 * it was; --force swaps the new kit with a non-empty DIR and then removes
 * the old contents without following a link or entering a mount. */
#include "launcher.h"
#include "claude-sbx/allowlist.h"
#include "claude-sbx/fstree.h"
#include "claude-sbx/kit.h"
#include "claude-sbx/settings.h"
#include "seedfs/seedfs.h"
#include "util/mountinfo.h"
#include "util/path.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NSTEPS 5

/* Top-level names of the view that are not copied: sbx writes these in
 * /home/agent on every create, after a kit's files. */
static const char *const not_copied[] = { "settings.json", ".claude.json",
					  NULL };

enum target_state { T_ABSENT, T_EMPTY, T_FULL };

struct kit_job {
	char *parent; /* DIR's parent, canonical */
	char *base;   /* DIR's last component */
	char *target; /* parent/base */
	enum target_state state;
	dev_t dev; /* DIR's identity when it exists */
	ino_t ino;
	char *mp; /* the temporary view */
	bool mounted;
	int parentfd;
	char *tmpname; /* the kit being assembled, a name in parent */
};

static void step(FILE *out, int n, const char *what)
{
	fprintf(out, "[%d/%d] %s\n", n, NSTEPS, what);
	fflush(out);
}

static void append(struct sbx_err *err, const char *text)
{
	size_t len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len, "\n  %s", text);
}

/* a equals b or lies below it. */
static bool inside(const char *a, const char *b)
{
	size_t n = strlen(b);
	if (n == 1 && b[0] == '/')
		return true;
	return strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '/');
}

/* Some path that matters lies inside target: refuse to replace it. */
static const char *protected_inside(const struct sbx_config *c,
				    const char *target)
{
	const char *const which[] = { "your home directory", "the workspace",
				      "seed.source", "the current directory" };
	char cwd[PATH_MAX];
	const char *paths[4] = { sbx_home(), c->workspace, c->seed_source,
				 getcwd(cwd, sizeof(cwd)) };
	for (int i = 0; i < 4; i++) {
		if (!paths[i])
			continue;
		char *real = realpath(paths[i], NULL);
		bool hit = inside(real ? real : paths[i], target);
		free(real);
		if (hit)
			return which[i];
	}
	return NULL;
}

struct mount_inside_arg {
	const char *target;
	char *found;
};

static bool mount_inside_one(const char *mp, const char *fstype,
			     const char *super, void *arg)
{
	struct mount_inside_arg *a = arg;
	if (inside(mp, a->target))
		a->found = strdup(mp);
	return !a->found;
}

/* The first mount point at or below target (malloc'd), or NULL. */
static char *mount_inside(const char *target)
{
	struct mount_inside_arg a = { target, NULL };
	mountinfo_scan(mount_inside_one, &a);
	return a.found;
}

static bool dir_empty(const char *path, int *e)
{
	DIR *d = opendir(path);
	struct dirent *de;
	bool empty = true;
	*e = 0;
	if (!d) {
		*e = errno;
		return false;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			empty = false;
			break;
		}
	closedir(d);
	return empty;
}

/* Step 0: where DIR is and whether it may be written. */
static int check_target(struct kit_job *j, const struct sbx_config *c,
			const char *dir, bool force, struct sbx_err *err)
{
	char *parent;
	if (path_split(dir, &parent, &j->base) < 0)
		return sbx_err_set(err, 1, "out of memory");
	if (!*j->base || !strcmp(j->base, ".") || !strcmp(j->base, "..")) {
		free(parent);
		return sbx_err_set(
			err, 2,
			"%s: DIR must end in a directory name (not /, . or ..)",
			dir);
	}
	j->parent = realpath(parent, NULL);
	if (!j->parent) {
		int e = errno;
		free(parent);
		return sbx_err_set(err, 1,
				   "%s: the directory it would go in: %s", dir,
				   strerror(e));
	}
	free(parent);
	if (!j->base ||
	    asprintf(&j->target, "%s%s%s", j->parent,
		     strcmp(j->parent, "/") ? "/" : "", j->base) < 0) {
		j->target = NULL;
		return sbx_err_set(err, 1, "out of memory");
	}
	char *src = realpath(c->seed_source, NULL);
	bool in_src = src && inside(j->target, src);
	free(src);
	if (in_src)
		return sbx_err_set(
			err, 2,
			"%s: inside seed.source %s; write the kit somewhere else",
			j->target, c->seed_source);

	struct stat st;
	if (lstat(j->target, &st) < 0) {
		if (errno != ENOENT)
			return sbx_err_set(err, 1, "%s: %s", j->target,
					   strerror(errno));
		j->state = T_ABSENT;
		return 0;
	}
	if (S_ISLNK(st.st_mode))
		return sbx_err_set(
			err, 2,
			"%s is a symbolic link; name the directory itself",
			j->target);
	if (!S_ISDIR(st.st_mode))
		return sbx_err_set(err, 2, "%s exists and is not a directory",
				   j->target);
	j->dev = st.st_dev;
	j->ino = st.st_ino;
	int e;
	if (dir_empty(j->target, &e)) {
		j->state = T_EMPTY;
		return 0;
	}
	if (e)
		return sbx_err_set(err, 1, "%s: %s", j->target, strerror(e));
	j->state = T_FULL;
	if (!force)
		return sbx_err_set(
			err, 2,
			"%s is not empty; --force replaces it (everything in it is deleted)",
			j->target);
	const char *what = protected_inside(c, j->target);
	if (what)
		return sbx_err_set(
			err, 2,
			"%s holds %s: not replacing it, even with --force",
			j->target, what);
	char *m = mount_inside(j->target);
	if (m) {
		sbx_err_set(
			err, 2,
			"%s has a filesystem mounted at %s: not replacing it, even with --force",
			j->target, m);
		free(m);
		return -1;
	}
	return 0;
}

/* A private, temporary mount of the seed view with the configured rules. */
static int mount_view(struct kit_job *j, const struct sbx_config *c,
		      struct sbx_err *err)
{
	struct seedfs_error serr = { 0 };
	const char *rt = getenv("XDG_RUNTIME_DIR");
	struct stat st;

	errno = 0;
	if (stat(c->seed_source, &st) < 0 || !S_ISDIR(st.st_mode))
		return sbx_err_set(err, 1, "seed.source %s: %s", c->seed_source,
				   errno ? strerror(errno) : "not a directory");
	if (!rt || rt[0] != '/' || stat(rt, &st) < 0 || !S_ISDIR(st.st_mode))
		rt = "/tmp";
	if (asprintf(&j->mp, "%s/claude-sbx-kit.XXXXXX", rt) < 0) {
		j->mp = NULL;
		return sbx_err_set(err, 1, "out of memory");
	}
	if (!mkdtemp(j->mp)) {
		sbx_err_set(err, 1, "creating a mountpoint under %s: %s", rt,
			    strerror(errno));
		free(j->mp);
		j->mp = NULL;
		return -1;
	}
	struct seedfs_config cfg;
	sbx_seedfs_config(c, j->mp, &cfg);
	if (seedfs_mount(&cfg, &serr) < 0)
		return sbx_err_set(err, serr.status == 2 ? 2 : 1, "%s",
				   serr.msg);
	j->mounted = true;
	return 0;
}

static void unmount_view(struct kit_job *j, struct sbx_err *err)
{
	struct seedfs_error serr = { 0 };
	if (j->mounted) {
		if (seedfs_umount(j->mp, &serr) < 0) {
			if (err) {
				append(err,
				       "the temporary view could not be unmounted:");
				append(err, serr.msg);
			}
			return;
		}
		j->mounted = false;
	}
	if (j->mp)
		rmdir(j->mp);
}

static int write_text(int dirfd, const char *name, const char *text,
		      struct sbx_err *err)
{
	int fd = openat(dirfd, name,
			O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			0644);
	if (fd < 0)
		return sbx_err_set(err, 1, "%s: %s", name, strerror(errno));
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int e = errno;
			close(fd);
			return sbx_err_set(err, 1, "%s: %s", name, strerror(e));
		}
		off += (size_t)w;
	}
	if (close(fd) < 0)
		return sbx_err_set(err, 1, "%s: %s", name, strerror(errno));
	return 0;
}

static int mkdir_in(int dirfd, const char *name, int *fd, struct sbx_err *err)
{
	if (mkdirat(dirfd, name, 0755) < 0 ||
	    (*fd = openat(dirfd, name,
			  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return sbx_err_set(err, 1, "%s: %s", name, strerror(errno));
	return 0;
}

/* Step 3: files/home/.claude/ from the view. */
static int copy_seed(struct kit_job *j, int tmpfd, struct sbx_copy_stats *st,
		     struct strv *tops, bool *settings_served,
		     struct sbx_err *err)
{
	int files = -1, home = -1, claude = -1, view = -1;
	char where[PATH_MAX] = "";
	int rc = -1;

	if (mkdir_in(tmpfd, "files", &files, err) < 0 ||
	    mkdir_in(files, "home", &home, err) < 0 ||
	    mkdir_in(home, ".claude", &claude, err) < 0)
		goto out;
	view = open(j->mp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (view < 0) {
		sbx_err_set(err, 1, "opening the view %s: %s", j->mp,
			    strerror(errno));
		goto out;
	}
	struct stat sst;
	*settings_served =
		fstatat(view, "settings.json", &sst, AT_SYMLINK_NOFOLLOW) == 0;
	int r = sbx_copy_tree(view, claude, not_copied, sbx_interrupted, st,
			      where, sizeof(where));
	if (r == -EINTR) {
		sbx_err_set(err, 1, "interrupted");
		goto out;
	}
	if (r < 0) {
		sbx_err_set(err, 1, "%s: %s", where, strerror(-r));
		goto out;
	}
	/* the top-level names that made it, for the texts */
	DIR *d = fdopendir(dup(claude));
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				strv_push(tops, de->d_name);
		closedir(d);
		sbx_strv_sort(tops);
	}
	rc = 0;
out:
	if (files >= 0)
		close(files);
	if (home >= 0)
		close(home);
	if (claude >= 0)
		close(claude);
	if (view >= 0)
		close(view);
	return rc;
}

/* Step 5: the assembled kit becomes DIR. */
static int install(struct kit_job *j, bool *old_left, char *old_name,
		   size_t old_sz, struct sbx_err *err)
{
	*old_left = false;
	if (j->state != T_FULL) {
		if (renameat(j->parentfd, j->tmpname, j->parentfd, j->base) ==
		    0)
			return 0;
		int e = errno;
		if (e == ENOTEMPTY || e == EEXIST || e == ENOTDIR)
			return sbx_err_set(
				err, 1,
				"%s changed meanwhile (it is no longer %s)",
				j->target,
				j->state == T_EMPTY ? "an empty directory"
						    : "absent");
		return sbx_err_set(err, 1, "renaming the kit to %s: %s",
				   j->target, strerror(e));
	}
	struct stat st;
	if (fstatat(j->parentfd, j->base, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISDIR(st.st_mode) || st.st_dev != j->dev || st.st_ino != j->ino)
		return sbx_err_set(
			err, 1,
			"%s changed meanwhile (not the directory that was checked)",
			j->target);
	/* swap: DIR gets the new kit, the temporary name the old contents */
	if (renameat2(j->parentfd, j->tmpname, j->parentfd, j->base,
		      RENAME_EXCHANGE) == 0) {
		snprintf(old_name, old_sz, "%s", j->tmpname);
		*old_left = true;
		return 0;
	}
	if (errno != EINVAL && errno != ENOSYS)
		return sbx_err_set(err, 1, "replacing %s: %s", j->target,
				   strerror(errno));
	/* no exchange on this filesystem: move the old one aside, then in */
	char tmpl[PATH_MAX];
	if (snprintf(tmpl, sizeof(tmpl), "%s/.%s.old-XXXXXX", j->parent,
		     j->base) >= (int)sizeof(tmpl))
		return sbx_err_set(err, 1, "%s: path too long", j->target);
	if (!mkdtemp(tmpl))
		return sbx_err_set(err, 1, "replacing %s: %s", j->target,
				   strerror(errno));
	const char *aside = strrchr(tmpl, '/') + 1;
	if (renameat(j->parentfd, j->base, j->parentfd, aside) < 0) {
		int e = errno;
		unlinkat(j->parentfd, aside, AT_REMOVEDIR);
		return sbx_err_set(err, 1, "replacing %s: %s", j->target,
				   strerror(e));
	}
	if (renameat(j->parentfd, j->tmpname, j->parentfd, j->base) < 0) {
		int e = errno;
		renameat(j->parentfd, aside, j->parentfd,
			 j->base); /* put it back */
		return sbx_err_set(err, 1, "replacing %s: %s", j->target,
				   strerror(e));
	}
	snprintf(old_name, old_sz, "%s", aside);
	*old_left = true;
	return 0;
}

static void job_free(struct kit_job *j)
{
	if (j->parentfd >= 0)
		close(j->parentfd);
	free(j->parent);
	free(j->base);
	free(j->target);
	free(j->mp);
	free(j->tmpname);
}

int sbx_cmd_kit_export(struct sbx_ctx *x, struct sbx_err *err)
{
	const struct sbx_config *c = &x->cfg;
	int schema = x->cli.schema ? x->cli.schema : 2;
	struct kit_job j = { .parentfd = -1 };
	struct strv wanted = { 0 }, tops = { 0 };
	struct sbx_copy_stats st = { 0 };
	bool settings_served = false, old_left = false;
	char *spec = NULL, *readme = NULL;
	char old_name[NAME_MAX + 1] = "";
	int tmpfd = -1, rc = -1;

	if (sbx_net_wanted(c, &wanted, err) < 0)
		return -1;
	if (check_target(&j, c, x->cli.kit_dir, x->cli.force, err) < 0)
		goto out;
	if (!proc_on_path("fusermount3")) {
		sbx_err_set(
			err, 1,
			"fusermount3 is not on PATH: install fuse3 (Debian: apt-get install fuse3)");
		goto out;
	}

	fprintf(x->out, "[1/%d] egress allowlist: %zu host patterns (", NSTEPS,
		wanted.n);
	for (size_t i = 0; i < c->allowlists.n; i++)
		fprintf(x->out, "%s%s", i ? ", " : "", c->allowlists.v[i]);
	fprintf(x->out, "%s%s)\n", c->allow.n ? " + network.allow" : "",
		c->allowlists.n || c->allow.n ? "" : "none");

	step(x->out, 2, "seed view (temporary)");
	if (mount_view(&j, c, err) < 0) {
		sbx_err_prefix(err, "step 2/%d (seed view)", NSTEPS);
		goto undo;
	}
	fprintf(x->out, "  mounted %s (source %s)\n", j.mp, c->seed_source);

	step(x->out, 3, "copy the seed into files/home/.claude");
	char tmpl[PATH_MAX];
	errno = ENAMETOOLONG;
	j.parentfd = open(j.parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (j.parentfd < 0 ||
	    snprintf(tmpl, sizeof(tmpl), "%s/.%s.kit-XXXXXX", j.parent,
		     j.base) >= (int)sizeof(tmpl) ||
	    !mkdtemp(tmpl)) {
		sbx_err_set(err, 1, "creating a directory in %s: %s", j.parent,
			    strerror(errno));
		sbx_err_prefix(err, "step 3/%d (copy)", NSTEPS);
		goto undo;
	}
	if (!(j.tmpname = strdup(strrchr(tmpl, '/') + 1)) ||
	    (tmpfd = openat(j.parentfd, j.tmpname,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) <
		    0) {
		sbx_err_set(err, 1, "%s: %s", tmpl,
			    j.tmpname ? strerror(errno) : "out of memory");
		sbx_err_prefix(err, "step 3/%d (copy)", NSTEPS);
		goto undo;
	}
	if (copy_seed(&j, tmpfd, &st, &tops, &settings_served, err) < 0) {
		sbx_err_prefix(err, "step 3/%d (copy from the view)", NSTEPS);
		goto undo;
	}
	fprintf(x->out, "  %zu files, %zu directories", st.files, st.dirs);
	if (st.skipped)
		fprintf(x->out, " (%zu entries skipped: not regular files)",
			st.skipped);
	fputc('\n', x->out);
	if (settings_served)
		fprintf(x->out,
			"  settings.json not copied: sbx rewrites it on create "
			"(`claude-sbx start` merges its keys)\n");
	unmount_view(&j, NULL);
	if (j.mounted) {
		sbx_err_set(
			err, 1,
			"step 3/%d (copy): the temporary view %s could not be unmounted",
			NSTEPS, j.mp);
		goto undo;
	}

	if (sbx_interrupted()) {
		sbx_err_set(err, 1, "interrupted before step 4/%d", NSTEPS);
		goto undo;
	}
	step(x->out, 4,
	     schema == 1 ? "spec.yaml (schema 1) and README.md"
			 : "spec.yaml (schema 2) and README.md");
	struct sbx_kit_info info = {
		.schema = schema,
		.sandbox_name = c->name,
		.allow = &wanted,
		.allowlists = &c->allowlists,
		.lock_hooks = sbx_settings_mode_of(&c->seed_with) !=
			      SBX_SETTINGS_RAW,
		.kit_path = j.target,
		.workspace = c->workspace,
		.tops = &tops,
		.nfiles = st.files,
		.settings_left_out = settings_served,
	};
	if (!(spec = sbx_kit_spec_text(&info)) ||
	    !(readme = sbx_kit_readme_text(&info))) {
		sbx_err_set(
			err, 1,
			"step 4/%d (spec.yaml and README.md): out of memory",
			NSTEPS);
		goto undo;
	}
	if (write_text(tmpfd, "spec.yaml", spec, err) < 0 ||
	    write_text(tmpfd, "README.md", readme, err) < 0) {
		sbx_err_prefix(err, "step 4/%d (spec.yaml and README.md)",
			       NSTEPS);
		goto undo;
	}
	mode_t um = umask(0);
	umask(um);
	if (fchmod(tmpfd, 0777 & ~um) < 0 || fsync(tmpfd) < 0) {
		sbx_err_set(err, 1, "step 4/%d: %s: %s", NSTEPS, tmpl,
			    strerror(errno));
		goto undo;
	}

	if (sbx_interrupted()) {
		sbx_err_set(err, 1, "interrupted before step 5/%d", NSTEPS);
		goto undo;
	}
	step(x->out, 5,
	     j.state == T_FULL ? "into place (replacing the old contents)"
			       : "into place");
	if (install(&j, &old_left, old_name, sizeof(old_name), err) < 0) {
		sbx_err_prefix(err, "step 5/%d (into place)", NSTEPS);
		goto undo;
	}
	free(j.tmpname);
	j.tmpname = NULL;
	if (old_left) {
		char where[PATH_MAX] = "";
		int r = sbx_remove_tree(j.parentfd, old_name, where,
					sizeof(where));
		if (r < 0)
			fprintf(stderr,
				"claude-sbx: warning: the old contents of %s, moved to %s/%s, "
				"could not all be removed (%s: %s); remove them by hand\n",
				j.target, j.parent, old_name, where,
				strerror(-r));
	}
	fprintf(x->out,
		"  wrote %s: spec.yaml (schema %d), README.md, files/home/.claude/\n",
		j.target, schema);
	fprintf(x->out, "  use:   sbx run --kit %s claude %s\n", j.target,
		c->workspace);
	rc = 0;
	goto out;
undo:
	if (j.tmpname && j.parentfd >= 0) {
		char where[PATH_MAX] = "";
		if (tmpfd >= 0) {
			close(tmpfd);
			tmpfd = -1;
		}
		if (sbx_remove_tree(j.parentfd, j.tmpname, where,
				    sizeof(where)) < 0) {
			append(err, "the unfinished kit could not be removed:");
			append(err, j.tmpname);
		}
	}
	unmount_view(&j, err);
	if (!j.mounted)
		append(err, j.state == T_ABSENT
				    ? "nothing was written"
				    : "nothing was written; DIR is as it was");
out:
	if (tmpfd >= 0)
		close(tmpfd);
	if (j.mounted)
		unmount_view(&j, err);
	job_free(&j);
	strv_free(&wanted);
	strv_free(&tops);
	free(spec);
	free(readme);
	return rc;
}
