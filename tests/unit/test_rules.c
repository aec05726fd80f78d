/* test_rules.c — rule files: YAML errors with positions, layering, never,
 * groups, follow:, fingerprints and the decision walk. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <xxhash.h>

#include "seedfs/pattern.h"
#include "seedfs/rules.h"

struct fixture {
	char dir[256];
	char path[4][320]; /* the layer files written by the current test */
};

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/seedfs-rules-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Writes layer file i (0..3) with text; its path is f->path[i]. */
static const char *write_layer_len(struct fixture *f, int i, const char *text,
				   size_t len)
{
	char path[sizeof(f->path[i])];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/layer%d.yaml", f->dir, i);
	memcpy(f->path[i], path, sizeof(path));
	fp = fopen(f->path[i], "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	return f->path[i];
}

static const char *write_layer(struct fixture *f, int i, const char *text)
{
	return write_layer_len(f, i, text, strlen(text));
}

struct load_args {
	const char *files[4];
	size_t nfiles;
	const char *with[4];
	size_t nwith;
	const char *home;
};

static int load(const struct load_args *a, struct rules **rs,
		struct rules_error *err)
{
	struct rules_input in = {
		.files = a->files,
		.nfiles = a->nfiles,
		.with = a->with,
		.nwith = a->nwith,
		.home = a->home,
	};

	*rs = NULL;
	return rules_load(&in, rs, err);
}

/* Loads layers from the given texts; fails the test on an error. */
static struct rules *load_texts(struct fixture *f, const char *const *texts,
				size_t n, const char *with)
{
	struct load_args a = { .nfiles = n,
			       .nwith = with ? 1 : 0,
			       .with = { with } };
	struct rules_error err;
	struct rules *rs;
	char msg[5000];

	for (size_t i = 0; i < n; i++)
		a.files[i] = write_layer(f, (int)i, texts[i]);
	if (load(&a, &rs, &err) != 0) {
		rules_error_format(&err, msg, sizeof(msg));
		fail_msg("load failed: %s", msg);
	}
	return rs;
}

static struct rules *load1(struct fixture *f, const char *text)
{
	return load_texts(f, &text, 1, NULL);
}

/* Decides path from SOURCE down, one component at a time, as the
 * filesystem does; every ancestor is a directory. */
static struct verdict walk(const struct rules *rs, const char *path,
			   bool is_dir)
{
	struct verdict v = rules_root(rs);
	size_t len = strlen(path), pos = 0;

	for (;;) {
		const char *slash = memchr(path + pos, '/', len - pos);
		size_t end = slash ? (size_t)(slash - path) : len;
		v = rules_decide(rs, v, path, end, slash ? true : is_dir);
		if (!slash)
			return v;
		pos = end + 1;
	}
}

static const char *vis_name(enum visibility v)
{
	return v == VIS_HIDDEN	    ? "hidden"
	       : v == VIS_CONTAINER ? "container"
				    : "included";
}

static void want(const struct rules *rs, const char *path, bool is_dir,
		 enum visibility vis)
{
	struct verdict v = walk(rs, path, is_dir);

	if (v.vis != vis)
		fail_msg("%s: got %s (rule %s), want %s", path, vis_name(v.vis),
			 v.rule ? pattern_text(v.rule->pat) : "none",
			 vis_name(vis));
}

static void visible(const struct rules *rs, const char *path)
{
	want(rs, path, false, VIS_INCLUDED);
}

static void hidden(const struct rules *rs, const char *path)
{
	want(rs, path, false, VIS_HIDDEN);
}

/* Expects loading to fail with -EINVAL at line:column, the message
 * containing what. */
static void load_error(struct fixture *f, const char *text, size_t len,
		       unsigned line, unsigned column, const char *what)
{
	struct load_args a = { .nfiles = 1 };
	struct rules_error err;
	struct rules *rs;
	int r;

	a.files[0] = write_layer_len(f, 0, text, len);
	r = load(&a, &rs, &err);
	if (r == 0) {
		rules_free(rs);
		fail_msg("loaded, want an error \"%s\" for:\n%s", what, text);
	}
	assert_int_equal(r, -EINVAL);
	assert_null(rs);
	assert_string_equal(err.file, f->path[0]);
	if (err.line != line || err.column != column || !strstr(err.msg, what))
		fail_msg("got %u:%u \"%s\", want %u:%u \"...%s...\"", err.line,
			 err.column, err.msg, line, column, what);
}

static void bad(struct fixture *f, const char *text, unsigned line,
		unsigned column, const char *what)
{
	load_error(f, text, strlen(text), line, column, what);
}

/* ---- YAML-level errors -------------------------------------------------- */

static void test_yaml_syntax_error(void **state)
{
	struct fixture *f = *state;

	bad(f, "include: [/a, /b\nexclude: [/c]\n", 2, 8,
	    "did not find expected ',' or ']'");
	bad(f, "include:\n  - /a\n - /b\n", 3, 2, "did not find expected key");
	bad(f, "include: \"/a\n", 2, 1, "unexpected end of stream");
	/* invalid UTF-8: position computed from the byte offset */
	bad(f, "include:\n  - /a\xff\n", 2, 7, "invalid leading UTF-8 octet");
	/* a syntax error anywhere is found before any meaning is checked */
	bad(f, "bogus: 1\ninclude: [\n", 3, 1, "YAML syntax");
}

static void test_yaml_anchor_and_alias_refused(void **state)
{
	struct fixture *f = *state;

	bad(f, "include: &inc [/a]\nexclude: *inc\n", 1, 10,
	    "YAML anchors (&inc) are not supported");
	bad(f, "include:\n  - &x /a\n", 2, 5, "YAML anchors (&x)");
	bad(f, "groups: &g\n  a: {}\n", 1, 9, "YAML anchors (&g)");
	/* an alias to an undefined anchor is a syntax error in libyaml
	 * only when composing; the parser reports the alias itself */
	bad(f, "include: [/a]\nexclude: *nothing\n", 2, 10,
	    "YAML aliases (*nothing) are not supported");
}

static void test_yaml_tags_refused(void **state)
{
	struct fixture *f = *state;

	bad(f, "include:\n  - !!str /a\n", 2, 5, "YAML tags");
	bad(f, "include: !list [/a]\n", 1, 10, "YAML tags (!list)");
	bad(f, "!top\ninclude: []\n", 1, 1, "YAML tags");
}

static void test_yaml_too_deep(void **state)
{
	struct fixture *f = *state;
	char text[128];
	int n = 0;

	/* the mapping is level 1: the 16th '[' is level 17 */
	n += snprintf(text + n, sizeof(text) - (size_t)n, "x: ");
	for (int i = 0; i < RULES_MAX_DEPTH; i++)
		text[n++] = '[';
	for (int i = 0; i < RULES_MAX_DEPTH; i++)
		text[n++] = ']';
	text[n++] = '\n';
	text[n] = '\0';
	bad(f, text, 1, 3 + RULES_MAX_DEPTH, "nesting deeper than 16 levels");

	/* one level less is not a depth problem (here: an unknown key) */
	memmove(text + 3, text + 4, strlen(text + 4) + 1);
	memmove(text + 3 + RULES_MAX_DEPTH - 1, text + 3 + RULES_MAX_DEPTH,
		strlen(text + 3 + RULES_MAX_DEPTH) + 1);
	bad(f, text, 1, 1, "unknown key \"x\"");
}

static void test_yaml_more_than_one_document(void **state)
{
	struct fixture *f = *state;

	bad(f, "include: [/a]\n---\ninclude: [/b]\n", 2, 1,
	    "more than one YAML document");
	bad(f, "---\ninclude: [/a]\n...\n---\n", 4, 1,
	    "more than one YAML document");
}

static void test_file_too_big(void **state)
{
	struct fixture *f = *state;
	size_t n = RULES_MAX_FILE_BYTES + 1;
	char *text = malloc(n);
	struct load_args a = { .nfiles = 1 };
	struct rules_error err;
	struct rules *rs;

	assert_non_null(text);
	memset(text, ' ', n);
	memcpy(text, "#", 1);
	text[n - 1] = '\n';
	load_error(f, text, n, 0, 0, "file is larger than 1048576 bytes");

	/* exactly the cap is fine */
	a.files[0] = write_layer_len(f, 0, text, n - 1);
	assert_int_equal(load(&a, &rs, &err), 0);
	rules_free(rs);
	free(text);
}

static void test_file_not_regular(void **state)
{
	struct fixture *f = *state;
	struct load_args a = { .nfiles = 1, .files = { f->dir } };
	struct rules_error err;
	struct rules *rs;
	char fifo[300], link[300];

	assert_int_equal(load(&a, &rs, &err), -EINVAL);
	assert_null(rs);
	assert_string_equal(err.msg, "not a regular file");
	assert_string_equal(err.file, f->dir);
	assert_int_equal(err.line, 0);

	/* a FIFO is refused without blocking on open */
	snprintf(fifo, sizeof(fifo), "%s/fifo", f->dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	a.files[0] = fifo;
	assert_int_equal(load(&a, &rs, &err), -EINVAL);
	assert_string_equal(err.msg, "not a regular file");

	/* a symlink to a regular file is a rule file */
	snprintf(link, sizeof(link), "%s/link.yaml", f->dir);
	assert_int_equal(symlink(write_layer(f, 0, "include: [/a]\n"), link),
			 0);
	a.files[0] = link;
	assert_int_equal(load(&a, &rs, &err), 0);
	assert_string_equal(rules_layer_file(rs, 0), link);
	visible(rs, "a");
	rules_free(rs);
}

static void test_file_missing(void **state)
{
	struct fixture *f = *state;
	char path[300];
	struct load_args a = { .nfiles = 1, .files = { path } };
	struct rules_error err;
	struct rules *rs;

	snprintf(path, sizeof(path), "%s/absent.yaml", f->dir);
	assert_int_equal(load(&a, &rs, &err), -ENOENT);
	assert_null(rs);
	assert_string_equal(err.file, path);
	assert_non_null(strstr(err.msg, "cannot open"));
}

/* ---- grammar errors ----------------------------------------------------- */

static void test_unknown_key(void **state)
{
	struct fixture *f = *state;

	bad(f, "include: [/a]\nincludes: [/b]\n", 2, 1,
	    "unknown key \"includes\" (known keys: version, include, exclude, "
	    "never, groups, with, follow, settings, frontmatter)");
	bad(f, "groups:\n  g:\n    include: [/a]\n    descr: x\n", 4, 5,
	    "groups.g: unknown key \"descr\" (known keys: description, "
	    "include, exclude)");
	bad(f, "? [a]\n: b\n", 1, 3, "keys must be strings, got a list");
}

static void test_duplicate_key(void **state)
{
	struct fixture *f = *state;

	bad(f, "include: [/a]\nexclude: [/b]\ninclude: [/c]\n", 3, 1,
	    "duplicate key \"include\" (first at line 1)");
	bad(f, "groups:\n  g: {include: [/a], include: [/b]}\n", 2, 22,
	    "groups.g: duplicate key \"include\" (first at line 2)");
	bad(f, "groups:\n  g: {}\n  h: {}\n  g: {}\n", 4, 3,
	    "groups: duplicate key \"g\" (first at line 2)");
}

static void test_wrong_types(void **state)
{
	struct fixture *f = *state;

	bad(f, "include: {a: b}\n", 1, 10,
	    "include: expected a list of strings, got a mapping");
	bad(f, "include: /a\n", 1, 10,
	    "include: expected a list of strings, got a string");
	bad(f, "never:\n  - /a\n  - [/b]\n", 3, 5,
	    "never: expected a list of strings, got a list in the list");
	bad(f, "exclude:\n  - {x: y}\n", 2, 5,
	    "exclude: expected a list of strings, got a mapping in the list");
	bad(f, "groups: [a]\n", 1, 9,
	    "groups: expected a mapping of group names to groups, got a list");
	bad(f, "groups:\n  g: [/a]\n", 2, 6,
	    "groups.g: expected a mapping, got a list");
	bad(f, "groups:\n  g:\n    description: [x]\n", 3, 18,
	    "groups.g.description: expected a string, got a list");
	bad(f, "groups:\n  g:\n    include: yes\n", 3, 14,
	    "groups.g.include: expected a list of strings, got a string");
	bad(f, "with: settings\n", 1, 7,
	    "with: expected a list of strings, got a string");
	bad(f, "follow: {a: b}\n", 1, 9,
	    "follow: expected a list of strings, got a mapping");
	bad(f, "- include\n", 1, 1,
	    "top level: expected a mapping, got a list");
	bad(f, "just text\n", 1, 1,
	    "top level: expected a mapping, got a string");
	bad(f, "version: 2\n", 1, 10, "version: only version 1 is known");
	bad(f, "version: [1]\n", 1, 10, "version: expected 1, got a list");
	bad(f, "version: 1.0\n", 1, 10, "version: only version 1 is known");
}

static void test_bad_pattern_column_inside(void **state)
{
	struct fixture *f = *state;

	/* column of the scalar plus the offset inside the pattern */
	bad(f, "include:\n  - /a//b\n", 2, 8,
	    "include: bad pattern \"/a//b\": empty component ('//')");
	bad(f, "include: [\"x[ab\"]\n", 1, 13, "unterminated '['");
	bad(f, "exclude: ['ok', 'a/./b']\n", 1, 20, "'.' and '..'");
	bad(f, "include:\n  - !x\n", 2, 5, "YAML tags");
	bad(f, "include:\n  - \"!x\"\n", 2, 6,
	    "negation is not supported here; use exclude:");
	bad(f, "include:\n  - \"\"\n", 2, 6, "empty pattern");
	bad(f, "include:\n  -\n", 2, 4, "empty pattern");
	/* '!' in never is an exception marker: the column skips it */
	bad(f, "never:\n  - \"!a//b\"\n", 2, 9, "empty component");
	bad(f, "never:\n  - \"!\"\n", 2, 7, "empty pattern");
	bad(f, "never: ['!!x']\n", 1, 11, "negation is not supported");
	/* columns count characters, as libyaml and editors do */
	bad(f, "include: [\"é/[\"]\n", 1, 14, "unterminated '['");
	bad(f, "groups:\n  g:\n    exclude: [a\\]\n", 3, 16,
	    "groups.g.exclude: bad pattern");
}

static void test_group_names(void **state)
{
	struct fixture *f = *state;
	char text[200];
	struct rules *rs;

	bad(f, "groups:\n  Settings: {}\n", 2, 3,
	    "groups: \"Settings\" is not a group name");
	bad(f, "groups:\n  -x: {}\n", 2, 3, "is not a group name");
	bad(f, "groups:\n  a_b: {}\n", 2, 3, "is not a group name");
	snprintf(
		text, sizeof(text), "groups:\n  %.64s: {}\n",
		"a123456789012345678901234567890123456789012345678901234567890123");
	bad(f, text, 2, 3, "is not a group name");
	text[strlen(text) - 6] = '\0'; /* 63 characters */
	strcat(text, ": {}\n");
	rs = load1(f, text);
	rules_free(rs);
	rs = load1(f, "groups:\n  0-a-: {}\n  x:\n");
	rules_free(rs);
}

static void test_unknown_group(void **state)
{
	struct fixture *f = *state;
	struct load_args a = { .nfiles = 1, .nwith = 1, .with = { "nope" } };
	struct rules_error err;
	struct rules *rs;
	char msg[5000];

	bad(f, "groups:\n  g: {}\nwith:\n  - g\n  - h\n", 5, 5,
	    "with: unknown group \"h\" (defined: g)");
	bad(f, "with: [Bad]\n", 1, 8, "with: unknown group \"Bad\"");

	a.files[0] = write_layer(f, 0, "groups: {g: {}}\n");
	assert_int_equal(load(&a, &rs, &err), -EINVAL);
	assert_null(rs);
	assert_string_equal(err.file, "--with");
	assert_int_equal(err.line, 0);
	assert_int_equal(err.column, 0);
	assert_string_equal(err.msg, "unknown group \"nope\" (defined: g)");
	rules_error_format(&err, msg, sizeof(msg));
	assert_string_equal(msg, "--with: unknown group \"nope\" (defined: g)");
}

static void test_error_format(void **state)
{
	struct rules_error err = {
		.file = "a.yaml", .line = 3, .column = 7, .msg = "boom"
	};
	char buf[64];

	(void)state;
	rules_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "a.yaml:3:7: boom");
	err.column = 0;
	rules_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "a.yaml:3: boom");
	err.line = 0;
	rules_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "a.yaml: boom");
	rules_error_format(&err, buf, 5);
	assert_string_equal(buf, "a.ya");
}

