/* err.h — how launcher errors travel: an exit status and a message.
 *
 * Owns: the error record filled by deep code and printed once by main().
 * Deep code never prints; it fills a struct sbx_err and returns -1.
 */
#ifndef CLAUDE_SBX_ERR_H
#define CLAUDE_SBX_ERR_H

enum sbx_exit {
	SBX_EXIT_OK = 0,
	SBX_EXIT_FAIL = 1,  /* an operational step failed */
	SBX_EXIT_USAGE = 2, /* bad arguments, bad config or allowlist */
};

struct sbx_err {
	int status;	/* an enum sbx_exit value */
	char msg[8192]; /* one or more lines, no trailing newline */
};

/* Sets status and message (replacing any previous one). Returns -1 so
 * callers can write `return sbx_err_set(...)`. */
int sbx_err_set(struct sbx_err *e, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Puts "prefix: " in front of the current message (for step names). */
void sbx_err_prefix(struct sbx_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
