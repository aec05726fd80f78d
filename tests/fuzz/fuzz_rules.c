/* fuzz_rules.c — libFuzzer target for rules_load (src/rules.c, with
 * src/pattern.c), and for the decisions of whatever rule set loads.
 *
 * Input: rule-file text (YAML, docs/rules.md). A line "#LAYER" starts the
 * next layer file (at most 4); a line "#WITH a b c" adds command-line
 * groups (--with); a line "#NOHOME" loads with no home directory. These
 * are YAML comments, so a plain rule file (rules/default.yaml) is a valid
 * input as it is. Each layer goes to a memfd, read through /proc/self/fd/N
 * exactly as the daemon reads a rule file. FUZZ_DEBUG=1 in the environment
 * prints what rules_load said (to check that a seed loads).
 *
 * Checks (__builtin_trap on failure):
 *  R1  Failure: -EINVAL or -errno, a message, *out untouched, the file
 *      named is a layer or "--with".
 *  R2  Success: one layer per file, each fingerprinted with XXH3-64 of its
 *      exact bytes; group names match ^[a-z0-9][a-z0-9-]{0,62}$; follow
 *      directories are absolute.
 *  R3  For paths from a fixed list and from the input's own words, walked
 *      one component at a time with rules_decide as the daemon does:
 *      a path that rules_never_match names is hidden (no include of any
 *      layer or group lifts a never rule); a visible path is not named by
 *      it; a hidden parent gives a hidden child; an included path's rule
 *      is an include rule that matches the path or one of its ancestors;
 *      a hidden path's rule, if any, is an exclude or never rule; only
 *      directories are containers, and a container has no rule.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

#include "seedfs/pattern.h"
#include "seedfs/rules.h"
#include "common.h"

#define MAX_LAYERS   4
#define MAX_WITH     6
#define MAX_PATHS    48
#define MAX_PATH_LEN 200

static const char *const fixed_paths[] = {
	"CLAUDE.md",
	"settings.json",
	"settings.local.json",
	".credentials.json",
	".claude.json.backup",
	"history.jsonl",
	"rules/x.md",
	"skills/pdf/SKILL.md",
	"skills/pdf/.env",
	"skills/pdf/.env.example",
	"skills/pdf/.env.local",
	"skills/pdf/scripts/run.py",
	"skills/pdf/key.pem",
	"skills/x/.claude-plugin/plugin.json",
	"skills/.git/config",
	"agents/a.md",
	"commands/c.md",
	"output-styles/s.md",
	"projects/p/t.jsonl",
	"ide/1.lock",
	"plugins/data/x",
	"a/b/c/d/e",
};

struct words {
	char v[MAX_PATHS][MAX_PATH_LEN + 1];
	size_t n;
};

/* Pulls path-like words out of the input: the patterns it names, with
 * glob bytes turned into plain ones, so that rules match something. */
static void collect_words(const uint8_t *d, size_t n, struct words *w)
{
	size_t i = 0;

	w->n = 0;
	while (i < n && w->n < MAX_PATHS) {
		while (i < n && (d[i] == ' ' || d[i] == '\n' || d[i] == '\t' ||
				 d[i] == '"' || d[i] == '\'' || d[i] == ',' ||
				 d[i] == '[' || d[i] == ']' || d[i] == '-' ||
				 d[i] == '/' || d[i] == '!' || d[i] == '#' ||
				 d[i] == ':' || d[i] == '{' || d[i] == '}'))
			i++;
		size_t len = 0;
		char *out = w->v[w->n];
		while (i < n && d[i] != ' ' && d[i] != '\n' && d[i] != '\t' &&
		       d[i] != '"' && d[i] != '\'' && d[i] != ',' &&
		       d[i] != ']' && d[i] != '#' && d[i] != '}') {
			char c = (char)d[i++];
			if (len >= MAX_PATH_LEN)
				continue;
			if (c == '*' || c == '?' || c == '[')
				c = 'x';
			if (c == '/' && (len == 0 || out[len - 1] == '/'))
				continue; /* no empty components */
			out[len++] = c;
		}
		while (len > 0 && out[len - 1] == '/')
			len--;
		if (len == 0)
			continue;
		out[len] = '\0';
		w->n++;
	}
}

