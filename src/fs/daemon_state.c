/* daemon_state.c — what a mounted view's state file says (daemon.h).
 *
 * Owns: turning the daemon's context (rule layers and their fingerprints,
 * groups, reload outcome, confinement) into a seedfs_view and rewriting the
 * state file through the daemon's descriptor (state.c writes the format).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "state.h"

void daemon_write_state(struct daemon *d)
{
	const struct rules *rs = d->rules;
	size_t nl = rules_layer_count(rs), ng = rules_group_count(rs);
	struct seedfs_layer *layers = calloc(nl ? nl : 1, sizeof(*layers));
	char **groups = calloc(ng ? ng : 1, sizeof(*groups));
	if (!layers || !groups)
		goto out;
	for (size_t i = 0; i < nl; i++)
		layers[i] =
			(struct seedfs_layer){ (char *)rules_layer_file(rs, i),
					       rules_layer_fingerprint(rs, i) };
	for (size_t i = 0; i < ng; i++)
		groups[i] = (char *)rules_group_name(rs, i);
	struct seedfs_view v = {
		.mountpoint = d->p->mountpoint,
		.source = d->p->source,
		.pid = getpid(),
		.layers = layers,
		.nlayers = nl,
		.groups = groups,
		.ngroups = ng,
		.reload_error = d->reload_error,
		.generation = d->generation,
		.reload_attempts = d->reload_attempts,
		.confinement = d->confinement,
	};
	int rc = d->state_fd >= 0 ? state_write_fd(d->state_fd, &v) : -EBADF;
	if (rc < 0)
		log_msg(LOG_WARNING, "cannot write the state file: %s",
			strerror(-rc));
out:
	free(layers);
	free(groups);
}
