/* log.c — see log.h. */
#include "log.h"

#include <fuse_log.h>
#include <stdarg.h>
#include <stdio.h>

/* Set once, before any thread starts. */
static bool use_syslog;
/* Set around the mount step only, before the request threads start. */
static int capture_fd = -1;

static void from_libfuse(enum fuse_log_level level, const char *fmt, va_list ap)
{
	if (use_syslog) {
		if (capture_fd >= 0) {
			va_list copy;
			va_copy(copy, ap);
			vdprintf(capture_fd, fmt, copy);
			va_end(copy);
		}
		vsyslog((int)level, fmt, ap);
	} else {
		fputs("claude-seedfs: libfuse: ", stderr);
		vfprintf(stderr, fmt, ap);
	}
}

void log_to_syslog(bool on)
{
	use_syslog = on;
	if (on)
		openlog("claude-seedfs", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	fuse_set_log_func(from_libfuse);
}

void log_capture_libfuse(int fd)
{
	capture_fd = fd;
}

void log_msg(int priority, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (use_syslog) {
		vsyslog(priority, fmt, ap);
	} else {
		fputs("claude-seedfs: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}
