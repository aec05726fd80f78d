/* Unit tests: the in-sandbox scripts and texts (inside.h), run with the
 * real /bin/sh on temporary directories, values passed as arguments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "claude-sbx/inside.h"

/* Runs argv, returns the exit status; stdout to buf. */
static int run(const struct strv *argv, char *buf, size_t len)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execvp(argv->v[0], argv->v);
		_exit(127);
	}
	close(p[1]);
	size_t got = 0;
	ssize_t r;
	while ((r = read(p[0], buf + got, len - 1 - got)) > 0)
		got += (size_t)r;
	buf[got] = '\0';
	close(p[0]);
	int st;
	waitpid(pid, &st, 0);
	return WEXITSTATUS(st);
}

static void put(const char *dir, const char *rel, const char *text)
{
	char p[PATH_MAX];
	if (snprintf(p, sizeof(p), "%s/%s", dir, rel) >= (int)sizeof(p))
		fail_msg("path too long");
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void sub(char *out, const char *dir, const char *rel)
{
	if (snprintf(out, PATH_MAX, "%s/%s", dir, rel) >= PATH_MAX)
		fail_msg("path too long");
}

static const char hostile[] = "v $(touch PWNED) `id` 'q' \"d\" ;\\ *";

static void test_link_and_check(void **state)
{
	(void)state;
	char root[] = "/tmp/sbx-inside-XXXXXX";
	char view[PATH_MAX], dest[PATH_MAX], p[PATH_MAX], out[8192];
	assert_non_null(mkdtemp(root));
	sub(view, root, hostile);
	sub(dest, root, "home/.claude");
	assert_int_equal(mkdir(view, 0755), 0);
	sub(p, view, "skills");
	mkdir(p, 0755);
	sub(p, view, "skills/one");
	mkdir(p, 0755);
	sub(p, view, "skills/-dash");
	mkdir(p, 0755);
	sub(p, view, "agents");
	mkdir(p, 0755);
	put(view, "CLAUDE.md", "hi\n");
	sub(p, root, "home");
	mkdir(p, 0755);

	struct strv rels = { 0 }, argv = { 0 };
	strv_push(&rels, "CLAUDE.md");
	strv_push(&rels, "agents");
	strv_push(&rels, "skills/one");
	strv_push(&rels, "skills/-dash");
	assert_int_equal(sbx_inside_link_argv(&argv, view, dest, &rels), 0);
	assert_int_equal(run(&argv, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "linked skills/-dash"));
	char target[PATH_MAX], want[PATH_MAX];
	sub(p, dest, "skills/one");
	ssize_t n = readlink(p, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	sub(want, view, "skills/one");
	assert_string_equal(target, want);
	/* idempotent */
	assert_int_equal(run(&argv, out, sizeof(out)), 0);
	assert_null(strstr(out, "linked"));

	/* check: everything readable, nothing hidden reachable */
	struct strv hidden = { 0 }, cargv = { 0 };
	strv_push(&hidden, ".credentials.json");
	char src[PATH_MAX];
	sub(src, root, "not-here");
	assert_int_equal(sbx_inside_check_argv(&cargv, view, dest, src, &rels,
					       &hidden),
			 0);
	assert_int_equal(run(&cargv, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	/* a hidden name that is reachable, a missing entry, a reachable source */
	put(view, ".credentials.json", "x");
	strv_clear(&cargv);
	strv_push(&rels, "commands");
	assert_int_equal(sbx_inside_check_argv(&cargv, view, dest, root, &rels,
					       &hidden),
			 0);
	assert_int_equal(run(&cargv, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "REACHABLE .credentials.json"));
	assert_non_null(strstr(out, "MISSING commands"));
	assert_non_null(strstr(out, "SOURCE_REACHABLE"));

	/* a skill removed: its link goes; a foreign file stays and is reported */
	strv_clear(&rels);
	strv_push(&rels, "CLAUDE.md");
	strv_push(&rels, "skills/one");
	strv_push(&rels, "rules");
	put(dest, "rules", "mine");
	strv_clear(&argv);
	assert_int_equal(sbx_inside_link_argv(&argv, view, dest, &rels), 0);
	assert_int_equal(run(&argv, out, sizeof(out)), 1);
	assert_non_null(strstr(out, "unlinked skills/-dash"));
	assert_non_null(strstr(out, "unlinked agents"));
	sub(p, dest, "skills/-dash");
	struct stat st;
	assert_int_equal(lstat(p, &st), -1);
	sub(p, dest, "rules");
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISREG(st.st_mode));

	/* the view empty (not shared into the VM): exit 3 */
	char empty[PATH_MAX];
	sub(empty, root, "empty");
	mkdir(empty, 0755);
	strv_clear(&cargv);
	assert_int_equal(sbx_inside_check_argv(&cargv, empty, dest, src, &rels,
					       &hidden),
			 0);
	assert_int_equal(run(&cargv, out, sizeof(out)), SBX_CHECK_VIEW_MISSING);
	assert_int_equal(strncmp(out, "VIEW_MISSING", 12), 0);

	/* nothing ran the hostile name as code */
	assert_int_equal(access("PWNED", F_OK), -1);
	sub(p, root, "PWNED");
	assert_int_equal(access(p, F_OK), -1);

	strv_free(&rels);
	strv_free(&argv);
	strv_free(&cargv);
	strv_free(&hidden);
	struct strv rm = { 0 };
	strv_push(&rm, "rm");
	strv_push(&rm, "-rf");
	strv_push(&rm, root);
	run(&rm, out, sizeof(out));
	strv_free(&rm);
}

static void test_write_script(void **state)
{
	(void)state;
	char root[] = "/tmp/sbx-write-XXXXXX", path[PATH_MAX], out[256];
	assert_non_null(mkdtemp(root));
	sub(path, root, "etc/profile.d/claude-sbx.sh");
	struct strv argv = { 0 };
	const char content[] = "line 1 $(touch PWNED) %s %d\n\\n'\"\n";
	assert_int_equal(sbx_inside_write_argv(&argv, path, content), 0);
	assert_int_equal(run(&argv, out, sizeof(out)), 0);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char got[256] = "";
	size_t n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	fclose(f);
	assert_string_equal(got, content);
	struct stat st;
	stat(path, &st);
	assert_int_equal(st.st_mode & 0777, 0644);
	strv_free(&argv);
	strv_push(&argv, "rm");
	strv_push(&argv, "-rf");
	strv_push(&argv, root);
	run(&argv, out, sizeof(out));
	strv_free(&argv);
}

/* Runs argv with input on stdin; stdout (raw bytes) to buf, length in *got. */
static int run_io(const struct strv *argv, const char *input, char *buf,
		  size_t len, size_t *got)
{
	int in[2], outp[2];
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(outp), 0);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(outp[1], 1);
		close(in[1]);
		close(outp[0]);
		execvp(argv->v[0], argv->v);
		_exit(127);
	}
	close(in[0]);
	close(outp[1]);
	assert_int_equal(write(in[1], input, strlen(input)),
			 (ssize_t)strlen(input));
	close(in[1]);
	ssize_t r;
	*got = 0;
	while ((r = read(outp[0], buf + *got, len - *got)) > 0)
		*got += (size_t)r;
	close(outp[0]);
	int st;
	waitpid(pid, &st, 0);
	return WEXITSTATUS(st);
}

static void test_settings_scripts(void **state)
{
	(void)state;
	char root[] = "/tmp/sbx-settings-XXXXXX", a[PATH_MAX], b[PATH_MAX],
	     out[512];
	size_t got;
	assert_non_null(mkdtemp(root));
	/* hostile names: values only ever arrive as arguments */
	sub(a, root, "dir $(touch PWNED)/settings 'x'.json");
	sub(b, root, "cache `id`/record.json");
	struct strv put = { 0 }, get = { 0 };
	const char text[] = "{\"a\": \"$(touch PWNED) \\n '\"\n}\n";
	assert_int_equal(sbx_inside_put_argv(&put, a), 0);
	assert_int_equal(run_io(&put, text, out, sizeof(out), &got), 0);
	assert_int_equal(sbx_inside_read_pair_argv(&get, a, b), 0);
	/* the second file absent: first, NUL, nothing */
	assert_int_equal(run_io(&get, "", out, sizeof(out), &got), 0);
	assert_int_equal(got, strlen(text) + 1);
	assert_memory_equal(out, text, strlen(text));
	assert_int_equal(out[strlen(text)], '\0');
	strv_free(&put);
	assert_int_equal(sbx_inside_put_argv(&put, b), 0);
	assert_int_equal(run_io(&put, "rec", out, sizeof(out), &got), 0);
	assert_int_equal(run_io(&get, "", out, sizeof(out), &got), 0);
	assert_int_equal(got, strlen(text) + 4);
	assert_memory_equal(out + strlen(text) + 1, "rec", 3);
	/* both absent: a lone NUL */
	unlink(a);
	unlink(b);
	assert_int_equal(run_io(&get, "", out, sizeof(out), &got), 0);
	assert_int_equal(got, 1);
	struct stat st;
	assert_int_equal(stat("PWNED", &st), -1);
	strv_free(&put);
	strv_free(&get);
	strv_push(&put, "rm");
	strv_push(&put, "-rf");
	strv_push(&put, root);
	run(&put, out, sizeof(out));
	strv_free(&put);
}

static void test_profile_quoting(void **state)
{
	(void)state;
	char *text =
		sbx_profile_text(hostile, "claude-'opus'", true, NULL, NULL);
	assert_non_null(text);
	assert_null(strstr(text, "KEY"));
	assert_null(strstr(text, "TOKEN"));
	/* source it and print the values back */
	struct strv argv = { 0 };
	strv_push(&argv, "sh");
	strv_push(&argv, "-c");
	strv_push(
		&argv,
		"unset TERM; eval \"$1\"; printf '%s|%s|%s|' \"$CLAUDE_SBX_SEED\" "
		"\"$ANTHROPIC_MODEL\" \"$TERM\"; case \":$PATH:\" in *\":$HOME/.local/bin:\"*) echo yes;; esac");
	strv_push(&argv, "sh");
	strv_push(&argv, text);
	char out[1024], want[1024];
	assert_int_equal(run(&argv, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "%s|claude-'opus'|xterm-256color|yes\n",
		 hostile);
	assert_string_equal(out, want);
	free(text);
	strv_free(&argv);
	text = sbx_profile_text("/v", NULL, false, "/p", "/s");
	assert_null(strstr(text, "ANTHROPIC_MODEL"));
	assert_null(strstr(text, "PATH"));
	assert_null(
		strstr(text, "claude()")); /* the function is for agent shell */
	free(text);
	assert_non_null(strstr(sbx_managed_settings_text(true),
			       "\"allowManagedHooksOnly\": true"));
	assert_null(strstr(sbx_managed_settings_text(false),
			   "allowManagedHooksOnly"));
	assert_true(sbx_link_skip("settings.json"));
	assert_false(sbx_link_skip("skills"));
}

static void expect_plan(int minor, enum sbx_skills_store st, const char *args,
			enum sbx_skills_delivery how, bool note)
{
	struct sbx_version v = { 0, minor, 0 };
	struct strv a = { 0 };
	enum sbx_skills_delivery got;
	const char *n = NULL;
	assert_int_equal(sbx_skills_plan(&v, st, &a, &got, &n), 0);
	char joined[200] = "";
	for (size_t i = 0; i < a.n; i++)
		snprintf(joined + strlen(joined),
			 sizeof(joined) - strlen(joined), "%s%s", i ? " " : "",
			 a.v[i]);
	if (strcmp(joined, args) != 0 || got != how || (n != NULL) != note)
		fail_msg(
			"0.%d %s: args \"%s\" (want \"%s\"), delivery %d (want %d), note %s",
			minor, sbx_skills_store_name(st), joined, args, got,
			how, n ? n : "none");
	strv_free(&a);
}

static void test_skills_plan(void **state)
{
	(void)state;
	const enum sbx_skills_delivery L = SBX_SKILLS_LINKS,
				       P = SBX_SKILLS_PLUGIN;
	/* no store before 0.37: links, nothing passed */
	expect_plan(31, SBX_SKILLS_READONLY, "", L, false);
	expect_plan(31, SBX_SKILLS_OFF, "", L, false);
	/* 0.37-0.42: read-write store by default, --no-share-skills */
	expect_plan(38, SBX_SKILLS_OFF, "--no-share-skills", L, false);
	expect_plan(38, SBX_SKILLS_READONLY, "", P, true);
	expect_plan(42, SBX_SKILLS_READWRITE, "", P, false);
	expect_plan(42, SBX_SKILLS_SBX_DEFAULT, "", P, false);
	/* 0.43+: --skills MODE; never links into sbx's store */
	expect_plan(43, SBX_SKILLS_OFF, "--skills off", L, false);
	expect_plan(45, SBX_SKILLS_READONLY, "--skills readonly", P, false);
	expect_plan(55, SBX_SKILLS_READWRITE, "--skills readwrite", P, false);
	expect_plan(55, SBX_SKILLS_SBX_DEFAULT, "", P, false);
	struct sbx_version v1 = { 1, 2, 0 };
	struct strv a = { 0 };
	enum sbx_skills_delivery how;
	const char *n;
	assert_int_equal(sbx_skills_plan(&v1, SBX_SKILLS_OFF, &a, &how, &n), 0);
	assert_int_equal(how, L);
	assert_string_equal(a.v[1], "off");
	strv_free(&a);
}

static void test_claude_args_and_function(void **state)
{
	(void)state;
	struct strv a = { 0 }, flags = { 0 };
	strv_push(&flags, "-p");
	strv_push(&flags, "hi there");
	assert_int_equal(sbx_claude_args(&a, "/p d", "/s'x", "m", &flags), 0);
	const char *want[] = {
		"--plugin-dir", "/p d", "--settings", "/s'x",
		"--model",	"m",	"-p",	      "hi there"
	};
	assert_int_equal(a.n, 8);
	for (size_t i = 0; i < 8; i++)
		assert_string_equal(a.v[i], want[i]);
	strv_free(&a);
	assert_int_equal(sbx_claude_args(&a, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(a.n, 0);
	strv_free(&a);
	strv_free(&flags);

	/* the agent-shell function: a stand-in claude on PATH prints its
	 * arguments; --settings only while the file is readable */
	char dir[] = "/tmp/sbx-fn-XXXXXX";
	assert_non_null(mkdtemp(dir));
	put(dir, "claude",
	    "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]' \"$a\"; done\n");
	char exe[PATH_MAX], settings[PATH_MAX], plugin[PATH_MAX];
	sub(exe, dir, "claude");
	chmod(exe, 0755);
	sub(settings, dir, "it's settings.json");
	sub(plugin, dir, "plug $(x)");
	char *text = sbx_profile_text("/v", NULL, true, plugin, settings);
	assert_non_null(text);
	struct strv argv = { 0 };
	strv_push(&argv, "sh");
	strv_push(&argv, "-c");
	strv_push(&argv, "eval \"$1\"; PATH=$2:$PATH; claude -p 'a b'");
	strv_push(&argv, "sh");
	strv_push(&argv, text);
	strv_push(&argv, dir);
	char out[4096], wantb[3 * PATH_MAX];
	assert_int_equal(run(&argv, out, sizeof(out)), 0);
	snprintf(wantb, sizeof(wantb), "[--plugin-dir][%s][-p][a b]", plugin);
	assert_string_equal(out, wantb);
	put(dir, "it's settings.json", "{}\n");
	assert_int_equal(run(&argv, out, sizeof(out)), 0);
	snprintf(wantb, sizeof(wantb),
		 "[--plugin-dir][%s][--settings][%s][-p][a b]", plugin,
		 settings);
	assert_string_equal(out, wantb);
	free(text);
	/* links delivery, no settings: no function at all */
	text = sbx_profile_text("/v", NULL, true, NULL, NULL);
	assert_null(strstr(text, "claude()"));
	free(text);
	strv_free(&argv);
	unlink(settings);
	unlink(exe);
	rmdir(dir);
}

static void test_plugin_script(void **state)
{
	(void)state;
	char dir[] = "/tmp/sbx-plug-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char plug[PATH_MAX], skills[PATH_MAX], link[PATH_MAX], pj[PATH_MAX],
		out[1024];
	sub(plug, dir, "a dir/seed-plugin");
	sub(skills, dir, "view's skills");
	sub(link, plug, "skills");
	sub(pj, plug, ".claude-plugin/plugin.json");
	mkdir(skills, 0755);
	struct strv argv = { 0 };
	assert_int_equal(sbx_inside_plugin_argv(&argv, plug, skills), 0);
	assert_int_equal(run(&argv, out, sizeof(out)), 0);
	char tgt[PATH_MAX] = "";
	ssize_t n = readlink(link, tgt, sizeof(tgt) - 1);
	assert_true(n > 0);
	tgt[n] = '\0';
	assert_string_equal(tgt, skills);
	FILE *f = fopen(pj, "r");
	assert_non_null(f);
	char js[512] = "";
	assert_true(fread(js, 1, sizeof(js) - 1, f) > 0);
	fclose(f);
	assert_non_null(strstr(js, "\"name\": \"" SBX_SEED_PLUGIN_NAME "\""));
	/* again (idempotent), then without skills: the link goes */
	assert_int_equal(run(&argv, out, sizeof(out)), 0);
	strv_free(&argv);
	assert_int_equal(sbx_inside_plugin_argv(&argv, plug, NULL), 0);
	assert_int_equal(run(&argv, out, sizeof(out)), 0);
	struct stat st;
	assert_int_equal(lstat(link, &st), -1);
	strv_free(&argv);

	/* plugin and links in one script: both done, values as arguments */
	char view[PATH_MAX], dest[PATH_MAX], l2[PATH_MAX];
	sub(view, dir, "v $(touch x)");
	sub(dest, dir, "home/.claude");
	mkdir(view, 0755);
	put(view, "CLAUDE.md", "hi\n");
	struct strv rels = { 0 };
	strv_push(&rels, "CLAUDE.md");
	assert_int_equal(sbx_inside_link_plugin_argv(&argv, plug, skills, view,
						     dest, &rels),
			 0);
	assert_int_equal(run(&argv, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "plugin "));
	assert_non_null(strstr(out, "linked CLAUDE.md"));
	assert_true(readlink(link, tgt, sizeof(tgt) - 1) > 0);
	sub(l2, dest, "CLAUDE.md");
	n = readlink(l2, tgt, sizeof(tgt) - 1);
	assert_true(n > 0);
	tgt[n] = '\0';
	char wantl[PATH_MAX + 16];
	snprintf(wantl, sizeof(wantl), "%s/CLAUDE.md", view);
	assert_string_equal(tgt, wantl);
	strv_free(&argv);
	/* a plugin that cannot be made fails the whole step */
	assert_int_equal(sbx_inside_link_plugin_argv(&argv, "/proc/nope",
						     skills, view, dest, &rels),
			 0);
	assert_int_not_equal(run(&argv, out, sizeof(out)), 0);
	strv_free(&argv);
	strv_free(&rels);
	strv_push(&argv, "rm");
	strv_push(&argv, "-rf");
	strv_push(&argv, dir);
	run(&argv, out, sizeof(out));
	strv_free(&argv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_skills_plan),
		cmocka_unit_test(test_claude_args_and_function),
		cmocka_unit_test(test_plugin_script),
		cmocka_unit_test(test_link_and_check),
		cmocka_unit_test(test_write_script),
		cmocka_unit_test(test_settings_scripts),
		cmocka_unit_test(test_profile_quoting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
