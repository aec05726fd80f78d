/* keeper_plan.c — the pure half of claude-sbx's keeper handling (see
 * claude-sbx/keeper.h): the mode, where the host binary may be, the argv,
 * the --status line and the check's verdict. No I/O. */
#include "claude-sbx/keeper.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum sbx_keeper_mode sbx_keeper_mode_of(const char *seed_keeper,
					const char *env)
{
	if (env && strcmp(env, "off") == 0)
		return SBX_KEEPER_OFF;
	if (!seed_keeper || strcmp(seed_keeper, "auto") == 0)
		return SBX_KEEPER_AUTO;
	return strcmp(seed_keeper, "off") == 0 ? SBX_KEEPER_OFF : SBX_KEEPER_ON;
}

static int push_join(struct strv *out, const char *dir, size_t dlen,
		     const char *tail)
{
	size_t tl = strlen(tail);
	char *p = malloc(dlen + tl + 1);
	if (!p)
		return -1;
	memcpy(p, dir, dlen);
	memcpy(p + dlen, tail, tl + 1);
	int rc = strv_contains(out, p) ? 0 : strv_push(out, p);
	free(p);
	return rc;
}

int sbx_keeper_candidates(const char *env, const char *exe,
			  const char *installed, struct strv *out)
{
	if (env && env[0] && strcmp(env, "off") != 0)
		return strv_push(out, env);
	const char *slash = exe ? strrchr(exe, '/') : NULL;
	if (slash &&
	    push_join(out, exe, (size_t)(slash - exe), "/" SBX_KEEPER_NAME) < 0)
		return -1;
	if (installed && installed[0] && !strv_contains(out, installed) &&
	    strv_push(out, installed) < 0)
		return -1;
	if (slash && push_join(out, exe, (size_t)(slash - exe),
			       "/../keeper/" SBX_KEEPER_NAME) < 0)
		return -1;
	return 0;
}

int sbx_keeper_cp_argv(struct strv *argv, const char *host, const char *sandbox)
{
	size_t n = strlen(sandbox);
	char *dst = malloc(n + 1 + sizeof(SBX_KEEPER_GUEST));
	if (!dst)
		return -1;
	memcpy(dst, sandbox, n);
	dst[n] = ':';
	memcpy(dst + n + 1, SBX_KEEPER_GUEST, sizeof(SBX_KEEPER_GUEST));
	int rc = strv_push(argv, "cp") | strv_push(argv, host) |
		 strv_push(argv, dst);
	free(dst);
	return rc < 0 ? -1 : 0;
}

int sbx_keeper_start_cmd(struct strv *cmd, const char *view)
{
	int rc = strv_push(cmd, SBX_KEEPER_GUEST) | strv_push(cmd, "--daemon") |
		 strv_push(cmd, "--pidfile") |
		 strv_push(cmd, SBX_KEEPER_PIDFILE) | strv_push(cmd, "--") |
		 strv_push(cmd, view);
	return rc < 0 ? -1 : 0;
}

int sbx_keeper_status_cmd(struct strv *cmd, const char *view)
{
	int rc = strv_push(cmd, SBX_KEEPER_GUEST) | strv_push(cmd, "--status") |
		 strv_push(cmd, "--pidfile") |
		 strv_push(cmd, SBX_KEEPER_PIDFILE) | strv_push(cmd, "--") |
		 strv_push(cmd, view);
	return rc < 0 ? -1 : 0;
}

/* The value after `key=` in line (up to a space), or NULL. */
static const char *field(const char *line, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = line; (p = strstr(p, key)); p += kl)
		if ((p == line || p[-1] == ' ') && p[kl] == '=')
			return p + kl + 1;
	return NULL;
}

int sbx_keeper_parse_status(const char *out, struct sbx_keeper_state *st)
{
	*st = (struct sbx_keeper_state){ 0 };
	if (!out)
		return -1;
	/* the last line starting with running/stopped */
	const char *line = NULL;
	for (const char *p = out; p && *p;
	     p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, "running", 7) == 0 ||
		    strncmp(p, "stopped", 7) == 0)
			line = p;
	if (!line)
		return -1;
	size_t len = strcspn(line, "\n");
	char buf[512];
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, line, len);
	buf[len] = '\0';
	st->answered = true;
	st->running = strncmp(buf, "running", 7) == 0;
	const char *v;
	if (st->running && (v = field(buf, "pid")))
		st->pid = strtol(v, NULL, 10);
	if ((v = field(buf, "generation"))) {
		if (strncmp(v, "none", 4) == 0) {
			const char *o = strchr(v, '('), *c = strrchr(v, ')');
			if (o && c && c > o)
				snprintf(st->why, sizeof(st->why), "%.*s",
					 (int)(c - o - 1), o + 1);
			else
				snprintf(st->why, sizeof(st->why), "no answer");
		} else {
			char *end;
			errno = 0;
			unsigned long long g = strtoull(v, &end, 10);
			if (!errno && end != v && g > 0) {
				st->have_gen = true;
				st->gen = g;
			}
		}
	}
	if ((v = field(buf, "probe_ms")))
		st->probe_ms = strtod(v, NULL);
	return 0;
}

bool sbx_keeper_verdict(const struct sbx_keeper_state *st, bool host_gen_ok,
			uint64_t host_gen, enum sbx_keeper_mode mode, char *buf,
			size_t len)
{
	if (!st->answered) {
		snprintf(
			buf, len,
			"NOT CHECKED: the keeper could not be run in the sandbox, so the change "
			"probe was not asked and host edits may stay unseen under sbx's virtiofs "
			"caching; fix: install claude-seedfs-keeper next to claude-sbx (or set "
			"CLAUDE_SBX_KEEPER), then `claude-sbx status`");
		return false;
	}
	if (!st->have_gen) {
		bool denied = strstr(st->why, "ermission denied") != NULL;
		snprintf(
			buf, len,
			denied ? "UNREADABLE from inside the sandbox (%s): the sandbox's file server "
				 "runs as another user and the view was mounted without allow_other; "
				 "fix: add user_allow_other to /etc/fuse.conf, then `claude-sbx stop` "
				 "and `claude-sbx start` (it mounts with allow_other,default_permissions)"
			       : "UNREADABLE from inside the sandbox (%s): the view is not shared into "
				 "the sandbox or is not a claude-seedfs view; fix: `claude-sbx stop` "
				 "and `claude-sbx start`",
			st->why[0] ? st->why : "no answer");
		return false;
	}
	if (host_gen_ok && st->gen < host_gen) {
		snprintf(
			buf, len,
			"STALE: the sandbox sees generation %" PRIu64
			", the host %" PRIu64
			": the sandbox's file sharing caches names (virtiofs caching); "
			"fix: `sbx exec -u root SANDBOX sh -c 'echo 2 > /proc/sys/vm/drop_caches'` "
			"and keep the keeper running (`claude-sbx shell` restarts it)",
			st->gen, host_gen);
		return false;
	}
	if (!st->running) {
		snprintf(
			buf, len,
			mode == SBX_KEEPER_OFF
				? "readable, but host edits may stay unseen: the keeper is off "
				  "(seed.keeper: off) and sbx's virtiofs caching keeps old files; "
				  "fix: seed.keeper: auto"
				: "readable, but host edits may stay unseen: the keeper does not run "
				  "and sbx's virtiofs caching keeps old files; fix: `claude-sbx shell` "
				  "or `claude-sbx status` starts it");
		return false;
	}
	snprintf(buf, len,
		 "live: host changes reach the sandbox (the keeper drops the "
		 "guest's caches on each change)");
	return true;
}
