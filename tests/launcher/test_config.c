/* Unit tests: the launcher's YAML configuration (config.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "claude-sbx/config.h"

static int load(struct sbx_config *c, const char *text, struct sbx_err *err)
{
	return sbx_config_load_text(c, "c.yaml", text, strlen(text), "/cfg",
				    "/home/u", err);
}

static void expect_error(const char *text, const char *want)
{
	struct sbx_config c = { 0 };
	struct sbx_err err = { 0 };
	assert_int_equal(load(&c, text, &err), -1);
	assert_int_equal(err.status, 2);
	if (!strstr(err.msg, want))
		fail_msg("for %s\n got: %s\nwant: %s", text, err.msg, want);
	sbx_config_free(&c);
}

static void test_full_config(void **state)
{
	(void)state;
	struct sbx_config c = { 0 };
	struct sbx_err err = { 0 };
	const char *y =
		"name: claude-demo\n"
		"workspace: ~/src/demo\n"
		"agent: shell\n"
		"claude_code:\n  version: 2.1.3\n  model: claude-opus-4-1\n  flags: [--verbose, '-x y']\n"
		"seed:\n  source: rel/claude\n  placement: separate\n  rules: [extra.yaml]\n"
		"  with: [settings]\n  follow: [/opt/dotfiles]\n"
		"network:\n  default: balanced\n  allowlists: [npm, ./lists/corp.txt]\n"
		"  allow: [Example.COM, '*.internal.example:8443']\n";
	assert_int_equal(load(&c, y, &err), 0);
	assert_string_equal(c.name, "claude-demo");
	assert_string_equal(c.workspace, "/home/u/src/demo");
	assert_string_equal(c.agent, "shell");
	assert_string_equal(c.cc_version, "2.1.3");
	assert_string_equal(c.cc_model, "claude-opus-4-1");
	assert_int_equal(c.cc_flags.n, 2);
	assert_string_equal(c.cc_flags.v[1], "-x y");
	assert_string_equal(c.seed_source, "/cfg/rel/claude");
	assert_int_equal(c.placement, SBX_PLACE_SEPARATE);
	assert_string_equal(c.seed_rules.v[0], "/cfg/extra.yaml");
	assert_string_equal(c.seed_with.v[0], "settings");
	assert_string_equal(c.seed_follow.v[0], "/opt/dotfiles");
	assert_string_equal(c.net_default, "balanced");
	assert_true(c.allowlists_set);
	assert_string_equal(c.allowlists.v[0], "npm");
	assert_string_equal(c.allowlists.v[1], "/cfg/./lists/corp.txt");
	assert_string_equal(c.allow.v[0], "example.com");
	assert_string_equal(c.allow.v[1], "*.internal.example:8443");
	sbx_config_free(&c);
}

static void test_errors_have_positions(void **state)
{
	(void)state;
	expect_error("nmae: x\n",
		     "c.yaml:1:1: unknown key \"nmae\" in the top level");
	expect_error("seed:\n  placment: separate\n",
		     "c.yaml:2:3: unknown key \"placment\" in seed");
	expect_error("network:\n  allow: example.com\n",
		     "c.yaml:2:10: network.allow: expected a list");
	expect_error("network:\n  allow: [ok.com, 'bad host']\n",
		     "c.yaml:2:19: network.allow: bad host pattern");
	expect_error("seed: [a]\n", "c.yaml:1:7: seed: expected a mapping");
	expect_error(
		"agent: codex\n",
		"c.yaml:1:8: agent: \"codex\" is not one of: claude, shell");
	expect_error("network:\n  default: open\n",
		     "is not one of: deny-all, balanced, allow-all");
	expect_error("seed:\n  placement: elsewhere\n",
		     "not one of: workspace, separate");
	expect_error("name:\n", "c.yaml:1:6: name: expected a string");
	expect_error("name: ''\n", "name: must not be empty");
	expect_error("name: 'a b'\n", "not a valid sandbox name");
	expect_error("name: x\nname: y\n",
		     "c.yaml:2:1: duplicate key \"name\"");
	expect_error("name: claude-x-\n", "not ending in '-' or '.'");
	expect_error("agent: gemini\n",
		     "c.yaml:1:8: agent: \"gemini\" was retired");
	expect_error(
		"skills_store: maybe\n",
		"skills_store: \"maybe\" is not one of: off, readonly, readwrite, sbx-default");
	expect_error(
		"claude_code:\n  settings: copy\n",
		"claude_code.settings: \"copy\" is not one of: flag, merge");
	expect_error("a: &x 1\n", "YAML anchors are not accepted");
	expect_error("seed:\n  with: *x\n", "c.yaml:2");
	expect_error("network: [\n", "YAML syntax error");
	expect_error("name: a\n---\nname: b\n", "only one YAML document");
	expect_error("claude_code:\n  flags: [[a]]\n",
		     "claude_code.flags: expected a string");
	expect_error("claude_code:\n  version: '-rf'\n",
		     "claude_code.version: invalid value");
	expect_error("seed:\n  with: ['bad group']\n", "invalid group name");
	expect_error("network:\n  allowlists: ['bad name']\n",
		     "invalid allowlist name");
	expect_error("network:\n  allow: ['**']\n",
		     "allow-all is not an allowlist entry");
	expect_error("[1, 2]\n", "the top level: expected a mapping");
	expect_error(
		"a:\n b:\n  c:\n   d:\n    e:\n     f:\n      g:\n       h:\n        i: 1\n",
		"nesting too deep");
}

static void test_layers(void **state)
{
	(void)state;
	struct sbx_config c = { 0 };
	struct sbx_err err = { 0 };
	assert_int_equal(
		load(&c,
		     "name: one\nnetwork:\n  allowlists: [claude-code]\n  allow: [a.com]\n",
		     &err),
		0);
	assert_int_equal(
		load(&c,
		     "name: two\nnetwork:\n  allowlists: [npm, claude-code]\n  allow: [b.com, a.com]\n",
		     &err),
		0);
	assert_string_equal(c.name, "two");
	assert_int_equal(c.allowlists.n, 2);
	assert_string_equal(c.allowlists.v[1], "npm");
	assert_int_equal(c.allow.n, 2);
	/* a bad layer changes nothing */
	assert_int_equal(
		load(&c, "name: three\nnetwork:\n  allow: [c.com]\nbogus: 1\n",
		     &err),
		-1);
	assert_string_equal(c.name, "two");
	assert_int_equal(c.allow.n, 2);
	/* empty documents are fine */
	assert_int_equal(load(&c, "", &err), 0);
	assert_int_equal(load(&c, "---\n", &err), 0);
	assert_int_equal(load(&c, "# only a comment\n", &err), 0);
	sbx_config_free(&c);
}

