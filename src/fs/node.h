/* node.h — the daemon's inodes: one per (parent, name) the kernel knows.
 *
 * Owns: node lifetime (kernel lookup counts plus child references), the
 * (parent, name) and inotify-watch indexes, and "dead" marking when the
 * source changes under a node. A node is a view path: the same source
 * directory reached through two view paths is two nodes, because what is
 * visible below it depends on the path.
 *
 * Locking: one mutex for the indexes and counts (node_table.lock). Node
 * fields set at creation are immutable; verdict changes only on reload,
 * under the daemon's exclusive rules lock; dead is atomic.
 */
#ifndef SEEDFS_NODE_H
#define SEEDFS_NODE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "classify.h"
#include "snapshot.h"
#include "told.h"

/* Where a node below a symlinked directory lives at the target; most
 * nodes have none, so it is allocated apart. */
struct node_target {
	enum target_mode mode;
	struct verdict verdict;
	size_t pathlen;
	char path[]; /* NUL-terminated */
};

/* Ordered for size: a 100,000-entry directory is 100,000 of these. */
struct node {
	struct node *parent;	    /* holds a reference; NULL for the root */
	char *path;		    /* view path */
	const char *name;	    /* name in the parent ("" for the root): the
				tail of path */
	struct node_target *target; /* NULL unless below a symlinked dir */
	struct verdict verdict;
	dev_t dev; /* source identity */
	ino_t ino;
	uint64_t generation; /* unique per table, never reused, root 1: also
				the st_ino the view reports (node_st_ino) */
	struct told told;    /* what the kernel may hold (told.h) */

	/* under node_table.lock */
	uint64_t nlookup;
	struct snapshot *snap; /* listing being read (ops.c) */
	struct blob *blob;     /* served bytes of a computed file */
	struct node *hnext;    /* (parent, name) chain */
	struct node *wnext;    /* same-watch chain */

	uint32_t pathlen;
	int fd;		    /* owned O_PATH, or -1 (plain file) */
	mode_t type;	    /* S_IFDIR or S_IFREG */
	unsigned rules_gen; /* reload bookkeeping (daemon_reload.c) */
	unsigned children;  /* under the lock */
	int wd;		    /* under the lock */
	uint8_t transform;  /* enum transform: computed when not NONE */
	bool via_link;
	bool hashed;	   /* under the lock */
	bool in_limbo;	   /* dead, unhashed, still referenced: on
				  node_table.limbo through hnext/wnext */
	bool watch_queued; /* under the lock: on node_table.pending, which
			      keeps it from being freed */
	atomic_bool dead;
	atomic_bool prefetched; /* a directory queued for warming (ops.c) */
	uint8_t htag;		/* top byte of the name's hash (node.c) */
};

/* A plain file whose watch the adder thread adds (node.c). */
struct pending_watch {
	struct node *n;
	uint64_t ctime; /* of the source when classified, in ns */
	int wd;		/* the adder's results (node.c) */
	int since;
};

struct node_table {
	pthread_mutex_t lock;
	struct node *root;
	struct node **byname;
	size_t nbyname, count;
	struct node **bywd;
	size_t nbywd, nwatched; /* buckets, nodes on the chains */
	uint64_t next_generation;
	uint64_t ino_key;   /* see node_of */
	struct node *probe; /* the change-generation probe (ops.c): never
			       hashed, never freed before the table */
	struct node *limbo; /* retired nodes the kernel still holds */
	int inotify_fd;	    /* -1: no watches */
	struct pending_watch *pending; /* plain files to watch, queued by */
	size_t npending, cappending;   /* node_link for the adder thread */
	atomic_bool watches_new;       /* queued since last taken */
};

int node_table_init(struct node_table *t, int root_fd, int inotify_fd);
void node_table_destroy(struct node_table *t);

/* The node for a FUSE inode number (never fails for numbers the kernel
 * got from us and has not forgotten). */
struct node *node_of(struct node_table *t, uint64_t ino);
uint64_t node_ino(const struct node_table *t, const struct node *n);

