/* Unit tests: sbx policy ls parsing (every format) and the exact plan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "claude-sbx/policy.h"
#include "claude-sbx/sbxls.h"
#include "claude-sbx/table.h"

static const char old_table[] =
	"NAME                                         TYPE      ORIGIN    DECISION   STATUS   RESOURCES\n"
	"default:0                                    network   default   deny       active   **\n"
	"local:6ef1ddf3-9921-486e-ac85-61c9a71e11a3   network   local     allow      active   api.anthropic.com\n"
	"local:267c72cf-94e5-443d-b637-e1d30ba41e97   network   local     deny       active   evil.example\n"
	"kit:x                                        network   kit       allow      active   a.example, b.example\n";

static const char wide_table[] =
	"SOURCE    APPLIES TO      POLICY           POLICY_ID     RULE     RULE_ID     TYPE      DECISION   RESOURCES\n"
	"default   all sandboxes   default-policy   pol-default   rule-0   default-0   network   deny       **\n"
	"local     all sandboxes   local-policy     pol-local     rule-0   u-1         network   allow      Claude.AI\n"
	"local     sandbox demo    local-policy     pol-local     rule-1   u-2         network   allow      x.example,y.example\n";

static const char summary_table[] =
	"POLICY           SOURCE    APPLIES TO      SUMMARY\n"
	"default-policy   default   all sandboxes   0 allow, 1 deny\n";

static void test_old_table(void **state)
{
	(void)state;
	struct sbx_rules r;
	struct sbx_err err = { 0 };
	assert_int_equal(
		sbx_rules_parse_table(old_table, "sbx policy ls", &r, &err), 0);
	assert_int_equal(r.n, 4);
	assert_string_equal(r.v[1].id,
			    "local:6ef1ddf3-9921-486e-ac85-61c9a71e11a3");
	assert_string_equal(r.v[1].origin, "local");
	assert_string_equal(r.v[1].decision, "allow");
	assert_string_equal(r.v[1].resources.v[0], "api.anthropic.com");
	assert_true(sbx_rule_is_managed(&r.v[1]));
	assert_false(sbx_rule_is_managed(&r.v[0]));
	assert_false(sbx_rule_is_managed(&r.v[2])); /* deny */
	assert_false(sbx_rule_is_managed(&r.v[3])); /* kit */
	assert_int_equal(r.v[3].resources.n, 2);
	assert_string_equal(r.v[3].resources.v[1], "b.example");
	sbx_rules_free(&r);
}

