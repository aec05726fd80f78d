/* cmd_status.c — `claude-seedfs status`; --json is written with json-c. */
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
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

static struct json_object *json_str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static struct json_object *view_json(const struct seedfs_view *v, bool stats)
{
	struct json_object *o = json_object_new_object();
	struct json_object *layers = json_object_new_array();
	struct json_object *groups = json_object_new_array();

	json_object_object_add(o, "mountpoint",
			       json_object_new_string(v->mountpoint));
	json_object_object_add(o, "source", json_object_new_string(v->source));
	json_object_object_add(o, "pid", json_object_new_int((int)v->pid));
	json_object_object_add(o, "state",
			       json_object_new_string(v->running ? "running"
								 : "stale"));
	for (size_t i = 0; i < v->nlayers; i++) {
		char hex[17];
		struct json_object *l = json_object_new_object();
		snprintf(hex, sizeof(hex), "%016" PRIx64, v->layers[i].xxh3);
		json_object_object_add(
			l, "file", json_object_new_string(v->layers[i].file));
		json_object_object_add(l, "xxh3", json_object_new_string(hex));
		json_object_array_add(layers, l);
	}
	json_object_object_add(o, "layers", layers);
	for (size_t i = 0; i < v->ngroups; i++)
		json_object_array_add(groups,
				      json_object_new_string(v->groups[i]));
	json_object_object_add(o, "groups", groups);
	json_object_object_add(o, "confinement",
			       json_str_or_null(v->confinement));
	json_object_object_add(o, "generation",
			       json_object_new_uint64(v->generation));
	json_object_object_add(o, "reload_error",
			       json_str_or_null(v->reload_error));
	if (stats) {
		struct seedfs_counter c[MAX_COUNTERS];
		struct seedfs_usage u;
		int n = seedfs_view_stats(v, c, MAX_COUNTERS, &u);
		struct json_object *st = json_object_new_object();
		for (int i = 0; i < n; i++)
			json_object_object_add(
				st, c[i].name,
				json_object_new_uint64(c[i].count));
		json_object_object_add(st, "rss_kb",
				       json_object_new_int64(u.rss_kb));
		json_object_object_add(st, "peak_rss_kb",
				       json_object_new_int64(u.peak_rss_kb));
		json_object_object_add(st, "fds", json_object_new_int64(u.fds));
		json_object_object_add(o, "stats", st);
	}
	return o;
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
			snprintf(msg, sizeof(msg),
				 "%s: not a claude-seedfs view", argv[optind]);
			cli_error("status", msg);
			return SEEDFS_EXIT_FAIL;
		}
		views = &one;
		n = 1;
	} else if (seedfs_view_list(&views, &n) < 0) {
		cli_error("status", "cannot read the runtime state");
		return SEEDFS_EXIT_FAIL;
	}

	if (json) {
		struct json_object *root = json_object_new_object();
		struct json_object *arr = json_object_new_array();
		for (size_t i = 0; i < n; i++)
			json_object_array_add(arr, view_json(views[i], stats));
		json_object_object_add(root, "views", arr);
		printf("%s\n",
		       json_object_to_json_string_ext(
			       root, JSON_C_TO_STRING_PLAIN |
					     JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(root);
	} else {
		for (size_t i = 0; i < n; i++)
			print_text(views[i], stats);
		if (n == 0)
			printf("no active views\n");
	}
	if (one)
		seedfs_view_free(one);
	else
		seedfs_view_list_free(views, n);
	return SEEDFS_EXIT_OK;
}