/* An error in a later layer names that layer, and nothing leaks (valgrind
 * and ASan runs check the latter). */
static void test_error_in_later_layer(void **state)
{
	struct fixture *f = *state;
	struct load_args a = { .nfiles = 3 };
	struct rules_error err;
	struct rules *rs;

	a.files[0] = write_layer(f, 0, "include: [/a]\ngroups: {g: {}}\n");
	a.files[1] = write_layer(f, 1, "never: [x, '!y']\nfollow: [/f]\n");
	a.files[2] = write_layer(f, 2, "exclude: [/a]\n\nnever: [/a//]\n");
	assert_int_equal(load(&a, &rs, &err), -EINVAL);
	assert_null(rs);
	assert_string_equal(err.file, f->path[2]);
	assert_int_equal(err.line, 3);
	assert_int_equal(err.column, 12);
}

/* ---- valid files -------------------------------------------------------- */

static void test_empty_and_null_files(void **state)
{
	struct fixture *f = *state;
	static const char *const texts[] = {
		"",
		"# only a comment\n",
		"---\n",
		"version: 1\n",
		"include:\nexclude: ~\nnever: null\ngroups:\nwith:\nfollow:\n",
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct rules *rs = load1(f, texts[i]);
		struct verdict root = rules_root(rs);
		assert_int_equal(root.vis, VIS_CONTAINER);
		assert_null(root.rule);
		want(rs, "CLAUDE.md", false, VIS_HIDDEN);
		want(rs, "skills", true, VIS_HIDDEN);
		assert_int_equal(rules_layer_count(rs), 1);
		assert_int_equal(rules_group_count(rs), 0);
		assert_int_equal(rules_follow_count(rs), 0);
		rules_free(rs);
	}
}

