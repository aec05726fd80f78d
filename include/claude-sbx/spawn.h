/* spawn.h — running one program from an argv array, never through a shell.
 *
 * Owns: the launcher's side of spawning — showing an argv in messages; PATH
 * lookup and the spawning itself (posix_spawnp, capture, exit status) are
 * the shared util/proc.h's.
 */
#ifndef CLAUDE_SBX_SPAWN_H
#define CLAUDE_SBX_SPAWN_H

#include <stdbool.h>
#include <stddef.h>

#include "util/proc.h"

/* proc_run, proc_run_input, proc_on_path and struct proc_result are
 * util/proc.h's. */
#define SBX_CAPTURE_MAX PROC_CAPTURE_MAX

/* A readable one-line rendering of argv for messages (malloc'd). */
char *proc_argv_display(const char *const argv[], size_t max_args);

#endif
