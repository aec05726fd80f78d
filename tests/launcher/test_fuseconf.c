/* test_fuseconf.c — the /etc/fuse.conf parser and the allow_other decision
 * (src/sbx/fuseconf.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "claude-sbx/fuseconf.h"

static unsigned allows(const char *text)
{
	unsigned line = 99;
	bool ok = sbx_fuseconf_allows_other(text, strlen(text), &line);
	assert_true(ok == (line != 0));
	return line;
}

static void test_debian_default_lacks_it(void **state)
{
	(void)state;
	const char *deb = "# The file /etc/fuse.conf allows for the following "
			  "parameters:\n#\n# user_allow_other - Using the "
			  "allow_other mount option works fine as root, in\n"
			  "# order to have it work as user you need "
			  "user_allow_other in /etc/fuse.conf as\n# well.\n"
			  "#\n# mount_max = 1000\n#user_allow_other\n";
	assert_int_equal(allows(deb), 0);
	assert_int_equal(allows(""), 0);
	assert_int_equal(allows("\n\n"), 0);
}

static void test_the_line(void **state)
{
	(void)state;
	assert_int_equal(allows("user_allow_other\n"), 1);
	assert_int_equal(allows("# x\nmount_max = 5\nuser_allow_other\n"), 3);
	assert_int_equal(allows("  user_allow_other\t \r\n"), 1);
	assert_int_equal(allows("user_allow_other # we need it\n"), 1);
	assert_int_equal(allows("#user_allow_other\nuser_allow_other\n"), 2);
}

static void test_what_fusermount3_ignores(void **state)
{
	(void)state;
	/* no newline at the end: fusermount3 warns and ignores the line */
	assert_int_equal(allows("user_allow_other"), 0);
	assert_int_equal(allows("# x\nuser_allow_other"), 0);
	/* fgets(256): a line of more than 255 bytes with its newline is
	 * "too long" */
	char buf[400];
	memset(buf, ' ', sizeof(buf));
	memcpy(buf + 300, "user_allow_other\n", 18);
	assert_int_equal(allows(buf + 300 - 238), 1); /* 255 bytes with \n */
	assert_int_equal(allows(buf + 300 - 239), 0); /* 256 */
}

static void test_lookalikes(void **state)
{
	(void)state;
	assert_int_equal(allows("user_allow_others\n"), 0);
	assert_int_equal(allows("xuser_allow_other\n"), 0);
	assert_int_equal(allows("user_allow_other=1\n"), 0);
	assert_int_equal(allows("user allow other\n"), 0);
	assert_int_equal(allows("USER_ALLOW_OTHER\n"), 0);
	assert_int_equal(allows("# user_allow_other\n"), 0);
	assert_int_equal(allows("mount_max = 1 user_allow_other\n"), 0);
	/* a NUL inside the buffer does not end it early, nor match */
	unsigned line;
	assert_false(
		sbx_fuseconf_allows_other("user_allow\0_other\n", 18, &line));
	assert_true(sbx_fuseconf_allows_other("x\0\nuser_allow_other\n", 20,
					      &line));
	assert_int_equal(line, 2);
	/* len is honoured */
	assert_false(
		sbx_fuseconf_allows_other("user_allow_other\n", 16, &line));
}

static void test_decision(void **state)
{
	(void)state;
	enum sbx_allow_other m = SBX_ALLOW_NO;
	assert_int_equal(sbx_allow_other_parse(NULL, &m), 0);
	assert_int_equal(m, SBX_ALLOW_AUTO);
	assert_int_equal(sbx_allow_other_parse("", &m), 0);
	assert_int_equal(m, SBX_ALLOW_AUTO);
	assert_int_equal(sbx_allow_other_parse("yes", &m), 0);
	assert_int_equal(m, SBX_ALLOW_YES);
	assert_int_equal(sbx_allow_other_parse("no", &m), 0);
	assert_int_equal(m, SBX_ALLOW_NO);
	assert_int_equal(sbx_allow_other_parse("auto", &m), 0);
	assert_int_equal(m, SBX_ALLOW_AUTO);
	assert_int_equal(sbx_allow_other_parse("Yes", &m), -1);
	assert_int_equal(sbx_allow_other_parse("1", &m), -1);
	assert_true(sbx_allow_other_wanted(SBX_ALLOW_AUTO, 1000));
	assert_false(sbx_allow_other_wanted(SBX_ALLOW_AUTO, 0));
	assert_true(sbx_allow_other_wanted(SBX_ALLOW_YES, 0));
	assert_false(sbx_allow_other_wanted(SBX_ALLOW_NO, 1000));
}

static const char MI[] =
	"22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
	"40 22 0:45 / /w/app/.claude-seed ro,nosuid,nodev,noatime shared:20 - "
	"fuse.claude-seedfs claude-seedfs ro,user_id=1000,group_id=1000,"
	"default_permissions,allow_other\n"
	"41 22 0:46 / /w/my\\040app/.claude-seed ro - fuse.claude-seedfs "
	"claude-seedfs ro,user_id=1000,group_id=1000\n"
	"42 22 0:47 / /w/opt\\040in\\040name ro opt:allow_other - fuse x "
	"ro,user_id=0\n";

static void test_mountinfo(void **state)
{
	(void)state;
	size_t n = strlen(MI);
	assert_int_equal(
		sbx_mountinfo_allow_other(MI, n, "/w/app/.claude-seed"), 1);
	assert_int_equal(
		sbx_mountinfo_allow_other(MI, n, "/w/my app/.claude-seed"), 0);
	assert_int_equal(
		sbx_mountinfo_allow_other(MI, n, "/w/my\\040app/.claude-seed"),
		-1);
	assert_int_equal(sbx_mountinfo_allow_other(MI, n, "/w/app"), -1);
	assert_int_equal(sbx_mountinfo_allow_other(MI, n, "/w/app/.claude-see"),
			 -1);
	/* only the super options count, not an optional field */
	assert_int_equal(sbx_mountinfo_allow_other(MI, n, "/w/opt in name"), 0);
	assert_int_equal(sbx_mountinfo_allow_other(MI, n, "/"), 0);
	/* the last mount of a mount point wins */
	char two[1024];
	snprintf(two, sizeof(two),
		 "%s50 40 0:50 / /w/app/.claude-seed ro - "
		 "fuse.claude-seedfs claude-seedfs ro,user_id=1000\n",
		 MI);
	assert_int_equal(sbx_mountinfo_allow_other(two, strlen(two),
						   "/w/app/.claude-seed"),
			 0);
	/* truncated line */
	const char *cut = "40 22 0:45 / /m ro - fuse";
	assert_int_equal(sbx_mountinfo_allow_other(cut, strlen(cut), "/m"), 0);
	assert_int_equal(sbx_mountinfo_allow_other("", 0, "/m"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian_default_lacks_it),
		cmocka_unit_test(test_the_line),
		cmocka_unit_test(test_what_fusermount3_ignores),
		cmocka_unit_test(test_lookalikes),
		cmocka_unit_test(test_decision),
		cmocka_unit_test(test_mountinfo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