static void test_no_layers(void **state)
{
	struct load_args a = { .nfiles = 0 };
	struct rules_error err;
	struct rules *rs;

	(void)state;
	assert_int_equal(load(&a, &rs, &err), 0);
	assert_int_equal(rules_layer_count(rs), 0);
	want(rs, "x", false, VIS_HIDDEN);
	rules_free(rs);
}

static void test_rule_positions_and_strings(void **state)
{
	struct fixture *f = *state;
	struct rules *rs = load1(f, "include:\n  - /a\n  - '/b'\ngroups:\n"
				    "  g:\n    include: [/c]\nwith: [g]\n");
	struct verdict v;
	char saved[320];

	/* the rule set keeps its own copies of every string */
	snprintf(saved, sizeof(saved), "%s", f->path[0]);
	memset(f->path[0], 'z', 20);

	v = walk(rs, "a", false);
	assert_int_equal(v.vis, VIS_INCLUDED);
	assert_int_equal(v.rule->kind, RULE_INCLUDE);
	assert_string_equal(v.rule->file, saved);
	assert_int_equal(v.rule->line, 2);
	assert_int_equal(v.rule->column, 5);
	assert_null(v.rule->group);
	assert_string_equal(pattern_text(v.rule->pat), "/a");

	v = walk(rs, "b", false);
	assert_int_equal(v.rule->line, 3);
	assert_int_equal(v.rule->column, 6); /* inside the quotes */

	v = walk(rs, "c", false);
	assert_int_equal(v.vis, VIS_INCLUDED);
	assert_string_equal(v.rule->group, "g");
	assert_int_equal(v.rule->line, 6);
	assert_string_equal(rules_layer_file(rs, 0), saved);
	rules_free(rs);
}

