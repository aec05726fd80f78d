/* keeper.h — claude-seedfs-keeper's pure logic: options, probe names, and
 * what to do with a probe's answer. No I/O (keeper_main.c does that).
 *
 * The keeper runs inside a guest that reads the view through virtiofs with
 * caching on (cache=always keeps entries, attributes and pages forever, and
 * the host daemon's invalidations never reach the guest). It polls the
 * view's change-generation probe (src/fs/probe.h): a stat of
 * `<view>/.seedfs-gen.<G>.<nonce>` with a fresh nonce is ENOENT while the
 * view's generation is still G, and a file whose st_size is the current
 * generation once it moved; then the keeper drops the guest's dentry and
 * inode caches (`echo 2 > /proc/sys/vm/drop_caches`) so the next read goes
 * to the host. It holds no secret: it learns only a counter.
 */
#ifndef SEEDFS_KEEPER_H
#define SEEDFS_KEEPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEEPER_DEFAULT_INTERVAL_MS 200
#define KEEPER_DEFAULT_PIDFILE	   "/run/claude-seedfs-keeper.pid"
#define KEEPER_PROBE_PREFIX	   ".seedfs-gen."
/* --status's exit status when no keeper holds the pidfile */
#define KEEPER_EXIT_NOT_RUNNING	   3

struct keeper_opts {
	const char *view;    /* the view's mountpoint as the guest sees it */
	const char *pidfile; /* NULL with --no-pidfile */
	unsigned interval_ms;
	bool once;    /* one probe, print the generation, exit */
	bool no_drop; /* never touch drop_caches (tests, non-root) */
	bool daemon;  /* fork, setsid, stdio to /dev/null (needs a pidfile) */
	bool status;  /* is the pidfile's keeper running? (VIEW optional) */
	bool help, version;
};

/* Parses argv. Returns 0, or -1 with why (a full sentence) filled. */
int keeper_parse_args(int argc, char **argv, struct keeper_opts *o, char *why,
		      size_t whylen);

/* Writes `<view>/.seedfs-gen.<gen>.<nonce as 16 hex digits>` into buf.
 * Returns the length, or -1 if it does not fit. */
int keeper_probe_path(char *buf, size_t len, const char *view, uint64_t gen,
		      uint64_t nonce);

/* What one probe's answer means, given the generation the keeper knows
 * (0: none yet). err is 0 when the stat succeeded (size = its st_size),
 * else the errno. */
enum keeper_action {
	KEEPER_SAME,	/* ENOENT: nothing changed */
	KEEPER_CHANGED, /* a new generation: drop caches, remember it */
	KEEPER_FAILED,	/* the view does not answer (or answers nonsense) */
};
enum keeper_action keeper_judge(uint64_t known, int err, int64_t size,
				uint64_t *next);

/* A drop cannot evict a dentry or inode that a reader holds open at that
 * moment, and with cache=always nothing else ever will: measured in a TCG
 * guest re-reading a file every 20 ms, one drop and two more 200 ms apart
 * left 1 rename-over in 8 stale for good (the reader held the old dentry
 * at each drop). So for KEEPER_REDROP_WINDOW_MS after a change the keeper
 * probes and drops every KEEPER_REDROP_EVERY_MS; then it is back to one
 * probe an interval, no drops (the idle cost is unchanged). */
#define KEEPER_REDROP_EVERY_MS	50
#define KEEPER_REDROP_WINDOW_MS 1000

/* The pause before the next probe (ms), and in *redrop whether the round
 * after that pause drops again although nothing changed. since_change_ms
 * is the time since the last change was seen, negative when none was. */
unsigned keeper_pause_ms(unsigned interval_ms, double since_change_ms,
			 bool *redrop);

extern const char keeper_usage[];

#endif
