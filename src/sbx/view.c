/* view.c — step 3: the seed view, mounted and inspected through libseedfs
 * (seedfs_mount / seedfs_umount / seedfs_view_get); nothing is copied. */
#include "launcher.h"
#include "claude-sbx/fuseconf.h"
#include "claude-sbx/inside.h"
#include "claude-sbx/readfile.h"
#include "seedfs/seedfs.h"
#include "util/mountinfo.h"
#include "util/readfile.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Never reachable through the view, whatever the rules say. */
static const char *const always_hidden[] = {
	".credentials.json",
	".claude.json",
	"settings.local.json",
	"projects",
	"plugins",
	"ide",
	"backups",
	"history.jsonl",
	".env",
	NULL,
};

static int mkdir_p(const char *path, mode_t mode, bool *created)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	*created = false;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) == 0) {
		*created = true;
		return 0;
	}
	return errno == EEXIST ? 0 : -errno;
}

static bool same_path(const char *a, const char *b)
{
	if (strcmp(a, b) == 0)
		return true;
	char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
	bool same = ra && rb && strcmp(ra, rb) == 0;
	free(ra);
	free(rb);
	return same;
}

bool sbx_view_is_mounted(const char *mp)
{
	struct seedfs_view *v = NULL;
	if (seedfs_view_get(mp, &v) != 0)
		return false;
	bool up = v->running;
	seedfs_view_free(v);
	return up;
}

/* Whether this view is mounted with allow_other (fuseconf.h). */
static int allow_other_wanted(bool *want, struct sbx_err *err)
{
	enum sbx_allow_other mode;
	const char *v = getenv(SBX_ALLOW_OTHER_ENV);
	if (sbx_allow_other_parse(v, &mode) < 0)
		return sbx_err_set(err, 2, "%s=%s: want auto, yes or no",
				   SBX_ALLOW_OTHER_ENV, v);
	*want = sbx_allow_other_wanted(mode, geteuid());
	return 0;
}

#define NO_ALLOW_OTHER_MSG                                                     \
	"the view at %s is mounted without allow_other, so the sandbox's "     \
	"file server (another user) cannot read it; run `claude-sbx stop` "    \
	"and start again"

/* 1 if the mount at mp has allow_other, 0 if not, -1 if unknown. */
static int mounted_with_allow_other(const char *mp)
{
	char *real = realpath(mp, NULL);
	char *text = NULL;
	size_t len = 0;
	int r = -1;
	if (real && uread_path("/proc/self/mountinfo", MOUNTINFO_MAX_BYTES,
			       &text, &len, NULL) == 0)
		r = sbx_mountinfo_allow_other(text, len, real);
	free(text);
	free(real);
	return r;
}

int sbx_view_precheck(const char *mp, bool *allow_other, struct sbx_err *err)
{
	char *text = NULL;
	size_t len = 0;
	unsigned line;

	if (allow_other_wanted(allow_other, err) < 0)
		return -1;
	if (*allow_other && sbx_view_is_mounted(mp) &&
	    mounted_with_allow_other(mp) == 0)
		return sbx_err_set(err, 1, NO_ALLOW_OTHER_MSG, mp);
	if (!*allow_other || geteuid() == 0)
		return 0; /* root needs no permission from fuse.conf */
	if (sbx_read_file(SBX_FUSE_CONF, 1 << 20, "fuse.conf", true, &text,
			  &len, err) < 0)
		return -1;
	bool exists = text != NULL;
	bool ok = exists && sbx_fuseconf_allows_other(text, len, &line);
	free(text);
	if (ok)
		return 0;
	return sbx_err_set(
		err, 1,
		"you run as uid %u, not root, so the seed view is mounted with "
		"allow_other for the sandbox's file server (another user); "
		"fusermount3 allows that to an ordinary user only when %s "
		"%s:\n  %s\nAdd that line to %s (as root), or set %s=no if the "
		"file server runs as you. Nothing was created.",
		(unsigned)geteuid(), SBX_FUSE_CONF,
		exists ? "has the line" : "exists with the line",
		SBX_FUSE_CONF_LINE, SBX_FUSE_CONF, SBX_ALLOW_OTHER_ENV);
}

void sbx_seedfs_config(const struct sbx_config *c, const char *mp,
		       struct seedfs_config *cfg)
{
	*cfg = (struct seedfs_config){
		.source = c->seed_source,
		.mountpoint = mp,
		.rules = (const char *const *)c->seed_rules.v,
		.nrules = c->seed_rules.n,
		.with = (const char *const *)c->seed_with.v,
		.nwith = c->seed_with.n,
		.follow = (const char *const *)c->seed_follow.v,
		.nfollow = c->seed_follow.n,
	};
}

int sbx_view_up(const struct sbx_config *c, const char *mp, bool *mounted_now,
		struct sbx_err *err)
{
	struct seedfs_view *v = NULL;
	struct seedfs_error serr = { 0 };
	bool created = false;
	struct stat st;

