/* daemon_confine.c — confining a mounted view's daemon (daemon.h).
 *
 * Owns: setting up confinement once the mount is up: the unmount helper
 * (which cleans up the state and stats files), the anchors the confined
 * daemon may still read (SOURCE, follow directories, targets of visible
 * top-level symlinks, the rule files), applying it (confine.c) and the
 * line status shows about it.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "state.h"

struct anchor_fds {
	int v[64];
	size_t n;
};

/* Targets of the visible top-level symlinks: anchors the daemon must
 * still be able to read once confined. */
static void top_targets(struct daemon *d, struct anchor_fds *dirs,
			struct anchor_fds *files)
{
	int fd = openat(d->p->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir) {
		if (fd >= 0)
			close(fd);
		return;
	}
	struct dirref dr = node_dirref(d->nodes.root);
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)
			continue;
		struct entry e;
		if (classify(&d->sv, d->rules, &dr, de->d_name,
			     strlen(de->d_name), true, &e) < 0)
			break;
		struct anchor_fds *to = S_ISDIR(e.st.st_mode) ? dirs : files;
		if (e.why == SHOWN && e.via_link && e.fd >= 0 &&
		    to->n < sizeof(to->v) / sizeof(to->v[0])) {
			to->v[to->n++] = e.fd;
			e.fd = -1;
		}
		entry_release(&e);
	}
	closedir(dir);
}

void daemon_confine(struct daemon *d)
{
	char why[256];
	if (confine_disabled(why, sizeof(why))) {
		snprintf(d->confinement, sizeof(d->confinement), "%s", why);
		log_msg(LOG_WARNING, "%s", why);
		return;
	}
	char state[PATH_MAX], stats[PATH_MAX];
	const char *cleanup[2];
	size_t nclean = 0;
	if (state_path(d->p->mountpoint, ".state", state, sizeof(state)) == 0)
		cleanup[nclean++] = state;
	if (state_path(d->p->mountpoint, ".stats", stats, sizeof(stats)) == 0)
		cleanup[nclean++] = stats;
	int hfd = unmount_helper_start(d->p->mountpoint, cleanup, nclean,
				       &d->helper_pid);
	if (hfd < 0) {
		snprintf(d->confinement, sizeof(d->confinement),
			 "confinement off: no unmount helper (%s)",
			 strerror(-hfd));
		log_msg(LOG_WARNING, "%s", d->confinement);
		return;
	}
	d->helper_fd = hfd;

	struct anchor_fds dirs = { .n = 0 }, files = { .n = 0 };
	dirs.v[dirs.n++] = d->p->root_fd;
	for (size_t i = 0; i < d->p->nfollow && dirs.n < 64; i++)
		dirs.v[dirs.n++] = d->p->follow_fds[i];
	size_t own = dirs.n;
	top_targets(d, &dirs, &files);
	struct confine_input in = {
		.dirs = dirs.v,
		.ndirs = dirs.n,
		.files = files.v,
		.nfiles = files.n,
		.rule_files = d->p->input.files,
		.nrule_files = d->p->input.nfiles,
	};
	struct confinement c;
	confine_apply(&in, &c);
	for (size_t i = own; i < dirs.n; i++)
		close(dirs.v[i]);
	for (size_t i = 0; i < files.n; i++)
		close(files.v[i]);
	d->confined = c.landlock_abi > 0 || c.seccomp;
	if (c.landlock_abi > 0 && c.seccomp)
		snprintf(d->confinement, sizeof(d->confinement),
			 "landlock ABI %d, seccomp", c.landlock_abi);
	else
		snprintf(d->confinement, sizeof(d->confinement), "%s%s%s",
			 c.landlock_abi > 0 ? "landlock only; " : "",
			 c.seccomp ? "seccomp only; " : "", c.note);
	if (c.note[0])
		log_msg(LOG_WARNING, "%s", c.note);
}
