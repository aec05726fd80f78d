/* Unit tests: sbx policy ls parsing (every format) and the exact plan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "claude-sbx/json.h"
#include "claude-sbx/policy.h"
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

static const char json_text[] =
	"{\"policies\":[{\"policy\":\"default-policy\",\"source\":\"default\",\"rules\":"
	"[{\"rule_id\":\"default-0\",\"type\":\"network\",\"decision\":\"deny\",\"resources\":[\"**\"]}]},"
	"{\"policy\":\"local-policy\",\"source\":\"local\",\"rules\":["
	"{\"rule_id\":\"u-1\",\"type\":\"network\",\"decision\":\"allow\",\"resources\":[\"claude.ai\"]},"
	"{\"rule_id\":\"u-2\",\"type\":\"filesystem\",\"decision\":\"allow\",\"resources\":\"/x\"}]}]}";

static void test_old_table(void **state)
{
	(void)state;
	struct sbx_rules r;
	struct sbx_err err = {0};
	assert_int_equal(sbx_rules_parse_table(old_table, &r, &err), 0);
	assert_int_equal(r.n, 4);
	assert_string_equal(r.v[1].id, "local:6ef1ddf3-9921-486e-ac85-61c9a71e11a3");
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
	struct sbx_err err = {0};
	assert_int_equal(sbx_rules_parse_table(wide_table, &r, &err), 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.v[1].id, "u-1");
	assert_string_equal(r.v[1].resources.v[0], "claude.ai");
	assert_true(sbx_rule_is_managed(&r.v[1]));
	assert_int_equal(r.v[2].resources.n, 2);
	sbx_rules_free(&r);
	/* the summary has no per-rule columns: not recognised, says why */
	assert_int_equal(sbx_rules_parse_table(summary_table, &r, &err), -1);
	assert_non_null(strstr(err.msg, "POLICY SOURCE APPLIES TO SUMMARY"));
	/* no output at all: no rules */
	assert_int_equal(sbx_rules_parse_table("\n", &r, &err), 0);
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
	struct sbx_err err = {0};
	assert_int_equal(sbx_rules_parse_table(t, &r, &err), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.v[0].resources.v[0], "pkg.example:443");
	assert_string_equal(r.v[0].id, "local:1");
	assert_true(sbx_rule_is_managed(&r.v[0]));
	sbx_rules_free(&r);
}

static void test_json(void **state)
{
	(void)state;
	struct sbx_rules r;
	struct sbx_err err = {0};
	assert_int_equal(sbx_rules_parse_json(json_text, &r, &err), 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.v[0].origin, "default");
	assert_string_equal(r.v[1].origin, "local");
	assert_true(sbx_rule_is_managed(&r.v[1]));
	assert_false(sbx_rule_is_managed(&r.v[2])); /* not network */
	sbx_rules_free(&r);
	/* a bare array of rules works too */
	const char arr[] = "[{\"id\":\"local:9\",\"decision\":\"ALLOW\",\"resource\":\"a.example\"}]";
	assert_int_equal(sbx_rules_parse_json(arr, &r, &err), 0);
	assert_int_equal(r.n, 1);
	assert_true(sbx_rule_is_managed(&r.v[0]));
	sbx_rules_free(&r);
	assert_int_equal(sbx_rules_parse_json("{\"policies\": [", &r, &err), -1);
	assert_non_null(strstr(err.msg, "invalid JSON"));
}

