/* prepare.h — everything about a view that can be checked before mounting.
 *
 * Owns: struct prepared (the canonical SOURCE and mountpoint, the rules and
 * what reloading them needs, the follow directories, the validated -o
 * options), building it from a seedfs_config (prepare), opening the follow
 * directories (also on reload) and freeing it. Used by mount, explain and
 * manifest; nothing here mounts or serves.
 */
#ifndef SEEDFS_PREPARE_H
#define SEEDFS_PREPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "seedfs/rules.h"
#include "seedfs/seedfs.h"

/* What seedfs_mount prepared and checked before serving. */
struct prepared {
	char *source;	  /* canonical SOURCE */
	char *mountpoint; /* canonical mountpoint */
	int root_fd;	  /* O_PATH of SOURCE */
	struct rules *rules;
	struct rules_input input; /* kept for reload */
	char **files;		  /* storage behind input.files */
	char **with;		  /* storage behind input.with */
	char **cli_follow;	  /* --follow, canonical */
	size_t ncli_follow;
	int *follow_fds; /* cli follow + rules follow, O_PATH */
	size_t nfollow;
	char *fuse_opts; /* extra -o options, validated */
	bool foreground;
};

/* Opens the follow directories of p (command line) and rs (follow: keys),
 * refusing one that contains SOURCE. Returns 0, or -1 with why filled. */
int follow_open(struct prepared *p, const struct rules *rs, int **out,
		size_t *nout, char *why, size_t whylen);

/* Resolves SOURCE, loads the rules, opens the follow directories and, when
 * with_mountpoint, checks the mountpoint. */
int prepare(const struct seedfs_config *cfg, bool with_mountpoint,
	    struct prepared **out, struct seedfs_error *err);

/* Closes what prepared holds. */
void prepared_free(struct prepared *p);

#endif
