/* log.h — daemon logging: stderr in the foreground, syslog when detached. */
#ifndef SEEDFS_LOG_H
#define SEEDFS_LOG_H

#include <stdbool.h>
#include <syslog.h>

void log_to_syslog(bool on);
/* While fd >= 0, libfuse's messages also go to fd when logging to syslog
 * (in the foreground they go to stderr anyway): the mount step's error. */
void log_capture_libfuse(int fd);
void log_msg(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
