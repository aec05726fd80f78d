/* rules_bench.c — micro-benchmark of the rules engine: ns per rules_decide
 * and per rules_never_match for 10, 200 and 2,000 generated patterns on top
 * of the default rules, over the paths of a generated ~/.claude-like tree.
 *
 * Not a test: it asserts no time. Usage:
 *   rules_bench [--quick] [--default FILE] [--counts N,N,...]
 * --quick runs a few repetitions only (a sanity run); --default is the
 * first layer (the source tree's rules/default.yaml unless given).
 * The generated patterns are those of tests/bench/bench.py's 200-pattern
 * file, scaled: they name nothing in the tree, so every count decides the
 * same verdicts and only the matcher's cost differs. The "unkeyed" rows
 * use excludes such as "*x12y*" instead, which no index key describes (a
 * literal inside a name only): the cost of the patterns that are scanned.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "seedfs/rules.h"

#ifndef RULES_BENCH_DEFAULT
#define RULES_BENCH_DEFAULT "rules/default.yaml"
#endif

struct bench_path {
	char *path;
	size_t len;
	bool is_dir;
	size_t parent; /* index into the path list, SIZE_MAX for SOURCE */
};

struct path_list {
	struct bench_path *v;
	size_t n, cap;
};

static void die(const char *what)
{
	fprintf(stderr, "rules_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static size_t add_path(struct path_list *l, size_t parent, const char *name,
		       bool is_dir)
{
	struct bench_path *p;
	char buf[512];
	int n;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			die("realloc");
	}
	if (parent == SIZE_MAX)
		n = snprintf(buf, sizeof(buf), "%s", name);
	else
		n = snprintf(buf, sizeof(buf), "%s/%s", l->v[parent].path,
			     name);
	p = &l->v[l->n];
	p->path = strdup(buf);
	if (!p->path)
		die("strdup");
	p->len = (size_t)n;
	p->is_dir = is_dir;
	p->parent = parent;
	return l->n++;
}

/* A ~/.claude-like tree (cf. bench.py's gen_tree), visible parts and the
 * runtime state the view hides, plus the secrets never: names. */
static void gen_tree(struct path_list *l, unsigned skills)
{
	static const char *const topics[] = { "usage.md", "examples.md",
					      "workflow.md", "pitfalls.md",
					      "checklist.md" };
	static const char *const secrets[] = { ".env",	  "id_rsa",
					       "key.pem", "credentials-1.json",
					       ".git",	  "notes.md.bak" };
	char name[64];
	size_t top, d, sub;

	add_path(l, SIZE_MAX, "CLAUDE.md", false);
	add_path(l, SIZE_MAX, "settings.json", false);
	add_path(l, SIZE_MAX, ".credentials.json", false);
	top = add_path(l, SIZE_MAX, "skills", true);
	for (unsigned i = 0; i < skills; i++) {
		snprintf(name, sizeof(name), "skill-%03u", i);
		d = add_path(l, top, name, true);
		add_path(l, d, "SKILL.md", false);
		for (size_t k = 0; k < sizeof(topics) / sizeof(topics[0]); k++)
			add_path(l, d, topics[k], false);
		sub = add_path(l, d, "references", true);
		for (unsigned k = 0; k < 4; k++) {
			snprintf(name, sizeof(name), "ref-%u.md", k);
			add_path(l, sub, name, false);
		}
		sub = add_path(l, d, "scripts", true);
		add_path(l, sub, "run.py", false);
		add_path(l, sub, "helper.sh", false);
		add_path(l, d,
			 secrets[i % (sizeof(secrets) / sizeof(secrets[0]))],
			 i % 6 == 4);
	}
	top = add_path(l, SIZE_MAX, "agents", true);
	for (unsigned i = 0; i < skills / 2; i++) {
		snprintf(name, sizeof(name), "agent-%03u.md", i);
		add_path(l, top, name, false);
	}
	top = add_path(l, SIZE_MAX, "commands", true);
	for (unsigned k = 0; k < 4; k++) {
		snprintf(name, sizeof(name), "ns-%u", k);
		d = add_path(l, top, name, true);
		for (unsigned i = 0; i < skills / 8; i++) {
			snprintf(name, sizeof(name), "cmd-%03u.md", i);
			add_path(l, d, name, false);
		}
	}
	top = add_path(l, SIZE_MAX, "rules", true);
	for (unsigned i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "rule-%u.md", i);
		add_path(l, top, name, false);
	}
	top = add_path(l, SIZE_MAX, "projects", true);
	for (unsigned k = 0; k < 4; k++) {
		snprintf(name, sizeof(name), "-home-user-project-%u", k);
		d = add_path(l, top, name, true);
		for (unsigned i = 0; i < 8; i++) {
			snprintf(name, sizeof(name), "%08x-session.jsonl",
				 i * 2654435761u);
			add_path(l, d, name, false);
		}
	}
	top = add_path(l, SIZE_MAX, "todos", true);
	for (unsigned i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "todo-%u.json", i);
		add_path(l, top, name, false);
	}
}