/* ---- decisions ---------------------------------------------------------- */

static void test_allowlist_and_inheritance(void **state)
{
	struct fixture *f = *state;
	struct rules *rs = load1(f, "include: [/skills/, /CLAUDE.md]\n");
	struct verdict v;

	visible(rs, "CLAUDE.md");
	want(rs, "skills", true, VIS_INCLUDED);
	visible(rs, "skills/x/SKILL.md");
	hidden(rs, "other.md");
	hidden(rs, "x/CLAUDE.md");
	want(rs, "todos", true, VIS_HIDDEN);
	/* a file named skills is not the directory */
	hidden(rs, "skills");
	/* an inherited inclusion names the ancestor's rule */
	v = walk(rs, "skills/x/SKILL.md", false);
	assert_string_equal(pattern_text(v.rule->pat), "/skills/");
	/* a hidden parent hides the child whatever it is */
	v = rules_decide(rs, (struct verdict){ VIS_HIDDEN, NULL }, "CLAUDE.md",
			 9, false);
	assert_int_equal(v.vis, VIS_HIDDEN);
	rules_free(rs);
}

static void test_containers(void **state)
{
	struct fixture *f = *state;
	struct rules *rs = load1(f, "include: [skills/*/SKILL.md]\n");
	struct verdict v;

	want(rs, "skills", true, VIS_CONTAINER);
	want(rs, "skills/x", true, VIS_CONTAINER);
	visible(rs, "skills/x/SKILL.md");
	hidden(rs, "skills/x/other.md");
	want(rs, "skills/x/sub", true, VIS_HIDDEN);
	want(rs, "agents", true, VIS_HIDDEN);
	hidden(rs, "skills/README.md");
	v = walk(rs, "skills/x", true);
	assert_null(v.rule);
	rules_free(rs);

	/* an include that only a directory tree could satisfy */
	rs = load1(f, "include: ['**/*.md']\nexclude: [/secret/]\n");
	want(rs, "a", true, VIS_CONTAINER);
	visible(rs, "a/b/c.md");
	hidden(rs, "a/b/c.txt");
	want(rs, "secret", true, VIS_HIDDEN);
	hidden(rs, "secret/x.md");
	rules_free(rs);
}