static void test_json_reader(void **state)
{
	(void)state;
	const char t[] = " {\"a\" : [1, -2.5e3, true, false, null, \"x\\n\\u00e9\\ud83d\\ude00\\\"\"], \"b\": {}} ";
	size_t pos;
	struct json *j = json_parse(t, strlen(t), &pos);
	assert_non_null(j);
	const struct json *a = json_get(j, "a");
	assert_int_equal(a->n, 6);
	assert_true(a->items[1]->num == -2500.0);
	assert_true(a->items[2]->b);
	assert_int_equal(a->items[4]->kind, JSON_NULL);
	assert_string_equal(a->items[5]->str, "x\n\xc3\xa9\xf0\x9f\x98\x80\"");
	assert_null(json_get(j, "missing"));
	json_free(j);
	const char *bad[] = {"", "{", "[1,]", "{\"a\" 1}", "01", "\"\\x\"", "tru", "[1] x",
			     "\"\\u0000\"", "\"\\udc00\"", "{1: 2}", "\"a\nb\""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if ((j = json_parse(bad[i], strlen(bad[i]), &pos)))
			fail_msg("accepted %s", bad[i]);
	char deep[200];
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	assert_null(json_parse(deep, 200, &pos));
}

static struct sbx_rule mk(const char *id, const char *dec, const char *origin,
			  const char *r1, const char *r2)
{
	struct sbx_rule r = {0};
	r.id = id ? strdup(id) : NULL;
	r.decision = strdup(dec);
	r.type = strdup("network");
	r.origin = strdup(origin);
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
		mk("a3", "allow", "local", "keep.example", NULL),       /* duplicate */
		mk("a4", "allow", "local", "half.example", "gone.example"), /* mixed */
		mk(NULL, "allow", "local", "noid.example", NULL),       /* by resource */
	};
	struct sbx_rules cur = {v, sizeof(v) / sizeof(v[0])};
	struct strv wanted = {0};
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
	assert_int_equal(p.remove_res.n, 0);
	assert_int_equal(p.add.n, 2);
	assert_string_equal(p.add.v[0], "half.example");
	assert_string_equal(p.add.v[1], "new.example");
	assert_int_equal(p.removed_hosts.n, 2);
	assert_string_equal(p.removed_hosts.v[0], "gone.example");
	assert_string_equal(p.removed_hosts.v[1], "stale.example");
	assert_int_equal(p.kept.n, 2);
	sbx_policy_plan_free(&p);

	/* a stale rule without an id goes by resource */
	strv_clear(&wanted);
	strv_push(&wanted, "keep.example");
	assert_int_equal(sbx_policy_plan(&cur, &wanted, &p), 0);
	assert_int_equal(p.remove_res.n, 1);
	assert_string_equal(p.remove_res.v[0], "noid.example");
	assert_int_equal(p.add.n, 0);
	sbx_policy_plan_free(&p);

	/* already exact: nothing to do */
	struct sbx_rules exact = {v + 2, 1};
	assert_int_equal(sbx_policy_plan(&exact, &wanted, &p), 0);
	assert_int_equal(p.add.n + p.remove_ids.n + p.remove_res.n, 0);
	sbx_policy_plan_free(&p);
	strv_free(&wanted);
	for (size_t i = 0; i < cur.n; i++) {
		free(v[i].id);
		free(v[i].decision);
		free(v[i].type);
		free(v[i].origin);
		strv_free(&v[i].resources);
	}
}

static void test_table_cells(void **state)
{
	(void)state;
	struct sbx_table t;
	const char txt[] = "SANDBOX     AGENT    STATUS    PORTS   WORKSPACE\r\n"
			   "claude-a    claude   running           /w/a b\n"
			   "shell-b     shell    stopped   -       /w/b\n";
	assert_int_equal(sbx_table_parse(txt, &t), 0);
	assert_int_equal(t.ncols, 5);
	assert_int_equal(t.nrows, 2);
	assert_string_equal(sbx_table_cell(&t, 0, sbx_table_col(&t, "WORKSPACE")), "/w/a b");
	assert_string_equal(sbx_table_cell(&t, 0, sbx_table_col(&t, "PORTS")), "");
	assert_string_equal(sbx_table_cell(&t, 1, sbx_table_col(&t, "PORTS")), "");
	assert_string_equal(sbx_table_cell(&t, 1, sbx_table_col(&t, "STATUS")), "stopped");
	assert_string_equal(sbx_table_cell(&t, 1, sbx_table_col(&t, "NOPE")), "");
	sbx_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_old_table),
		cmocka_unit_test(test_wide_table),
		cmocka_unit_test(test_columns_by_name_not_position),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_reader),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_table_cells),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
