/* cmd_status.c — `claude-seedfs status`. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char help[] =
	"Usage: claude-seedfs status [--json] [--stats] [MOUNTPOINT]\n"
	"\n"
	"Show each active view (or the one at MOUNTPOINT): source, mountpoint, "
	"daemon\npid, state, the rule layers in order with an XXH3 fingerprint "
	"of each, and the\nenabled groups. --stats adds the FUSE request "
	"counters since mount and the\ndaemon's memory and open descriptors. "
	"--json prints the same as JSON.\n"
	"Exit status: 0, or 1 when MOUNTPOINT is not a view.\n";

#define MAX_COUNTERS 64

static void json_str(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static const char *state_word(const struct seedfs_view *v)
{
	return v->running ? "running" : "stale (daemon gone)";
}

static void print_text(const struct seedfs_view *v, bool stats)
{
	printf("%s\n  source:  %s\n  pid:     %d\n  state:   %s\n",
	       v->mountpoint, v->source, (int)v->pid, state_word(v));
	for (size_t i = 0; i < v->nlayers; i++)
		printf("  layer %zu: %s xxh3:%016" PRIx64 "\n", i + 1,
		       v->layers[i].file, v->layers[i].xxh3);
	printf("  groups:  ");
	for (size_t i = 0; i < v->ngroups; i++)
		printf("%s%s", i ? ", " : "", v->groups[i]);
	printf("%s\n", v->ngroups ? "" : "(none)");
	printf("  confined: %s\n", v->confinement ? v->confinement : "unknown");
	if (v->reload_error)
		printf("  last reload failed: %s\n", v->reload_error);
	if (!stats)
		return;
	struct seedfs_counter c[MAX_COUNTERS];
	struct seedfs_usage u;
	int n = seedfs_view_stats(v, c, MAX_COUNTERS, &u);
	for (int i = 0; i < n; i++)
		printf("%s %" PRIu64 "\n", c[i].name, c[i].count);
	printf("rss_kb %ld\npeak_rss_kb %ld\nfds %ld\n", u.rss_kb,
	       u.peak_rss_kb, u.fds);
}

static void print_json(const struct seedfs_view *v, bool stats)
{
	printf("{\"mountpoint\":");
	json_str(v->mountpoint);
	printf(",\"source\":");
	json_str(v->source);
	printf(",\"pid\":%d,\"state\":\"%s\",\"layers\":[", (int)v->pid,
	       v->running ? "running" : "stale");
	for (size_t i = 0; i < v->nlayers; i++) {
		printf("%s{\"file\":", i ? "," : "");
		json_str(v->layers[i].file);
		printf(",\"xxh3\":\"%016" PRIx64 "\"}", v->layers[i].xxh3);
	}
	printf("],\"groups\":[");
	for (size_t i = 0; i < v->ngroups; i++) {
		printf("%s", i ? "," : "");
		json_str(v->groups[i]);
	}
	printf("],\"confinement\":");
	if (v->confinement)
		json_str(v->confinement);
	else
		printf("null");
	printf(",\"generation\":%lu,\"reload_error\":", v->generation);
	if (v->reload_error)
		json_str(v->reload_error);
	else
		printf("null");
	if (stats) {
		struct seedfs_counter c[MAX_COUNTERS];
		struct seedfs_usage u;
		int n = seedfs_view_stats(v, c, MAX_COUNTERS, &u);
		printf(",\"stats\":{");
		for (int i = 0; i < n; i++)
			printf("%s\"%s\":%" PRIu64, i ? "," : "", c[i].name,
			       c[i].count);
		printf("%s\"rss_kb\":%ld,\"peak_rss_kb\":%ld,\"fds\":%ld}",
		       n > 0 ? "," : "", u.rss_kb, u.peak_rss_kb, u.fds);
	}
	printf("}");
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "stats", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, stats = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 's':
			stats = true;
			break;
		case 'h':
			fputs(help, stdout);
			return SEEDFS_EXIT_OK;
		default:
			usage_brief("status");
			return SEEDFS_EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		cli_error("status", "too many arguments");
		return SEEDFS_EXIT_USAGE;
	}

	struct seedfs_view **views = NULL, *one = NULL;
	size_t n = 0;
	if (optind < argc) {
		if (seedfs_view_get(argv[optind], &one) < 0) {
			char msg[4200];
			snprintf(msg, sizeof(msg), "%s: not a claude-seedfs view",
				 argv[optind]);
			cli_error("status", msg);
			return SEEDFS_EXIT_FAIL;
		}
		views = &one;
		n = 1;
	} else if (seedfs_view_list(&views, &n) < 0) {
		cli_error("status", "cannot read the runtime state");
		return SEEDFS_EXIT_FAIL;
	}

	if (json)
		printf("{\"views\":[");
	for (size_t i = 0; i < n; i++) {
		if (json) {
			printf("%s", i ? "," : "");
			print_json(views[i], stats);
		} else {
			print_text(views[i], stats);
		}
	}
	if (json)
		printf("]}\n");
	else if (n == 0)
		printf("no active views\n");
	if (one)
		seedfs_view_free(one);
	else
		seedfs_view_list_free(views, n);
	return SEEDFS_EXIT_OK;
}
