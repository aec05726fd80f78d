/* test_keeper_plan.c — claude-sbx's pure keeper logic (src/sbx/keeper_plan.c):
 * the mode, where the host binary is looked for, the argv given to sbx,
 * the keeper's --status line, and the liveness verdict. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "claude-sbx/inside.h"
#include "claude-sbx/keeper.h"

static void test_mode(void **state)
{
	(void)state;
	assert_int_equal(sbx_keeper_mode_of(NULL, NULL), SBX_KEEPER_AUTO);
	assert_int_equal(sbx_keeper_mode_of("auto", NULL), SBX_KEEPER_AUTO);
	assert_int_equal(sbx_keeper_mode_of("on", NULL), SBX_KEEPER_ON);
	assert_int_equal(sbx_keeper_mode_of("off", NULL), SBX_KEEPER_OFF);
	assert_int_equal(sbx_keeper_mode_of("on", "off"), SBX_KEEPER_OFF);
	/* a path in the variable chooses the binary, not the mode */
	assert_int_equal(sbx_keeper_mode_of("on", "/opt/k"), SBX_KEEPER_ON);
}

static void test_candidates(void **state)
{
	(void)state;
	struct strv c = { 0 };
	assert_int_equal(sbx_keeper_candidates("/opt/k", "/usr/bin/claude-sbx",
					       "/usr/bin/x", &c),
			 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.v[0], "/opt/k");
	strv_free(&c);
	assert_int_equal(sbx_keeper_candidates(
				 NULL, "/b/src/sbx/claude-sbx",
				 "/usr/local/bin/claude-seedfs-keeper", &c),
			 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.v[0], "/b/src/sbx/claude-seedfs-keeper");
	assert_string_equal(c.v[1], "/usr/local/bin/claude-seedfs-keeper");
	assert_string_equal(c.v[2],
			    "/b/src/sbx/../keeper/claude-seedfs-keeper");
	strv_free(&c);
	/* installed next to claude-sbx: listed once */
	assert_int_equal(sbx_keeper_candidates("off", "/usr/bin/claude-sbx",
					       "/usr/bin/claude-seedfs-keeper",
					       &c),
			 0);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.v[0], "/usr/bin/claude-seedfs-keeper");
	strv_free(&c);
	assert_int_equal(sbx_keeper_candidates("", NULL, "", &c), 0);
	assert_int_equal(c.n, 0);
	strv_free(&c);
}

static void test_argv(void **state)
{
	(void)state;
	struct strv a = { 0 };
	assert_int_equal(sbx_keeper_cp_argv(&a, "/h/k", "claude-app"), 0);
	assert_int_equal(a.n, 3);
	assert_string_equal(a.v[0], "cp");
	assert_string_equal(a.v[1], "/h/k");
	assert_string_equal(
		a.v[2],
		"claude-app:/home/agent/.local/lib/claude-sbx/claude-seedfs-keeper");
	strv_free(&a);
	/* the view is an operand after --, whatever it looks like */
	assert_int_equal(sbx_keeper_start_cmd(&a, "-w/x y"), 0);
	assert_int_equal(a.n, 6);
	assert_string_equal(a.v[0], SBX_KEEPER_GUEST);
	assert_string_equal(a.v[1], "--daemon");
	assert_string_equal(a.v[3], SBX_KEEPER_PIDFILE);
	assert_string_equal(a.v[4], "--");
	assert_string_equal(a.v[5], "-w/x y");
	strv_free(&a);
	assert_int_equal(sbx_keeper_status_cmd(&a, "/w/.claude-seed"), 0);
	assert_string_equal(a.v[1], "--status");
	assert_string_equal(a.v[5], "/w/.claude-seed");
	strv_free(&a);
}

