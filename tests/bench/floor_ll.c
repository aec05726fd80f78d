/* floor_ll.c — the floor of a first walk through libfuse's low-level API.
 *
 * Owns: a trivial read-only filesystem for tests/bench/bench.py that serves
 * skills/many/entry-NNNNNN.md (N empty files, N from argv) from memory, no
 * source access, no checks: LOOKUP, GETATTR and READDIRPLUS on every slice
 * (FUSE_CAP_READDIRPLUS_AUTO cleared, OPENDIR answered ENOSYS), as
 * claude-seedfs asks the kernel for. What `find skills/many -printf %s`
 * costs on it is what the kernel and libfuse 3.14 cost per entry; whatever
 * claude-seedfs costs above it is its own work. Built, never installed:
 *
 *     floor_ll [-s] N MOUNTPOINT     (foreground; unmount to stop)
 *
 * It serves with libfuse's multi-threaded loop, as claude-seedfs does, or
 * with -s on one thread, as bindfs does by default. For a caller that
 * waits for each answer before it asks again (a stat of every name) the
 * multi-threaded loop keeps every idle worker in read(2) and the kernel
 * wakes the one that waited longest, so each request is taken by another
 * thread than the one that answered the last; one thread answers and reads
 * the next request itself. Which costs less depends on which CPUs the
 * threads and the caller run on (the bench lists each run).
 */
#define FUSE_USE_VERSION 314
#include <errno.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Inodes: 1 root, 2 skills, 3 many, 4 + i entry i. */
#define INO_SKILLS 2
#define INO_MANY   3
#define INO_FIRST  4

static unsigned long nentries;

static void attr_of(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_uid = getuid();
	st->st_gid = getgid();
	if (ino < INO_FIRST) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 1;
	} else {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
	}
}

static const char *name_of(fuse_ino_t ino, char *buf, size_t len)
{
	if (ino == INO_SKILLS)
		return "skills";
	if (ino == INO_MANY)
		return "many";
	snprintf(buf, len, "entry-%06lu.md", (unsigned long)(ino - INO_FIRST));
	return buf;
}

static fuse_ino_t child(fuse_ino_t parent, const char *name)
{
	unsigned long i;
	char tail;
	if (parent == FUSE_ROOT_ID && strcmp(name, "skills") == 0)
		return INO_SKILLS;
	if (parent == INO_SKILLS && strcmp(name, "many") == 0)
		return INO_MANY;
	if (parent == INO_MANY &&
	    sscanf(name, "entry-%6lu.m%c", &i, &tail) == 2 && tail == 'd' &&
	    i < nentries)
		return INO_FIRST + i;
	return 0;
}

static void fill(fuse_ino_t ino, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = ino;
	e->entry_timeout = 86400.0;
	e->attr_timeout = 86400.0;
	attr_of(ino, &e->attr);
}

static void fl_init(void *userdata, struct fuse_conn_info *conn)
{
	conn->want &= ~(unsigned)FUSE_CAP_READDIRPLUS_AUTO;
}

static void fl_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	fuse_ino_t ino = child(parent, name);
	if (!ino) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fill(ino, &e);
	fuse_reply_entry(req, &e);
}

static void fl_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct stat st;
	attr_of(ino, &st);
	fuse_reply_attr(req, &st, 86400.0);
}

static void fl_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	fuse_reply_err(req, ENOSYS); /* as claude-seedfs: no OPENDIR */
}

static void fl_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, struct fuse_file_info *fi)
{
	char *buf = malloc(size), nb[32];
	size_t used = 0;
	unsigned long n = ino == FUSE_ROOT_ID || ino == INO_SKILLS ? 1
			  : ino == INO_MANY			   ? nentries
								   : 0;
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	for (unsigned long i = (unsigned long)off; i < n; i++) {
		fuse_ino_t c = ino == FUSE_ROOT_ID ? INO_SKILLS
			       : ino == INO_SKILLS ? INO_MANY
						   : INO_FIRST + i;
		const char *name = name_of(c, nb, sizeof(nb));
		struct fuse_entry_param e;
		fill(c, &e);
		size_t need = fuse_add_direntry_plus(
			req, buf + used, size - used, name, &e, (off_t)i + 1);
		if (need > size - used)
			break;
		used += need;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static const struct fuse_lowlevel_ops ops = {
	.init = fl_init,
	.lookup = fl_lookup,
	.getattr = fl_getattr,
	.opendir = fl_opendir,
	.readdirplus = fl_readdirplus,
};

int main(int argc, char **argv)
{
	int single = argc == 4 && strcmp(argv[1], "-s") == 0;
	if (argc != 3 + single) {
		fprintf(stderr, "usage: floor_ll [-s] N MOUNTPOINT\n");
		return 2;
	}
	char **arg = argv + single; /* N, MOUNTPOINT at arg[1], arg[2] */
	nentries = strtoul(arg[1], NULL, 10);
	char *fargv[] = { argv[0], "-o", "ro,fsname=floor_ll", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
	struct fuse_session *se =
		fuse_session_new(&args, &ops, sizeof(ops), NULL);
	if (!se)
		return 1;
	int rc = 1;
	if (fuse_set_signal_handlers(se) == 0) {
		if (fuse_session_mount(se, arg[2]) == 0) {
			if (single) {
				rc = fuse_session_loop(se) ? 1 : 0;
			} else {
				struct fuse_loop_config *cfg =
					fuse_loop_cfg_create();
				rc = fuse_session_loop_mt(se, cfg) ? 1 : 0;
				fuse_loop_cfg_destroy(cfg);
			}
			fuse_session_unmount(se);
		}
		fuse_remove_signal_handlers(se);
	}
	fuse_session_destroy(se);
	return rc;
}
