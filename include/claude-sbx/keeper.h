/* keeper.h — the guest's keeper as claude-sbx drives it: where the host
 * binary is, the argv that copy it into the sandbox and start or ask it,
 * what its --status line says, and (process side, src/sbx/keeper.c) doing
 * so idempotently through sbx.
 *
 * The keeper (src/keeper) polls the view's change-generation probe from
 * inside the guest and drops the guest's dentry and inode caches when the
 * view changed: virtiofs with caching on (sbx's default) otherwise keeps
 * serving old entries, attributes and pages. It runs as root (drop_caches
 * needs it), holds no secret, and its pidfile makes a second start a no-op.
 * Pure parts live in keeper_plan.c (unit-tested, no I/O).
 */
#ifndef CLAUDE_SBX_KEEPER_H
#define CLAUDE_SBX_KEEPER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "claude-sbx/config.h"
#include "claude-sbx/err.h"
#include "claude-sbx/strv.h"

#define SBX_KEEPER_NAME	       "claude-seedfs-keeper"
#define SBX_KEEPER_GUEST_DIR   "/home/agent/.local/lib/claude-sbx"
#define SBX_KEEPER_GUEST       SBX_KEEPER_GUEST_DIR "/" SBX_KEEPER_NAME
#define SBX_KEEPER_PIDFILE     "/run/claude-seedfs-keeper.pid"
/* the keeper's --status exit when nobody holds the pidfile (keeper.h) */
#define SBX_KEEPER_NOT_RUNNING 3

enum sbx_keeper_mode {
	SBX_KEEPER_AUTO, /* on; a missing host binary is a warning */
	SBX_KEEPER_ON, /* on; a missing binary or a failed start is an error */
	SBX_KEEPER_OFF,
};
/* seed.keeper's value (NULL: auto); CLAUDE_SBX_KEEPER=off also turns it off. */
enum sbx_keeper_mode sbx_keeper_mode_of(const char *seed_keeper,
					const char *env);

/* The host paths to try, in order: $CLAUDE_SBX_KEEPER (unless "off" or
 * empty), the claude-sbx executable's directory (an install puts both in
 * bindir), the configured install path, then the build tree's sibling
 * (<exe dir>/../keeper/). exe may be NULL. */
int sbx_keeper_candidates(const char *env, const char *exe,
			  const char *installed, struct strv *out);

/* `sbx cp HOST SANDBOX:SBX_KEEPER_GUEST` (the arguments after "sbx"). */
int sbx_keeper_cp_argv(struct strv *argv, const char *host,
		       const char *sandbox);
/* The command run as root in the sandbox: start it (--daemon), or ask it
 * (--status, probing view). */
int sbx_keeper_start_cmd(struct strv *cmd, const char *view);
int sbx_keeper_status_cmd(struct strv *cmd, const char *view);

struct sbx_keeper_state {
	bool answered; /* a --status line was read */
	bool running;
	long pid;
	bool have_gen;
	uint64_t gen;	 /* the generation the guest sees */
	double probe_ms; /* one probe from inside the guest */
	char why[256];	 /* generation=none (...): the guest's reason */
};
/* Parses the keeper's --status line ("running pid=N generation=G
 * probe_ms=T", "stopped ...", "... generation=none (REASON)").
 * Returns 0, or -1 when out holds no such line. */
int sbx_keeper_parse_status(const char *out, struct sbx_keeper_state *st);

/* The verdict of the in-sandbox liveness check as one line for the user
 * (static or into buf): ok, unreadable (with the allow_other fix), stale
 * (caching, with the fix). Returns true when live. */
bool sbx_keeper_verdict(const struct sbx_keeper_state *st, bool host_gen_ok,
			uint64_t host_gen, enum sbx_keeper_mode mode, char *buf,
			size_t len);

/* ---- keeper.c (process side) ------------------------------------------ */
struct sbx_client;

/* Makes the keeper run in the sandbox (idempotent): asks it; when it does
 * not run, copies the binary in (when missing) and starts it as root.
 * Fills st from a last --status. Returns 0 running, -1 (err set). */
int sbx_keeper_ensure(struct sbx_client *sbx, const struct sbx_config *c,
		      const char *view, struct sbx_keeper_state *st,
		      bool *started, struct sbx_err *err);
/* One --status from inside the sandbox (never starts it). 0, or -1. */
int sbx_keeper_query(struct sbx_client *sbx, const struct sbx_config *c,
		     const char *view, struct sbx_keeper_state *st,
		     struct sbx_err *err);
/* The host's view generation (probe at the host mountpoint): 0 or -1. */
int sbx_keeper_host_gen(const char *mp, uint64_t *gen);
/* Prints the check's lines (keeper, generations, latency, verdict) for
 * start's step 6 and status; returns true when live. */
bool sbx_keeper_report(FILE *out, const char *indent,
		       const struct sbx_keeper_state *st, const char *mp,
		       enum sbx_keeper_mode mode);

#endif
