/* Unit tests: what the launcher gained by using the shared util layer
 * (src/util/): the careful tree walks (fstree.h) open directories through
 * the shared open, so they keep working where openat2 answers EPERM and
 * still refuse a bind mount when they fall back; the config refuses YAML
 * tags with file, line and cause; the bounded reader (readfile.h) refuses
 * a FIFO without blocking and reports a read error instead of returning a
 * shorter file.
 *
 * The faults are injected by defining syscall(), read() and pread() here:
 * the test executable's definitions take precedence over glibc's for the
 * code linked from the static libraries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "claude-sbx/config.h"
#include "claude-sbx/fstree.h"
#include "claude-sbx/readfile.h"
#include "scratch.h"

/* ---- fault injection --------------------------------------------------- */

static int openat2_errno; /* 0: openat2 works */
static bool reads_fail;	  /* read() and pread() answer EIO */

typedef long (*syscall_fn)(long, ...);

long syscall(long number, ...)
{
	static syscall_fn real;
	va_list ap;
	long a[6];

	va_start(ap, number);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (number == SYS_openat2 && openat2_errno) {
		errno = openat2_errno;
		return -1;
	}
	if (!real) {
		void *sym = dlsym(RTLD_NEXT, "syscall");
		memcpy(&real, &sym,
		       sizeof(real)); /* no object-to-function cast */
	}
	return real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

ssize_t read(int fd, void *buf, size_t n)
{
	if (reads_fail) {
		errno = EIO;
		return -1;
	}
	return syscall(SYS_read, fd, buf, n);
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	if (reads_fail) {
		errno = EIO;
		return -1;
	}
	return syscall(SYS_pread64, fd, buf, n, off);
}

/* ---- a scratch tree ----------------------------------------------------- */

static int setup(void **state)
{
	(void)state;
	openat2_errno = 0;
	reads_fail = false;
	return scratch_make("/tmp/sbx-shared-XXXXXX");
}

static int teardown(void **state)
{
	(void)state;
	char p[PATH_MAX];
	openat2_errno = 0;
	reads_fail = false;
	path(p, "src/bound");
	umount2(p, MNT_DETACH);
	path(p, "old/bound");
	umount2(p, MNT_DETACH);
	scratch_remove();
	return 0;
}

/* A bind mount of dir onto itself, in a private mount namespace so that
 * nothing outlives the test. false when this process may not mount. */
static bool bind_onto_itself(const char *rel)
{
	static bool unshared;
	char p[PATH_MAX];
	if (!unshared) {
		if (unshare(CLONE_NEWNS) != 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
			return false;
		unshared = true;
	}
	path(p, rel);
	return mount(p, p, NULL, MS_BIND, NULL) == 0;
}

/* ---- (a) the tree walks use the shared open ---------------------------- */

static void copy_with_openat2_refused(int e)
{
	dir("src");
	dir("src/skills");
	dir("src/skills/pdf");
	put("src/skills/pdf/SKILL.md", "x\n", 0644);
	dir("dst");
	int s = open_dir("src"), d = open_dir("dst");
	struct sbx_copy_stats st;
	char where[PATH_MAX] = "";
	openat2_errno = e;
	int rc = sbx_copy_tree(s, d, NULL, NULL, &st, where, sizeof(where));
	openat2_errno = 0;
	if (rc != 0)
		fail_msg("copy with openat2 refused (%s): %s at %s",
			 strerrorname_np(e), strerror(-rc), where);
	assert_int_equal(st.dirs, 2);
	assert_int_equal(st.files, 1);
	assert_true(exists("dst/skills/pdf/SKILL.md"));
	close(s);
	close(d);
}

static void test_copy_openat2_eperm(void **state)
{
	(void)state;
	copy_with_openat2_refused(EPERM); /* seccomp profiles refuse it */
}

static void test_copy_openat2_enosys(void **state)
{
	(void)state;
	copy_with_openat2_refused(ENOSYS); /* kernels before 5.6 */
}

/* A bind mount shares st_dev with what it shows: only the mount id tells
 * that the fallback would cross into another mount. */
static void test_copy_fallback_refuses_a_bind_mount(void **state)
{
	(void)state;
	dir("src");
	dir("src/bound");
	put("src/bound/inside", "on another mount\n", 0644);
	dir("dst");
	if (!bind_onto_itself("src/bound"))
		skip(); /* not root, or no mount namespace rights */
	int s = open_dir("src"), d = open_dir("dst");
	struct sbx_copy_stats st;
	char where[PATH_MAX] = "";
	openat2_errno = ENOSYS;
	int rc = sbx_copy_tree(s, d, NULL, NULL, &st, where, sizeof(where));
	openat2_errno = 0;
	assert_int_equal(rc, -EXDEV);
	assert_string_equal(where, "bound");
	assert_false(exists("dst/bound/inside"));
	close(s);
	close(d);
}

static void test_remove_fallback_refuses_a_bind_mount(void **state)
{
	(void)state;
	dir("old");
	dir("old/bound");
	put("old/bound/keep", "on another mount\n", 0644);
	put("old/f", "x", 0644);
	if (!bind_onto_itself("old/bound"))
		skip();
	int fd = open_dir(".");
	char where[PATH_MAX] = "";
	openat2_errno = EPERM;
	int rc = sbx_remove_tree(fd, "old", where, sizeof(where));
	openat2_errno = 0;
	assert_int_equal(rc, -EXDEV);
	assert_string_equal(where, "old/bound");
	assert_true(exists("old/bound/keep"));
	assert_false(exists("old/f"));
	close(fd);
}

/* ---- (b) the config refuses YAML tags ---------------------------------- */

static void expect_config_error(const char *text, const char *want)
{
	struct sbx_config c = { 0 };
	struct sbx_err err = { 0 };
	assert_int_equal(sbx_config_load_text(&c, "c.yaml", text, strlen(text),
					      "/cfg", "/home/u", &err),
			 -1);
	assert_int_equal(err.status, 2);
	if (!strstr(err.msg, want))
		fail_msg("for %s\n got: %s\nwant: %s", text, err.msg, want);
	sbx_config_free(&c);
}

static void test_config_refuses_tags(void **state)
{
	(void)state;
	expect_config_error("name: !custom foo\n",
			    "c.yaml:1:7: YAML tags are not accepted");
	expect_config_error("agent: shell\nname: !!str foo\n",
			    "c.yaml:2:7: YAML tags are not accepted");
	expect_config_error("seed: !m\n  placement: separate\n",
			    "c.yaml:1:7: YAML tags are not accepted");
	expect_config_error("network:\n  allow: !l [a.example]\n",
			    "c.yaml:2:10: YAML tags are not accepted");
	/* and still anchors and aliases */
	expect_config_error("name: &a foo\n", "YAML anchors are not accepted");
	expect_config_error("name: *a\n", "YAML aliases are not accepted");
}

/* ---- (c) the bounded reader -------------------------------------------- */

static void on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = "blocked on a FIFO\n";
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(3);
}

static void test_read_refuses_a_fifo_without_blocking(void **state)
{
	(void)state;
	char p[PATH_MAX];
	path(p, "fifo.yaml");
	assert_int_equal(mkfifo(p, 0600), 0);
	signal(SIGALRM, on_alarm);
	alarm(5); /* a blocked open ends the test, failed */
	char *text = NULL;
	size_t len = 0;
	struct sbx_err err = { 0 };
	int rc = sbx_read_file(p, 1 << 20, "config", false, &text, &len, &err);
	alarm(0);
	assert_int_equal(rc, -1);
	assert_int_equal(err.status, 2);
	assert_non_null(strstr(err.msg, "not a regular file"));
	assert_null(text);
}

static void test_read_refuses_a_device(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	struct sbx_err err = { 0 };
	assert_int_equal(sbx_read_file("/dev/null", 1 << 20, "config", false,
				       &text, &len, &err),
			 -1);
	assert_non_null(strstr(err.msg, "not a regular file"));
}

static void test_read_error_is_an_error(void **state)
{
	(void)state;
	char p[PATH_MAX];
	path(p, "c.yaml");
	put("c.yaml", "name: x\n", 0644);
	char *text = NULL;
	size_t len = 0;
	struct sbx_err err = { 0 };
	reads_fail = true;
	int rc = sbx_read_file(p, 1 << 20, "config", false, &text, &len, &err);
	reads_fail = false;
	if (rc == 0)
		fail_msg("a read error gave %zu bytes instead of an error",
			 len);
	assert_int_equal(rc, -1);
	assert_int_equal(err.status, 2);
	assert_non_null(strstr(err.msg, "cannot read config"));
	assert_non_null(strstr(err.msg, strerror(EIO)));
	assert_null(text);

	/* and without the fault, the same file reads whole */
	assert_int_equal(sbx_read_file(p, 1 << 20, "config", false, &text, &len,
				       &err),
			 0);
	assert_int_equal(len, 8);
	assert_string_equal(text, "name: x\n");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_copy_openat2_eperm, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_copy_openat2_enosys, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_copy_fallback_refuses_a_bind_mount, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_remove_fallback_refuses_a_bind_mount, setup,
			teardown),
		cmocka_unit_test(test_config_refuses_tags),
		cmocka_unit_test_setup_teardown(
			test_read_refuses_a_fifo_without_blocking, setup,
			teardown),
		cmocka_unit_test(test_read_refuses_a_device),
		cmocka_unit_test_setup_teardown(test_read_error_is_an_error,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
