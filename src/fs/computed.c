/* computed.c — see computed.h. */
#include "computed.h"
#include "util/readfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

void blob_ref(struct blob *b)
{
	atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
}

void blob_put(struct blob *b)
{
	if (b &&
	    atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
		free(b);
}

int computed_build(int fd, enum transform t, const struct settings_policy *pol,
		   struct blob *prev, struct blob **out, char *why,
		   size_t why_len)
{
	char *src = NULL, *served = NULL;
	size_t len = 0, served_len = 0;
	int rc = uread_fd(fd, COMPUTED_MAX_SOURCE, &src, &len, NULL);
	if (rc < 0) {
		if (rc == -EFBIG)
			snprintf(why, why_len, "larger than %u MiB",
				 COMPUTED_MAX_SOURCE >> 20);
		return rc;
	}
	uint64_t digest = XXH3_64bits(src, len);
	if (prev && prev->digest == digest) {
		free(src);
		blob_ref(prev);
		*out = prev;
		return 0;
	}
	rc = transform_apply(t, pol, src, len, &served, &served_len, why,
			     why_len);
	free(src);
	if (rc < 0)
		return rc;
	struct blob *b = malloc(sizeof(*b) + served_len);
	if (!b) {
		free(served);
		return -ENOMEM;
	}
	atomic_init(&b->refs, 1);
	b->digest = digest;
	b->len = served_len;
	memcpy(b->data, served, served_len);
	free(served);
	*out = b;
	return 0;
}