/* bench.py's gen_rules200 for n patterns (35% include, 35% exclude, 30%
 * never), the kinds cycling the same way; or n unkeyed excludes. */
static void gen_rules(FILE *fp, unsigned n, bool unkeyed)
{
	unsigned ninc = n * 35 / 100, nexc = n * 35 / 100;
	unsigned nnev = n - ninc - nexc;

	if (unkeyed) {
		fprintf(fp, "version: 1\nexclude:\n");
		for (unsigned i = 0; i < n; i++)
			fprintf(fp, "  - \"*x%uy*\"\n", i);
		return;
	}
	fprintf(fp, "version: 1\ninclude:\n");
	for (unsigned i = 0; i < ninc; i++)
		if (i % 2)
			fprintf(fp, "  - \"/plans-%03u/**/*.md\"\n", i);
		else
			fprintf(fp, "  - \"/notes-%03u/\"\n", i);
	fprintf(fp, "exclude:\n");
	for (unsigned i = 0; i < nexc; i++) {
		switch (i % 5) {
		case 0:
			fprintf(fp, "  - \"*.bak%u\"\n", i);
			break;
		case 1:
			fprintf(fp, "  - \"skills/*/draft-%u-*.md\"\n", i);
			break;
		case 2:
			fprintf(fp, "  - \"**/tmp%u/\"\n", i);
			break;
		case 3:
			fprintf(fp, "  - \"agents/old-[0-9][0-9]%u?.md\"\n", i);
			break;
		default:
			fprintf(fp, "  - \"commands/**/wip-%u*\"\n", i);
			break;
		}
	}
	fprintf(fp, "never:\n");
	for (unsigned i = 0; i < nnev; i++) {
		switch (i % 4) {
		case 0:
			fprintf(fp, "  - \"*.secret%u\"\n", i);
			break;
		case 1:
			fprintf(fp, "  - \"**/token-%u.json\"\n", i);
			break;
		case 2:
			fprintf(fp, "  - \".vault%u/\"\n", i);
			break;
		default:
			fprintf(fp, "  - \"private-key-%u-*\"\n", i);
			break;
		}
	}
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The parent verdicts of every path, decided top-down as the filesystem
 * does (a parent comes before its children in the list). */
static void parent_verdicts(const struct rules *rs, const struct path_list *l,
			    struct verdict *parent, unsigned *visible)
{
	struct verdict *self = calloc(l->n, sizeof(*self));

	if (!self)
		die("calloc");
	*visible = 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct bench_path *p = &l->v[i];
		parent[i] = p->parent == SIZE_MAX ? rules_root(rs)
						  : self[p->parent];
		self[i] =
			rules_decide(rs, parent[i], p->path, p->len, p->is_dir);
		*visible += self[i].vis != VIS_HIDDEN;
	}
	free(self);
}

struct result {
	double decide_ns, never_ns;
	unsigned visible, nevers;
};

/* Best of reps passes over all paths, ns per call. Paths below a hidden
 * directory are decided too (from the hidden parent the filesystem would
 * never ask about, but rules_decide answers at once): they are kept, as in
 * the tree, only to be counted. */