static void test_parse_status(void **state)
{
	(void)state;
	struct sbx_keeper_state st;
	assert_int_equal(sbx_keeper_parse_status(
				 "running pid=42 generation=7 probe_ms=1.5\n",
				 &st),
			 0);
	assert_true(st.answered && st.running && st.have_gen);
	assert_int_equal(st.pid, 42);
	assert_int_equal(st.gen, 7);
	assert_true(st.probe_ms > 1.4 && st.probe_ms < 1.6);
	assert_int_equal(sbx_keeper_parse_status(
				 "noise\nstopped generation=3 probe_ms=0.2\n",
				 &st),
			 0);
	assert_true(st.answered && !st.running && st.have_gen);
	assert_int_equal(st.gen, 3);
	assert_int_equal(
		sbx_keeper_parse_status(
			"stopped generation=none (/w/.claude-seed: Permission denied)\n",
			&st),
		0);
	assert_false(st.have_gen);
	assert_string_equal(st.why, "/w/.claude-seed: Permission denied");
	assert_int_equal(sbx_keeper_parse_status("running pid=9\n", &st), 0);
	assert_true(st.running && !st.have_gen);
	/* no status line: nothing answered (e.g. exec: not found) */
	assert_int_equal(
		sbx_keeper_parse_status("sh: keeper: not found\n", &st), -1);
	assert_false(st.answered);
	assert_int_equal(sbx_keeper_parse_status(NULL, &st), -1);
	/* generation=0 is not a generation (they start at 1) */
	assert_int_equal(sbx_keeper_parse_status("running pid=1 generation=0\n",
						 &st),
			 0);
	assert_false(st.have_gen);
}

static void test_verdict(void **state)
{
	(void)state;
	char buf[768];
	struct sbx_keeper_state st = { .answered = true,
				       .running = true,
				       .pid = 5,
				       .have_gen = true,
				       .gen = 8 };
	assert_true(sbx_keeper_verdict(&st, true, 8, SBX_KEEPER_AUTO, buf,
				       sizeof(buf)));
	assert_non_null(strstr(buf, "live"));
	/* the guest ahead of the host: a change in between, still live */
	assert_true(sbx_keeper_verdict(&st, true, 7, SBX_KEEPER_AUTO, buf,
				       sizeof(buf)));
	/* behind: stale, caching named with the fix */
	assert_false(sbx_keeper_verdict(&st, true, 9, SBX_KEEPER_AUTO, buf,
					sizeof(buf)));
	assert_non_null(strstr(buf, "STALE"));
	assert_non_null(strstr(buf, "caching"));
	assert_non_null(strstr(buf, "drop_caches"));
	st.running = false;
	assert_false(sbx_keeper_verdict(&st, true, 8, SBX_KEEPER_AUTO, buf,
					sizeof(buf)));
	assert_non_null(strstr(buf, "does not run"));
	assert_false(sbx_keeper_verdict(&st, true, 8, SBX_KEEPER_OFF, buf,
					sizeof(buf)));
	assert_non_null(strstr(buf, "seed.keeper: off"));
	st.have_gen = false;
	snprintf(st.why, sizeof(st.why), "/w/.claude-seed: Permission denied");
	assert_false(sbx_keeper_verdict(&st, true, 8, SBX_KEEPER_AUTO, buf,
					sizeof(buf)));
	assert_non_null(strstr(buf, "UNREADABLE"));
	assert_non_null(strstr(buf, "allow_other"));
	assert_non_null(strstr(buf, "/etc/fuse.conf"));
	snprintf(st.why, sizeof(st.why),
		 "/w/.claude-seed: No such file or directory");
	assert_false(sbx_keeper_verdict(&st, true, 8, SBX_KEEPER_AUTO, buf,
					sizeof(buf)));
	assert_null(strstr(buf, "allow_other"));
	assert_non_null(strstr(buf, "not shared"));
	/* the keeper never answered: nothing was checked, and it says so */
	struct sbx_keeper_state none = { 0 };
	assert_false(sbx_keeper_verdict(&none, true, 8, SBX_KEEPER_AUTO, buf,
					sizeof(buf)));
	assert_non_null(strstr(buf, "NOT CHECKED"));
	assert_null(strstr(buf, "UNREADABLE"));
}

static void test_profile_restarts_it(void **state)
{
	(void)state;
	/* a login shell as the agent: sudo -n (never a prompt), the view from
	 * the variable the profile sets, the idempotent pidfile */
	char *text =
		sbx_profile_text("/w/.claude-seed", NULL, false, NULL, NULL);
	assert_non_null(text);
	assert_non_null(strstr(text, "sudo -n " SBX_KEEPER_GUEST
				     " --daemon --pidfile " SBX_KEEPER_PIDFILE
				     " -- \"$CLAUDE_SBX_SEED\""));
	assert_non_null(strstr(text, "[ -x " SBX_KEEPER_GUEST " ]"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode),
		cmocka_unit_test(test_candidates),
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_parse_status),
		cmocka_unit_test(test_verdict),
		cmocka_unit_test(test_profile_restarts_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