static void test_last_match_wins_within_layer(void **state)
{
	struct fixture *f = *state;
	/* excludes come after includes whatever the key order in the file */
	struct rules *rs =
		load1(f, "exclude: [/a/b, '*.tmp']\ninclude: [/a/, /a/b]\n");

	want(rs, "a", true, VIS_INCLUDED);
	visible(rs, "a/x");
	hidden(rs, "a/b");
	hidden(rs, "a/x.tmp");
	rules_free(rs);
}

static void test_later_layer_overrides(void **state)
{
	struct fixture *f = *state;
	const char *texts[] = {
		"include: [/a/, /y]\nexclude: ['*.tmp', /a/b/]\n",
		"include: [/a/keep.tmp, /a/b/]\nexclude: [/y]\n",
	};
	struct rules *rs = load_texts(f, texts, 2, NULL);
	struct verdict v;

	/* a later include lifts an earlier exclude... */
	visible(rs, "a/keep.tmp");
	hidden(rs, "a/drop.tmp");
	want(rs, "a/b", true, VIS_INCLUDED);
	visible(rs, "a/b/c");
	/* ...and a later exclude hides an earlier include */
	hidden(rs, "y");
	v = walk(rs, "y", false);
	assert_string_equal(v.rule->file, f->path[1]);
	assert_int_equal(v.rule->kind, RULE_EXCLUDE);
	rules_free(rs);
}