	*mounted_now = false;
	if (!proc_on_path("fusermount3"))
		return sbx_err_set(
			err, 1,
			"fusermount3 is not on PATH: install fuse3 (Debian: apt-get install fuse3)");
	if (stat(c->seed_source, &st) < 0 || !S_ISDIR(st.st_mode))
		return sbx_err_set(err, 1, "seed.source %s: %s", c->seed_source,
				   errno ? strerror(errno) : "not a directory");
	if (seedfs_view_get(mp, &v) == 0) {
		bool reuse = v->running && v->source &&
			     same_path(v->source, c->seed_source);
		bool other = v->running && !reuse;
		char *src = v->source ? strdup(v->source) : NULL;
		seedfs_view_free(v);
		bool allow_other = false;
		if (reuse && allow_other_wanted(&allow_other, err) < 0) {
			free(src);
			return -1;
		}
		if (reuse && allow_other && mounted_with_allow_other(mp) == 0) {
			free(src);
			return sbx_err_set(err, 1, NO_ALLOW_OTHER_MSG, mp);
		}
		if (reuse) {
			free(src);
			return 0;
		}
		if (other) {
			sbx_err_set(
				err, 1,
				"a view of %s is already mounted at %s; run `claude-sbx stop` first",
				src ? src : "another source", mp);
			free(src);
			return -1;
		}
		free(src);
		if (seedfs_umount(mp, &serr) < 0) /* a stale one */
			return sbx_err_set(err, 1,
					   "clearing the stale view at %s: %s",
					   mp, serr.msg);
	}
	bool allow_other = false;
	if (allow_other_wanted(&allow_other, err) < 0)
		return -1;
	/* allow_other: the file server must walk down to the view too */
	int r = mkdir_p(mp, allow_other ? 0755 : 0700, &created);
	if (r < 0)
		return sbx_err_set(err, 1, "creating the mountpoint %s: %s", mp,
				   strerror(-r));

	struct seedfs_config cfg;
	sbx_seedfs_config(c, mp, &cfg);
	static const char *const other_opts[] = { "allow_other" };
	if (allow_other) { /* libseedfs adds default_permissions */
		cfg.options = other_opts;
		cfg.noptions = 1;
	}
	if (seedfs_mount(&cfg, &serr) < 0) {
		if (created)
			rmdir(mp);
		return sbx_err_set(err, serr.status == 2 ? 2 : 1, "%s",
				   serr.msg);
	}
	*mounted_now = true;
	return 0;
}

int sbx_view_down(const char *mp, bool *was_mounted, struct sbx_err *err)
{
	struct seedfs_view *v = NULL;
	struct seedfs_error serr = { 0 };

	*was_mounted = false;
	if (seedfs_view_get(mp, &v) == 0) {
		seedfs_view_free(v);
		if (seedfs_umount(mp, &serr) < 0)
			return sbx_err_set(err, 1,
					   "unmounting the view at %s: %s", mp,
					   serr.msg);
		*was_mounted = true;
	}
	if (rmdir(mp) == 0) {
		/* separate placement: also the per-sandbox directory above */
		size_t n = strlen(mp);
		if (n > 5 && strcmp(mp + n - 5, "/seed") == 0 &&
		    strstr(mp, "/claude-sbx/")) {
			char *parent = strndup(mp, n - 5);
			if (parent && rmdir(parent) == 0) {
				char *slash = strrchr(parent, '/');
				if (slash) {
					*slash = '\0';
					rmdir(parent); /* …/claude-sbx, if empty */
				}
			}
			free(parent);
		}
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_dir(const char *path, struct strv *names, bool dirs_flag,
		    struct strv *isdir)
{
	DIR *d = opendir(path);
	if (!d)
		return -errno;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (strv_push(names, de->d_name) < 0) {
			closedir(d);
			return -ENOMEM;
		}
		if (dirs_flag &&
		    (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN)) {
			struct stat st;
			if (fstatat(dirfd(d), de->d_name, &st, 0) == 0 &&
			    S_ISDIR(st.st_mode))
				strv_push(isdir, de->d_name);
		}
	}
	closedir(d);
	if (names->n > 1)
		qsort(names->v, names->n, sizeof(*names->v), cmp_str);
	return 0;
}

int sbx_view_entries(const char *mp, struct strv *rels, struct strv *tops,
		     struct sbx_err *err)
{
	struct strv dirs = { 0 };
	int r = list_dir(mp, tops, true, &dirs);
	if (r < 0) {
		strv_free(&dirs);
		return sbx_err_set(err, 1, "listing the view %s: %s", mp,
				   strerror(-r));
	}
	for (size_t i = 0; i < tops->n; i++) {
		const char *t = tops->v[i];
		if (sbx_link_skip(t))
			continue;
		if (strcmp(t, "skills") == 0 && strv_contains(&dirs, t)) {
			struct strv skills = { 0 };
			char *sk = NULL;
			if (asprintf(&sk, "%s/skills", mp) < 0 ||
			    list_dir(sk, &skills, false, NULL) < 0) {
				free(sk);
				strv_free(&skills);
				strv_free(&dirs);
				return sbx_err_set(err, 1,
						   "listing %s/skills: %s", mp,
						   strerror(errno));
			}
			free(sk);
			for (size_t k = 0; k < skills.n; k++)
				strv_pushf(rels, "skills/%s", skills.v[k]);
			strv_free(&skills);
			continue;
		}
		strv_push(rels, t);
	}
	strv_free(&dirs);
	return 0;
}

int sbx_view_hidden(const char *source, const struct strv *tops,
		    struct strv *hidden)
{
	struct strv all = { 0 };
	if (list_dir(source, &all, false, NULL) == 0)
		for (size_t i = 0; i < all.n; i++)
			if (!strv_contains(tops, all.v[i]))
				strv_add_unique(hidden, all.v[i]);
	strv_free(&all);
	/* checked even if listed: the view must never serve these */
	for (const char *const *h = always_hidden; *h; h++)
		strv_add_unique(hidden, *h);
	return 0;
}
