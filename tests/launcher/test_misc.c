/* Unit tests: sbx version handling and the git exclude line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "claude-sbx/gitexclude.h"
#include "claude-sbx/sbxver.h"

static void ver(const char *text, int ma, int mi, int pa)
{
	struct sbx_version v;
	if (sbx_version_parse(text, &v) != 0)
		fail_msg("no version in %s", text);
	assert_int_equal(v.major, ma);
	assert_int_equal(v.minor, mi);
	assert_int_equal(v.patch, pa);
}

static void test_versions(void **state)
{
	(void)state;
	ver("sbx version v0.45.0 (build 4f2a9c1)", 0, 45, 0);
	ver("Docker Sandboxes CLI\n Version: 0.31.2\n Commit: 1a2b3c4", 0, 31,
	    2);
	ver("0.33", 0, 33, 0);
	ver("sbx2 v1.2.3", 1, 2, 3);
	struct sbx_version v;
	assert_int_equal(sbx_version_parse("no digits here", &v), -1);
	assert_int_equal(sbx_version_parse("build 42", &v), -1);
	struct sbx_version a = { 0, 31, 0 }, b = { 0, 33, 0 }, c = { 0, 34, 1 },
			   d = { 0, 35, 0 }, e = { 1, 0, 0 };
	assert_false(sbx_has_policy_init(&a));
	assert_false(sbx_has_policy_init(&b));
	assert_true(sbx_has_policy_init(&c));
	assert_false(sbx_has_run_name(&a));
	assert_true(sbx_has_run_name(&b));
	assert_false(sbx_has_policy_json(&c));
	assert_true(sbx_has_policy_json(&d));
	assert_true(sbx_has_policy_json(&e));
	assert_true(sbx_has_run_name(&e));
}

static char *slurp(const char *p)
{
	static char buf[4096];
	FILE *f = fopen(p, "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_git_exclude(void **state)
{
	(void)state;
	char root[] = "/tmp/sbx-git-XXXXXX", p[PATH_MAX];
	struct sbx_err err = { 0 };
	char *excl = NULL;
	assert_non_null(mkdtemp(root));
	/* not a repository */
	assert_int_equal(sbx_git_exclude_add(root, ".claude-seed", &excl, &err),
			 0);
	assert_null(excl);
	/* a repository without info/ */
	snprintf(p, sizeof(p), "%s/.git", root);
	mkdir(p, 0755);
	assert_int_equal(sbx_git_exclude_add(root, ".claude-seed", &excl, &err),
			 1);
	assert_non_null(strstr(slurp(excl), "\n/.claude-seed/\n"));
	free(excl);
	assert_int_equal(sbx_git_exclude_add(root, ".claude-seed", &excl, &err),
			 0);
	free(excl);
	/* an existing file without a final newline, and an equivalent line */
	snprintf(p, sizeof(p), "%s/.git/info/exclude", root);
	FILE *f = fopen(p, "w");
	fputs("*.o", f);
	fclose(f);
	assert_int_equal(sbx_git_exclude_add(root, ".claude-seed", &excl, &err),
			 1);
	assert_string_equal(
		slurp(p),
		"*.o\n# claude-sbx: the seed view's mountpoint\n/.claude-seed/\n");
	free(excl);
	f = fopen(p, "w");
	fputs(".claude-seed\n", f);
	fclose(f);
	assert_int_equal(sbx_git_exclude_add(root, ".claude-seed", &excl, &err),
			 0);
	free(excl);
	/* a worktree: .git is a file; info/ lives in the common dir */
	char wt[256], gd[256];
	snprintf(wt, sizeof(wt), "%s/wt", root);
	mkdir(wt, 0755);
	snprintf(gd, sizeof(gd), "%s/.git/worktrees/wt", root);
	snprintf(p, sizeof(p), "%s/.git/worktrees", root);
	mkdir(p, 0755);
	mkdir(gd, 0755);
	snprintf(p, sizeof(p), "%s/commondir", gd);
	f = fopen(p, "w");
	fputs("../..\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/.git", wt);
	f = fopen(p, "w");
	fprintf(f, "gitdir: %s\n", gd);
	fclose(f);
	snprintf(p, sizeof(p), "%s/.git/info/exclude", root);
	f = fopen(p, "w");
	fclose(f);
	assert_int_equal(sbx_git_exclude_add(wt, ".claude-seed", &excl, &err),
			 1);
	assert_non_null(strstr(slurp(p), "/.claude-seed/"));
	free(excl);
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'",
		 root); /* fixed mkdtemp name */
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_git_exclude),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
