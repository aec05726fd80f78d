/* test_keeper.c — the keeper's pure logic (src/keeper/keeper.c) and the
 * daemon's reserved probe names (src/fs/probe.c): the two sides of one
 * protocol, so they are tested against each other here. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "keeper.h"
#include "probe.h"

static int parse(struct keeper_opts *o, char *why, ...)
{
	char *argv[16] = { "claude-seedfs-keeper" };
	int argc = 1;
	va_list ap;
	va_start(ap, why);
	for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 15;)
		argv[argc++] = a;
	va_end(ap);
	return keeper_parse_args(argc, argv, o, why, 256);
}

static void test_args(void **state)
{
	(void)state;
	struct keeper_opts o;
	char why[256];
	assert_int_equal(parse(&o, why, "/w/.claude-seed", NULL), 0);
	assert_string_equal(o.view, "/w/.claude-seed");
	assert_int_equal(o.interval_ms, KEEPER_DEFAULT_INTERVAL_MS);
	assert_string_equal(o.pidfile, KEEPER_DEFAULT_PIDFILE);
	assert_false(o.once);
	assert_int_equal(parse(&o, why, "--once", "--no-drop", "--interval",
			       "50", "--pidfile", "/tmp/p", "v", NULL),
			 0);
	assert_true(o.once && o.no_drop);
	assert_int_equal(o.interval_ms, 50);
	assert_string_equal(o.pidfile, "/tmp/p");
	assert_int_equal(parse(&o, why, "--no-pidfile", "--", "-odd", NULL), 0);
	assert_null(o.pidfile);
	assert_string_equal(o.view, "-odd");
	assert_int_equal(parse(&o, why, "--help", NULL), 0);
	assert_true(o.help);
}

static void test_args_refused(void **state)
{
	(void)state;
	struct keeper_opts o;
	char why[256];
	assert_int_equal(parse(&o, why, NULL), -1);
	assert_non_null(strstr(why, "VIEW"));
	assert_int_equal(parse(&o, why, "a", "b", NULL), -1);
	assert_int_equal(parse(&o, why, "--interval", "5", "v", NULL), -1);
	assert_non_null(strstr(why, "10 to 60000"));
	assert_int_equal(parse(&o, why, "--interval", "-100", "v", NULL), -1);
	assert_int_equal(parse(&o, why, "--interval", "1e3", "v", NULL), -1);
	assert_int_equal(parse(&o, why, "--interval", "60001", "v", NULL), -1);
	assert_int_equal(parse(&o, why, "v", "--interval", NULL), -1);
	assert_non_null(strstr(why, "needs a value"));
	assert_int_equal(parse(&o, why, "--pidfile", "", "v", NULL), -1);
	assert_int_equal(parse(&o, why, "--bogus", "v", NULL), -1);
	assert_non_null(strstr(why, "--bogus"));
}

static void test_args_daemon_status(void **state)
{
	(void)state;
	struct keeper_opts o;
	char why[256];
	assert_int_equal(parse(&o, why, "--daemon", "--pidfile", "/run/k", "--",
			       "/v", NULL),
			 0);
	assert_true(o.daemon && !o.status);
	assert_string_equal(o.view, "/v");
	/* --status needs no VIEW; with one it probes it */
	assert_int_equal(parse(&o, why, "--status", NULL), 0);
	assert_true(o.status);
	assert_null(o.view);
	assert_string_equal(o.pidfile, KEEPER_DEFAULT_PIDFILE);
	assert_int_equal(parse(&o, why, "--status", "/v", NULL), 0);
	assert_string_equal(o.view, "/v");
	/* both need a pidfile; the modes exclude each other */
	assert_int_equal(parse(&o, why, "--daemon", "--no-pidfile", "/v", NULL),
			 -1);
	assert_non_null(strstr(why, "pidfile"));
	assert_int_equal(parse(&o, why, "--status", "--no-pidfile", NULL), -1);
	assert_int_equal(parse(&o, why, "--daemon", "--once", "/v", NULL), -1);
	assert_non_null(strstr(why, "exclude"));
	assert_int_equal(parse(&o, why, "--status", "--daemon", "/v", NULL),
			 -1);
	/* --daemon without VIEW is still refused */
	assert_int_equal(parse(&o, why, "--daemon", NULL), -1);
	assert_non_null(strstr(why, "VIEW"));
}

