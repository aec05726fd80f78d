/* cmd_manifest.c — `claude-seedfs manifest`: a pinnable list of what a view
 * serves, in the format of sha256sum, and --check against a saved one. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char help[] =
	"Usage: claude-seedfs manifest [--rules FILE]... [--with GROUP]... "
	"[--follow DIR]...\n"
	"                              [--check FILE] [MOUNTPOINT|SOURCE]\n"
	"\n"
	"Print 'XXH3-128  path' for every file the view serves (computed "
	"files: the\nserved bytes), sorted by path, in the format of "
	"sha256sum. A MOUNTPOINT is\nread through the mount; anything else is "
	"a SOURCE read with the given rules\n(default: $CLAUDE_CONFIG_DIR, "
	"else ~/.claude).\n"
	"  --check FILE   compare with a saved manifest; list added, removed "
	"and\n                 changed files\n"
	"Exit status: 0 (--check: identical), 1 differences or failure, 2 bad "
	"usage\nor a malformed manifest.\n";

struct entry {
	char *path;
	char hex[33];
	bool seen;
};

struct list {
	struct entry *v;
	size_t n, cap;
};

static int push(struct list *l, const char *path, const char *hex)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct entry *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n].path = strdup(path);
	if (!l->v[l->n].path)
		return -ENOMEM;
	memcpy(l->v[l->n].hex, hex, 33);
	l->v[l->n++].seen = false;
	return 0;
}

static void list_free(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
}

/* sha256sum's convention: a name with '\\' or '\n' is escaped and its
 * line starts with '\\'. */
static void print_line(const char *hex, const char *path)
{
	bool esc = strpbrk(path, "\\\n") != NULL;
	printf("%s%s  ", esc ? "\\" : "", hex);
	for (const char *p = path; *p; p++) {
		if (esc && *p == '\\')
			fputs("\\\\", stdout);
		else if (esc && *p == '\n')
			fputs("\\n", stdout);
		else
			putchar(*p);
	}
	putchar('\n');
}

static void to_hex(const unsigned char d[16], char hex[33])
{
	for (int i = 0; i < 16; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
}

static void collect(const char *path, const unsigned char digest[16], void *arg)
{
	char hex[33];
	to_hex(digest, hex);
	if (arg)
		push(arg, path, hex);
	else
		print_line(hex, path);
}

/* Parses one saved line into l; 0, or -EINVAL when malformed. */
static int parse_line(char *line, struct list *l)
{
	bool esc = line[0] == '\\';
	char *p = line + esc;
	size_t hl = strspn(p, "0123456789abcdef");
	if (hl != 32 || p[32] != ' ' || p[33] != ' ' || !p[34])
		return -EINVAL;
	p[32] = '\0';
	char *name = p + 34, *o = name;
	for (char *q = name; *q; q++) {
		if (esc && q[0] == '\\' && q[1] == 'n') {
			*o++ = '\n';
			q++;
		} else if (esc && q[0] == '\\' && q[1] == '\\') {
			*o++ = '\\';
			q++;
		} else {
			*o++ = *q;
		}
	}
	*o = '\0';
	return push(l, name, p) < 0 ? -ENOMEM : 0;
}

static int load_saved(const char *file, struct list *saved)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "re") : stdin;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0;
	if (!f) {
		fprintf(stderr, "claude-seedfs manifest: %s: %s\n", file,
			strerror(errno));
		return SEEDFS_EXIT_USAGE;
	}
	int rc = 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		lineno++;
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (n == 0)
			continue;
		if (parse_line(line, saved) < 0) {
			fprintf(stderr,
				"claude-seedfs manifest: %s:%u: not a manifest "
				"line ('HEX32  path')\n",
				file, lineno);
			rc = SEEDFS_EXIT_USAGE;
			break;
		}
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return rc;
}

static int check(struct list *now, struct list *saved)
{
	size_t added = 0, removed = 0, changed = 0;
	for (size_t i = 0; i < now->n; i++) {
		struct entry *hit = NULL;
		for (size_t j = 0; j < saved->n && !hit; j++)
			if (!saved->v[j].seen &&
			    strcmp(saved->v[j].path, now->v[i].path) == 0)
				hit = &saved->v[j];
		if (!hit) {
			printf("added: %s\n", now->v[i].path);
			added++;
			continue;
		}
		hit->seen = true;
		if (strcmp(hit->hex, now->v[i].hex)) {
			printf("changed: %s\n", now->v[i].path);
			changed++;
		}
	}
	for (size_t j = 0; j < saved->n; j++)
		if (!saved->v[j].seen) {
			printf("removed: %s\n", saved->v[j].path);
			removed++;
		}
	if (added + removed + changed == 0) {
		printf("OK: %zu files match\n", now->n);
		return SEEDFS_EXIT_OK;
	}
	printf("%zu added, %zu removed, %zu changed\n", added, removed,
	       changed);
	return SEEDFS_EXIT_FAIL;
}

int cmd_manifest(int argc, char **argv)
{
	struct view_args a;
	struct seedfs_error err;
	struct list now = { 0 }, saved = { 0 };
	int rc =
		view_cmd_begin(argc, argv, VIEW_MANIFEST, help, 0, 1, NULL, &a);

	if (rc >= 0)
		return rc;
	if (a.check && (rc = load_saved(a.check, &saved)) != 0)
		goto out;
	if (seedfs_manifest(&a.cfg, a.npos ? a.pos[0] : NULL, collect,
			    a.check ? &now : NULL, &err) < 0) {
		cli_error("manifest", err.msg);
		rc = err.status;
		goto out;
	}
	rc = a.check ? check(&now, &saved) : SEEDFS_EXIT_OK;
out:
	list_free(&now);
	list_free(&saved);
	view_args_free(&a);
	return rc;
}
