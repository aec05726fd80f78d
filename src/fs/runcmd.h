/* runcmd.h — running a helper program from an argv array, never a shell:
 * spawn_capture, which the shared util layer owns (include/util/proc.h,
 * src/util/proc.c). Kept so that the daemon's files include "runcmd.h". */
#ifndef SEEDFS_SPAWN_H
#define SEEDFS_SPAWN_H

#include "util/proc.h"

#endif