static void test_finish_defaults(void **state)
{
	(void)state;
	struct sbx_config c = { 0 };
	struct sbx_err err = { 0 };
	char tmpl[] = "/tmp/sbx-cfg-XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	assert_int_equal(sbx_config_finish(&c, tmpl, "/home/u", NULL, &err), 0);
	assert_string_equal(c.workspace, tmpl);
	assert_string_equal(c.agent, "claude");
	assert_string_equal(c.cc_version, "latest");
	assert_string_equal(c.seed_source, "/home/u/.claude");
	assert_int_equal(c.placement, SBX_PLACE_WORKSPACE);
	assert_string_equal(c.net_default, "deny-all");
	assert_int_equal(c.allowlists.n, 1);
	assert_string_equal(c.allowlists.v[0], "claude-code");
	assert_int_equal(strncmp(c.name, "claude-sbx-cfg-", 15), 0);
	assert_int_equal(c.skills_store, SBX_SKILLS_READONLY);
	assert_int_equal(c.settings_via, SBX_VIA_FLAG);
	sbx_config_free(&c);

	/* skills_store and claude_code.settings from a layer; later wins */
	memset(&c, 0, sizeof(c));
	assert_int_equal(
		load(&c, "skills_store: off\nclaude_code:\n  settings: merge\n",
		     &err),
		0);
	assert_int_equal(load(&c, "skills_store: readwrite\n", &err), 0);
	assert_int_equal(sbx_config_finish(&c, tmpl, "/home/u", NULL, &err), 0);
	assert_int_equal(c.skills_store, SBX_SKILLS_READWRITE);
	assert_int_equal(c.settings_via, SBX_VIA_MERGE);
	sbx_config_free(&c);

	memset(&c, 0, sizeof(c));
	assert_int_equal(sbx_config_finish(&c, tmpl, "/home/u", "/elsewhere/cc",
					   &err),
			 0);
	assert_string_equal(c.seed_source, "/elsewhere/cc");
	sbx_config_free(&c);

	memset(&c, 0, sizeof(c));
	c.workspace = strdup("/nonexistent/dir");
	assert_int_equal(sbx_config_finish(&c, tmpl, "/home/u", NULL, &err),
			 -1);
	assert_int_equal(err.status, 2);
	sbx_config_free(&c);
	rmdir(tmpl);
}

static void test_names(void **state)
{
	(void)state;
	char *n = sbx_default_name("/home/me/My Project (2)");
	assert_string_equal(n, "claude-My-Project-2");
	free(n);
	n = sbx_default_name("/tmp/x $(rm -rf ~) 'q'");
	assert_string_equal(n, "claude-x-rm-rf-q");
	free(n);
	n = sbx_default_name("/");
	assert_string_equal(n, "claude-workspace");
	free(n);
	n = sbx_default_name("/a/v1.2+rc");
	assert_string_equal(n, "claude-v1.2+rc");
	free(n);
	n = sbx_default_name("/a/ééé");
	assert_string_equal(n, "claude-workspace");
	free(n);
	assert_true(sbx_name_valid("claude-app.1+x"));
	assert_false(sbx_name_valid("-x"));
	assert_false(sbx_name_valid("a/b"));
	assert_false(sbx_name_valid(""));
	char long_name[80];
	memset(long_name, 'a', 64);
	long_name[64] = '\0';
	assert_false(sbx_name_valid(long_name));
	long_name[63] = '\0';
	assert_true(sbx_name_valid(long_name));
}

