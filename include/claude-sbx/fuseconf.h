/* fuseconf.h — whether the view needs allow_other, whether /etc/fuse.conf
 * lets an ordinary user ask for it, and whether a mounted view has it
 * (/proc/self/mountinfo). Pure logic: parsing text, deciding from values
 * (view.c reads the files and the environment).
 *
 * A FUSE mount without allow_other answers only its own uid (not even
 * root): the sandbox's file server (virtiofsd) running as another user gets
 * EACCES on .claude-seed. With allow_other the view is mounted with
 * default_permissions too, so the kernel checks the view's modes (0444
 * files, 0555 directories). fusermount3 grants allow_other to an ordinary
 * user only when /etc/fuse.conf has a `user_allow_other` line.
 */
#ifndef CLAUDE_SBX_FUSECONF_H
#define CLAUDE_SBX_FUSECONF_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SBX_FUSE_CONF	    "/etc/fuse.conf"
#define SBX_FUSE_CONF_LINE  "user_allow_other"
/* auto | yes | no: whether the view is mounted with allow_other. */
#define SBX_ALLOW_OTHER_ENV "CLAUDE_SBX_VIEW_ALLOW_OTHER"

enum sbx_allow_other { SBX_ALLOW_AUTO, SBX_ALLOW_YES, SBX_ALLOW_NO };

/* True if fuse.conf text (len bytes) has the user_allow_other option as
 * fusermount3 reads it: a line that is exactly that word once a `#`
 * comment and surrounding blanks are removed, ending in a newline (an
 * unterminated last line is ignored) and shorter than 256 bytes. Sets
 * *line to its 1-based line number (0: none). */
bool sbx_fuseconf_allows_other(const char *text, size_t len, unsigned *line);

/* Parses the environment value (NULL or "" is auto). Returns 0 or -1. */
int sbx_allow_other_parse(const char *s, enum sbx_allow_other *out);

/* auto: allow_other exactly when the launcher is not root. The sandbox's
 * file server is not the user running the launcher when that user is an
 * ordinary one (sbx on Linux serves the workspace from its own daemon; the
 * VM test bed's virtiofsd runs as root); a root launcher's view is served
 * to a root file server, which needs nothing. */
bool sbx_allow_other_wanted(enum sbx_allow_other mode, uid_t euid);

/* Looks mp (canonical, as the kernel prints it) up in /proc/self/mountinfo
 * text (the last mount there wins, as it covers the others). Returns 1 if
 * its super options include allow_other, 0 if not, -1 if mp is not a
 * mount point in text. Octal escapes (\040 …) are decoded. */
int sbx_mountinfo_allow_other(const char *text, size_t len, const char *mp);

#endif
