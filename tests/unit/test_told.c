/* The largest size the kernel may hold (src/fs/told.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "told.h"

static void record_keeps_the_largest(void **state)
{
	(void)state;
	struct told t = { 0 };
	told_record(&t, 2411);
	told_record(&t, 41);
	assert_int_equal(told_size(told_load(&t)), 2411);
	told_record(&t, 5000);
	assert_int_equal(told_size(told_load(&t)), 5000);
}

static void short_reads(void **state)
{
	(void)state;
	struct told t = { 0 };
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
	struct told t = { 0 };
	told_record(&t, UINT64_C(1) << 50);
	assert_int_equal(told_size(told_load(&t)), TOLD_SIZE_MAX);
	assert_true(told_short(told_load(&t), 0, 4096, 41));
}

static void a_short_answer_caps_what_is_told_for_a_while(void **state)
{
	(void)state;
	struct told t = { 0 };
	bool capped;
	told_record(&t, 0);
	uint64_t seen = told_load(&t);
	assert_false(told_marked(&t));
	assert_true(told_mark_short(&t, seen, 0, 1000)); /* empty, at 1 s */
	assert_true(told_marked(&t));
	/* the file grew to 41 while the answer was in flight */
	told_record(&t, 41);
	assert_int_equal(told_cap(&t, 41, 1000 + TOLD_GRACE_MS, &capped), 0);
	assert_true(capped);
	/* later, the truth */
	assert_int_equal(told_cap(&t, 41, 1001 + TOLD_GRACE_MS, &capped), 41);
	assert_false(capped);
	/* the same size as the short answer is never capped */
	assert_true(told_mark_short(&t, told_load(&t), 41, 5000));
	assert_int_equal(told_cap(&t, 41, 5000, &capped), 41);
	assert_false(capped);
	assert_int_equal(told_cap(&t, 30, 5000, &capped), 30);
	assert_false(capped);
}

static void a_size_told_while_reading_refuses_the_answer(void **state)
{
	(void)state;
	struct told t = { 0 };
	told_record(&t, 41);
	uint64_t seen = told_load(&t);
	told_record(&t, 41); /* a LOOKUP answered meanwhile */
	assert_false(told_mark_short(&t, seen, 41, 7));
}

static void the_stamp_wraps(void **state)
{
	(void)state;
	struct told t = { 0 };
	bool capped;
	uint64_t before_wrap = TOLD_STAMP_MAX - 2;
	assert_true(told_mark_short(&t, told_load(&t), 5, before_wrap));
	assert_int_equal(told_cap(&t, 9, before_wrap + 5, &capped), 5);
	assert_true(capped);
	assert_int_equal(
		told_cap(&t, 9, before_wrap + 5 + TOLD_GRACE_MS, &capped), 9);
	assert_false(capped);
}

static void count_wraps_without_touching_the_size(void **state)
{
	(void)state;
	struct told t = { 0 };
	for (int i = 0; i < 70000; i++) /* more than 2^16 tellings */
		told_record(&t, 7);
	assert_int_equal(told_size(told_load(&t)), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(record_keeps_the_largest),
		cmocka_unit_test(short_reads),
		cmocka_unit_test(huge_sizes_are_clamped_not_wrapped),
		cmocka_unit_test(a_short_answer_caps_what_is_told_for_a_while),
		cmocka_unit_test(a_size_told_while_reading_refuses_the_answer),
		cmocka_unit_test(the_stamp_wraps),
		cmocka_unit_test(count_wraps_without_touching_the_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
