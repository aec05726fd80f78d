/* gitexclude.c — one line in .git/info/exclude (see gitexclude.h). */
#include "claude-sbx/gitexclude.h"
#include "util/readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SMALL_FILE_MAX (1024 * 1024)

/* The whole file (bounded, regular files only), or NULL. */
static char *read_small(const char *path, size_t *len)
{
	char *buf;
	size_t got;
	if (uread_path(path, SMALL_FILE_MAX, &buf, &got, NULL) < 0)
		return NULL;
	if (len)
		*len = got;
	return buf;
}

static void chomp(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		s[--n] = '\0';
}

static char *join(const char *base, const char *rel)
{
	char *out = NULL;
	if (rel[0] == '/')
		return strdup(rel);
	if (asprintf(&out, "%s/%s", base, rel) < 0)
		return NULL;
	return out;
}

/* The directory holding info/exclude, or NULL when not a git work tree. */
static char *git_common_dir(const char *ws)
{
	char *dotgit = join(ws, ".git");
	struct stat st;
	char *gitdir = NULL;

	if (!dotgit || lstat(dotgit, &st) < 0) {
		free(dotgit);
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		gitdir = dotgit;
	} else if (S_ISREG(st.st_mode)) {
		char *txt = read_small(dotgit, NULL);
		free(dotgit);
		if (!txt || strncmp(txt, "gitdir: ", 8) != 0) {
			free(txt);
			return NULL;
		}
		chomp(txt);
		gitdir = join(ws, txt + 8);
		free(txt);
	} else {
		free(dotgit);
		return NULL;
	}
	if (!gitdir)
		return NULL;
	char *cdfile = join(gitdir, "commondir");
	char *cd = cdfile ? read_small(cdfile, NULL) : NULL;
	free(cdfile);
	if (cd) {
		chomp(cd);
		char *common = join(gitdir, cd);
		free(cd);
		free(gitdir);
		return common;
	}
	return gitdir;
}

static int has_line(const char *text, const char *entry)
{
	const char *p = text;
	size_t el = strlen(entry);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n && p[n - 1] == '\r')
			n--;
		const char *s = p;
		size_t m = n;
		if (m && *s == '/') {
			s++;
			m--;
		}
		if (m && s[m - 1] == '/')
			m--;
		if (m == el && memcmp(s, entry, el) == 0)
			return 1;
		p = nl ? nl + 1 : p + strlen(p);
	}
	return 0;
}

int sbx_git_exclude_add(const char *workspace, const char *entry,
			char **exclude, struct sbx_err *err)
{
	*exclude = NULL;
	char *common = git_common_dir(workspace);
	if (!common)
		return 0;
	char *info = join(common, "info");
	char *path = info ? join(info, "exclude") : NULL;
	free(common);
	if (!path) {
		free(info);
		return sbx_err_set(err, 1, "out of memory");
	}
	if (mkdir(info, 0755) < 0 && errno != EEXIST) {
		sbx_err_set(err, 1, "%s: %s", info, strerror(errno));
		free(info);
		free(path);
		return -1;
	}
	free(info);
	size_t len = 0;
	char *txt = read_small(path, &len);
	if (txt && has_line(txt, entry)) {
		free(txt);
		*exclude = path;
		return 0;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		free(txt);
		sbx_err_set(err, 1, "%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	char line[512];
	int n = snprintf(line, sizeof(line),
			 "%s# claude-sbx: the seed view's mountpoint\n/%s/\n",
			 txt && len && txt[len - 1] != '\n' ? "\n" : "", entry);
	free(txt);
	ssize_t w = write(fd, line, (size_t)n);
	int e = errno;
	close(fd);
	if (w != n) {
		sbx_err_set(err, 1, "%s: write: %s", path, strerror(e));
		free(path);
		return -1;
	}
	*exclude = path;
	return 1;
}