static bool group_name_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 63)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      (c == '-' && i > 0)))
			return false;
	}
	return true;
}

/* R3 for one path and one kind of the last component. */
static void walk(const struct rules *rs, const char *path, bool last_is_dir)
{
	size_t len = strlen(path);
	struct verdict v = rules_root(rs);
	struct verdict at[MAX_PATH_LEN + 1];
	size_t ends[MAX_PATH_LEN + 1], nends = 0;

	CHECK(v.vis == VIS_CONTAINER && v.rule == NULL);
	for (size_t i = 0; i <= len; i++) {
		if (i < len && path[i] != '/')
			continue;
		bool is_dir = i < len || last_is_dir;
		struct verdict parent = v;
		v = rules_decide(rs, parent, path, i, is_dir);
		ends[nends] = i;
		at[nends++] = v;
		if (parent.vis == VIS_HIDDEN)
			CHECK(v.vis == VIS_HIDDEN);
		/* the same question gives the same answer */
		struct verdict again =
			rules_decide(rs, parent, path, i, is_dir);
		CHECK(again.vis == v.vis && again.rule == v.rule);
		switch (v.vis) {
		case VIS_HIDDEN:
			CHECK(!v.rule || v.rule->kind == RULE_NEVER ||
			      v.rule->kind == RULE_EXCLUDE);
			break;
		case VIS_CONTAINER:
			CHECK(is_dir && v.rule == NULL);
			break;
		case VIS_INCLUDED: {
			bool found = false;
			CHECK(v.rule && v.rule->kind == RULE_INCLUDE);
			for (size_t k = 0; k < nends && !found; k++)
				found = pattern_match(v.rule->pat, path,
						      ends[k],
						      k + 1 < nends || is_dir);
			CHECK(found);
			CHECK(v.rule->file && v.rule->line > 0);
			break;
		}
		}
		/* never: whatever the layers and groups include */
		const struct rule *nv = rules_never_match(rs, path, i, is_dir);
		if (nv) {
			CHECK(nv->kind == RULE_NEVER);
			CHECK(v.vis == VIS_HIDDEN);
		}
		if (v.vis != VIS_HIDDEN)
			CHECK(nv == NULL);
	}
}

static int layer_fd[MAX_LAYERS] = { -1, -1, -1, -1 };

static void put_layer(size_t k, const uint8_t *d, size_t n, char *name,
		      size_t name_size)
{
	if (layer_fd[k] < 0) {
		char nm[16];
		snprintf(nm, sizeof(nm), "layer%zu", k);
		layer_fd[k] = memfd_create(nm, MFD_CLOEXEC);
		CHECK(layer_fd[k] >= 0);
	}
	CHECK(ftruncate(layer_fd[k], 0) == 0);
	CHECK(n == 0 || pwrite(layer_fd[k], d, n, 0) == (ssize_t)n);
	snprintf(name, name_size, "/proc/self/fd/%d", layer_fd[k]);
}

