/* classify.h — what one source entry is, and whether the view shows it.
 *
 * Owns: the single decision every path through the daemon goes through
 * (lookup, readdir, explain): resolve one name beneath a visible directory,
 * refuse special files and hard links, present symlinks only as the file or
 * directory they resolve to inside an anchor, and apply the rules.
 *
 * Anchors are SOURCE, the resolved target of each top-level visible entry,
 * and each follow directory. A symlink is shown only when its target
 * resolves inside an anchor (checked by re-opening the target beneath the
 * anchor with no symlinks and comparing identities), the target is not
 * hidden by the rules, and it does not lead back to one of its own
 * ancestors.
 */
#ifndef SEEDFS_CLASSIFY_H
#define SEEDFS_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "computed.h"
#include "seedfs/rules.h"

struct source_view {
	int root_fd;	   /* O_PATH of SOURCE */
	const int *follow; /* O_PATH of each follow directory */
	size_t nfollow;
};

/* Below a directory reached through a symlink, a path has two names: its
 * view path and its path at the target. Both must pass the rules. */
enum target_mode {
	TARGET_NONE,  /* not below a symlinked directory */
	TARGET_RULES, /* target inside SOURCE or a top-level anchor: tpath is
			 a view path there, decided with tverdict */
	TARGET_NEVER, /* target inside a follow directory: tpath is relative
			 to it, and only never rules apply */
};

struct target {
	enum target_mode mode;
	const char *path;
	size_t pathlen;
	struct verdict verdict;
};

/* A visible directory, as the classifier needs to know it. */
struct dirref {
	int fd;		  /* O_PATH */
	dev_t dev;	  /* st_dev of fd */
	const char *path; /* view path, "" for SOURCE */
	size_t pathlen;
	struct verdict verdict;
	struct target target;
	/* True when (dev, ino) is this directory or one of its ancestors in
	 * the view: a symlink to it would make the view infinite. */
	bool (*is_ancestor)(const void *ctx, dev_t dev, ino_t ino);
	const void *ctx;
};

enum hide_reason {
	SHOWN = 0,
	HIDE_ABSENT,  /* no such name (or a refused name) */
	HIDE_RULE,    /* verdict.rule hides it (exclude or never) */
	HIDE_NO_RULE, /* no rule includes it */
	HIDE_FIFO,
	HIDE_SOCKET,
	HIDE_DEVICE,
	HIDE_HARDLINK,	       /* regular file with st_nlink > 1 */
	HIDE_MOUNT,	       /* another filesystem mounted there */
	HIDE_LINK_DANGLING,    /* symlink whose target does not resolve */
	HIDE_LINK_OUTSIDE,     /* symlink leaving the anchors */
	HIDE_LINK_TARGET_RULE, /* symlink to something the rules hide */
	HIDE_LINK_TARGET_TYPE, /* symlink to a FIFO, socket, device, hard link */
	HIDE_LINK_LOOP,	       /* symlink to one of its own ancestors */
	HIDE_LINK_WIDE,	       /* top-level symlink to an ancestor of SOURCE */
	HIDE_TRANSFORM,	       /* a computed file whose source the transform
				  refused (invalid JSON, unreadable
				  frontmatter, too large): why in .twhy */
	HIDE_ERROR,	       /* the source answered err */
	HIDE_RESERVED,	       /* a root name of the change probe (probe.h) */
};

struct entry {
	enum hide_reason why;
	int err;			/* errno, for HIDE_ERROR */
	struct verdict verdict;		/* of the view path */
	const struct rule *target_rule; /* HIDE_LINK_TARGET_RULE */
	struct stat st;			/* of the served object */
	int fd; /* owned O_PATH: directories and symlink targets;
			   -1 for plain files (reopen by name from the dir) */
	bool via_link;
	char *link; /* symlink text, for explain; owned, may be NULL */
	char *path; /* the child's view path; owned */
	size_t pathlen;
	enum transform transform; /* served computed (regular files) */
	struct blob *blob;	  /* its served bytes; owned */
	char twhy[TRANSFORM_WHY_MAX];
	enum target_mode tmode; /* the child's own target names, for its */
	char *tpath;		/* children (owned) */
	size_t tpathlen;
	struct verdict tverdict;
};

/* Classifies name in dir. With want_fd false, visible directories get no
 * descriptor (readdir only needs types). Returns 0 with out filled (check
 * out->why), or -ENOMEM. Always call entry_release. */
int classify(const struct source_view *sv, const struct rules *rs,
	     const struct dirref *dir, const char *name, size_t namelen,
	     bool want_fd, struct entry *out);
void entry_release(struct entry *e);

/* True for a regular file with one link or a directory. */
bool classify_servable(const struct stat *st);

/* A sentence for explain, e.g. "FIFO: only regular files and directories
 * are served". */
const char *hide_reason_text(enum hide_reason why);

#endif