/* Like git: below an excluded directory nothing can be re-included. */
static void test_no_reinclude_below_excluded_dir(void **state)
{
	struct fixture *f = *state;
	const char *texts[] = {
		"include: [/a/]\nexclude: [/a/b/]\n",
		"include: [/a/b/c]\n",
	};
	struct rules *rs = load_texts(f, texts, 2, NULL);
	struct verdict v;

	want(rs, "a/b", true, VIS_HIDDEN);
	hidden(rs, "a/b/c");
	v = walk(rs, "a/b/c", false);
	assert_string_equal(pattern_text(v.rule->pat), "/a/b/");
	rules_free(rs);
}

static void test_never_not_liftable(void **state)
{
	struct fixture *f = *state;
	const char *texts[] = {
		"include: [/a/]\nnever: [.env, secrets/]\n"
		"groups: {g: {include: [/a/.env, '**/.env']}}\n",
		"include: [.env, /a/.env, /a/secrets/]\nnever: ['!.env', '!secrets/']\n"
		"with: [g]\n",
	};
	struct rules *rs = load_texts(f, texts, 2, "g");
	struct verdict v;

	/* not by a later layer's include, a group, nor a later '!' */
	hidden(rs, "a/.env");
	hidden(rs, ".env");
	v = walk(rs, "a/.env", false);
	assert_int_equal(v.rule->kind, RULE_NEVER);
	assert_string_equal(v.rule->file, f->path[0]);
	assert_string_equal(pattern_text(v.rule->pat), ".env");
	want(rs, "a/secrets", true, VIS_HIDDEN);
	hidden(rs, "a/secrets/x");
	visible(rs, "a/other");
	rules_free(rs);
}

static void test_never_hides_included_dir_and_all_below(void **state)
{
	struct fixture *f = *state;
	struct rules *rs =
		load1(f, "include: [/a/, /a/.git/config]\nnever: [.git/]\n");
	const struct rule *r;

	want(rs, "a/.git", true, VIS_HIDDEN);
	hidden(rs, "a/.git/config");
	/* a file named .git is not matched by the dir-only pattern */
	visible(rs, "a/.git");

	/* rules_never_match: never lists only, ancestors as directories */
	r = rules_never_match(rs, "x/.git/config", 13, false);
	assert_non_null(r);
	assert_string_equal(pattern_text(r->pat), ".git/");
	r = rules_never_match(rs, "x/.git", 6, true);
	assert_non_null(r);
	assert_null(rules_never_match(rs, "x/.git", 6, false));
	assert_null(rules_never_match(rs, "a/x", 3, false));
	rules_free(rs);
}

