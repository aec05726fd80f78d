/* keeper.c — claude-sbx's process side of the guest's keeper: finds the
 * host binary, delivers it with `sbx cp`, starts it as root with
 * `sbx exec -u root` (the keeper daemonizes itself: `sbx exec -d` is
 * refused since 0.45), asks it (--status) and reports the in-sandbox
 * liveness check. Idempotent: a keeper that runs is left alone (its
 * pidfile's lock decides). The pure half is keeper_plan.c. */
#include "launcher.h"
#include "claude-sbx/keeper.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef SBX_KEEPER_INSTALLED
#define SBX_KEEPER_INSTALLED ""
#endif

/* The first candidate that is an executable file (malloc'd), or NULL with
 * err naming where it looked. */
static char *locate(struct sbx_err *err)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	const char *env = getenv("CLAUDE_SBX_KEEPER");
	struct strv cand = { 0 };
	char *found = NULL;
	if (sbx_keeper_candidates(env, n > 0 ? exe : NULL, SBX_KEEPER_INSTALLED,
				  &cand) < 0) {
		sbx_err_set(err, 1, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < cand.n && !found; i++) {
		struct stat st;
		if (stat(cand.v[i], &st) == 0 && S_ISREG(st.st_mode) &&
		    access(cand.v[i], X_OK) == 0)
			found = strdup(cand.v[i]);
	}
	if (!found) {
		char tried[1024] = "";
		for (size_t i = 0; i < cand.n; i++) {
			size_t l = strlen(tried);
			snprintf(tried + l, sizeof(tried) - l, "%s%s",
				 i ? ", " : "", cand.v[i]);
		}
		sbx_err_set(
			err, 1,
			"the keeper binary " SBX_KEEPER_NAME
			" was not found (tried %s): "
			"install claude-seedfs fully, or set CLAUDE_SBX_KEEPER to its path",
			tried[0] ? tried : "nothing");
	}
out:
	strv_free(&cand);
	return found;
}

/* One `sbx exec -u root SANDBOX keeper --status -- VIEW`. 0 with st
 * filled (st->answered false: the keeper binary is not there or does not
 * run), -1 when sbx could not be run. */
int sbx_keeper_query(struct sbx_client *sbx, const struct sbx_config *c,
		     const char *view, struct sbx_keeper_state *st,
		     struct sbx_err *err)
{
	struct strv cmd = { 0 };
	struct proc_result res;
	*st = (struct sbx_keeper_state){ 0 };
	if (sbx_keeper_status_cmd(&cmd, view) < 0) {
		strv_free(&cmd);
		return sbx_err_set(err, 1, "out of memory");
	}
	int rc = sbx_exec(sbx, c->name, true, &cmd, &res, err);
	strv_free(&cmd);
	if (rc == 0 && (res.status == 0 || res.status == 1 ||
			res.status == SBX_KEEPER_NOT_RUNNING))
		sbx_keeper_parse_status(res.out, st);
	proc_result_free(&res);
	return rc;
}

static int deliver(struct sbx_client *sbx, const struct sbx_config *c,
		   struct sbx_err *err)
{
	char *host = locate(err);
	if (!host)
		return -1;
	struct strv argv = { 0 };
	struct proc_result res;
	/* the directory first, as the agent (sbx cp may not create it) */
	int rc = strv_push(&argv, "mkdir") | strv_push(&argv, "-p") |
		 strv_push(&argv, "--") |
		 strv_push(&argv, SBX_KEEPER_GUEST_DIR);
	if (rc == 0 && sbx_exec(sbx, c->name, false, &argv, &res, err) == 0) {
		if (res.status != 0) {
			char *msg = sbx_message(&res);
			rc = sbx_err_set(err, 1, "mkdir %s in %s failed: %s",
					 SBX_KEEPER_GUEST_DIR, c->name,
					 msg && msg[0] ? msg : "no message");
			free(msg);
		}
		proc_result_free(&res);
	} else if (rc == 0) {
		rc = -1;
	}
	strv_free(&argv);
	if (rc < 0) {
		free(host);
		return rc;
	}
	rc = sbx_keeper_cp_argv(&argv, host, c->name);
	free(host);
	if (rc < 0) {
		strv_free(&argv);
		return sbx_err_set(err, 1, "out of memory");
	}
	rc = sbx_call(sbx, &argv, &res, err);
	if (rc < 0)
		sbx_err_prefix(err, "copying the keeper into the sandbox");
	proc_result_free(&res);
	strv_free(&argv);
	return rc;
}

