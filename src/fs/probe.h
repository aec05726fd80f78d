/* probe.h — the change-generation probe's reserved names (pure logic).
 *
 * Owns: recognising and parsing `.seedfs-gen.<G>.<nonce>` at the view's
 * root. A guest that caches the view forever (virtiofs cache=always) polls
 * such names with fresh nonces: the daemon answers ENOENT while its change
 * generation is G and a synthetic file whose st_size is the current
 * generation when it differs (ops.c). Every root name starting with the
 * prefix is reserved: never served from the source, never listed.
 */
#ifndef SEEDFS_PROBE_H
#define SEEDFS_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROBE_PREFIX	 ".seedfs-gen."
#define PROBE_PREFIX_LEN (sizeof(PROBE_PREFIX) - 1)

/* True if name (len bytes) starts with the reserved prefix. */
bool probe_reserved(const char *name, size_t len);

/* Parses a reserved name: `.seedfs-gen.<G>.<nonce>` with G decimal (no
 * sign, no leading zero unless G is 0, at most 19 digits) and a nonempty
 * nonce of [0-9A-Za-z_-]. Returns true with *gen set, false if malformed
 * (or not reserved at all). */
bool probe_parse(const char *name, size_t len, uint64_t *gen);

#endif
