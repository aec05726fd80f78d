/* refuse_openat2.c — an LD_PRELOAD shim that makes openat2(2) fail, so that
 * claude-seedfs takes its openat(O_NOFOLLOW) fallback (src/fs/safeopen.c),
 * as on kernels before 5.6 or under seccomp profiles that refuse openat2.
 *
 * glibc 2.36 has no openat2 wrapper: the daemon calls syscall(SYS_openat2,
 * ...). This shim replaces syscall() and answers SYS_openat2 with -1 and
 * errno REFUSE_OPENAT2_ERRNO (ENOSYS by default, or EPERM); every other
 * number goes to the real syscall(). Built by tests/faults/run.sh.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

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
	if (number == SYS_openat2) {
		const char *e = getenv("REFUSE_OPENAT2_ERRNO");
		errno = e && strcmp(e, "EPERM") == 0 ? EPERM : ENOSYS;
		return -1;
	}
	if (!real)
		real = (syscall_fn)dlsym(RTLD_NEXT, "syscall");
	return real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