static void test_never_exception_within_layer(void **state)
{
	struct fixture *f = *state;
	struct rules *rs;
	const struct rule *r;

	rs = load1(f, "include: [/a/]\nnever: ['.env*', '!.env.example']\n");
	visible(rs, "a/.env.example");
	hidden(rs, "a/.env.local");
	hidden(rs, "a/.env");
	assert_null(rules_never_match(rs, ".env.example", 12, false));
	r = rules_never_match(rs, ".env.x", 6, false);
	assert_non_null(r);
	assert_int_equal(r->kind, RULE_NEVER);
	rules_free(rs);

	/* last match within the list wins: a later never re-covers it */
	rs = load1(f, "include: [/a/]\nnever: ['!.env.example', '.env*']\n");
	hidden(rs, "a/.env.example");
	rules_free(rs);

	/* an exception does not lift another layer's never */
	const char *texts[] = {
		"include: [/a/]\nnever: ['.env*']\n",
		"never: ['.env*', '!.env.example']\n",
	};
	rs = load_texts(f, texts, 2, NULL);
	hidden(rs, "a/.env.example");
	rules_free(rs);
}

static void test_groups_off_until_enabled(void **state)
{
	struct fixture *f = *state;
	const char *base = "include: [/a/]\ngroups:\n  settings:\n"
			   "    description: the settings\n"
			   "    include: [/settings.json]\n"
			   "  strip:\n    exclude: ['/a/*.bak']\n";
	const char *with_layer[] = { base, "with: [strip]\n" };
	struct rules *rs;

	rs = load1(f, base);
	hidden(rs, "settings.json");
	visible(rs, "a/x.bak");
	assert_int_equal(rules_group_count(rs), 0);
	rules_free(rs);

	rs = load_texts(f, &base, 1, "settings");
	visible(rs, "settings.json");
	visible(rs, "a/x.bak");
	assert_int_equal(rules_group_count(rs), 1);
	assert_string_equal(rules_group_name(rs, 0), "settings");
	rules_free(rs);

	rs = load_texts(f, with_layer, 2, "settings");
	hidden(rs, "a/x.bak");
	visible(rs, "settings.json");
	/* with: entries of the layers first, then the command line */
	assert_int_equal(rules_group_count(rs), 2);
	assert_string_equal(rules_group_name(rs, 0), "strip");
	assert_string_equal(rules_group_name(rs, 1), "settings");
	rules_free(rs);
}

/* A group sits in its own layer: a later layer still overrides it, and
 * with: may name a group defined in any layer. */
static void test_group_position_in_order(void **state)
{
	struct fixture *f = *state;
	const char *texts[] = {
		"with: [g]\ninclude: [/a/]\nexclude: [/a/x]\n"
		"groups: {g: {include: [/a/x, /a/y], exclude: [/a/z]}}\n",
		"exclude: [/a/y]\ngroups: {h: {include: [/a/z]}}\nwith: [h, g]\n",
	};
	struct rules *rs = load_texts(f, texts, 2, NULL);

	/* layer excludes come after the layer's groups */
	hidden(rs, "a/x");
	/* a later layer's exclude beats an earlier group's include */
	hidden(rs, "a/y");
	/* a later group's include beats an earlier group's exclude */
	visible(rs, "a/z");
	assert_int_equal(rules_group_count(rs), 2);
	assert_string_equal(rules_group_name(rs, 0), "g");
	assert_string_equal(rules_group_name(rs, 1), "h");
	rules_free(rs);
}

/* The same group name in two layers: enabling it enables both parts. */
static void test_group_defined_in_two_layers(void **state)
{
	struct fixture *f = *state;
	const char *texts[] = {
		"groups: {s: {include: [/one]}}\n",
		"groups: {s: {include: [/two]}}\n",
	};
	struct rules *rs = load_texts(f, texts, 2, "s");

	visible(rs, "one");
	visible(rs, "two");
	assert_int_equal(rules_group_count(rs), 1);
	rules_free(rs);
	rs = load_texts(f, texts, 2, NULL);
	hidden(rs, "one");
	hidden(rs, "two");
	rules_free(rs);
}