int sbx_keeper_ensure(struct sbx_client *sbx, const struct sbx_config *c,
		      const char *view, struct sbx_keeper_state *st,
		      bool *started, struct sbx_err *err)
{
	*started = false;
	if (sbx_keeper_query(sbx, c, view, st, err) < 0)
		return -1;
	if (st->running)
		return 0;
	if (!st->answered && deliver(sbx, c, err) < 0)
		return -1;
	struct strv cmd = { 0 };
	struct proc_result res;
	if (sbx_keeper_start_cmd(&cmd, view) < 0) {
		strv_free(&cmd);
		return sbx_err_set(err, 1, "out of memory");
	}
	int rc = sbx_exec(sbx, c->name, true, &cmd, &res, err);
	strv_free(&cmd);
	if (rc == 0 && res.status != 0) {
		char *msg = sbx_message(&res);
		rc = sbx_err_set(
			err, 1,
			"starting the keeper in %s failed (status %d): %s",
			c->name, res.status,
			msg && msg[0] ? msg : "no message");
		free(msg);
	}
	proc_result_free(&res);
	if (rc < 0)
		return -1;
	*started = true;
	if (sbx_keeper_query(sbx, c, view, st, err) < 0)
		return -1;
	if (!st->running)
		return sbx_err_set(
			err, 1,
			"the keeper was started in %s but does not run "
			"(its pidfile %s is not held)%s%s",
			c->name, SBX_KEEPER_PIDFILE, st->why[0] ? ": " : "",
			st->why);
	return 0;
}

int sbx_keeper_host_gen(const char *mp, uint64_t *gen)
{
	uint64_t nonce;
	if (getrandom(&nonce, sizeof(nonce), 0) != sizeof(nonce))
		nonce = (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);
	char *p = NULL;
	if (asprintf(&p, "%s/.seedfs-gen.0.%016" PRIx64, mp, nonce) < 0)
		return -1;
	struct stat st;
	int rc = stat(p, &st);
	free(p);
	if (rc < 0 || st.st_size <= 0)
		return -1;
	*gen = (uint64_t)st.st_size;
	return 0;
}

bool sbx_keeper_report(FILE *out, const char *indent,
		       const struct sbx_keeper_state *st, const char *mp,
		       enum sbx_keeper_mode mode)
{
	uint64_t hg = 0;
	bool hok = sbx_keeper_host_gen(mp, &hg) == 0;
	if (st->running)
		fprintf(out, "%skeeper: running, pid %ld (%s)\n", indent,
			st->pid, SBX_KEEPER_GUEST);
	else
		fprintf(out, "%skeeper: %s\n", indent,
			mode == SBX_KEEPER_OFF ? "off (seed.keeper: off)"
			: st->answered	       ? "not running"
				       : "not installed in the sandbox");
	if (st->have_gen) {
		fprintf(out,
			"%schange probe: the sandbox sees generation %" PRIu64,
			indent, st->gen);
		if (hok)
			fprintf(out, ", the host %" PRIu64, hg);
		fprintf(out, " (probe from inside: %.1f ms)\n", st->probe_ms);
	}
	char verdict[768];
	bool live =
		sbx_keeper_verdict(st, hok, hg, mode, verdict, sizeof(verdict));
	fprintf(out, "%s%s\n", indent, verdict);
	return live;
}
