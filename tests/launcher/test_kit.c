/* Unit tests: the kit's texts (kit.h) and the careful tree copy and
 * removal (fstree.h), on temporary directories. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "claude-sbx/fstree.h"
#include "claude-sbx/kit.h"
#include "scratch.h"

static bool kit_name_ok(const char *n)
{
	size_t len = strlen(n);
	if (len < 1 || len > 64 || n[0] == '-' || n[len - 1] == '-')
		return false;
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '-'))
			return false;
	return true;
}

static void name_is(const char *sandbox, const char *want)
{
	char *n = sbx_kit_name(sandbox);
	assert_non_null(n);
	assert_string_equal(n, want);
	assert_true(kit_name_ok(n));
	free(n);
}

static void test_names(void **state)
{
	(void)state;
	name_is("claude-app", "claude-app-seed");
	name_is("Claude.My+App", "claude-my-app-seed");
	name_is("claude--x..y", "claude-x-y-seed");
	name_is("+.", "claude-seed");
	char longname[64];
	memset(longname, 'a', 63);
	longname[63] = '\0';
	char *n = sbx_kit_name(longname);
	assert_true(kit_name_ok(n));
	assert_int_equal(strlen(n), 64);
	free(n);
	memset(longname, 'a', 63);
	longname[58] = '.'; /* a separator just before the cut */
	n = sbx_kit_name(longname);
	assert_true(kit_name_ok(n));
	free(n);
}

static void test_yaml_quote(void **state)
{
	(void)state;
	char *q = sbx_yaml_quote("a \"b\" \\c\nd\te\x01");
	assert_string_equal(q, "\"a \\\"b\\\" \\\\c\\nd\\te\\x01\"");
	free(q);
	q = sbx_yaml_quote("");
	assert_string_equal(q, "\"\"");
	free(q);
	q = sbx_yaml_quote("*.sentry.io");
	assert_string_equal(q, "\"*.sentry.io\"");
	free(q);
}

static struct strv mk(const char *const *items)
{
	struct strv s = { 0 };
	for (; *items; items++)
		strv_push(&s, *items);
	return s;
}

static void test_spec(void **state)
{
	(void)state;
	struct strv allow = mk((const char *const[]){
		"*.sentry.io", "api.anthropic.com", NULL });
	struct strv lists = mk((const char *const[]){
		"claude-code", "/etc/corp/mirror.txt", NULL });
	struct strv tops =
		mk((const char *const[]){ "CLAUDE.md", "skills", NULL });
	struct sbx_kit_info k = {
		.schema = 2,
		.sandbox_name = "claude-app",
		.allow = &allow,
		.allowlists = &lists,
		.lock_hooks = true,
		.kit_path = "/k",
		.workspace = "/w",
		.tops = &tops,
		.nfiles = 3,
	};
	char *s = sbx_kit_spec_text(&k);
	assert_non_null(s);
	assert_non_null(strstr(
		s,
		"\nschemaVersion: \"2\"\nkind: mixin\nname: claude-app-seed\n"));
	assert_non_null(
		strstr(s, "displayName: \"Claude Code seed: claude-app\"\n"));
	assert_non_null(strstr(s, "(claude-code, mirror)"));
	assert_non_null(strstr(s, "(CLAUDE.md, skills)"));
	assert_non_null(strstr(
		s, "permissions:\n  network:\n    allow:\n"
		   "      - \"*.sentry.io\"\n      - \"api.anthropic.com\"\n"));
	assert_non_null(strstr(s, "setup:\n  install:\n    - command: \""));
	assert_non_null(strstr(s, "allowManagedHooksOnly"));
	assert_null(strstr(s, "allowedDomains"));
	free(s);

	k.schema = 1;
	k.lock_hooks = false;
	s = sbx_kit_spec_text(&k);
	assert_non_null(strstr(s, "\nschemaVersion: \"1\"\n"));
	assert_non_null(strstr(
		s, "network:\n  allowedDomains:\n    - \"*.sentry.io\"\n"));
	assert_null(strstr(s, "permissions:"));
	assert_null(strstr(s, "install"));
	free(s);

	struct strv none = { 0 };
	k.allow = &none;
	s = sbx_kit_spec_text(&k);
	assert_non_null(strstr(s, "allowedDomains: []\n"));
	free(s);
	strv_free(&allow);
	strv_free(&lists);
	strv_free(&tops);
}

static void test_readme(void **state)
{
	(void)state;
	struct strv allow =
		mk((const char *const[]){ "api.anthropic.com", NULL });
	struct sbx_kit_info k = {
		.schema = 2,
		.sandbox_name = "claude-app",
		.allow = &allow,
		.lock_hooks = true,
		.kit_path = "/tmp/my kit's",
		.workspace = "/src/app",
		.nfiles = 1,
		.settings_left_out = true,
	};
	char *r = sbx_kit_readme_text(&k);
	assert_non_null(strstr(
		r, "sbx run --kit '/tmp/my kit'\\''s' claude /src/app\n"));
	assert_non_null(strstr(r, "1 file copied"));
	assert_non_null(strstr(r, "`settings.json` is not in the kit"));
	free(r);
	k.kit_path = "/tmp/a\nb";
	r = sbx_kit_readme_text(&k);
	assert_non_null(
		strstr(r, "sbx run --kit <kit directory> claude /src/app\n"));
	assert_null(strstr(r, "--skills off")); /* no skills in this kit */
	free(r);
	/* skills in the kit: the note about sbx's read-only store */
	struct strv tops =
		mk((const char *const[]){ "CLAUDE.md", "skills", NULL });
	k.tops = &tops;
	k.kit_path = "/k";
	r = sbx_kit_readme_text(&k);
	assert_non_null(strstr(
		r, "sbx create --skills off --kit /k claude /src/app\n"));
	free(r);
	strv_free(&tops);
	strv_free(&allow);
}