static void test_path_parses_on_the_daemon_side(void **state)
{
	(void)state;
	char buf[256];
	uint64_t g = 0;
	int n = keeper_probe_path(buf, sizeof(buf), "/w/.claude-seed/", 42,
				  0xdeadbeefull);
	assert_true(n > 0);
	assert_string_equal(buf,
			    "/w/.claude-seed/.seedfs-gen.42.00000000deadbeef");
	const char *name = strrchr(buf, '/') + 1;
	assert_true(probe_parse(name, strlen(name), &g));
	assert_int_equal(g, 42);
	assert_int_equal(keeper_probe_path(buf, sizeof(buf), "/", 0, 1), 31);
	assert_string_equal(buf, "/.seedfs-gen.0.0000000000000001");
	assert_true(probe_parse(buf + 1, strlen(buf + 1), &g));
	assert_int_equal(g, 0);
	uint64_t big = UINT64_MAX / 2;
	n = keeper_probe_path(buf, sizeof(buf), "v", big, UINT64_MAX);
	assert_true(n > 0);
	assert_true(probe_parse(buf + 2, strlen(buf + 2), &g));
	assert_true(g == big);
	assert_int_equal(keeper_probe_path(buf, 20, "/w/.claude-seed", 1, 1),
			 -1);
	assert_string_equal(KEEPER_PROBE_PREFIX, PROBE_PREFIX);
}

static bool parses(const char *s, uint64_t *g)
{
	return probe_parse(s, strlen(s), g);
}

static void test_probe_names(void **state)
{
	(void)state;
	uint64_t g = 99;
	assert_true(probe_reserved(".seedfs-gen.", 12));
	assert_true(probe_reserved(".seedfs-gen.anything", 20));
	assert_false(probe_reserved(".seedfs-gen", 11));
	assert_false(probe_reserved("seedfs-gen.1.a", 14));
	assert_true(parses(".seedfs-gen.7.a", &g));
	assert_int_equal(g, 7);
	assert_true(parses(".seedfs-gen.18446744073709551.Zz_-9", &g));
	g = 99;
	assert_false(parses(".seedfs-gen.", &g));
	assert_false(parses(".seedfs-gen.7", &g));
	assert_false(parses(".seedfs-gen.7.", &g));
	assert_false(parses(".seedfs-gen..a", &g));
	assert_false(parses(".seedfs-gen.07.a", &g));
	assert_false(parses(".seedfs-gen.-7.a", &g));
	assert_false(parses(".seedfs-gen.7.a.b", &g));
	assert_false(parses(".seedfs-gen.7.a b", &g));
	assert_false(parses(".seedfs-gen.12345678901234567890.a", &g));
	assert_false(parses("x.seedfs-gen.7.a", &g));
	assert_int_equal(g, 99); /* untouched on failure */
	/* lengths are honoured: no reading past len */
	assert_false(probe_parse(".seedfs-gen.7.abc", 14, &g));
	assert_true(probe_parse(".seedfs-gen.7.abc", 15, &g));
}

static void test_judge(void **state)
{
	(void)state;
	uint64_t next = 0;
	assert_int_equal(keeper_judge(0, 0, 5, &next), KEEPER_CHANGED);
	assert_int_equal(next, 5);
	assert_int_equal(keeper_judge(5, ENOENT, 0, &next), KEEPER_SAME);
	assert_int_equal(keeper_judge(5, 0, 9, &next), KEEPER_CHANGED);
	assert_int_equal(next, 9);
	/* not a view: nothing answers generation 0 */
	assert_int_equal(keeper_judge(0, ENOENT, 0, &next), KEEPER_FAILED);
	assert_int_equal(keeper_judge(5, ENOTCONN, 0, &next), KEEPER_FAILED);
	assert_int_equal(keeper_judge(5, EACCES, 0, &next), KEEPER_FAILED);
	/* nonsense answers */
	assert_int_equal(keeper_judge(5, 0, 0, &next), KEEPER_FAILED);
	assert_int_equal(keeper_judge(5, 0, -1, &next), KEEPER_FAILED);
	assert_int_equal(keeper_judge(5, 0, 5, &next), KEEPER_FAILED);
}

static void test_pause(void **state)
{
	(void)state;
	bool redrop = true;
	/* idle: one probe an interval, no drops */
	assert_int_equal(keeper_pause_ms(200, -1, &redrop), 200);
	assert_false(redrop);
	assert_int_equal(keeper_pause_ms(200, KEEPER_REDROP_WINDOW_MS, &redrop),
			 200);
	assert_false(redrop);
	/* just after a change: drops again, faster than the interval */
	assert_int_equal(keeper_pause_ms(200, 0, &redrop),
			 KEEPER_REDROP_EVERY_MS);
	assert_true(redrop);
	assert_int_equal(keeper_pause_ms(200, KEEPER_REDROP_WINDOW_MS - 1,
					 &redrop),
			 KEEPER_REDROP_EVERY_MS);
	assert_true(redrop);
	/* an interval already shorter is kept */
	assert_int_equal(keeper_pause_ms(20, 10, &redrop), 20);
	assert_true(redrop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_args_refused),
		cmocka_unit_test(test_args_daemon_status),
		cmocka_unit_test(test_path_parses_on_the_daemon_side),
		cmocka_unit_test(test_probe_names),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_pause),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