static bool line_is(const uint8_t *p, const uint8_t *end, const char *word)
{
	size_t wl = strlen(word);

	return (size_t)(end - p) >= wl && memcmp(p, word, wl) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char names[MAX_LAYERS][64];
	static char withbuf[MAX_WITH][72];
	static struct words w;
	const char *files[MAX_LAYERS], *with[MAX_WITH];
	const uint8_t *lstart[MAX_LAYERS];
	size_t llen[MAX_LAYERS], nlayers = 0, nwith = 0;
	const uint8_t *p = data, *end = data + size;
	bool home = true;
	struct rules *rs = (struct rules *)&w; /* a sentinel: must stay */
	struct rules_error err;
	int r;

	if (size > RULES_MAX_FILE_BYTES)
		return 0;
	/* split into layers, pick up #WITH and #NOHOME */
	lstart[0] = data;
	nlayers = 1;
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		const uint8_t *eol = nl ? nl : end;
		if (line_is(p, eol, "#LAYER") && nlayers < MAX_LAYERS) {
			llen[nlayers - 1] = (size_t)(p - lstart[nlayers - 1]);
			lstart[nlayers++] = nl ? nl + 1 : end;
		} else if (line_is(p, eol, "#NOHOME")) {
			home = false;
		} else if (line_is(p, eol, "#WITH ")) {
			const uint8_t *q = p + 6;
			while (q < eol && nwith < MAX_WITH) {
				const uint8_t *sp =
					memchr(q, ' ', (size_t)(eol - q));
				const uint8_t *we = sp ? sp : eol;
				size_t wl = (size_t)(we - q);
				if (wl > 0 && wl < sizeof(withbuf[0]) &&
				    !memchr(q, 0, wl)) {
					memcpy(withbuf[nwith], q, wl);
					withbuf[nwith][wl] = '\0';
					with[nwith] = withbuf[nwith];
					nwith++;
				}
				q = we + 1;
			}
		}
		p = nl ? nl + 1 : end;
	}
	llen[nlayers - 1] = (size_t)(end - lstart[nlayers - 1]);
	for (size_t k = 0; k < nlayers; k++) {
		put_layer(k, lstart[k], llen[k], names[k], sizeof(names[k]));
		files[k] = names[k];
	}

	struct rules_input in = {
		.files = files,
		.nfiles = nlayers,
		.with = with,
		.nwith = nwith,
		.home = home ? "/home/fuzz" : NULL,
	};
	r = rules_load(&in, &rs, &err);
	if (r != 0) {
		/* R1 */
		char buf[64], big[8192];
		bool named = strcmp(err.file, "--with") == 0;
		if (getenv("FUZZ_DEBUG")) {
			rules_error_format(&err, big, sizeof(big));
			fprintf(stderr, "rules_load: %s\n", big);
		}
		CHECK(r < 0);
		CHECK(rs == (struct rules *)&w);
		CHECK(err.msg[0] != '\0');
		CHECK(memchr(err.file, 0, sizeof(err.file)) &&
		      memchr(err.msg, 0, sizeof(err.msg)));
		for (size_t k = 0; k < nlayers; k++)
			named |= strcmp(err.file, names[k]) == 0;
		CHECK(named || r == -ENOMEM);
		rules_error_format(&err, buf, sizeof(buf));
		CHECK(strlen(buf) < sizeof(buf));
		rules_error_format(&err, big, sizeof(big));
		CHECK(strstr(big, err.msg) != NULL);
		rules_error_format(&err, buf, 0);
		return 0;
	}

	/* R2 */
	if (getenv("FUZZ_DEBUG"))
		fprintf(stderr, "rules_load: ok, %zu layers, %zu groups\n",
			rules_layer_count(rs), rules_group_count(rs));
	CHECK(rs != (struct rules *)&w && rs != NULL);
	CHECK(rules_layer_count(rs) == nlayers);
	for (size_t k = 0; k < nlayers; k++) {
		CHECK(strcmp(rules_layer_file(rs, k), names[k]) == 0);
		CHECK(rules_layer_fingerprint(rs, k) ==
		      XXH3_64bits(lstart[k], llen[k]));
	}
	CHECK(rules_layer_file(rs, nlayers) == NULL);
	for (size_t g = 0; g < rules_group_count(rs); g++)
		CHECK(group_name_ok(rules_group_name(rs, g)));
	CHECK(rules_group_name(rs, rules_group_count(rs)) == NULL);
	for (size_t f = 0; f < rules_follow_count(rs); f++)
		CHECK(rules_follow_dir(rs, f)[0] == '/');
	CHECK(rules_follow_dir(rs, rules_follow_count(rs)) == NULL);

	/* R3 */
	for (size_t i = 0; i < sizeof(fixed_paths) / sizeof(fixed_paths[0]);
	     i++) {
		walk(rs, fixed_paths[i], false);
		walk(rs, fixed_paths[i], true);
	}
	collect_words(data, size, &w);
	for (size_t i = 0; i < w.n; i++) {
		walk(rs, w.v[i], false);
		walk(rs, w.v[i], true);
	}
	rules_free(rs);
	return 0;
}
