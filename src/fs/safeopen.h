/* safeopen.h — forwards to the shared descriptor-relative open in the util
 * layer (include/util/safeopen.h, src/util/safeopen.c), so that the
 * daemon's files keep including "safeopen.h". */
#ifndef SEEDFS_FS_SAFEOPEN_H
#define SEEDFS_FS_SAFEOPEN_H

#include "util/safeopen.h"

#endif