/* ---- fstree ------------------------------------------------------------ */

static mode_t mode_of(const char *rel)
{
	char p[PATH_MAX];
	struct stat st;
	path(p, rel);
	assert_int_equal(lstat(p, &st), 0);
	return st.st_mode & 07777;
}

static int setup(void **state)
{
	(void)state;
	return scratch_make("/tmp/sbx-fstree-XXXXXX");
}

static int teardown(void **state)
{
	(void)state;
	char p[PATH_MAX];
	path(p, "m/mnt");
	umount2(p, MNT_DETACH);
	scratch_remove();
	return 0;
}

static void test_copy(void **state)
{
	(void)state;
	dir("src");
	dir("src/skills");
	dir("src/skills/pdf");
	put("src/CLAUDE.md", "hello\n", 0444);
	put("src/skills/pdf/run.sh", "#!/bin/sh\n", 0555);
	put("src/settings.json", "{}", 0444);
	put("outside", "secret\n", 0600);
	char target[PATH_MAX], p[PATH_MAX];
	path(target, "outside");
	path(p, "src/skills/link");
	assert_int_equal(symlink(target, p), 0);
	path(p, "src/fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	dir("dst");

	int s = open_dir("src"), d = open_dir("dst");
	struct sbx_copy_stats st;
	char where[PATH_MAX] = "";
	const char *const skip[] = { "settings.json", NULL };
	assert_int_equal(
		sbx_copy_tree(s, d, skip, NULL, &st, where, sizeof(where)), 0);
	assert_int_equal(st.files, 2);
	assert_int_equal(st.dirs, 2);
	assert_int_equal(st.skipped, 2); /* the link and the FIFO */
	assert_true(exists("dst/CLAUDE.md"));
	assert_int_equal(mode_of("dst/CLAUDE.md"), 0644);
	assert_int_equal(mode_of("dst/skills/pdf/run.sh"), 0755);
	assert_int_equal(mode_of("dst/skills"), 0755);
	assert_false(exists("dst/settings.json"));
	assert_false(exists("dst/skills/link"));
	assert_false(exists("dst/fifo"));

	/* a name already in the destination is an error naming it */
	assert_int_equal(sbx_copy_tree(s, d, skip, NULL, &st, where,
				       sizeof(where)),
			 -EEXIST);
	assert_string_equal(where, "CLAUDE.md");
	close(s);
	close(d);
}

static bool stop_now(void)
{
	return true;
}

static void test_copy_stops(void **state)
{
	(void)state;
	int s = open_dir("src"), d = open_dir(".");
	char p[PATH_MAX];
	path(p, "dst2");
	assert_int_equal(mkdir(p, 0755), 0);
	close(d);
	d = open_dir("dst2");
	struct sbx_copy_stats st;
	char where[PATH_MAX];
	assert_int_equal(sbx_copy_tree(s, d, NULL, stop_now, &st, where,
				       sizeof(where)),
			 -EINTR);
	close(s);
	close(d);
}

static void test_remove_never_leaves_the_tree(void **state)
{
	(void)state;
	dir("old");
	dir("old/sub");
	dir("old/ro");
	put("old/sub/f", "x", 0644);
	put("old/ro/f", "x", 0644);
	char p[PATH_MAX], target[PATH_MAX];
	path(p, "old/ro");
	chmod(p, 0555);
	dir("keep");
	put("keep/precious", "do not delete", 0644);
	path(target, "keep");
	path(p, "old/link-to-dir");
	assert_int_equal(symlink(target, p), 0);
	path(target, "keep/precious");
	path(p, "old/sub/link-to-file");
	assert_int_equal(symlink(target, p), 0);

	int fd = open_dir(".");
	char where[PATH_MAX];
	assert_int_equal(sbx_remove_tree(fd, "old", where, sizeof(where)), 0);
	assert_false(exists("old"));
	assert_true(exists("keep/precious"));
	assert_true(exists("keep"));
	/* absent is fine */
	assert_int_equal(sbx_remove_tree(fd, "old", where, sizeof(where)), 0);
	close(fd);
}

static void test_remove_refuses_a_mount(void **state)
{
	(void)state;
	dir("m");
	dir("m/mnt");
	put("m/f", "x", 0644);
	char p[PATH_MAX];
	path(p, "m/mnt");
	if (mount("tmpfs", p, "tmpfs", 0, "size=64k") != 0)
		skip(); /* not root, or no mount namespace rights */
	put("m/mnt/inside", "on the other filesystem", 0644);
	int fd = open_dir(".");
	char where[PATH_MAX] = "";
	assert_int_equal(sbx_remove_tree(fd, "m", where, sizeof(where)),
			 -EXDEV);
	assert_string_equal(where, "m/mnt");
	assert_true(exists("m/mnt/inside"));
	assert_false(exists("m/f")); /* the rest went */
	umount2(p, MNT_DETACH);
	assert_int_equal(sbx_remove_tree(fd, "m", where, sizeof(where)), 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_yaml_quote),
		cmocka_unit_test(test_spec),
		cmocka_unit_test(test_readme),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_copy_stops),
		cmocka_unit_test(test_remove_never_leaves_the_tree),
		cmocka_unit_test(test_remove_refuses_a_mount),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
