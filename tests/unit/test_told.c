/* The largest size the kernel may hold (src/fs/told.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "told.h"

static void record_keeps_the_largest(void **state)
{
	(void)state;
	_Atomic uint64_t t = 0;
	told_record(&t, 2411);
	told_record(&t, 41);
	assert_int_equal(told_size(told_load(&t)), 2411);
	told_record(&t, 5000);
	assert_int_equal(told_size(told_load(&t)), 5000);
}

static void lower_takes_effect_when_nothing_was_told_since(void **state)
{
	(void)state;
	_Atomic uint64_t t = 0;
	told_record(&t, 2411);
	uint64_t seen = told_load(&t);
	assert_true(told_lower(&t, seen, 41));
	assert_int_equal(told_size(told_load(&t)), 41);
}

static void lower_fails_after_a_telling_even_of_a_smaller_size(void **state)
{
	(void)state;
	_Atomic uint64_t t = 0;
	told_record(&t, 2411);
	uint64_t seen = told_load(&t);
	told_record(&t, 100); /* the maximum stays, the count moves */
	assert_int_equal(told_size(told_load(&t)), 2411);
	assert_false(told_lower(&t, seen, 41));
	assert_int_equal(told_size(told_load(&t)), 2411);
}

static void short_reads(void **state)
{
	(void)state;
	_Atomic uint64_t t = 0;
	told_record(&t, 2411);
	uint64_t w = told_load(&t);
	/* the source holds 41 bytes, the kernel may hold 2411 */
	assert_true(told_short(w, 0, 4096, 41));
	assert_true(told_short(w, 2048, 4096, 41));  /* past the new end */
	assert_false(told_short(w, 0, 4096, 2411));  /* whole file */
	assert_false(told_short(w, 0, 40, 41));	     /* ends within it */
	assert_false(told_short(w, 4096, 4096, 41)); /* past the old end */
	assert_false(told_short(w, 0, 4096, 9000));  /* it grew */
}

static void huge_sizes_are_clamped_not_wrapped(void **state)
{
	(void)state;
	_Atomic uint64_t t = 0;
	told_record(&t, UINT64_C(1) << 50);
	assert_int_equal(told_size(told_load(&t)), TOLD_SIZE_MAX);
	assert_true(told_short(told_load(&t), 0, 4096, 41));
}

static void count_wraps_without_touching_the_size(void **state)
{
	(void)state;
	_Atomic uint64_t t = 0;
	for (int i = 0; i < 70000; i++) /* more than 2^16 tellings */
		told_record(&t, 7);
	assert_int_equal(told_size(told_load(&t)), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(record_keeps_the_largest),
		cmocka_unit_test(
			lower_takes_effect_when_nothing_was_told_since),
		cmocka_unit_test(
			lower_fails_after_a_telling_even_of_a_smaller_size),
		cmocka_unit_test(short_reads),
		cmocka_unit_test(huge_sizes_are_clamped_not_wrapped),
		cmocka_unit_test(count_wraps_without_touching_the_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
