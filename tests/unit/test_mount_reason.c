/* test_mount_reason.c — condensing the mount step's stderr into one line
 * (src/fs/mount_reason.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mount_reason.h"

static const char *reason(const char *raw, size_t outlen)
{
	static char out[512];
	size_t n = mount_reason(raw, strlen(raw), out, outlen);
	assert_int_equal(n, strlen(out));
	assert_true(n < outlen);
	return out;
}

static void test_fusermount_line(void **state)
{
	(void)state;
	const char *fm = "fusermount3: option allow_other only allowed if "
			 "'user_allow_other' is set in /etc/fuse.conf\n";
	assert_string_equal(reason(fm, 512),
			    "fusermount3: option allow_other only allowed if "
			    "'user_allow_other' is set in /etc/fuse.conf");
}

static void test_lines_joined_blanks_dropped(void **state)
{
	(void)state;
	assert_string_equal(reason("\n  fuse: a  \n\n\tb\n\n", 512),
			    "fuse: a; b");
	assert_string_equal(reason("x\r\n\x1b[31mred\x1b[0m\n", 512),
			    "x; [31mred[0m");
	assert_string_equal(reason("", 512), "");
	assert_string_equal(reason("\n \n\t\n", 512), "");
	assert_string_equal(reason("caf\xc3\xa9\n", 512), "caf\xc3\xa9");
}

static void test_cut(void **state)
{
	(void)state;
	assert_string_equal(reason("abcdefghijklmnop", 10), "abcdef...");
	assert_string_equal(reason("abcdefghi", 10), "abcdefghi");
	assert_string_equal(reason("abc", 1), "");
	char out[4] = "zzz";
	assert_int_equal(mount_reason("abc", 3, out, 0), 0);
	assert_string_equal(out, "zzz"); /* outlen 0: untouched */
	/* never reads past len */
	assert_string_equal((mount_reason("abcdef", 3, out, 4), out), "abc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fusermount_line),
		cmocka_unit_test(test_lines_joined_blanks_dropped),
		cmocka_unit_test(test_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
