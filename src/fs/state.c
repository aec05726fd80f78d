/* state.c — see state.h. */
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

const char *const stats_names[ST__COUNT] = {
	[ST_LOOKUP] = "lookup",
	[ST_FORGET] = "forget",
	[ST_GETATTR] = "getattr",
	[ST_OPEN] = "open",
	[ST_READ] = "read",
	[ST_OPENDIR] = "opendir",
	[ST_READDIR] = "readdir",
	[ST_READDIRPLUS] = "readdirplus",
	[ST_RELEASEDIR] = "releasedir",
	[ST_STATFS] = "statfs",
	[ST_XATTR] = "xattr",
	[ST_ACCESS] = "access",
	[ST_REFUSED] = "refused_write",
	[ST_OTHER] = "other",
	[ST_INVAL_ENTRY] = "inval_entry",
	[ST_INVAL_INODE] = "inval_inode",
	[ST_RELOAD] = "reload",
	[ST_AHEAD] = "ahead_entries",
	[ST_WATCH_WAKE] = "watch_wakeups",
	[ST_WATCH_BATCH] = "watch_batches",
	[ST_PREFETCH] = "prefetch_dirs",
};

int state_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	uid_t uid = geteuid();
	struct stat st;

	if (uid == 0)
		snprintf(buf, len, "/run/claude-seedfs");
	else if (xdg && xdg[0] == '/')
		snprintf(buf, len, "%s/claude-seedfs", xdg);
	else
		snprintf(buf, len, "/tmp/claude-seedfs-%u", (unsigned)uid);
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (lstat(buf, &st) < 0)
		return -errno;
	/* Refuse a directory someone else planted. */
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid || (st.st_mode & 0077))
		return -EPERM;
	return 0;
}

int state_path(const char *mountpoint, const char *suffix, char *buf,
	       size_t len)
{
	char dir[PATH_MAX];
	int rc = state_dir(dir, sizeof(dir));
	if (rc < 0)
		return rc;
	uint64_t h = XXH3_64bits(mountpoint, strlen(mountpoint));
	int n = snprintf(buf, len, "%s/%016" PRIx64 "%s", dir, h, suffix);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* ---- escaping: '\\' '\n' '\t' become two-byte sequences ---- */

static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '\t')
			fputs("\\t", f);
		else
			fputc(*s, f);
	}
}