static struct result run(const struct rules *rs, const struct path_list *l,
			 unsigned reps)
{
	struct verdict *parent = calloc(l->n, sizeof(*parent));
	struct result res = { 1e300, 1e300, 0, 0 };
	volatile uintptr_t sink = 0;

	if (!parent)
		die("calloc");
	parent_verdicts(rs, l, parent, &res.visible);
	for (unsigned r = 0; r < reps; r++) {
		double t0 = now_ns(), t1, t2;
		for (size_t i = 0; i < l->n; i++) {
			const struct bench_path *p = &l->v[i];
			struct verdict v = rules_decide(rs, parent[i], p->path,
							p->len, p->is_dir);
			sink += (uintptr_t)v.rule + v.vis;
		}
		t1 = now_ns();
		res.nevers = 0;
		for (size_t i = 0; i < l->n; i++) {
			const struct bench_path *p = &l->v[i];
			const struct rule *nr = rules_never_match(
				rs, p->path, p->len, p->is_dir);
			res.nevers += nr != NULL;
			sink += (uintptr_t)nr;
		}
		t2 = now_ns();
		if ((t1 - t0) / (double)l->n < res.decide_ns)
			res.decide_ns = (t1 - t0) / (double)l->n;
		if ((t2 - t1) / (double)l->n < res.never_ns)
			res.never_ns = (t2 - t1) / (double)l->n;
	}
	(void)sink;
	free(parent);
	return res;
}

static struct rules *load(const char *deflt, const char *extra)
{
	const char *files[2] = { deflt, extra };
	struct rules_input in = { .files = files, .nfiles = extra ? 2 : 1 };
	struct rules_error err;
	struct rules *rs;
	char msg[5000];

	if (rules_load(&in, &rs, &err) != 0) {
		rules_error_format(&err, msg, sizeof(msg));
		fprintf(stderr, "rules_bench: %s\n", msg);
		exit(1);
	}
	return rs;
}

int main(int argc, char **argv)
{
	const char *deflt = RULES_BENCH_DEFAULT;
	const char *counts = "10,200,2000";
	unsigned reps = 15;
	struct path_list paths = { 0 };
	char dir[] = "/tmp/rules-bench-XXXXXX";
	char file[64];
	struct rules *rs;
	struct result base;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0)
			reps = 2;
		else if (strcmp(argv[i], "--default") == 0 && i + 1 < argc)
			deflt = argv[++i];
		else if (strcmp(argv[i], "--counts") == 0 && i + 1 < argc)
			counts = argv[++i];
		else {
			fprintf(stderr,
				"usage: %s [--quick] [--default FILE] [--counts N,N,...]\n",
				argv[0]);
			return 2;
		}
	}
	gen_tree(&paths, 200);
	if (!mkdtemp(dir))
		die("mkdtemp");
	snprintf(file, sizeof(file), "%s/rules.yaml", dir);

	rs = load(deflt, NULL);
	base = run(rs, &paths, reps);
	rules_free(rs);
	printf("%zu paths, best of %u passes; %u visible, %u under never:\n",
	       paths.n, reps, base.visible, base.nevers);
	printf("%-22s %12s %12s\n", "layers", "decide ns", "never ns");
	printf("%-22s %12.1f %12.1f\n", "default", base.decide_ns,
	       base.never_ns);

	for (int unkeyed = 0; unkeyed < 2; unkeyed++) {
		for (const char *c = counts; *c;) {
			char *end;
			unsigned long n = strtoul(c, &end, 10);
			struct result res;
			char label[48];
			FILE *fp;

			if (end == c || n == 0 || n > 100000) {
				fprintf(stderr, "rules_bench: bad --counts\n");
				return 2;
			}
			c = *end == ',' ? end + 1 : end;
			fp = fopen(file, "w");
			if (!fp)
				die(file);
			gen_rules(fp, (unsigned)n, unkeyed);
			if (fclose(fp))
				die(file);
			rs = load(deflt, file);
			res = run(rs, &paths, reps);
			rules_free(rs);
			snprintf(label, sizeof(label), "default + %lu%s", n,
				 unkeyed ? " unkeyed" : "");
			printf("%-22s %12.1f %12.1f%s\n", label, res.decide_ns,
			       res.never_ns,
			       res.visible == base.visible &&
					       res.nevers == base.nevers
				       ? ""
				       : "  (verdicts differ from default!)");
		}
	}
	unlink(file);
	rmdir(dir);
	for (size_t i = 0; i < paths.n; i++)
		free(paths.v[i].path);
	free(paths.v);
	return 0;
}
