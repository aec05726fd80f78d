/*
 * guest_watch.c — re-reads paths in the test guest and reports changes.
 *
 * Owns one job: for the latency benchmark, loop over the paths given as
 * arguments, open + read + close each one every interval (as a reader that
 * re-reads a path would), and print one line whenever what it saw changed:
 *     <index> <state>\n
 * where state is "ok:<length>:<fnv1a-64 hex>" or "err:<errno name/number>".
 * The first state of every path is printed at start; "ready" follows.
 * Output is flushed per line, so the host timestamps each line on arrival.
 * Usage: guest_watch INTERVAL_MS PATH...   Runs until killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void state_of(const char *path, char *out, size_t outlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(out, outlen, "err:%d", errno);
		return;
	}
	uint64_t h = 1469598103934665603ull;
	uint64_t len = 0;
	char buf[65536];
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(out, outlen, "err:%d", errno);
			close(fd);
			return;
		}
		if (r == 0)
			break;
		for (ssize_t i = 0; i < r; i++) {
			h ^= (unsigned char)buf[i];
			h *= 1099511628211ull;
		}
		len += (uint64_t)r;
	}
	close(fd);
	snprintf(out, outlen, "ok:%" PRIu64 ":%016" PRIx64, len, h);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: guest_watch INTERVAL_MS PATH...\n");
		return 2;
	}
	long ms = strtol(argv[1], NULL, 10);
	int n = argc - 2;
	char(*last)[64] = calloc((size_t)n, sizeof *last);
	if (!last)
		return 1;
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (ms % 1000) * 1000000L };
	for (int i = 0; i < n; i++) {
		state_of(argv[2 + i], last[i], sizeof last[i]);
		printf("%d %s\n", i, last[i]);
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		for (int i = 0; i < n; i++) {
			char now[64];
			state_of(argv[2 + i], now, sizeof now);
			if (strcmp(now, last[i]) != 0) {
				memcpy(last[i], now, sizeof now);
				printf("%d %s\n", i, now);
				fflush(stdout);
			}
		}
		if (ms > 0)
			nanosleep(&ts, NULL);
	}
}
