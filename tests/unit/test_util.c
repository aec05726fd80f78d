/* Unit tests of the shared util layer (src/util/): the bounded whole-file
 * read, the parent/base split, the YAML subset, mountinfo and spawning
 * with captured output. The descriptor-relative open is tested through
 * its callers (tests/launcher/test_shared.c, the integration suite and
 * tests/faults). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/mountinfo.h"
#include "util/path.h"
#include "util/proc.h"
#include "util/readfile.h"
#include "util/yamlsub.h"

static char dir[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/seedfs-util-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char p[PATH_MAX + 16];
	snprintf(p, sizeof(p), "%s/f", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/fifo", dir);
	unlink(p);
	rmdir(dir);
	return 0;
}

static void write_file(const char *p, size_t n)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
}

static void test_read_bounded(void **state)
{
	(void)state;
	char p[PATH_MAX + 16], *buf;
	size_t len;
	enum uread_step step;
	snprintf(p, sizeof(p), "%s/f", dir);

	write_file(p, 10);
	assert_int_equal(uread_path(p, 10, &buf, &len, &step), 0);
	assert_int_equal(len, 10);
	assert_int_equal(buf[10], '\0');
	free(buf);
	assert_int_equal(uread_path(p, 9, &buf, &len, &step), -EFBIG);
	assert_int_equal(step, UREAD_SIZE);
	assert_null(buf);
	write_file(p, 0);
	assert_int_equal(uread_path(p, 9, &buf, &len, &step), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);

	snprintf(p, sizeof(p), "%s/absent", dir);
	assert_int_equal(uread_path(p, 9, &buf, &len, &step), -ENOENT);
	assert_int_equal(step, UREAD_OPEN);
	assert_int_equal(uread_path(dir, 9, &buf, &len, &step), -EINVAL);
	assert_int_equal(step, UREAD_TYPE);
	assert_int_equal(uread_path("/dev/zero", 9, &buf, &len, &step),
			 -EINVAL);
	assert_int_equal(step, UREAD_TYPE);
}

static void on_alarm(int sig)
{
	(void)sig;
	_exit(3); /* blocked: the test fails */
}

static void test_read_fifo_does_not_block(void **state)
{
	(void)state;
	char p[PATH_MAX + 16], *buf;
	size_t len;
	enum uread_step step;
	snprintf(p, sizeof(p), "%s/fifo", dir);
	assert_int_equal(mkfifo(p, 0600), 0);
	signal(SIGALRM, on_alarm);
	alarm(5);
	assert_int_equal(uread_path(p, 100, &buf, &len, &step), -EINVAL);
	alarm(0);
	assert_int_equal(step, UREAD_TYPE);
}

/* /proc files say size 0 and have more: the read follows the bytes, up
 * to the cap. */
static void test_read_grows_past_stat_size(void **state)
{
	(void)state;
	char *buf;
	size_t len;
	assert_int_equal(uread_path("/proc/self/mountinfo", 1 << 20, &buf, &len,
				    NULL),
			 0);
	assert_true(len > 0);
	assert_int_equal(strlen(buf), len);
	free(buf);
	assert_int_equal(uread_path("/proc/self/mountinfo", 4, &buf, &len,
				    NULL),
			 -EFBIG);
}

static void split(const char *in, const char *parent, const char *base)
{
	char *p, *b;
	assert_int_equal(path_split(in, &p, &b), 0);
	assert_string_equal(p, parent);
	assert_string_equal(b, base);
	free(p);
	free(b);
}

static void test_path_split(void **state)
{
	(void)state;
	split("a/b", "a", "b");
	split("a/b//", "a", "b");
	split("/b", "/", "b");
	split("b", ".", "b");
	split("/", "/", "");
	split("/x/y/z/", "/x/y", "z");
	split("..", ".", "..");
}

static enum ysub_fault first_fault(const char *text, unsigned max_depth,
				   const char **what)
{
	yaml_parser_t ps;
	yaml_event_t ev;
	struct ysub s = { .max_depth = max_depth };
	enum ysub_fault f = YSUB_OK;
	static char name[64];

	assert_true(yaml_parser_initialize(&ps));
	yaml_parser_set_input_string(&ps, (const unsigned char *)text,
				     strlen(text));
	for (;;) {
		assert_true(yaml_parser_parse(&ps, &ev));
		bool end = ev.type == YAML_STREAM_END_EVENT;
		const char *w;
		f = ysub_check(&s, &ev, &w);
		snprintf(name, sizeof(name), "%s", w ? w : "");
		yaml_event_delete(&ev);
		if (f != YSUB_OK || end)
			break;
	}
	yaml_parser_delete(&ps);
	*what = name;
	return f;
}

static void test_yaml_subset(void **state)
{
	(void)state;
	const char *w;
	assert_int_equal(first_fault("a: [1, {b: c}]\n", 3, &w), YSUB_OK);
	assert_int_equal(first_fault("a: [1, {b: c}]\n", 2, &w), YSUB_DEPTH);
	assert_int_equal(first_fault("a: !custom foo\n", 8, &w), YSUB_TAG);
	assert_string_equal(w, "!custom");
	assert_int_equal(first_fault("a: &x foo\n", 8, &w), YSUB_ANCHOR);
	assert_string_equal(w, "x");
	assert_int_equal(first_fault("a: *x\n", 8, &w), YSUB_ALIAS);
	assert_string_equal(w, "x");
	assert_int_equal(first_fault("a: 1\n---\nb: 2\n", 8, &w), YSUB_DOCS);
	assert_string_equal(ysub_refused_plural(YSUB_TAG), "tags");
	assert_null(ysub_refused_plural(YSUB_DEPTH));
}

static bool find_root(const char *mp, const char *fstype, const char *super,
		      void *arg)
{
	(void)fstype;
	(void)super;
	if (strcmp(mp, "/") == 0)
		*(bool *)arg = true;
	return true;
}

static void test_mountinfo(void **state)
{
	(void)state;
	bool root = false;
	assert_int_equal(mountinfo_scan(find_root, &root), 0);
	assert_true(root);
}

static void test_spawn_capture(void **state)
{
	(void)state;
	char out[64];
	const char *const both[] = { "sh", "-c",
				     "echo out; echo err >&2; exit 3", NULL };
	assert_int_equal(spawn_capture(both, out, sizeof(out)), 3);
	assert_string_equal(out, "out\nerr");
	const char *const cut[] = { "printf", "%s", "abcdefgh", NULL };
	assert_int_equal(spawn_capture(cut, out, 4), 0);
	assert_string_equal(out, "abc");
	const char *const none[] = { "no-such-program-seedfs", NULL };
	assert_int_equal(spawn_capture(none, out, sizeof(out)), -ENOENT);

	struct proc_result r;
	const char *const streams[] = { "sh", "-c", "echo o; echo e >&2",
					NULL };
	assert_int_equal(proc_run(streams, true, &r), 0);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "o\n");
	assert_string_equal(r.err, "e\n");
	proc_result_free(&r);
	const char *const cat[] = { "cat", NULL };
	assert_int_equal(proc_run_input(cat, "in", 2, &r), 0);
	assert_string_equal(r.out, "in");
	proc_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_bounded, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_fifo_does_not_block,
						setup, teardown),
		cmocka_unit_test(test_read_grows_past_stat_size),
		cmocka_unit_test(test_path_split),
		cmocka_unit_test(test_yaml_subset),
		cmocka_unit_test(test_mountinfo),
		cmocka_unit_test(test_spawn_capture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
