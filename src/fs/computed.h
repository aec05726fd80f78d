/* computed.h — files the view serves computed rather than copied
 * (settings.json sanitized, skill and agent frontmatter defused).
 *
 * Owns: reading a source file whole (bounded), applying its transform, and
 * caching the served bytes against an XXH3 digest of the source bytes, so
 * an unchanged source is never transformed twice. Blobs are immutable and
 * reference-counted: a reader keeps the bytes it started with even if the
 * source changes under it.
 */
#ifndef SEEDFS_COMPUTED_H
#define SEEDFS_COMPUTED_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "seedfs/transform.h"

#define COMPUTED_MAX_SOURCE (16u << 20) /* larger transformed files: hidden */

struct blob {
	atomic_uint refs;
	uint64_t digest; /* XXH3-64 of the source bytes */
	size_t len;
	char data[];
};

void blob_ref(struct blob *b);
void blob_put(struct blob *b);

/* Reads fd (a regular file opened for reading) and serves it through t.
 * When prev (may be NULL) was computed from identical source bytes it is
 * returned again with a new reference. Returns 0 with *out; -EINVAL with
 * the transform's reason in why; -EFBIG; -ENOMEM; -errno. */
int computed_build(int fd, enum transform t, const struct settings_policy *pol,
		   struct blob *prev, struct blob **out, char *why,
		   size_t why_len);

#endif