static void test_follow(void **state)
{
	struct fixture *f = *state;
	struct load_args a = { .nfiles = 2, .home = "/home/u" };
	struct rules_error err;
	struct rules *rs;

	a.files[0] = write_layer(f, 0, "follow: [/abs/dir, ~/dotfiles]\n");
	a.files[1] = write_layer(f, 1, "follow:\n  - ~/\n  - '/x y'\n");
	assert_int_equal(load(&a, &rs, &err), 0);
	assert_int_equal(rules_follow_count(rs), 4);
	assert_string_equal(rules_follow_dir(rs, 0), "/abs/dir");
	assert_string_equal(rules_follow_dir(rs, 1), "/home/u/dotfiles");
	assert_string_equal(rules_follow_dir(rs, 2), "/home/u/");
	assert_string_equal(rules_follow_dir(rs, 3), "/x y");
	assert_null(rules_follow_dir(rs, 4));
	rules_free(rs);

	a.home = "/home/u/";
	assert_int_equal(load(&a, &rs, &err), 0);
	assert_string_equal(rules_follow_dir(rs, 1), "/home/u/dotfiles");
	rules_free(rs);
	a.home = "/";
	assert_int_equal(load(&a, &rs, &err), 0);
	assert_string_equal(rules_follow_dir(rs, 1), "/dotfiles");
	rules_free(rs);

	a.home = NULL;
	assert_int_equal(load(&a, &rs, &err), -EINVAL);
	assert_string_equal(err.file, f->path[0]);
	assert_int_equal(err.line, 1);
	assert_int_equal(err.column, 20);
	assert_non_null(strstr(err.msg, "no absolute home directory known"));

	bad(f, "follow: [relative/dir]\n", 1, 10, "is relative");
	bad(f, "follow: ['~user/x']\n", 1, 10, "is relative");
	bad(f, "follow: ['']\n", 1, 10, "is relative");
	bad(f, "follow: [\"/a\\0b\"]\n", 1, 10, "NUL byte in path");
}

static void test_fingerprints(void **state)
{
	struct fixture *f = *state;
	const char *t0 = "include: [/a]\n", *t1 = "include: [/b]\n";
	struct load_args a = { .nfiles = 3 };
	struct rules_error err;
	struct rules *rs;

	a.files[0] = write_layer(f, 0, t0);
	a.files[1] = write_layer(f, 1, t1);
	a.files[2] = write_layer(f, 2, t0);
	assert_int_equal(load(&a, &rs, &err), 0);
	assert_int_equal(rules_layer_count(rs), 3);
	assert_true(rules_layer_fingerprint(rs, 0) ==
		    XXH3_64bits(t0, strlen(t0)));
	assert_true(rules_layer_fingerprint(rs, 1) ==
		    XXH3_64bits(t1, strlen(t1)));
	assert_true(rules_layer_fingerprint(rs, 0) !=
		    rules_layer_fingerprint(rs, 1));
	assert_true(rules_layer_fingerprint(rs, 0) ==
		    rules_layer_fingerprint(rs, 2));
	assert_string_equal(rules_layer_file(rs, 1), f->path[1]);
	assert_null(rules_layer_file(rs, 3));
	rules_free(rs);

	/* a comment-only change still changes the fingerprint */
	a.nfiles = 1;
	write_layer(f, 0, "include: [/a] # x\n");
	assert_int_equal(load(&a, &rs, &err), 0);
	assert_true(rules_layer_fingerprint(rs, 0) !=
		    XXH3_64bits(t0, strlen(t0)));
	rules_free(rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yaml_syntax_error),
		cmocka_unit_test(test_yaml_anchor_and_alias_refused),
		cmocka_unit_test(test_yaml_tags_refused),
		cmocka_unit_test(test_yaml_too_deep),
		cmocka_unit_test(test_yaml_more_than_one_document),
		cmocka_unit_test(test_file_too_big),
		cmocka_unit_test(test_file_not_regular),
		cmocka_unit_test(test_file_missing),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_bad_pattern_column_inside),
		cmocka_unit_test(test_group_names),
		cmocka_unit_test(test_unknown_group),
		cmocka_unit_test(test_error_format),
		cmocka_unit_test(test_error_in_later_layer),
		cmocka_unit_test(test_empty_and_null_files),
		cmocka_unit_test(test_no_layers),
		cmocka_unit_test(test_rule_positions_and_strings),
		cmocka_unit_test(test_allowlist_and_inheritance),
		cmocka_unit_test(test_containers),
		cmocka_unit_test(test_last_match_wins_within_layer),
		cmocka_unit_test(test_later_layer_overrides),
		cmocka_unit_test(test_no_reinclude_below_excluded_dir),
		cmocka_unit_test(test_never_not_liftable),
		cmocka_unit_test(test_never_hides_included_dir_and_all_below),
		cmocka_unit_test(test_never_exception_within_layer),
		cmocka_unit_test(test_groups_off_until_enabled),
		cmocka_unit_test(test_group_position_in_order),
		cmocka_unit_test(test_group_defined_in_two_layers),
		cmocka_unit_test(test_follow),
		cmocka_unit_test(test_fingerprints),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
