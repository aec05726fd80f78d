/* log.h — daemon logging: stderr in the foreground, syslog when detached. */
#ifndef SEEDFS_LOG_H
#define SEEDFS_LOG_H

#include <stdbool.h>
#include <syslog.h>

void log_to_syslog(bool on);
void log_msg(int priority, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
