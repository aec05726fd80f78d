/* node.c — see node.h. */
#include "node.h"

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "prefetch.h"

#define WATCH_MASK                                                             \
	(IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE |      \
	 IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF |         \
	 IN_EXCL_UNLINK)

static void watch_add(struct node_table *t, struct node *n);
static void kill_locked(struct node_table *t, struct node *n);
static void maybe_free(struct node_table *t, struct node *n);
static void push_entry_of(struct node_table *t, struct inval_list *l,
			  struct node *n);

/* A change time in ns: what a queued watch checks the file against. */
static uint64_t ctime_ns(const struct stat *st)
{
	return (uint64_t)st->st_ctim.tv_sec * 1000000000u +
	       (uint64_t)st->st_ctim.tv_nsec;
}

/* The top byte of a name's hash, kept in the node: a chain walk compares
 * names only when it matches (the nodes of one directory share parent). */
#define HTAG(hash) ((uint8_t)((uint64_t)(hash) >> 56))

static size_t name_hash(const struct node *parent, const char *name, size_t len)
{
	return (size_t)XXH3_64bits_withSeed(name, len, (uintptr_t)parent);
}

/* A node named by the tail of path, which it takes (malloc'd; freed here
 * on failure). */
static struct node *node_new_owned(char *path, size_t pathlen, size_t namelen)
{
	/* 16-byte alignment keeps inode numbers clear of 0 and 1 (node_of). */
	size_t size = (sizeof(struct node) + 15) & ~(size_t)15;
	struct node *n = path ? aligned_alloc(16, size) : NULL;
	if (!n) {
		free(path);
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	n->path = path;
	n->name = n->path + pathlen - namelen;
	n->pathlen = (uint32_t)pathlen;
	n->fd = -1;
	n->wd = -1;
	atomic_init(&n->dead, false);
	atomic_init(&n->prefetched, false);
	return n;
}

int node_table_init(struct node_table *t, int root_fd, int inotify_fd)
{
	struct stat st;
	memset(t, 0, sizeof(*t));
	if (fstat(root_fd, &st) < 0)
		return -errno;
	pthread_mutex_init(&t->lock, NULL);
	t->inotify_fd = inotify_fd;
	t->nbyname = 1024;
	t->nbywd = 256;
	t->byname = calloc(t->nbyname, sizeof(*t->byname));
	t->bywd = calloc(t->nbywd, sizeof(*t->bywd));
	t->root = node_new_owned(strdup(""), 0, 0);
	t->probe = node_new_owned(strdup(""), 0, 0);
	if (!t->byname || !t->bywd || !t->root || !t->probe) {
		node_table_destroy(t);
		return -ENOMEM;
	}
	t->root->fd = root_fd;
	t->root->dev = st.st_dev;
	t->root->ino = st.st_ino;
	t->root->type = S_IFDIR;
	t->root->nlookup = 1;
	t->root->verdict = (struct verdict){ VIS_CONTAINER, NULL };
	t->root->generation = 1;
	t->probe->type = S_IFREG;
	t->probe->nlookup = 1;
	t->probe->generation = 2;
	t->next_generation = 3;
	if (getrandom(&t->ino_key, sizeof(t->ino_key), 0) != sizeof(t->ino_key))
		t->ino_key = (uint64_t)(uintptr_t)t ^ 0x9e3779b97f4a7c15ull;
	t->ino_key = (t->ino_key & ~0xfull) | 0x8;
	watch_add(t, t->root);
	return 0;
}

static void free_node(struct node *n)
{
	snapshot_put(n->snap);
	blob_put(n->blob);
	if (n->fd >= 0)
		close(n->fd);
	free(n->path);
	free(n->target);
	free(n);
}

void node_table_destroy(struct node_table *t)
{
	for (size_t i = 0; t->byname && i < t->nbyname; i++) {
		struct node *n = t->byname[i];
		while (n) {
			struct node *next = n->hnext;
			free_node(n);
			n = next;
		}
	}
	while (t->limbo) {
		struct node *n = t->limbo;
		t->limbo = n->hnext;
		free_node(n);
	}
	/* The root's fd belongs to the daemon. */
	if (t->root) {
		t->root->fd = -1;
		free_node(t->root);
	}
	if (t->probe)
		free_node(t->probe);
	free(t->byname);
	free(t->bywd);
	free(t->pending);
	pthread_mutex_destroy(&t->lock);
	memset(t, 0, sizeof(*t));
}

/* Inode numbers are node addresses masked with a per-mount random key, so
 * that they reveal nothing of the daemon's memory layout. Nodes are 16-byte
 * aligned and the key's low nibble is 0x8: never 0 or FUSE_ROOT_ID. */
struct node *node_of(struct node_table *t, uint64_t ino)
{
	if (ino == FUSE_ROOT_ID)
		return t->root;
	return (struct node *)(uintptr_t)(ino ^ t->ino_key);
}

uint64_t node_ino(const struct node_table *t, const struct node *n)
{
	return n == t->root ? FUSE_ROOT_ID
			    : (uint64_t)(uintptr_t)n ^ t->ino_key;
}

bool node_live(const struct node *n)
{
	for (; n; n = n->parent)
		if (atomic_load_explicit(&n->dead, memory_order_acquire))
			return false;
	return true;
}

struct dirref node_dirref(const struct node *n)
{
	return (struct dirref){
		.fd = n->fd,
		.dev = n->dev,
		.path = n->path,
		.pathlen = n->pathlen,
		.verdict = n->verdict,
		.target = n->target ? (struct target){ n->target->mode,
						       n->target->path,
						       n->target->pathlen,
						       n->target->verdict }
				    : (struct target){ TARGET_NONE,
						       NULL,
						       0,
						       { VIS_HIDDEN, NULL } },
	};
}

/* ---- (parent, name) index ---- */

static void grow_byname(struct node_table *t)
{
	size_t nb = t->nbyname * 2;
	struct node **b = calloc(nb, sizeof(*b));
	if (!b)
		return; /* keep the longer chains */
	for (size_t i = 0; i < t->nbyname; i++) {
		struct node *n = t->byname[i];
		while (n) {
			struct node *next = n->hnext;
			size_t h =
				name_hash(n->parent, n->name, strlen(n->name)) &
				(nb - 1);
			n->hnext = b[h];
			b[h] = n;
			n = next;
		}
	}
	free(t->byname);
	t->byname = b;
	t->nbyname = nb;
}

static struct node *find_child(struct node_table *t, struct node *parent,
			       const char *name, size_t len)
{
	size_t hash = name_hash(parent, name, len);
	size_t h = hash & (t->nbyname - 1);
	uint8_t tag = HTAG(hash);
	for (struct node *n = t->byname[h]; n; n = n->hnext)
		if (n->htag == tag && n->parent == parent &&
		    strncmp(n->name, name, len) == 0 && n->name[len] == '\0')
			return n;
	return NULL;
}

static void hash_insert(struct node_table *t, struct node *n)
{
	/* At most one node a bucket: a first listing misses on every name,
	 * and a miss walks the whole chain. */
	if (t->count >= t->nbyname)
		grow_byname(t);
	size_t hash = name_hash(n->parent, n->name, strlen(n->name));
	size_t h = hash & (t->nbyname - 1);
	n->htag = HTAG(hash);
	n->hnext = t->byname[h];
	t->byname[h] = n;
	n->hashed = true;
	t->count++;
}

static void hash_remove(struct node_table *t, struct node *n)
{
	if (!n->hashed)
		return;
	size_t h = name_hash(n->parent, n->name, strlen(n->name)) &
		   (t->nbyname - 1);
	for (struct node **pp = &t->byname[h]; *pp; pp = &(*pp)->hnext) {
		if (*pp == n) {
			*pp = n->hnext;
			break;
		}
	}
	n->hashed = false;
	t->count--;
}

/* ---- watch index ---- */

/* Doubles the buckets, so that chains stay short with one watch per visible
 * file of a 100,000-entry directory (watch descriptors are small and
 * sequential: the low bits spread them). */
static void grow_bywd(struct node_table *t)
{
	size_t nb = t->nbywd * 2;
	struct node **b = calloc(nb, sizeof(*b));
	if (!b)
		return; /* keep the longer chains */
	for (size_t i = 0; i < t->nbywd; i++) {
		struct node *n = t->bywd[i];
		while (n) {
			struct node *next = n->wnext;
			size_t h = (size_t)n->wd & (nb - 1);
			n->wnext = b[h];
			b[h] = n;
			n = next;
		}
	}
	free(t->bywd);
	t->bywd = b;
	t->nbywd = nb;
}

/* In a thread with a working directory of its own (node_watch_thread):
 * a plain file's watch is then added by its name from its parent as the
 * working directory, one component to resolve instead of the five of
 * /proc/self/fd/N/name. */
static _Thread_local bool own_cwd;
/* The descriptor that thread is in during a batch of node_watch_queued
 * (its nodes are pinned, so their parents' descriptors stay open and keep
 * their numbers): consecutive files of one directory need one fchdir.
 * -1: "/" or unknown. */
static _Thread_local int cwd_fd = -1;

/* Makes dirfd the thread's working directory; false when it cannot. */
static bool enter_dir(int dirfd)
{
	if (cwd_fd == dirfd)
		return true;
	cwd_fd = fchdir(dirfd) == 0 ? dirfd : -1;
	return cwd_fd >= 0;
}

bool node_watch_thread(void)
{
	own_cwd = unshare(CLONE_FS) == 0 && chdir("/") == 0;
	return own_cwd;
}

/* Directories and symlink targets are watched through their own O_PATH
 * descriptor. A plain file is watched by name beneath its parent's
 * descriptor, for IN_ATTRIB only: a link count changed through another
 * directory is reported to the inode's own watches, never to its parent's.
 * Returns the watch descriptor, or -1 (the view then only lacks live
 * updates for n). Needs no lock: n's descriptors and name are fixed. */
static int watch_open(const struct node_table *t, const struct node *n)
{
	char *path = NULL;
	uint32_t mask = WATCH_MASK;

	if (t->inotify_fd < 0)
		return -1;
	if (n->fd >= 0) {
		if (n->type == S_IFDIR)
			mask |= IN_ONLYDIR;
		if (asprintf(&path, "/proc/self/fd/%d", n->fd) < 0)
			return -1;
	} else if (n->type == S_IFREG && n->parent && n->parent->fd >= 0) {
		mask = IN_ATTRIB | IN_DONT_FOLLOW | IN_EXCL_UNLINK;
		if (own_cwd && enter_dir(n->parent->fd))
			return inotify_add_watch(t->inotify_fd, n->name, mask);
		if (asprintf(&path, "/proc/self/fd/%d/%s", n->parent->fd,
			     n->name) < 0)
			return -1;
	} else {
		return -1;
	}
	int wd = inotify_add_watch(t->inotify_fd, path, mask);
	free(path);
	return wd;
}

/* Files n's events to it. Caller holds the lock. */
static void watch_register(struct node_table *t, struct node *n, int wd)
{
	n->wd = wd;
	if (t->nwatched >= t->nbywd * 2)
		grow_bywd(t);
	size_t h = (size_t)wd & (t->nbywd - 1);
	n->wnext = t->bywd[h];
	t->bywd[h] = n;
	t->nwatched++;
}

static void watch_add(struct node_table *t, struct node *n)
{
	int wd = watch_open(t, n);
	if (wd >= 0)
		watch_register(t, n, wd);
}

/* Is wd filed for some node? Caller holds the lock. */
static bool wd_in_use(const struct node_table *t, int wd)
{
	for (struct node *n = t->bywd[(size_t)wd & (t->nbywd - 1)]; n;
	     n = n->wnext)
		if (n->wd == wd)
			return true;
	return false;
}

/* ---- plain-file watches, added by the adder thread ----
 *
 * A watch costs more than the rest of a plain file's lookup (the
 * /proc/self/fd path walk and the mark): the request handler queues the
 * new node instead, pinned, and the adder thread adds the watch and then
 * checks the file is still what was classified, invalidating it if not
 * (what happened before the watch existed produced no event). */

/* Queues n, new and unwatched, with the change time it was classified
 * at; false when there is no room (watch it now then). Caller holds the
 * lock. */
static bool watch_later(struct node_table *t, struct node *n, uint64_t ctime)
{
	if (t->npending == t->cappending) {
		size_t cap = t->cappending ? t->cappending * 2 : 64;
		struct pending_watch *v = realloc(t->pending, cap * sizeof(*v));
		if (!v)
			return false;
		t->pending = v;
		t->cappending = cap;
	}
	t->pending[t->npending++] =
		(struct pending_watch){ .n = n, .ctime = ctime };
	n->watch_queued = true;
	atomic_store(&t->watches_new, true);
	return true;
}

bool node_watches_take_new(struct node_table *t)
{
	/* seq_cst, not relaxed: the adder's disarm (daemon_watchadd.c) relies
	 * on this load being ordered after its store to adder_armed. */
	return atomic_load(&t->watches_new) &&
	       atomic_exchange(&t->watches_new, false);
}

enum since { SAME, CHANGED, GONE };

/* Did the file change since it was classified (a change the watch, added
 * after, did not see)? GONE: not the same single-link regular file any
 * more. No lock: see watch_open. */
static enum since changed_since(const struct node *n, uint64_t ctime)
{
	struct stat st;
	if (fstatat(n->parent->fd, n->name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    st.st_dev != n->dev || st.st_ino != n->ino ||
	    !S_ISREG(st.st_mode) || st.st_nlink != 1)
		return GONE;
	return ctime_ns(&st) == ctime ? SAME : CHANGED;
}

size_t node_watch_queued(struct node_table *t, struct inval_list *out)
{
	pthread_mutex_lock(&t->lock);
	struct pending_watch *v = t->pending;
	size_t nv = t->npending;
	t->pending = NULL;
	t->npending = t->cappending = 0;
	pthread_mutex_unlock(&t->lock);
	if (!nv)
		return 0;
	/* Pinned (watch_queued), so n, its parent and their descriptors
	 * stay while the lock is not held. */
	cwd_fd = -1; /* a descriptor number from before may name another */
	for (size_t i = 0; i < nv; i++) {
		struct node *n = v[i].n;
		bool dead = atomic_load(&n->dead);
		v[i].wd = dead ? -1 : watch_open(t, n);
		v[i].since = dead ? SAME : changed_since(n, v[i].ctime);
	}
	/* Holds no source directory between batches (nor would a core dump
	 * land in one). */
	if (own_cwd && chdir("/") < 0)
		own_cwd = false;
	cwd_fd = -1;
	pthread_mutex_lock(&t->lock);
	for (size_t i = 0; i < nv; i++) {
		struct node *n = v[i].n;
		bool dead = atomic_load(&n->dead);
		n->watch_queued = false;
		if (v[i].wd >= 0) {
			if (!dead && n->wd < 0)
				watch_register(t, n, v[i].wd);
			else if (!wd_in_use(t, v[i].wd))
				inotify_rm_watch(t->inotify_fd, v[i].wd);
		}
		if (!dead && v[i].since != SAME) {
			inval_push(out, node_ino(t, n), NULL, 0);
			if (v[i].since == GONE) {
				kill_locked(t, n);
				push_entry_of(t, out, n);
			}
		}
		maybe_free(t, n);
	}
	pthread_mutex_unlock(&t->lock);
	free(v);
	return nv;
}

static void watch_remove(struct node_table *t, struct node *n)
{
	if (n->wd < 0)
		return;
	size_t h = (size_t)n->wd & (t->nbywd - 1);
	bool shared = false;
	for (struct node **pp = &t->bywd[h]; *pp;) {
		if (*pp == n) {
			*pp = n->wnext;
			t->nwatched--;
			continue;
		}
		if ((*pp)->wd == n->wd)
			shared = true;
		pp = &(*pp)->wnext;
	}
	if (!shared)
		inotify_rm_watch(t->inotify_fd, n->wd);
	n->wd = -1;
}

void node_for_each(struct node_table *t, void (*fn)(struct node *n, void *arg),
		   void *arg)
{
	pthread_mutex_lock(&t->lock);
	/* fn may retire nodes, which unlinks them from the chains being
	 * walked: take the set first (nothing is freed under the lock). */
	struct node **all = malloc((t->count + 1) * sizeof(*all));
	size_t n = 0;
	if (all) {
		all[n++] = t->root;
		for (size_t i = 0; i < t->nbyname; i++)
			for (struct node *x = t->byname[i]; x; x = x->hnext)
				all[n++] = x;
		for (size_t i = 0; i < n; i++)
			fn(all[i], arg);
	} else {
		/* No memory to do it right: retire every node, so that each
		 * name is looked up afresh under the new rules. */
		for (size_t i = 0; i < t->nbyname; i++)
			while (t->byname[i])
				kill_locked(t, t->byname[i]);
	}
	pthread_mutex_unlock(&t->lock);
	free(all);
}

/* ---- lifetime ---- */

/* Retired nodes (out of both indexes) reuse hnext as next and wnext as
 * prev, so that teardown can free them and freeing one is O(1). */
static void limbo_add(struct node_table *t, struct node *n)
{
	if (n->in_limbo)
		return;
	n->in_limbo = true;
	n->wnext = NULL;
	n->hnext = t->limbo;
	if (t->limbo)
		t->limbo->wnext = n;
	t->limbo = n;
}

static void limbo_remove(struct node_table *t, struct node *n)
{
	if (!n->in_limbo)
		return;
	if (n->wnext)
		n->wnext->hnext = n->hnext;
	else
		t->limbo = n->hnext;
	if (n->hnext)
		n->hnext->wnext = n->wnext;
	n->in_limbo = false;
	n->hnext = n->wnext = NULL;
}

static void maybe_free(struct node_table *t, struct node *n)
{
	while (n && n != t->root && n->nlookup == 0 && n->children == 0 &&
	       !n->watch_queued) {
		struct node *parent = n->parent;
		limbo_remove(t, n);
		hash_remove(t, n);
		watch_remove(t, n);
		if (n->type == S_IFDIR)
			prefetch_unclaim(n->dev, n->ino);
		free_node(n);
		parent->children--;
		n = parent;
	}
}

/* A regular file whose name now serves fewer bytes than the largest size
 * the kernel was told of n is served by a new node from now on: no
 * notification makes the kernel forget a size, and a short read of this
 * inode could come back padded with zeros up to the old one (told.h).
 * blob is the computed file's new bytes when there are any; without them
 * a computed node's size is not the source's, and is left to its READ. */
static bool shrank(struct node *n, const struct stat *st,
		   const struct blob *blob)
{
	uint64_t size;
	if (n->type != S_IFREG)
		return false;
	if (blob)
		size = blob->len;
	else if (n->transform == TRANSFORM_NONE)
		size = (uint64_t)st->st_size;
	else
		return false;
	return size < told_size(told_load(&n->told));
}

struct node *node_link(struct node_table *t, struct node *parent,
		       struct entry *e, const char *name, size_t namelen)
{
	struct node_target *target = NULL;
	if (e->tmode != TARGET_NONE) {
		/* Without its target name a node below a symlinked directory
		 * could not be checked: no memory, no node. */
		target = malloc(sizeof(*target) + e->tpathlen + 1);
		if (!target)
			return NULL;
		target->mode = e->tmode;
		target->verdict = e->tverdict;
		target->pathlen = e->tpathlen;
		memcpy(target->path, e->tpath, e->tpathlen + 1);
	}
	pthread_mutex_lock(&t->lock);
	struct node *n = find_child(t, parent, name, namelen);
	if (n && (n->dev != e->st.st_dev || n->ino != e->st.st_ino ||
		  n->type != (e->st.st_mode & S_IFMT) ||
		  n->via_link != e->via_link || shrank(n, &e->st, e->blob))) {
		/* The name now holds another object, or one smaller than the
		 * kernel may hold for the old node: retire the old node. */
		kill_locked(t, n);
		n = NULL;
	}
	if (n) {
		n->nlookup++;
		if (e->blob) { /* freshly computed: newer than what n holds */
			struct blob *old = n->blob;
			n->blob = e->blob;
			e->blob = NULL;
			pthread_mutex_unlock(&t->lock);
			blob_put(old);
		} else {
			pthread_mutex_unlock(&t->lock);
		}
		free(target);
		return n;
	}
	n = node_new_owned(e->path, e->pathlen, namelen); /* takes the path */
	e->path = NULL;
	if (!n) {
		pthread_mutex_unlock(&t->lock);
		free(target);
		return NULL;
	}
	n->parent = parent;
	parent->children++;
	n->fd = e->fd;
	e->fd = -1;
	n->dev = e->st.st_dev;
	n->ino = e->st.st_ino;
	n->type = e->st.st_mode & S_IFMT;
	n->via_link = e->via_link;
	n->verdict = e->verdict;
	n->target = target;
	n->transform = (uint8_t)e->transform;
	n->blob = e->blob;
	e->blob = NULL;
	n->generation = t->next_generation++;
	n->nlookup = 1;
	hash_insert(t, n);
	if (n->fd >= 0 || n->type != S_IFREG || t->inotify_fd < 0 ||
	    !watch_later(t, n, ctime_ns(&e->st)))
		watch_add(t, n);
	pthread_mutex_unlock(&t->lock);
	return n;
}

uint64_t node_child_st_ino(struct node_table *t, struct node *parent,
			   const char *name, size_t namelen)
{
	pthread_mutex_lock(&t->lock);
	struct node *n = find_child(t, parent, name, namelen);
	uint64_t ino = n && !atomic_load(&n->dead) ? node_st_ino(n) : 0;
	pthread_mutex_unlock(&t->lock);
	return ino;
}

void node_hold(struct node_table *t, struct node *n)
{
	pthread_mutex_lock(&t->lock);
	n->nlookup++;
	pthread_mutex_unlock(&t->lock);
}

void node_forget(struct node_table *t, struct node *n, uint64_t nlookup)
{
	if (n == t->probe)
		return; /* synthetic, lives as long as the table */
	pthread_mutex_lock(&t->lock);
	n->nlookup = nlookup > n->nlookup ? 0 : n->nlookup - nlookup;
	maybe_free(t, n);
	pthread_mutex_unlock(&t->lock);
}

static void kill_locked(struct node_table *t, struct node *n)
{
	atomic_store(&n->dead, true);
	if (n == t->root || n->in_limbo)
		return;
	hash_remove(t, n);
	watch_remove(t, n);
	limbo_add(t, n);
}

bool node_kill_child(struct node_table *t, struct node *parent,
		     const char *name, size_t namelen)
{
	pthread_mutex_lock(&t->lock);
	struct node *n = find_child(t, parent, name, namelen);
	if (n)
		kill_locked(t, n);
	pthread_mutex_unlock(&t->lock);
	return n != NULL;
}

void node_kill_locked(struct node_table *t, struct node *n)
{
	kill_locked(t, n);
}

void node_kill(struct node_table *t, struct node *n)
{
	pthread_mutex_lock(&t->lock);
	kill_locked(t, n);
	pthread_mutex_unlock(&t->lock);
}

/* ---- inotify events ---- */

void inval_list_free(struct inval_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void inval_push(struct inval_list *l, uint64_t ino, const char *name,
		size_t namelen)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct inval *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return; /* best effort: timeouts still bound staleness */
		l->v = v;
		l->cap = cap;
	}
	struct inval *iv = &l->v[l->n];
	*iv = (struct inval){ .ino = ino, .entry = name != NULL };
	if (name) {
		iv->name = strndup(name, namelen);
		if (!iv->name)
			return;
		iv->namelen = namelen;
	}
	l->n++;
}

static void push_entry_of(struct node_table *t, struct inval_list *l,
			  struct node *n)
{
	if (n->parent)
		inval_push(l, node_ino(t, n->parent), n->name, strlen(n->name));
}

static void overflow_all(struct node_table *t, struct inval_list *out)
{
	inval_push(out, FUSE_ROOT_ID, NULL, 0);
	for (size_t i = 0; i < t->nbyname; i++)
		for (struct node *n = t->byname[i]; n; n = n->hnext) {
			inval_push(out, node_ino(t, n), NULL, 0);
			push_entry_of(t, out, n);
		}
}

/* Whether name below dir names n's source object now: a node linked under
 * its name after the event that reports a move or a new name (the watcher
 * runs behind the requests) is current, and must not be retired for it. */
static bool names_node(const struct node *dir, const char *name,
		       const struct node *n)
{
	struct stat st;
	return dir && dir->fd >= 0 &&
	       fstatat(dir->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       st.st_dev == n->dev && st.st_ino == n->ino;
}

static void dir_child_event(struct node_table *t, struct node *dir,
			    uint32_t mask, const char *name,
			    struct inval_list *out)
{
	size_t len = strlen(name);
	uint64_t dino = node_ino(t, dir);
	struct node *child = find_child(t, dir, name, len);

	if (mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO)) {
		if (child) {
			inval_push(out, node_ino(t, child), NULL, 0);
			if (!names_node(dir, name, child))
				kill_locked(t, child);
		}
		inval_push(out, dino, name, len);
		inval_push(out, dino, NULL, 0); /* listing and cached readdir */
		return;
	}
	if (child) {
		inval_push(out, node_ino(t, child), NULL, 0);
		struct stat st;
		if ((mask & (IN_MODIFY | IN_CLOSE_WRITE)) && dir->fd >= 0 &&
		    fstatat(dir->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    shrank(child, &st, NULL)) {
			kill_locked(t, child);
			inval_push(out, dino, name, len);
		}
	}
	if (mask & IN_ATTRIB)
		inval_push(out, dino, name, len); /* link count, type checks */
	if (mask & IN_CLOSE_WRITE) {
		/* A computed file may have turned unservable (invalid JSON):
		 * the listing is taken again. Writes here are rare. */
		inval_push(out, dino, name, len);
		inval_push(out, dino, NULL, 0);
	}
}

static void self_event(struct node_table *t, struct node *n, uint32_t mask,
		       struct inval_list *out)
{
	uint64_t ino = node_ino(t, n);
	if (mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
		if ((mask & IN_MOVE_SELF) && names_node(n->parent, n->name, n))
			return; /* linked under its new name since */
		kill_locked(t, n);
		push_entry_of(t, out, n);
		inval_push(out, ino, NULL, 0);
		return;
	}
	if (n->type == S_IFREG &&
	    (mask & (IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB))) {
		struct stat st;
		int rc = n->fd >= 0 ? fstat(n->fd, &st)
				    : fstatat(n->parent->fd, n->name, &st,
					      AT_SYMLINK_NOFOLLOW);
		inval_push(out, ino, NULL, 0);
		if (((mask & IN_ATTRIB) &&
		     (rc < 0 || st.st_nlink != 1 || st.st_ino != n->ino ||
		      st.st_dev != n->dev)) ||
		    (rc == 0 && shrank(n, &st, NULL))) {
			kill_locked(t, n);
			push_entry_of(t, out, n);
		}
	}
}

void node_watch_event(struct node_table *t, int wd, uint32_t mask,
		      const char *name, struct inval_list *out)
{
	pthread_mutex_lock(&t->lock);
	if (wd < 0 || (mask & IN_Q_OVERFLOW)) {
		overflow_all(t, out);
		goto out;
	}
	for (struct node *n = t->bywd[(size_t)wd & (t->nbywd - 1)]; n;) {
		struct node *next = n->wnext;
		if (n->wd != wd) {
			n = next;
			continue;
		}
		if (mask & IN_IGNORED) {
			/* The kernel dropped the watch itself. */
			size_t h = (size_t)wd & (t->nbywd - 1);
			for (struct node **pp = &t->bywd[h]; *pp;
			     pp = &(*pp)->wnext)
				if (*pp == n) {
					*pp = n->wnext;
					t->nwatched--;
					break;
				}
			n->wd = -1;
		} else if (name && name[0] && n->type == S_IFDIR) {
			dir_child_event(t, n, mask, name, out);
		} else {
			self_event(t, n, mask, out);
		}
		n = next;
	}
out:
	pthread_mutex_unlock(&t->lock);
}

/* ---- listings ---- */

struct snapshot *node_snapshot_take(struct node_table *t, struct node *n)
{
	pthread_mutex_lock(&t->lock);
	struct snapshot *s = n->snap;
	if (s)
		snapshot_ref(s);
	pthread_mutex_unlock(&t->lock);
	return s;
}

void node_snapshot_set(struct node_table *t, struct node *n, struct snapshot *s)
{
	snapshot_ref(s);
	pthread_mutex_lock(&t->lock);
	struct snapshot *old = n->snap;
	n->snap = s;
	pthread_mutex_unlock(&t->lock);
	snapshot_put(old);
}

void node_snapshot_drop(struct node_table *t, struct node *n,
			struct snapshot *s)
{
	struct snapshot *old = NULL;
	pthread_mutex_lock(&t->lock);
	if (n->snap == s) {
		old = n->snap;
		n->snap = NULL;
	}
	pthread_mutex_unlock(&t->lock);
	snapshot_put(old);
}

/* ---- computed files ---- */

struct blob *node_blob_take(struct node_table *t, struct node *n)
{
	pthread_mutex_lock(&t->lock);
	struct blob *b = n->blob;
	if (b)
		blob_ref(b);
	pthread_mutex_unlock(&t->lock);
	return b;
}

void node_blob_set(struct node_table *t, struct node *n, struct blob *b)
{
	blob_ref(b);
	pthread_mutex_lock(&t->lock);
	struct blob *old = n->blob;
	n->blob = b;
	pthread_mutex_unlock(&t->lock);
	blob_put(old);
}
