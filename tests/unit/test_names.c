/* test_names.c — entry-name validation and relative PATH arguments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "seedfs/names.h"

static bool valid(const char *s)
{
	return name_is_valid(s, strlen(s));
}

static void test_valid_names(void **state)
{
	(void)state;
	assert_true(valid("a"));
	assert_true(valid("CLAUDE.md"));
	assert_true(valid(".env"));
	assert_true(valid("..."));
	assert_true(valid(".a"));
	assert_true(valid("..a"));
	assert_true(valid("a b\n"));
	assert_true(valid("\\"));
}

static void test_refused_names(void **state)
{
	(void)state;
	assert_false(name_is_valid("", 0));
	assert_false(name_is_valid("abc", 0));
	assert_false(valid("."));
	assert_false(valid(".."));
	assert_false(valid("a/b"));
	assert_false(valid("/"));
	assert_false(valid("a/"));
	assert_false(name_is_valid("a\0b", 3));
	assert_false(name_is_valid("\0", 1));
	/* only len bytes count: "a/" seen as "a" */
	assert_true(name_is_valid("a/", 1));
	assert_false(name_is_valid("..", 1));  /* "." */
	assert_false(name_is_valid("...", 2)); /* ".." */
	assert_true(name_is_valid("..a", 3));
}

static void test_name_length(void **state)
{
	char *name = malloc(NAME_MAX_BYTES + 1);

	(void)state;
	assert_non_null(name);
	memset(name, 'x', NAME_MAX_BYTES + 1);
	assert_true(name_is_valid(name, NAME_MAX_BYTES));
	assert_false(name_is_valid(name, NAME_MAX_BYTES + 1));
	free(name);
}

static void test_relpaths(void **state)
{
	(void)state;
	assert_int_equal(name_check_relpath("a"), 0);
	assert_int_equal(name_check_relpath("a/b"), 0);
	assert_int_equal(name_check_relpath("a/b/"), 0);
	assert_int_equal(name_check_relpath("a/"), 0);
	assert_int_equal(name_check_relpath(".env"), 0);
	assert_int_equal(name_check_relpath("skills/x/SKILL.md"), 0);

	assert_int_equal(name_check_relpath(""), -22);
	assert_int_equal(name_check_relpath("/"), -22);
	assert_int_equal(name_check_relpath("/a"), -22);
	assert_int_equal(name_check_relpath("a//b"), -22);
	assert_int_equal(name_check_relpath("a//"), -22);
	assert_int_equal(name_check_relpath("a/./b"), -22);
	assert_int_equal(name_check_relpath("a/../b"), -22);
	assert_int_equal(name_check_relpath("."), -22);
	assert_int_equal(name_check_relpath(".."), -22);
	assert_int_equal(name_check_relpath("./a"), -22);
	assert_int_equal(name_check_relpath("a/.."), -22);
	assert_int_equal(name_check_relpath("a/../"), -22);
}

static void test_relpath_component_length(void **state)
{
	size_t n = NAME_MAX_BYTES + 1;
	char *path = malloc(n + 3);

	(void)state;
	assert_non_null(path);
	memcpy(path, "a/", 2);
	memset(path + 2, 'x', n);
	path[2 + n] = '\0';
	assert_int_equal(name_check_relpath(path), -22);
	path[2 + n - 1] = '\0';
	assert_int_equal(name_check_relpath(path), 0);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_names),
		cmocka_unit_test(test_refused_names),
		cmocka_unit_test(test_name_length),
		cmocka_unit_test(test_relpaths),
		cmocka_unit_test(test_relpath_component_length),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
