/* keeper.c — see keeper.h. Pure: no I/O. */
#include "keeper.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char keeper_usage[] =
	"usage: claude-seedfs-keeper [--once | --daemon] [--interval MS]\n"
	"                            [--pidfile PATH | --no-pidfile] [--no-drop] VIEW\n"
	"       claude-seedfs-keeper --status [--pidfile PATH] [VIEW]\n"
	"Polls the claude-seedfs view mounted at VIEW for changes and, on each,\n"
	"drops this system's dentry and inode caches (echo 2 >\n"
	"/proc/sys/vm/drop_caches) so cached reads through virtiofs see them.\n"
	"  --once         probe once, print the view's change generation, drop\n"
	"                 the caches (unless --no-drop) and exit\n"
	"  --interval MS  time between probes (default 200, 10..60000)\n"
	"  --pidfile PATH lock file making a second keeper exit 0 at once\n"
	"                 (default " KEEPER_DEFAULT_PIDFILE ")\n"
	"  --no-drop      report changes only (testing, not root)\n"
	"  --daemon       run in the background (fork, setsid, output to\n"
	"                 /dev/null); returns once the pidfile is written\n"
	"  --status       print `running pid=N` (or `stopped`) for the pidfile's\n"
	"                 keeper and, with VIEW, `generation=G probe_ms=T`\n"
	"Exit: 0 ok (or already running), 1 the view does not answer, 2 usage,\n"
	"3 (--status) no keeper holds the pidfile.\n";

static int need_value(int argc, char **argv, int *i, const char **out,
		      char *why, size_t whylen)
{
	if (*i + 1 >= argc) {
		snprintf(why, whylen, "%s needs a value", argv[*i]);
		return -1;
	}
	*out = argv[++*i];
	return 0;
}

int keeper_parse_args(int argc, char **argv, struct keeper_opts *o, char *why,
		      size_t whylen)
{
	*o = (struct keeper_opts){ .pidfile = KEEPER_DEFAULT_PIDFILE,
				   .interval_ms = KEEPER_DEFAULT_INTERVAL_MS };
	bool operands = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		if (operands || a[0] != '-' || a[1] == '\0') {
			if (o->view) {
				snprintf(why, whylen,
					 "one VIEW only (got %s and %s)",
					 o->view, a);
				return -1;
			}
			o->view = a;
		} else if (strcmp(a, "--") == 0) {
			operands = true;
		} else if (strcmp(a, "--once") == 0) {
			o->once = true;
		} else if (strcmp(a, "--no-drop") == 0) {
			o->no_drop = true;
		} else if (strcmp(a, "--daemon") == 0) {
			o->daemon = true;
		} else if (strcmp(a, "--status") == 0) {
			o->status = true;
		} else if (strcmp(a, "--no-pidfile") == 0) {
			o->pidfile = NULL;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			o->help = true;
		} else if (strcmp(a, "--version") == 0) {
			o->version = true;
		} else if (strcmp(a, "--pidfile") == 0) {
			if (need_value(argc, argv, &i, &v, why, whylen) < 0)
				return -1;
			if (!v[0]) {
				snprintf(why, whylen, "--pidfile: empty path");
				return -1;
			}
			o->pidfile = v;
		} else if (strcmp(a, "--interval") == 0) {
			if (need_value(argc, argv, &i, &v, why, whylen) < 0)
				return -1;
			char *end;
			errno = 0;
			unsigned long ms = strtoul(v, &end, 10);
			if (errno || end == v || *end || v[0] == '-' ||
			    ms < 10 || ms > 60000) {
				snprintf(why, whylen,
					 "--interval %s: want milliseconds, "
					 "10 to 60000",
					 v);
				return -1;
			}
			o->interval_ms = (unsigned)ms;
		} else {
			snprintf(why, whylen, "unknown option %s", a);
			return -1;
		}
	}
	if (o->help || o->version)
		return 0;
	if ((o->once && o->daemon) || (o->status && (o->once || o->daemon))) {
		snprintf(why, whylen,
			 "--once, --daemon and --status exclude each other");
		return -1;
	}
	if ((o->daemon || o->status) && !o->pidfile) {
		snprintf(why, whylen, "%s needs a pidfile (not --no-pidfile)",
			 o->daemon ? "--daemon" : "--status");
		return -1;
	}
	if (!o->view && !o->status) {
		snprintf(why, whylen, "missing VIEW (the view's mountpoint)");
		return -1;
	}
	return 0;
}

int keeper_probe_path(char *buf, size_t len, const char *view, uint64_t gen,
		      uint64_t nonce)
{
	size_t vl = strlen(view);
	while (vl > 1 && view[vl - 1] == '/')
		vl--;
	int n = snprintf(buf, len,
			 "%.*s%s" KEEPER_PROBE_PREFIX "%" PRIu64 ".%016" PRIx64,
			 (int)vl, view, vl == 1 && view[0] == '/' ? "" : "/",
			 gen, nonce);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

enum keeper_action keeper_judge(uint64_t known, int err, int64_t size,
				uint64_t *next)
{
	if (err == ENOENT)
		return known ? KEEPER_SAME : KEEPER_FAILED;
	if (err || size <= 0 || (uint64_t)size == known)
		return KEEPER_FAILED; /* generations start at 1 and only move */
	*next = (uint64_t)size;
	return KEEPER_CHANGED;
}

unsigned keeper_pause_ms(unsigned interval_ms, double since_change_ms,
			 bool *redrop)
{
	*redrop = since_change_ms >= 0 &&
		  since_change_ms < KEEPER_REDROP_WINDOW_MS;
	if (*redrop && interval_ms > KEEPER_REDROP_EVERY_MS)
		return KEEPER_REDROP_EVERY_MS;
	return interval_ms;
}
