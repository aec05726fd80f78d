/* prepare.c — see prepare.h. */
#include "prepare.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "error.h"
#include "log.h"
#include "mountpoint.h"

void prepared_free(struct prepared *p)
{
	if (!p)
		return;
	if (p->root_fd >= 0)
		close(p->root_fd);
	for (size_t i = 0; i < p->nfollow; i++)
		close(p->follow_fds[i]);
	free(p->follow_fds);
	rules_free(p->rules);
	for (size_t i = 0; p->files && i < p->input.nfiles; i++)
		free(p->files[i]);
	free(p->files);
	for (size_t i = 0; p->with && i < p->input.nwith; i++)
		free(p->with[i]);
	free(p->with);
	for (size_t i = 0; i < p->ncli_follow; i++)
		free(p->cli_follow[i]);
	free(p->cli_follow);
	free((char *)p->input.home);
	free(p->source);
	free(p->mountpoint);
	free(p->fuse_opts);
	free(p);
}

int follow_open(struct prepared *p, const struct rules *rs, int **out,
		size_t *nout, char *why, size_t whylen)
{
	size_t nr = rules_follow_count(rs), n = 0;
	int *fds = calloc(p->ncli_follow + nr + 1, sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	for (size_t i = 0; i < p->ncli_follow + nr; i++) {
		const char *dir =
			i < p->ncli_follow
				? p->cli_follow[i]
				: rules_follow_dir(rs, i - p->ncli_follow);
		int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		char real[PATH_MAX];
		if (fd >= 0 && !realpath(dir, real))
			real[0] = '\0';
		size_t rl = fd >= 0 ? strlen(real) : 0;
		if (fd >= 0 && rl && strncmp(p->source, real, rl) == 0 &&
		    (p->source[rl] == '/' || p->source[rl] == '\0' ||
		     (rl == 1 && real[0] == '/'))) {
			snprintf(why, whylen,
				 "follow directory %s contains SOURCE %s: it "
				 "would make every symlink an anchor",
				 dir, p->source);
			close(fd);
			fd = -1;
			errno = 0;
		}
		if (fd < 0) {
			if (errno)
				snprintf(why, whylen, "follow directory %s: %s",
					 dir, strerror(errno));
			for (size_t j = 0; j < n; j++)
				close(fds[j]);
			free(fds);
			return -1;
		}
		fds[n++] = fd;
	}
	*out = fds;
	*nout = n;
	return 0;
}

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
			return seedfs_fail(err, SEEDFS_EXIT_FAIL,
					   "out of memory");
		}
		for (char *o = strtok_r(copy, ",", &save); o;
		     o = strtok_r(NULL, ",", &save)) {
			size_t k = 0;
			while (allowed[k] && strcmp(allowed[k], o))
				k++;
			if (!allowed[k]) {
				seedfs_fail(
					err, SEEDFS_EXIT_USAGE,
					"-o %s: unsupported mount option (allowed: "
					"allow_other, allow_root, auto_unmount, "
					"default_permissions; ro,nosuid,nodev are "
					"always set)",
					o);
				free(copy);
				free(buf);
				return -1;
			}
			if (!strcmp(o, "allow_other") ||
			    !strcmp(o, "allow_root"))
				other = true;
			if (buf[0])
				strcat(buf, ",");
			strcat(buf, o);
		}
		free(copy);
	}
	if (other) /* others then go through the kernel's permission checks */
		strcat(buf,
		       buf[0] ? ",default_permissions" : "default_permissions");
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