/* The inode number the view reports for n (st_ino, d_ino): a per-table
 * counter assigned at creation (root 1, the probe 2), so below 2^53 (exact
 * as a JavaScript number), unique among all nodes alive at once and stable
 * for n's lifetime. The FUSE node id (node_ino) is a different number. */
static inline uint64_t node_st_ino(const struct node *n)
{
	return n->generation;
}

/* The st_ino of the live child (parent, name) the table holds, or 0. */
uint64_t node_child_st_ino(struct node_table *t, struct node *parent,
			   const char *name, size_t namelen);

/* False if n or an ancestor was marked dead. */
bool node_live(const struct node *n);

/* The node for a visible entry classified below parent: the existing one
 * if it still names the same source object, otherwise a new one that takes
 * e->fd. Adds one kernel lookup. Returns NULL on ENOMEM. */
struct node *node_link(struct node_table *t, struct node *parent,
		       struct entry *e, const char *name, size_t namelen);

/* Drops n kernel lookups; frees what nothing references any more. */
void node_forget(struct node_table *t, struct node *n, uint64_t nlookup);

/* Keeps n (not yet forgotten) from being freed past the request that found
 * it, as one more lookup reference; node_forget(t, n, 1) lets it go. */
void node_hold(struct node_table *t, struct node *n);

/* Marks the child (parent, name) dead and unhashes it, so the next lookup
 * makes a fresh node. Returns true if there was such a child. */
bool node_kill_child(struct node_table *t, struct node *parent,
		     const char *name, size_t namelen);
void node_kill(struct node_table *t, struct node *n);
/* The same, for a caller already holding t->lock (node_for_each). */
void node_kill_locked(struct node_table *t, struct node *n);

/* A kernel cache invalidation to issue once the table lock is dropped
 * (notify calls can wait on requests that need the lock). */
struct inval {
	uint64_t ino; /* INVAL_INODE: this inode; INVAL_ENTRY: the parent */
	char *name;   /* INVAL_ENTRY: owned copy */
	size_t namelen;
	bool entry;
};

struct inval_list {
	struct inval *v;
	size_t n, cap;
};

void inval_list_free(struct inval_list *l);
/* Appends an invalidation: of entry (ino, name) when name is set, else of
 * inode ino. Best effort under memory pressure. */
void inval_push(struct inval_list *l, uint64_t ino, const char *name,
		size_t namelen);

/* Applies one inotify event (wd < 0: queue overflow, everything) to the
 * table: kills nodes whose source object went away or was replaced, and
 * appends the kernel invalidations the event calls for. */
void node_watch_event(struct node_table *t, int wd, uint32_t mask,
		      const char *name, struct inval_list *out);

/* Called once by the adder thread: gives it a working directory of its
 * own (unshare CLONE_FS), from which node_watch_queued adds watches by
 * name. False when the kernel refuses (watches then go through /proc). */
bool node_watch_thread(void);
/* Adder thread: adds the watches of the plain files node_link queued,
 * and appends the invalidations of those that changed meanwhile to out. */
size_t node_watch_queued(struct node_table *t, struct inval_list *out);
/* Were any queued since the last call? (A request handler then wakes the
 * adder thread, once its reply is out.) */
bool node_watches_take_new(struct node_table *t);
/* Visits every node, under the lock, in no particular order. */
void node_for_each(struct node_table *t, void (*fn)(struct node *n, void *arg),
		   void *arg);

/* The listing kept in directory n: take returns it with a reference (or
 * NULL), set stores s (taking a reference), drop forgets it if it is
 * still s. */
struct snapshot *node_snapshot_take(struct node_table *t, struct node *n);
void node_snapshot_set(struct node_table *t, struct node *n,
		       struct snapshot *s);
void node_snapshot_drop(struct node_table *t, struct node *n,
			struct snapshot *s);

/* The served bytes of computed file n: take returns them with a reference
 * (or NULL); set replaces them (taking a reference). */
struct blob *node_blob_take(struct node_table *t, struct node *n);
void node_blob_set(struct node_table *t, struct node *n, struct blob *b);

/* The directory as classify() needs it. */
struct dirref node_dirref(const struct node *n);

#endif
