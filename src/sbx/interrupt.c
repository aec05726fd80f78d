/* interrupt.c — the launcher's interrupt flag: SIGINT, SIGTERM and SIGHUP
 * are caught and remembered, and the commands ask at each step boundary.
 *
 * Owns: the signal dispositions of the launcher process and the flag. */
#include "launcher.h"

#include <signal.h>
#include <string.h>

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

bool sbx_interrupted(void)
{
	return got_signal != 0;
}

/* The launcher outlives an interrupt long enough to clean up; children
 * (spawned with default dispositions) still get it from the terminal. */
void sbx_catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}