static void test_wide_table(void **state)
{
	(void)state;
	struct sbx_rules r;
	struct sbx_err err = { 0 };
	assert_int_equal(sbx_rules_parse_table(
				 wide_table, "sbx policy ls --wide", &r, &err),
			 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.v[1].id, "u-1");
	assert_string_equal(r.v[1].resources.v[0], "claude.ai");
	/* no provenance column: a local allow rule is not proven user-added */
	assert_int_equal(sbx_rule_classify(&r.v[1]), SBX_RULE_UNCLASSIFIED);
	assert_int_equal(sbx_rule_classify(&r.v[2]),
			 SBX_RULE_FOREIGN); /* one sandbox */
	assert_int_equal(sbx_rule_classify(&r.v[0]),
			 SBX_RULE_FOREIGN); /* deny */
	assert_int_equal(r.v[2].resources.n, 2);
	sbx_rules_free(&r);
	/* with one, under governance, a preset and a user rule told apart */
	const char gov[] =
		"Governance: Managed by Acme | policies: 2\n"
		"SOURCE   POLICY         RULE_ID              TYPE      DECISION   CREATED_VIA   RESOURCES\n"
		"local    local-policy   default-ai-services  network   allow      default       api.anthropic.com:443\n"
		"local    local-policy   9b1e                 network   allow      added         x.example\n";
	assert_int_equal(sbx_rules_parse_table(gov, "sbx policy ls --wide", &r,
					       &err),
			 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(sbx_rule_classify(&r.v[0]), SBX_RULE_FOREIGN);
	assert_int_equal(sbx_rule_classify(&r.v[1]), SBX_RULE_MANAGED);
	sbx_rules_free(&r);
	/* the summary has no per-rule columns: not recognised, says why */
	assert_int_equal(sbx_rules_parse_table(summary_table, "sbx policy ls",
					       &r, &err),
			 -1);
	assert_non_null(strstr(err.msg, "POLICY SOURCE APPLIES TO SUMMARY"));
	assert_non_null(strstr(err.msg, "`sbx policy ls`"));
	assert_non_null(strstr(err.msg, "expected"));
	assert_int_equal(r.n, 0);
	assert_null(r.v);
	/* regress (fuzz_policy): a header longer than the message buffer */
	char wide[2048] = "";
	for (int i = 0; i < 100; i++)
		strcat(wide, "COLUMN_NAME_X   ");
	strcat(wide, "\n");
	assert_int_equal(sbx_rules_parse_table(wide, "sbx policy ls", &r, &err),
			 -1);
	assert_non_null(strstr(err.msg, "header: COLUMN_NAME_X COLUMN_NAME_X"));
	/* a row that does not line up with the header cannot be classified */
	const char cut[] =
		"NAME       TYPE      ORIGIN   DECISION   RESOURCES\n"
		"local:abcdefgh network   local    allow      a.example\n";
	assert_int_equal(sbx_rules_parse_table(cut, "sbx policy ls", &r, &err),
			 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(sbx_rule_classify(&r.v[0]), SBX_RULE_UNCLASSIFIED);
	sbx_rules_free(&r);
	/* no output at all: no rules */
	assert_int_equal(sbx_rules_parse_table("\n", "sbx policy ls", &r, &err),
			 0);
	assert_int_equal(r.n, 0);
}

static void test_columns_by_name_not_position(void **state)
{
	(void)state;
	/* same data, columns shuffled and an extra one inserted */
	const char t[] =
		"RESOURCES           EXTRA   DECISION   TYPE      ORIGIN   NAME\n"
		"pkg.example:443     -       allow      network   local    local:1\n";
	struct sbx_rules r;
	struct sbx_err err = { 0 };
	assert_int_equal(sbx_rules_parse_table(t, "sbx policy ls", &r, &err),
			 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.v[0].resources.v[0], "pkg.example:443");
	assert_string_equal(r.v[0].id, "local:1");
	assert_true(sbx_rule_is_managed(&r.v[0]));
	sbx_rules_free(&r);
}

/* 0.55 as documented: presets are origin local, told apart by
 * provenance.created_via "default"; an update banner follows the JSON. */
static const char json55[] =
	"{\"organization\": {\"name\": \"acme\"}, \"rules\": [\n"
	" {\"id\": \"default-ai-services\", \"name\": \"AI services\", \"policy_id\": \"local-policy\","
	"  \"scope\": \"global\", \"resource_type\": \"network\", \"decision\": \"allow\","
	"  \"resources\": [\"api.anthropic.com:443\", \"claude.ai\"], \"origin\": \"local\","
	"  \"status\": \"active\", \"editable\": false, \"provenance\": {\"created_via\": \"default\"},"
	"  \"actions\": [\"view\"]},\n"
	" {\"id\": \"default-fs-read-allow-all\", \"resource_type\": \"filesystem:read\","
	"  \"decision\": \"allow\", \"resources\": [\"**\"], \"origin\": \"local\","
	"  \"provenance\": {\"created_via\": \"default\"}},\n"
	" {\"id\": \"3f1c\", \"type\": \"RULE\", \"rule_id\": \"x\", \"scope\": \"global\","
	"  \"resource_type\": \"network\", \"decision\": \"allow\", \"resources\": [\"Pkg.Example\"],"
	"  \"origin\": \"local\", \"status\": \"active\", \"provenance\": {\"created_via\": \"added\"},"
	"  \"future\": {\"x\": [1, 2]}},\n"
	" {\"id\": \"4a2d\", \"resource_type\": \"network\", \"decision\": \"allow\","
	"  \"resources\": [\"k.example\"], \"origin\": \"kit\", \"provenance\": {\"created_via\": \"provisioned\"}},\n"
	" {\"id\": \"5b3e\", \"resource_type\": \"network\", \"decision\": \"allow\","
	"  \"resources\": [\"s.example\"], \"origin\": \"scoped\", \"scope\": \"sandbox:demo\","
	"  \"provenance\": {\"created_via\": \"added\"}},\n"
	" {\"id\": \"6c4f\", \"resource_type\": \"network\", \"decision\": \"allow\","
	"  \"resources\": [\"n.example\"], \"origin\": \"local\"},\n"
	" {\"id\": \"7d5a\", \"resource_type\": \"network\", \"decision\": \"allow\","
	"  \"resources\": [\"w.example\"], \"origin\": \"local\", \"provenance\": {\"created_via\": \"imported\"}},\n"
	" {\"id\": \"8e6b\", \"resource_type\": \"network\", \"decision\": \"allow\","
	"  \"resources\": [\"a.example\", 7], \"origin\": \"local\", \"provenance\": {\"created_via\": \"added\"}},\n"
	" {\"id\": \"9f7c\", \"resource_type\": \"network\", \"decision\": \"deny\","
	"  \"resources\": [\"evil.example\"], \"origin\": \"local\", \"provenance\": {\"created_via\": \"added\"}},\n"
	" {\"id\": \"a08d\", \"resource_type\": \"network\", \"decision\": \"allow\", \"status\": \"inactive\","
	"  \"resources\": [\"i.example\"], \"origin\": \"local\", \"provenance\": {\"created_via\": \"approval\"}}\n"
	"]}\n"
	"A new version of sbx is available: 0.56.0 (you have 0.55.0). Run `sbx update`.\n";

static void test_json(void **state)
{
	(void)state;
	struct sbx_rules r;
	struct sbx_err err = { 0 };
	assert_int_equal(sbx_rules_parse_json(json55, &r, &err), 0);
	assert_int_equal(r.n, 10);
	assert_string_equal(r.v[0].id, "default-ai-services");
	assert_string_equal(r.v[0].created_via, "default");
	assert_string_equal(r.v[1].type, "filesystem:read");
	assert_string_equal(r.v[2].id, "3f1c"); /* not rule_id */
	assert_string_equal(r.v[2].type,
			    "network"); /* resource_type, not type */
	assert_string_equal(r.v[2].resources.v[0], "pkg.example");
	const enum sbx_rule_class want[] = {
		SBX_RULE_FOREIGN,      /* preset */
		SBX_RULE_FOREIGN,      /* filesystem preset */
		SBX_RULE_MANAGED,      /* user-added */
		SBX_RULE_FOREIGN,      /* kit */
		SBX_RULE_FOREIGN,      /* scoped to one sandbox */
		SBX_RULE_UNCLASSIFIED, /* no provenance */
		SBX_RULE_UNCLASSIFIED, /* unknown created_via */
		SBX_RULE_UNCLASSIFIED, /* a resource that is not a string */
		SBX_RULE_FOREIGN,      /* deny */
		SBX_RULE_FOREIGN,      /* inactive */
	};
	for (size_t i = 0; i < r.n; i++)
		if (sbx_rule_classify(&r.v[i]) != want[i])
			fail_msg("rule %zu (%s): class %d, wanted %d", i,
				 r.v[i].id, sbx_rule_classify(&r.v[i]),
				 want[i]);
	struct strv wanted = { 0 };
	strv_push(&wanted, "new.example");
	struct sbx_policy_plan p;
	assert_int_equal(sbx_policy_plan(&r, &wanted, &p), 0);
	assert_int_equal(p.remove_ids.n, 1);
	assert_string_equal(p.remove_ids.v[0], "3f1c");
	assert_int_equal(p.unclassified.n, 3);
	assert_string_equal(p.unclassified.v[0], "6c4f");
	assert_int_equal(p.presets, 2);
	assert_int_equal(p.add.n, 1);
	sbx_policy_plan_free(&p);
	strv_free(&wanted);
	sbx_rules_free(&r);
	/* an id that reads as a flag is never handed to `policy rm --id` */
	const char dash[] =
		"{\"rules\":[{\"id\":\"-f\",\"resource_type\":\"network\","
		"\"decision\":\"allow\",\"resources\":[\"a.example\"],\"origin\":\"local\","
		"\"provenance\":{\"created_via\":\"added\"}}]}";
	assert_int_equal(sbx_rules_parse_json(dash, &r, &err), 0);
	assert_int_equal(sbx_rule_classify(&r.v[0]), SBX_RULE_UNCLASSIFIED);
	sbx_rules_free(&r);
	/* Go prints an empty list as null; trailing blanks are fine */
	assert_int_equal(
		sbx_rules_parse_json("{\"rules\": null}  \n", &r, &err), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(sbx_rules_parse_json(" {\"rules\": []}", &r, &err), 0);
	assert_int_equal(r.n, 0);
}

static void test_json_errors(void **state)
{
	(void)state;
	const char *bad[] = {
		"",
		"{\"rules\": [",
		"[{\"id\": \"x\", \"decision\": \"allow\"}]",
		"{\"policies\": []}",
		"{\"rules\": {}}",
		"{\"rules\": [1]}",
		"{\"rules\": [{\"id\": \"a\"}, \"b\"]}",
		"{\"rules\": []} trailing",
		"{\"rules\": [],}",
		"null",
		"Error: unknown flag: --json\n",
		"{\"rules\": [{\"id\": \"a\"}]}{\"rules\": []}",
		"{\"rules\": []}\n{\"rules\": [{}]}\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sbx_rules r = { (struct sbx_rule *)1, 99 };
		struct sbx_err err = { 0 };
		if (sbx_rules_parse_json(bad[i], &r, &err) != -1)
			fail_msg("accepted %s", bad[i]);
		assert_int_equal(r.n, 0);
		assert_null(r.v);
		if (!strstr(err.msg, "`sbx policy ls --json`") ||
		    !strstr(err.msg, "expected"))
			fail_msg("%s: message %s", bad[i], err.msg);
	}
}

/* A balanced baseline set by the user: its presets are never planned away,
 * whatever the allowlist says. */
static void test_json_balanced_plan(void **state)
{
	(void)state;
	const char txt[] =
		"{\"rules\":[{\"id\":\"default-ai-services\",\"resource_type\":\"network\","
		"\"decision\":\"allow\",\"resources\":[\"api.anthropic.com\"],\"origin\":\"local\","
		"\"provenance\":{\"created_via\":\"default\"}},"
		"{\"id\":\"default-package-managers\",\"resource_type\":\"network\","
		"\"decision\":\"allow\",\"resources\":[\"registry.npmjs.org\",\"pypi.org\"],"
		"\"origin\":\"local\",\"provenance\":{\"created_via\":\"default\"}}]}";
	struct sbx_rules r;
	struct sbx_err err = { 0 };
	assert_int_equal(sbx_rules_parse_json(txt, &r, &err), 0);
	struct strv wanted = { 0 };
	strv_push(&wanted, "api.anthropic.com");
	struct sbx_policy_plan p;
	assert_int_equal(sbx_policy_plan(&r, &wanted, &p), 0);
	assert_int_equal(p.remove_ids.n, 0);
	assert_int_equal(p.presets, 2);
	assert_int_equal(p.unclassified.n, 0);
	/* the preset's host is not ours: a rule of our own is added */
	assert_int_equal(p.add.n, 1);
	sbx_policy_plan_free(&p);
	strv_free(&wanted);
	sbx_rules_free(&r);
}
static struct sbx_rule mk(const char *id, const char *dec, const char *origin,
			  const char *r1, const char *r2)
{
	struct sbx_rule r = { 0 };
	r.id = id ? strdup(id) : NULL;
	r.decision = strdup(dec);
	r.type = strdup("network");
	r.origin = strdup(origin);
	r.created_via =
		strdup(strcmp(origin, "local") == 0 ? "added" : "default");
	strv_push(&r.resources, r1);
	if (r2)
		strv_push(&r.resources, r2);
	return r;
}

static void test_plan(void **state)
{
	(void)state;
	struct sbx_rule v[] = {
		mk("k1", "allow", "kit", "kit.example", NULL),
		mk("d1", "deny", "local", "evil.example", NULL),
		mk("a1", "allow", "local", "keep.example", NULL),
		mk("a2", "allow", "local", "stale.example", NULL),
		mk("a3", "allow", "local", "keep.example",
		   NULL), /* duplicate */
		mk("a4", "allow", "local", "half.example",
		   "gone.example"),				  /* mixed */
		mk(NULL, "allow", "local", "noid.example", NULL), /* no id */
	};
	struct sbx_rules cur = { v, sizeof(v) / sizeof(v[0]) };
	struct strv wanted = { 0 };
	strv_push(&wanted, "keep.example");
	strv_push(&wanted, "half.example");
	strv_push(&wanted, "new.example");
	strv_push(&wanted, "noid.example");
	struct sbx_policy_plan p;
	assert_int_equal(sbx_policy_plan(&cur, &wanted, &p), 0);
	assert_int_equal(p.remove_ids.n, 3);
	assert_string_equal(p.remove_ids.v[0], "a2");
	assert_string_equal(p.remove_ids.v[1], "a3");
	assert_string_equal(p.remove_ids.v[2], "a4");
	assert_int_equal(p.add.n, 3);
	assert_string_equal(p.add.v[0], "half.example");
	assert_string_equal(p.add.v[1], "new.example");
	assert_string_equal(p.add.v[2], "noid.example");
	assert_int_equal(p.removed_hosts.n, 2);
	assert_string_equal(p.removed_hosts.v[0], "gone.example");
	assert_string_equal(p.removed_hosts.v[1], "stale.example");
	assert_int_equal(p.kept.n, 1);

	/* the rule without an id is left alone and reported */
	assert_int_equal(p.unclassified.n, 1);
	assert_string_equal(p.unclassified.v[0], "#7");
	sbx_policy_plan_free(&p);

	/* a managed rule sharing its id with a kit rule is never removed */
	free(v[0].id);
	v[0].id = strdup("a2");
	strv_clear(&wanted);
	strv_push(&wanted, "keep.example");
	assert_int_equal(sbx_policy_plan(&cur, &wanted, &p), 0);
	assert_false(strv_contains(&p.remove_ids, "a2"));
	assert_true(strv_contains(&p.unclassified, "a2"));
	assert_true(strv_contains(&p.remove_ids, "a4"));
	assert_false(strv_contains(&p.remove_ids, "k1"));
	assert_false(strv_contains(&p.remove_ids, "d1"));
	assert_int_equal(p.presets,
			 1); /* the kit rule from mk: created_via default */
	sbx_policy_plan_free(&p);

	/* already exact: nothing to do */
	struct sbx_rules exact = { v + 2, 1 };
	assert_int_equal(sbx_policy_plan(&exact, &wanted, &p), 0);
	assert_int_equal(p.add.n + p.remove_ids.n + p.unclassified.n, 0);
	sbx_policy_plan_free(&p);
	strv_free(&wanted);
	for (size_t i = 0; i < cur.n; i++) {
		free(v[i].id);
		free(v[i].decision);
		free(v[i].type);
		free(v[i].origin);
		free(v[i].created_via);
		strv_free(&v[i].resources);
	}
}

static void test_table_cells(void **state)
{
	(void)state;
	struct sbx_table t;
	const char txt[] =
		"SANDBOX     AGENT    STATUS    PORTS   WORKSPACE\r\n"
		"claude-a    claude   running           /w/a b\n"
		"shell-b     shell    stopped   -       /w/b\n";
	assert_int_equal(sbx_table_parse(txt, &t), 0);
	assert_int_equal(t.ncols, 5);
	assert_int_equal(t.nrows, 2);
	assert_string_equal(sbx_table_cell(&t, 0,
					   sbx_table_col(&t, "WORKSPACE")),
			    "/w/a b");
	assert_string_equal(sbx_table_cell(&t, 0, sbx_table_col(&t, "PORTS")),
			    "");
	assert_string_equal(sbx_table_cell(&t, 1, sbx_table_col(&t, "PORTS")),
			    "");
	assert_string_equal(sbx_table_cell(&t, 1, sbx_table_col(&t, "STATUS")),
			    "stopped");
	assert_string_equal(sbx_table_cell(&t, 1, sbx_table_col(&t, "NOPE")),
			    "");
	sbx_table_free(&t);
}

static void test_ls(void **state)
{
	(void)state;
	struct sbx_sandboxes l;
	struct sbx_err err = { 0 };
	const char tab[] = "Governance: Managed by Acme | x\n"
			   "SANDBOX     AGENT    STATUS    PORTS   WORKSPACE\n"
			   "claude-a    claude   running           /w/a b\n"
			   "shell-b     shell    stopped   -       /w/b\n";
	assert_int_equal(sbx_sandboxes_parse_table(tab, &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(sbx_sandboxes_find(&l, "shell-b")->status,
			    "stopped");
	assert_string_equal(sbx_sandboxes_find(&l, "claude-a")->workspace,
			    "/w/a b");
	assert_null(sbx_sandboxes_find(&l, "claude"));
	sbx_sandboxes_free(&l);
	assert_int_equal(sbx_sandboxes_parse_table("", &l, &err), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(sbx_sandboxes_parse_table("No sandboxes found.\n", &l,
						   &err),
			 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(
		sbx_sandboxes_parse_table("ID  STATE\n1   up\n", &l, &err), -1);
	assert_non_null(strstr(err.msg, "`sbx ls`"));
	assert_non_null(strstr(err.msg, "expected"));
	assert_null(l.v);

	/* regress (fuzz_ls): a row whose first cell starts left of the header's
	 * first column was sliced into a name it does not hold */
	assert_int_equal(sbx_sandboxes_parse_table(
				 " SANDBOX  TA\nTshell-5b x\n", &l, &err),
			 -1);
	assert_null(l.v);
	/* a carriage return inside a name is not a name */
	assert_int_equal(sbx_sandboxes_parse_table(
				 "SANDBOX   STATUS\na\rb      up\n", &l, &err),
			 -1);

	const char early[] =
		"[{\"name\": \"claude-a\", \"status\": \"running\", \"agent\": \"claude\"}]";
	assert_int_equal(sbx_sandboxes_parse_json(early, &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].status, "running");
	sbx_sandboxes_free(&l);
	const char now[] =
		"{\"sandboxes\": [{\"name\": \"a\", \"created_at\": \"2026-11-30\", \"cpus\": 4,"
		" \"status\": 3}, {\"name\": \"b\", \"workspace\": \"/w\"}]}\n"
		"A new version of sbx is available.\n";
	assert_int_equal(sbx_sandboxes_parse_json(now, &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_null(l.v[0].status); /* not a string: not read */
	assert_string_equal(l.v[1].workspace, "/w");
	sbx_sandboxes_free(&l);
	assert_int_equal(
		sbx_sandboxes_parse_json("{\"sandboxes\": null}", &l, &err), 0);
	assert_int_equal(l.n, 0);
	const char *bad[] = { "",
			      "{}",
			      "{\"sandboxes\": {}}",
			      "[1]",
			      "[{\"agent\": \"x\"}]",
			      "[{\"name\": \"a\"}, {\"name\": 2}]",
			      "[] x",
			      "\"a\"",
			      "[]\n[]" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (sbx_sandboxes_parse_json(bad[i], &l, &err) != -1)
			fail_msg("accepted %s", bad[i]);
		assert_int_equal(l.n, 0);
		assert_null(l.v);
		if (!strstr(err.msg, "`sbx ls --json`") ||
		    !strstr(err.msg, "expected"))
			fail_msg("%s: %s", bad[i], err.msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_old_table),
		cmocka_unit_test(test_wide_table),
		cmocka_unit_test(test_columns_by_name_not_position),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_json_balanced_plan),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_table_cells),
		cmocka_unit_test(test_ls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