static void test_load_file(void **state)
{
	(void)state;
	struct sbx_config c = { 0 };
	struct sbx_err err = { 0 };
	char dir[] = "/tmp/sbx-cfgf-XXXXXX";
	char path[128];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/c.yaml", dir);
	FILE *f = fopen(path, "w");
	fputs("seed:\n  rules: [r.yaml]\n  nope: 1\n", f);
	fclose(f);
	assert_int_equal(sbx_config_load_file(&c, path, "/h", false, &err), -1);
	char want[200];
	snprintf(want, sizeof(want), "%s:3:3: unknown key \"nope\" in seed",
		 path);
	assert_string_equal(err.msg, want);
	f = fopen(path, "w");
	fputs("seed:\n  rules: [r.yaml]\n", f);
	fclose(f);
	assert_int_equal(sbx_config_load_file(&c, path, "/h", false, &err), 0);
	snprintf(want, sizeof(want), "%s/r.yaml", dir);
	assert_string_equal(c.seed_rules.v[0], want);
	unlink(path);
	assert_int_equal(sbx_config_load_file(&c, path, "/h", true, &err), 0);
	assert_int_equal(sbx_config_load_file(&c, path, "/h", false, &err), -1);
	assert_int_equal(err.status, 2);
	rmdir(dir);
	sbx_config_free(&c);
}

static void expect_name(const char *ws, const char *want)
{
	char *n = sbx_default_name(ws);
	assert_non_null(n);
	assert_string_equal(n, want);
	assert_true(sbx_name_valid(n));
	free(n);
}

/* sbx 0.43's rules (<= 63, not ending in '-' or '.') from hostile,
 * long and non-ASCII basenames. */
static void test_hostile_names(void **state)
{
	(void)state;
	expect_name("/a/app.", "claude-app");
	expect_name("/a/app-...", "claude-app");
	expect_name("/a/app///", "claude-app");
	expect_name("/a/...", "claude-workspace");
	expect_name("/a/-x", "claude-x");
	expect_name("/a/caf\xc3\xa9-app", "claude-caf-app");
	expect_name("/a/x\ny\tz\x7f", "claude-x-y-z");
	expect_name("app", "claude-app");
	expect_name("", "claude-workspace");
	assert_false(sbx_name_valid("claude-app-"));
	assert_false(sbx_name_valid("claude-app."));
	assert_true(sbx_name_valid("claude-a.b+c-d"));

	/* long: cut to 63 with a tag of the whole basename, so two long
	 * names that differ only after the cut stay apart */
	char a[300] = "/w/", b[300] = "/w/";
	memset(a + 3, 'x', 200);
	memset(b + 3, 'x', 200);
	a[203] = b[203] = '\0';
	b[202] = 'y';
	char *na = sbx_default_name(a), *nb = sbx_default_name(b);
	assert_int_equal(strlen(na), 63);
	assert_int_equal(strlen(nb), 63);
	assert_true(sbx_name_valid(na) && sbx_name_valid(nb));
	assert_string_not_equal(na, nb);
	assert_int_equal(strncmp(na, "claude-xxxxxxxx", 15), 0);
	free(na);
	free(nb);
	/* exactly fits: no tag */
	char fit[80] = "/w/";
	memset(fit + 3, 'k', 56);
	fit[59] = '\0';
	char *nf = sbx_default_name(fit);
	assert_int_equal(strlen(nf), 63);
	assert_null(strchr(nf + 7, '-'));
	free(nf);
	/* a long basename whose cut lands on separators */
	char sep[200] = "/w/";
	for (int i = 0; i < 150; i++)
		sep[3 + i] = i % 2 ? '.' : '-';
	sep[153] = '\0';
	char *ns = sbx_default_name(sep);
	assert_true(sbx_name_valid(ns));
	assert_int_equal(strlen(ns), 15); /* claude-XXXXXXXX */
	assert_null(strstr(ns, "--"));
	free(ns);

	/* property: any byte string gives a valid name (fixed-seed LCG) */
	unsigned long seed = 12345;
	for (int round = 0; round < 5000; round++) {
		char ws[160];
		size_t len = 0;
		seed = seed * 6364136223846793005ul + 1442695040888963407ul;
		size_t want = (seed >> 33) % 150;
		while (len < want) {
			seed = seed * 6364136223846793005ul +
			       1442695040888963407ul;
			char ch = (char)((seed >> 40) & 0xff);
			ws[len++] = ch ? ch : 'z';
		}
		ws[len] = '\0';
		char *n = sbx_default_name(ws);
		assert_non_null(n);
		if (!sbx_name_valid(n))
			fail_msg("invalid name \"%s\" from %zu bytes", n, len);
		free(n);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_errors_have_positions),
		cmocka_unit_test(test_layers),
		cmocka_unit_test(test_finish_defaults),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_load_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
