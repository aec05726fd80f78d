/* computed.c — see computed.h. */
#include "computed.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

void blob_ref(struct blob *b)
{
	atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
}

void blob_put(struct blob *b)
{
	if (b && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
		free(b);
}

/* The whole file, or -EFBIG past the cap. */
static int read_all(int fd, char **out, size_t *len)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size > (off_t)COMPUTED_MAX_SOURCE)
		return -EFBIG;
	size_t cap = (size_t)st.st_size + 1, used = 0;
	char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (used == cap) {
			if (cap > COMPUTED_MAX_SOURCE) {
				free(buf);
				return -EFBIG; /* it grew while we read */
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t n = pread(fd, buf + used, cap - used, (off_t)used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;
			free(buf);
			return err;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	*out = buf;
	*len = used;
	return 0;
}

int computed_build(int fd, enum transform t, const struct settings_policy *pol,
		   struct blob *prev, struct blob **out, char *why,
		   size_t why_len)
{
	char *src = NULL, *served = NULL;
	size_t len = 0, served_len = 0;
	int rc = read_all(fd, &src, &len);
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