static char *unescape(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	if (!out)
		return NULL;
	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			*o++ = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

int state_open(const char *mountpoint)
{
	char path[PATH_MAX];
	int rc = state_path(mountpoint, ".state", path, sizeof(path));
	if (rc < 0)
		return rc;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	return fd < 0 ? -errno : fd;
}

static void serialize(FILE *f, const struct seedfs_view *v)
{
	fputs("version\t1\nmountpoint\t", f);
	put_escaped(f, v->mountpoint);
	fputs("\nsource\t", f);
	put_escaped(f, v->source);
	fprintf(f, "\npid\t%d\ngeneration\t%lu\nattempts\t%lu\n", (int)v->pid,
		v->generation, v->reload_attempts);
	for (size_t i = 0; i < v->nlayers; i++) {
		fprintf(f, "layer\t%016" PRIx64 "\t", v->layers[i].xxh3);
		put_escaped(f, v->layers[i].file);
		fputc('\n', f);
	}
	for (size_t i = 0; i < v->ngroups; i++) {
		fputs("group\t", f);
		put_escaped(f, v->groups[i]);
		fputc('\n', f);
	}
	if (v->reload_error) {
		fputs("reload_error\t", f);
		put_escaped(f, v->reload_error);
		fputc('\n', f);
	}
	if (v->confinement) {
		fputs("confinement\t", f);
		put_escaped(f, v->confinement);
		fputc('\n', f);
	}
	fputs("end\t1\n", f);
}

int state_write_fd(int fd, const struct seedfs_view *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	serialize(f, v);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	int rc = 0;
	if (pwrite(fd, buf, len, 0) != (ssize_t)len ||
	    ftruncate(fd, (off_t)len) < 0)
		rc = -errno ? -errno : -EIO;
	free(buf);
	return rc;
}

static int push_str(char ***v, size_t *n, char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[(*n)++] = s;
	return 0;
}

static int parse_line(struct seedfs_view *v, char *line)
{
	char *tab = strchr(line, '\t');
	if (!tab)
		return 0;
	*tab = '\0';
	const char *key = line, *val = tab + 1;

	if (strcmp(key, "mountpoint") == 0)
		return (v->mountpoint = unescape(val)) ? 0 : -ENOMEM;
	if (strcmp(key, "source") == 0)
		return (v->source = unescape(val)) ? 0 : -ENOMEM;
	if (strcmp(key, "pid") == 0)
		v->pid = (pid_t)strtol(val, NULL, 10);
	else if (strcmp(key, "generation") == 0)
		v->generation = strtoul(val, NULL, 10);
	else if (strcmp(key, "attempts") == 0)
		v->reload_attempts = strtoul(val, NULL, 10);
	else if (strcmp(key, "reload_error") == 0)
		return (v->reload_error = unescape(val)) ? 0 : -ENOMEM;
	else if (strcmp(key, "confinement") == 0)
		return (v->confinement = unescape(val)) ? 0 : -ENOMEM;
	else if (strcmp(key, "end") == 0)
		v->complete = true;
	else if (strcmp(key, "group") == 0) {
		char *g = unescape(val);
		if (!g || push_str(&v->groups, &v->ngroups, g) < 0) {
			free(g);
			return -ENOMEM;
		}
	} else if (strcmp(key, "layer") == 0) {
		char *tab2 = strchr(val, '\t');
		if (!tab2)
			return -EINVAL;
		struct seedfs_layer *nl =
			realloc(v->layers, (v->nlayers + 1) * sizeof(*nl));
		if (!nl)
			return -ENOMEM;
		v->layers = nl;
		nl[v->nlayers].xxh3 = strtoull(val, NULL, 16);
		nl[v->nlayers].file = unescape(tab2 + 1);
		if (!nl[v->nlayers].file)
			return -ENOMEM;
		v->nlayers++;
	}
	return 0;
}

/* The destructor of what state_read returns (seedfs.h). */
void seedfs_view_free(struct seedfs_view *v)
{
	if (!v)
		return;
	free(v->mountpoint);
	free(v->source);
	for (size_t i = 0; i < v->nlayers; i++)
		free(v->layers[i].file);
	free(v->layers);
	for (size_t i = 0; i < v->ngroups; i++)
		free(v->groups[i]);
	free(v->groups);
	free(v->reload_error);
	free(v->confinement);
	free(v);
}

static int state_read_once(const char *path, struct seedfs_view **out)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	struct seedfs_view *v = calloc(1, sizeof(*v));
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = v ? 0 : -ENOMEM;

	while (rc == 0 && (n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		rc = parse_line(v, line);
	}
	free(line);
	fclose(f);
	if (rc == 0 && (!v->mountpoint || !v->source || !v->complete))
		rc = -EAGAIN;
	if (rc < 0) {
		seedfs_view_free(v);
		return rc;
	}
	*out = v;
	return 0;
}

int state_read(const char *path, struct seedfs_view **out)
{
	/* The daemon rewrites in place: a read racing a write lacks the end
	 * marker; the next one sees the whole file. */
	int rc = -EAGAIN;
	for (int i = 0; i < 50 && rc == -EAGAIN; i++) {
		rc = state_read_once(path, out);
		if (rc == -EAGAIN)
			usleep(2000);
	}
	return rc == -EAGAIN ? -EINVAL : rc;
}

int state_remove(const char *mountpoint)
{
	char path[PATH_MAX];
	if (state_path(mountpoint, ".state", path, sizeof(path)) == 0)
		unlink(path);
	if (state_path(mountpoint, ".stats", path, sizeof(path)) == 0)
		unlink(path);
	return 0;
}

struct stats_page *stats_map(const char *mountpoint, bool create)
{
	char path[PATH_MAX];
	if (state_path(mountpoint, ".stats", path, sizeof(path)) < 0)
		return NULL;
	int fd = create ? open(path,
			       O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC |
				       O_NOFOLLOW,
			       0600)
			: open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	size_t size = sizeof(struct stats_page);
	if (create && ftruncate(fd, (off_t)size) < 0) {
		close(fd);
		return NULL;
	}
	struct stat st;
	if (!create && (fstat(fd, &st) < 0 || (size_t)st.st_size < size)) {
		close(fd);
		return NULL;
	}
	void *p = mmap(NULL, size, create ? PROT_READ | PROT_WRITE : PROT_READ,
		       MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	struct stats_page *s = p;
	if (create) {
		s->magic = STATS_MAGIC;
		s->nops = ST__COUNT;
	} else if (s->magic != STATS_MAGIC) {
		munmap(p, size);
		return NULL;
	}
	return s;
}

void stats_unmap(struct stats_page *s)
{
	if (s)
		munmap(s, sizeof(*s));
}
