/* explain.c — seedfs_explain (seedfs.h): walk PATH one component at a time
 * through classify(), exactly as lookups through the mount do, and say what
 * decided. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "classify.h"
#include "daemon.h"
#include "seedfs/names.h"
#include "seedfs/pattern.h"

#define MAX_DEPTH 4096

struct chain {
	dev_t dev[MAX_DEPTH + 1];
	ino_t ino[MAX_DEPTH + 1];
	size_t n;
};

static bool chain_has(const void *ctx, dev_t dev, ino_t ino)
{
	const struct chain *c = ctx;
	for (size_t i = 0; i < c->n; i++)
		if (c->dev[i] == dev && c->ino[i] == ino)
			return true;
	return false;
}

static const char *kind_name(enum rule_kind k)
{
	switch (k) {
	case RULE_INCLUDE:
		return "include";
	case RULE_EXCLUDE:
		return "exclude";
	case RULE_NEVER:
		return "never";
	case RULE_NEVER_EXCEPT:
		return "never exception";
	}
	return "rule";
}

static void describe_rule(const struct rule *r, char *buf, size_t len)
{
	/* Line one as git check-ignore -v prints it; line two the kind. */
	if (r->group)
		snprintf(buf, len, "%s:%u: %s\n%s rule of group %s", r->file,
			 r->line, pattern_text(r->pat), kind_name(r->kind),
			 r->group);
	else
		snprintf(buf, len, "%s:%u: %s\n%s rule%s", r->file, r->line,
			 pattern_text(r->pat), kind_name(r->kind),
			 r->kind == RULE_NEVER
				 ? " (no later layer or group can "
				   "lift it)"
				 : "");
}

static void describe_hidden(const struct entry *e, const char *comp, char *buf,
			    size_t len)
{
	char rule[6000];
	switch (e->why) {
	case HIDE_RULE:
		describe_rule(e->verdict.rule, buf, len);
		return;
	case HIDE_LINK_TARGET_RULE:
		describe_rule(e->target_rule, rule, sizeof(rule));
		snprintf(buf, len, "%s: %s (-> %s)\ntarget: %s", comp,
			 hide_reason_text(e->why), e->link ? e->link : "?",
			 rule);
		return;
	case HIDE_ERROR:
		snprintf(buf, len, "%s: %s: %s", comp, hide_reason_text(e->why),
			 strerror(e->err));
		return;
	case HIDE_TRANSFORM:
		snprintf(buf, len, "%s: %s (%s): %s", comp,
			 hide_reason_text(e->why), transform_name(e->transform),
			 e->twhy);
		return;
	default:
		if (e->link)
			snprintf(buf, len, "%s: %s (-> %s)", comp,
				 hide_reason_text(e->why), e->link);
		else
			snprintf(buf, len, "%s: %s", comp,
				 hide_reason_text(e->why));
	}
}

int seedfs_explain(const struct seedfs_config *cfg, const char *path,
		   char *reason, size_t len, struct seedfs_error *err)
{
	struct prepared *p = NULL;
	struct chain *chain = NULL;
	char *copy = NULL;
	int rc = -1, dirfd = -1;

	memset(err, 0, sizeof(*err));
	if (name_check_relpath(path) < 0) {
		err->status = SEEDFS_EXIT_USAGE;
		snprintf(err->msg, sizeof(err->msg),
			 "%s: PATH must be relative to SOURCE, without empty, "
			 "'.' or '..' components",
			 path);
		return -1;
	}
	if (prepare(cfg, false, &p, err) < 0)
		return -1;
	chain = calloc(1, sizeof(*chain));
	copy = strdup(path);
	if (!chain || !copy) {
		err->status = SEEDFS_EXIT_FAIL;
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		goto out;
	}
	size_t cl = strlen(copy);
	if (cl > 1 && copy[cl - 1] == '/')
		copy[cl - 1] = '\0';

	struct stat st;
	fstat(p->root_fd, &st);
	chain->dev[0] = st.st_dev;
	chain->ino[0] = st.st_ino;
	chain->n = 1;
	struct source_view sv = { p->root_fd, p->follow_fds, p->nfollow };
	struct verdict v = rules_root(p->rules);
	struct target tgt = { TARGET_NONE, NULL, 0, { VIS_HIDDEN, NULL } };
	char *tpath = NULL;
	char *vpath = strdup("");
	int cur = p->root_fd;
	char *save = NULL;
	char *comp = strtok_r(copy, "/", &save);
	rc = 1;
	while (comp) {
		char *next = strtok_r(NULL, "/", &save);
		struct dirref dr = { cur, st.st_dev, vpath,	strlen(vpath),
				     v,	  tgt,	     chain_has, chain };
		struct entry e;
		if (classify(&sv, p->rules, &dr, comp, strlen(comp), true, &e) <
		    0) {
			err->status = SEEDFS_EXIT_FAIL;
			snprintf(err->msg, sizeof(err->msg), "out of memory");
			rc = -1;
			break;
		}
		if (e.why == SHOWN && next && !S_ISDIR(e.st.st_mode)) {
			e.why = HIDE_ABSENT; /* a file has no children */
		}
		if (e.why != SHOWN) {
			describe_hidden(&e, e.path ? e.path : comp, reason,
					len);
			entry_release(&e);
			rc = 0;
			break;
		}
		if (!next) {
			if (e.verdict.rule)
				describe_rule(e.verdict.rule, reason, len);
			else
				snprintf(reason, len,
					 "%s: a directory shown because an "
					 "include may match below it",
					 e.path);
			if (e.transform != TRANSFORM_NONE && e.blob) {
				size_t used = strlen(reason);
				snprintf(reason + used, len - used,
					 "\nserved computed (%s): %zu bytes",
					 transform_name(e.transform),
					 e.blob->len);
			}
			entry_release(&e);
			break;
		}
		if (dirfd >= 0)
			close(dirfd);
		dirfd = e.fd;
		e.fd = -1;
		cur = dirfd;
		st = e.st;
		v = e.verdict;
		free(vpath);
		vpath = e.path;
		e.path = NULL;
		free(tpath);
		tpath = e.tpath;
		e.tpath = NULL;
		tgt = (struct target){ e.tmode, tpath, e.tpathlen, e.tverdict };
		if (chain->n <= MAX_DEPTH) {
			chain->dev[chain->n] = st.st_dev;
			chain->ino[chain->n++] = st.st_ino;
		}
		entry_release(&e);
		comp = next;
	}
	free(vpath);
	free(tpath);
out:
	if (dirfd >= 0)
		close(dirfd);
	free(copy);
	free(chain);
	prepared_free(p);
	return rc;
}
