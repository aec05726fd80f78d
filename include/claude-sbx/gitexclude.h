/* gitexclude.h — keeping the view's mountpoint out of git.
 *
 * Owns: finding a workspace's git directory (a .git directory, or a .git
 * file "gitdir: …" with its commondir for worktrees) and adding one
 * "/ENTRY/" line to info/exclude, once.
 */
#ifndef CLAUDE_SBX_GITEXCLUDE_H
#define CLAUDE_SBX_GITEXCLUDE_H

#include "claude-sbx/err.h"

/* Returns 1 when the line was added, 0 when it was already there or the
 * workspace is not a git work tree (then *exclude is NULL), -1 on error
 * (status 1). *exclude receives the exclude file's path (malloc'd). */
int sbx_git_exclude_add(const char *workspace, const char *entry,
			char **exclude, struct sbx_err *err);

#endif
