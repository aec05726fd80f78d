#!/usr/bin/env python3
"""soak.py — a bounded soak test of a real claude-seedfs mount.

One daemon (foreground, so its exit status and stderr are ours) serves a
view of a generated ~/.claude while, for DURATION seconds:

  * 16 reader threads walk the view and read every file they list;
  * one writer thread edits (atomic replace, and in place for a few files),
    creates, deletes and renames files, renames directories (also into a
    never-hidden directory and back), hard-links files away and back,
    creates and removes directories, and changes modes in the source;
  * a reloader rewrites the --rules layer in place and runs
    `claude-seedfs reload MP` every second (every 7th time with a broken
    file, which must be refused with exit 2 and change nothing);
  * a monitor samples the daemon's descriptor count and RSS.

Afterwards, and the test fails otherwise:

  * the daemon is alive, and after `claude-seedfs umount` exits 0 with no
    sanitizer report on its stderr;
  * its descriptor count never exceeded the bound (FD_BOUND, from the
    number of directories the source ever had) and, once the kernel's
    caches are dropped, is back near where it started;
  * its RSS shows no growth trend past the warm-up (least-squares slope
    over the run, within max(8 MiB, 25 %) of the warm RSS);
  * every successful read returned exactly some version of that path that
    the writer wrote (for the few files edited in place: a prefix of one,
    since a plain file shows torn states too), and every failed read or
    listing failed with ENOENT or ESTALE;
  * no read returned a secret and no listing showed a never-hidden name;
  * once quiet, the view is exactly the source as `claude-seedfs explain`
    decides it: every visible file listed with its current bytes, no other.

Usage (root, /dev/fuse):
  SEEDFS_BIN=build/src/fs/claude-seedfs \\
  CLAUDE_SEEDFS_DEFAULT_RULES=rules/default.yaml \\
  tests/soak/soak.py [--duration SECONDS] [--readers N] [--seed N]
                     [--no-drop-caches] [--keep]

--quick is 60 s (the default); --duration 1800 for a long run. Standard
library only. Exit status 0 pass, 1 fail, 77 skipped (not root, no FUSE).
"""

import argparse
import errno
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.abspath(os.environ.get("SEEDFS_BIN")
                      or os.path.join(REPO, "build", "src", "fs", "claude-seedfs"))
DEFAULT_RULES = os.path.abspath(os.environ.get("CLAUDE_SEEDFS_DEFAULT_RULES")
                                or os.path.join(REPO, "rules", "default.yaml"))

SECRET = b"SEEDFS-SOAK-SECRET"
INPLACE_MAX = 4000       # in-place files fit one page: a read sees one state
GRACE = 0.5              # no writes below a directory this long after it moved
OK_ERRNOS = {errno.ENOENT, errno.ESTALE}
TOP_VISIBLE = {"CLAUDE.md", "rules", "skills", "agents", "commands", "output-styles"}

RULE_VARIANTS = [
    b'exclude:\n  - /skills/s1/\n  - "*.bak"\n',
    b'exclude:\n  - /agents/a0.md\n',
]
RULE_BROKEN = b'exclude:\n  - "*.py\n'


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def digest(data):
    return hashlib.blake2b(data, digest_size=16).digest()


def is_never(rel):
    """Paths the default rules' never: list hides, as far as this tree goes."""
    parts = rel.split("/")
    base = parts[-1]
    return (parts[0] == "projects" or base == ".env" or base.endswith(".pem")
            or base == ".credentials.json")


# --------------------------------------------------------------------------
# the writer's model of the source

class Model:
    """The source tree as the writer made it, and every version each path
    ever had. Only the writer thread changes it; the checks run after."""

    def __init__(self, root, rng):
        self.root = root
        self.rng = rng
        self.files = {}          # rel -> current bytes
        self.dirs = set()        # rel dirs (not "")
        self.history = {}        # rel -> set of digests ever there
        self.inplace = {}        # rel -> list of versions (in-place files)
        self.ever_paths = set()  # every rel that ever existed (files, dirs)
        self.ever_dirs = set()   # every rel dir that ever existed
        self.moved_at = {}       # rel dir -> monotonic time it moved there
        self.counter = 0
        self.hidden_links = {}   # link rel -> target rel
        self.nfiles0 = None      # files when the load started

    def p(self, rel):
        assert rel and not rel.startswith("/") and ".." not in rel.split("/"), rel
        return os.path.join(self.root, rel)

    def content(self, rel, secret=False, limit=None):
        self.counter += 1
        size = self.rng.choice([0, 10, 100, 1000, 5000, 20000, 70000])
        if limit is not None:
            size = min(size, limit - 200)
        head = f"# {rel} version {self.counter}\n".encode()
        if secret:
            head += SECRET + b"\n"
        body = (b"%d " % self.counter) * (size // 8 + 1)
        return head + body[:max(0, size)]

    def record(self, rel, data):
        self.history.setdefault(rel, set()).add(digest(data))
        if rel in self.inplace:
            self.inplace[rel].append(data)
        self.ever_paths.add(rel)

    def mkdir(self, rel):
        os.mkdir(self.p(rel))
        self.dirs.add(rel)
        self.ever_paths.add(rel)
        self.ever_dirs.add(rel)

    def put_atomic(self, rel, data):
        """Write data to a hidden temporary file, then rename it over rel."""
        tmp = os.path.join(self.root, "projects", "tmp", f"w{self.counter}")
        with open(tmp, "wb") as f:
            f.write(data)
        self.record(rel, data)
        os.rename(tmp, self.p(rel))
        self.files[rel] = data

    def put_inplace(self, rel, data):
        self.record(rel, data)
        fd = os.open(self.p(rel), os.O_WRONLY | os.O_TRUNC)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        self.files[rel] = data

    def frozen(self, rel):
        now = time.monotonic()
        for d, t in self.moved_at.items():
            if now - t < GRACE and (rel == d or rel.startswith(d + "/")):
                return True
        return False

    def below(self, d):
        pre = d + "/"
        return ([f for f in self.files if f.startswith(pre)],
                [x for x in self.dirs if x.startswith(pre)])

    def rename_dir(self, old, new):
        files, dirs = self.below(old)
        os.rename(self.p(old), self.p(new))
        self.dirs.discard(old)
        self.dirs.add(new)
        self.ever_paths.add(new)
        self.ever_dirs.add(new)
        for x in dirs:
            self.dirs.discard(x)
            nx = new + x[len(old):]
            self.dirs.add(nx)
            self.ever_paths.add(nx)
            self.ever_dirs.add(nx)
        for f in files:
            data = self.files.pop(f)
            nf = new + f[len(old):]
            self.files[nf] = data
            self.record(nf, data)
        self.moved_at[new] = time.monotonic()


def build_source(m, nskills):
    os.makedirs(m.root)
    for d in ["rules", "skills", "agents", "commands", "output-styles",
              "projects", "projects/tmp", "projects/p0"]:
        m.mkdir(d)
    m.inplace["CLAUDE.md"] = []
    for i in range(3):
        m.inplace[f"rules/live-{i}.md"] = []
    for rel in m.inplace:
        with open(m.p(rel), "wb"):
            pass
        m.files[rel] = b""
        m.record(rel, b"")
        m.put_inplace(rel, m.content(rel, limit=INPLACE_MAX))
    for i in range(4):
        m.put_atomic(f"rules/r{i}.md", m.content(f"rules/r{i}.md"))
    for k in range(nskills):
        s = f"skills/s{k}"
        m.mkdir(s)
        m.mkdir(s + "/scripts")
        m.mkdir(s + "/ref")
        for rel in [s + "/SKILL.md", s + "/ref/notes.md", s + "/old.bak"] + \
                [f"{s}/scripts/run{j}.py" for j in range(3)]:
            m.put_atomic(rel, m.content(rel))
        for rel in [s + "/.env", s + "/key.pem"]:
            m.put_atomic(rel, m.content(rel, secret=True))
    for d, n in (("agents", "a"), ("commands", "c"), ("output-styles", "o")):
        for i in range(5):
            rel = f"{d}/{n}{i}.md"
            m.put_atomic(rel, m.content(rel))
    for rel in [".credentials.json", "history.jsonl", "settings.json",
                "projects/p0/t.jsonl"]:
        m.put_atomic(rel, m.content(rel, secret=True))


# --------------------------------------------------------------------------
# the writer

def visible_dirs(m):
    return [d for d in sorted(m.dirs) if d.split("/")[0] in TOP_VISIBLE
            and not m.frozen(d)]


OPS = {"edit": 30, "inplace": 10, "create": 10, "delete": 8, "rename": 8,
       "hide": 5, "dirmove": 3, "dirhide": 2, "link": 3, "mkdir": 3, "chmod": 4}


def writer_step(m, stats, ops=None):
    rng = m.rng
    # files the writer may change: inside the visible directories (never
    # a top-level file: those hold secrets), not never-hidden, not in place
    atomic_files = [f for f in m.files if "/" in f and f not in m.inplace
                    and f.split("/")[0] in TOP_VISIBLE
                    and not is_never(f) and not m.frozen(f)]
    names = [o for o in OPS if ops is None or o in ops]
    op = rng.choices(names, weights=[OPS[o] for o in names])[0]
    # keep the visible tree about its first size, so that memory and
    # descriptors are judged against a steady load, not a growing tree
    if m.nfiles0 is None:
        m.nfiles0 = len(atomic_files)
    if op == "create" and len(atomic_files) >= m.nfiles0 + 20 and \
            (ops is None or "delete" in ops):
        op = "delete"
    elif op in ("delete", "hide") and len(atomic_files) <= m.nfiles0 - 20 and \
            (ops is None or "create" in ops):
        op = "create"
    if op == "edit" and atomic_files:
        f = rng.choice(atomic_files)
        m.put_atomic(f, m.content(f))
    elif op == "inplace":
        f = rng.choice(sorted(m.inplace))
        m.put_inplace(f, m.content(f, limit=INPLACE_MAX))
    elif op == "create":
        dirs = visible_dirs(m)
        if dirs:
            d = rng.choice(dirs)
            f = f"{d}/n{m.counter}.md"
            m.put_atomic(f, m.content(f))
    elif op == "delete" and atomic_files:
        f = rng.choice(atomic_files)
        os.unlink(m.p(f))
        del m.files[f]
    elif op == "rename" and atomic_files:
        f = rng.choice(atomic_files)
        nf = f"{os.path.dirname(f)}/r{m.counter}.md"
        m.counter += 1
        m.record(nf, m.files[f])
        os.rename(m.p(f), m.p(nf))
        m.files[nf] = m.files.pop(f)
    elif op == "hide":
        # a visible file to a never-hidden name and (later) back
        hidden = [f for f in m.files if f.endswith(".hid.pem") and not m.frozen(f)]
        if hidden and rng.random() < 0.5:
            f = rng.choice(hidden)
            nf = f[:-len(".hid.pem")]
            if nf not in m.files:
                m.record(nf, m.files[f])
                os.rename(m.p(f), m.p(nf))
                m.files[nf] = m.files.pop(f)
        elif atomic_files:
            f = rng.choice(atomic_files)
            os.rename(m.p(f), m.p(f + ".hid.pem"))
            m.files[f + ".hid.pem"] = m.files.pop(f)
    elif op in ("dirmove", "dirhide"):
        skills = [d for d in m.dirs if d.count("/") == 1 and
                  (d.startswith("skills/") or d.startswith("projects/s"))
                  and not m.frozen(d)]
        if not skills:
            return
        d = rng.choice(skills)
        name = d.split("/")[1]
        if d.startswith("projects/"):
            new = "skills/" + name                     # back into view
        elif op == "dirhide":
            new = "projects/" + name                   # into a never dir
        elif name.endswith("-m"):
            new = "skills/" + name[:-2]
        else:
            new = "skills/" + name + "-m"
        if new in m.dirs or os.path.lexists(m.p(new)):
            return
        m.rename_dir(d, new)
    elif op == "link":
        # a second link makes a file hidden (st_nlink != 1), then it returns
        if m.hidden_links and rng.random() < 0.5:
            link = rng.choice(sorted(m.hidden_links))
            os.unlink(m.p(link))
            del m.hidden_links[link]
        elif atomic_files:
            f = rng.choice(atomic_files)
            link = f"projects/tmp/l{m.counter}"
            m.counter += 1
            os.link(m.p(f), m.p(link))
            m.hidden_links[link] = f
            # the target may not be edited while linked: an in-place change
            # is not made, an atomic one just replaces the name
    elif op == "mkdir":
        made = [d for d in m.dirs if os.path.basename(d).startswith("d")]
        empty = [d for d in made if not m.frozen(d) and not m.below(d)[0]
                 and not m.below(d)[1]]
        if empty and (rng.random() < 0.5 or len(made) >= 20):
            d = rng.choice(empty)
            os.rmdir(m.p(d))
            m.dirs.discard(d)
        elif len(made) < 20:
            dirs = visible_dirs(m)
            if dirs:
                m.mkdir(f"{rng.choice(dirs)}/d{m.counter}")
                m.counter += 1
    elif op == "chmod" and atomic_files:
        f = rng.choice(atomic_files)
        os.chmod(m.p(f), rng.choice([0o644, 0o600, 0o444, 0o755]))
    stats[op] = stats.get(op, 0) + 1


def unlink_hidden_links(m):
    for link in list(m.hidden_links):
        try:
            os.unlink(m.p(link))
        except FileNotFoundError:
            pass
    m.hidden_links.clear()


# --------------------------------------------------------------------------
# readers

class ReaderResult:
    def __init__(self):
        self.seen = {}        # (rel, digest) -> bytes (small) or None
        self.reads = 0
        self.clean_failures = {}
        self.bad = []         # strings: unexpected errors, leaks
        self.listed = set()


def read_all(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while True:
            b = os.read(fd, 65536)
            if not b:
                break
            chunks.append(b)
        return b"".join(chunks)
    finally:
        os.close(fd)


def is_inplace(rel):
    return rel == "CLAUDE.md" or rel.startswith("rules/live-")


def read_once(path):
    """One read() call: a file rewritten in place can show one state per
    call, so a loop of reads could join the start of one version to the
    rest of another, as on any file system."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.pread(fd, 65536, 0)
    finally:
        os.close(fd)


def reader_main(mp, stop, res, seed):
    rng = random.Random(seed)

    def fail_clean(e, what, rel):
        if e.errno in OK_ERRNOS:
            k = errno.errorcode.get(e.errno, str(e.errno))
            res.clean_failures[k] = res.clean_failures.get(k, 0) + 1
        else:
            res.bad.append(f"{what} {rel!r}: {e!r}")

    def walk(rel):
        if stop.is_set() or len(res.bad) > 20:
            return
        path = os.path.join(mp, rel) if rel else mp
        try:
            with os.scandir(path) as it:
                entries = [(e.name, e.is_dir(follow_symlinks=False),
                            e.is_symlink()) for e in it]
        except OSError as e:
            fail_clean(e, "list", rel)
            return
        rng.shuffle(entries)
        for name, is_dir, is_link in entries:
            crel = f"{rel}/{name}" if rel else name
            res.listed.add(crel)
            if is_link:
                res.bad.append(f"symlink presented: {crel!r}")
            if is_never(crel) or (not rel and name not in TOP_VISIBLE):
                res.bad.append(f"hidden name listed: {crel!r}")
            if is_dir:
                walk(crel)
            else:
                try:
                    if is_inplace(crel):
                        data = read_once(os.path.join(mp, crel))
                    else:
                        data = read_all(os.path.join(mp, crel))
                except OSError as e:
                    fail_clean(e, "read", crel)
                    continue
                res.reads += 1
                if SECRET in data:
                    res.bad.append(f"secret read through {crel!r}")
                key = (crel, digest(data))
                if key not in res.seen:
                    res.seen[key] = data if len(data) <= INPLACE_MAX else None

    while not stop.is_set() and len(res.bad) <= 20:
        walk("")


# --------------------------------------------------------------------------
# the daemon

def proc_fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def fd_targets(pid, minus=None):
    """What the daemon's descriptors point at (those not in minus)."""
    out = []
    try:
        for fd in sorted(os.listdir(f"/proc/{pid}/fd"), key=int):
            try:
                out.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
            except OSError:
                pass
    except OSError:
        pass
    if minus is not None:
        rest = list(minus)
        extra = []
        for t in out:
            if t in rest:
                rest.remove(t)
            else:
                extra.append(t)
        return extra
    return out


def describe_mismatch(m, rel, data, n):
    """A few facts about a read that matched no version; the bytes are kept
    beside the tree as mismatch-N.bin."""
    if data is None:
        return "more than 4000 bytes"
    path = os.path.join(os.path.dirname(os.path.dirname(m.root)), f"mismatch-{n}.bin")
    with open(path, "wb") as f:
        f.write(data)
    zeros = len(data) - len(data.rstrip(bytes(1)))
    facts = [f"{len(data)} bytes", f"first line {data.split(bytes([10]))[0][:60]!r}",
             f"{zeros} trailing NUL bytes"]
    if rel in m.inplace:
        best = 0
        for v in m.inplace[rel]:
            k = 0
            while k < min(len(v), len(data)) and v[k] == data[k]:
                k += 1
            best = max(best, k)
        facts.append(f"longest common prefix with a version: {best} bytes")
    facts.append(f"saved as {path}")
    return ", ".join(facts)


def proc_rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def run_cli(args, timeout=60):
    env = dict(os.environ, CLAUDE_SEEDFS_DEFAULT_RULES=DEFAULT_RULES)
    return subprocess.run([BIN] + args, stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=timeout, env=env)


class Detached:
    """A daemon started the usual way (mount detaches it; its stderr is
    /dev/null and it logs to syslog), with the Popen calls soak uses: poll()
    is None while it lives, then -1 (its exit status is not ours to read)."""

    def __init__(self, argv, mp, env, errf):
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=errf,
                           stderr=errf, env=env, timeout=60)
        self.pid = None
        self.returncode = None
        if r.returncode == 0:
            s = run_cli(["status", "--json", mp], timeout=30)
            try:
                self.pid = json.loads(s.stdout)["views"][0]["pid"]
            except (ValueError, KeyError, IndexError):
                pass
        if self.pid is None:
            self.returncode = r.returncode or -1

    def poll(self):
        if self.returncode is None and not pid_alive(self.pid):
            self.returncode = -1
        return self.returncode

    def wait(self, timeout=None):
        deadline = time.monotonic() + (timeout or 1e9)
        while self.poll() is None:
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired("daemon", timeout)
            time.sleep(0.05)
        return 0

    def kill(self):
        if self.pid and self.poll() is None:
            os.kill(self.pid, signal.SIGKILL)


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return False
    return data[data.rindex(b")") + 2:data.rindex(b")") + 3] not in (b"Z", b"X")


def wait_mounted(mp, proc, timeout=20):
    deadline = time.monotonic() + timeout
    dev = os.stat(os.path.dirname(mp)).st_dev
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if os.stat(mp).st_dev != dev:
                os.listdir(mp)
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def drop_caches():
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("2\n")
        return True
    except OSError:
        return False


def slope(samples):
    """Least-squares slope of (t, v) samples, per second."""
    n = len(samples)
    if n < 3:
        return 0.0
    mt = sum(t for t, _ in samples) / n
    mv = sum(v for _, v in samples) / n
    den = sum((t - mt) ** 2 for t, _ in samples)
    if den == 0:
        return 0.0
    return sum((t - mt) * (v - mv) for t, v in samples) / den


# --------------------------------------------------------------------------
# the run

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=float, default=60.0,
                    help="seconds of load (default 60)")
    ap.add_argument("--quick", action="store_true", help="60 s (the default)")
    ap.add_argument("--readers", type=int, default=16)
    ap.add_argument("--skills", type=int, default=8)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--write-interval", type=float, default=0.005,
                    help="seconds between writer operations")
    ap.add_argument("--ops", type=lambda v: set(v.split(",")), default=None,
                    help="only these writer operations (comma-separated: "
                         + ",".join(OPS) + ")")
    ap.add_argument("--detached", action="store_true",
                    help="mount as users do (detached daemon, stderr /dev/null, "
                         "syslog) instead of -f; the exit status is then unknown")
    ap.add_argument("--no-drop-caches", action="store_true",
                    help="do not drop the kernel's dentry/inode caches after the run")
    ap.add_argument("--keep", action="store_true", help="keep the temporary tree")
    args = ap.parse_args()
    if args.quick:
        args.duration = 60.0

    if os.geteuid() != 0 or not os.path.exists("/dev/fuse"):
        print("soak: SKIP: needs root and /dev/fuse")
        return 77
    for f in (BIN, DEFAULT_RULES):
        if not os.path.isfile(f):
            print(f"soak: missing {f} (set SEEDFS_BIN / CLAUDE_SEEDFS_DEFAULT_RULES)")
            return 1
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    log(f"soak: {args.duration:.0f} s, {args.readers} readers, seed {seed}, binary {BIN}")

    base = tempfile.mkdtemp(prefix="seedfs-soak.")
    src = os.path.join(base, "home", ".claude")
    mp = os.path.join(base, "view")
    layer = os.path.join(base, "layer.yaml")
    errfile = os.path.join(base, "daemon.stderr")
    os.mkdir(mp)
    m = Model(src, random.Random(seed))
    build_source(m, args.skills)
    with open(layer, "wb") as f:
        f.write(RULE_VARIANTS[0])

    problems = []
    env = dict(os.environ, CLAUDE_SEEDFS_DEFAULT_RULES=DEFAULT_RULES)
    env.pop("CLAUDE_CONFIG_DIR", None)
    errf = open(errfile, "wb")
    if args.detached:
        daemon = Detached([BIN, "mount", "--rules", layer, src, mp], mp, env, errf)
    else:
        daemon = subprocess.Popen([BIN, "mount", "-f", "--rules", layer, src, mp],
                                  stdin=subprocess.DEVNULL, stdout=errf, stderr=errf,
                                  env=env)
    try:
        load_and_check(args, seed, m, src, mp, layer, daemon, problems)
    finally:
        r = None
        try:
            r = run_cli(["umount", mp], timeout=60)
        except subprocess.TimeoutExpired:
            problems.append("umount timed out")
        try:
            rc = daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            daemon.kill()
            rc = daemon.wait()
            problems.append("daemon did not exit after umount")
        if r is not None and r.returncode != 0:
            problems.append(f"umount exit {r.returncode}: {r.stderr.decode(errors='replace')}")
        if rc != 0:
            problems.append(f"daemon exit status {rc}")
        errf.close()
        subprocess.run(["fusermount3", "-uz", mp], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(errfile, "rb") as f:
        err = f.read().decode(errors="replace")
    for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:", "==ERROR"):
        if marker in err:
            problems.append(f"sanitizer report on the daemon's stderr ({marker})")
            break
    return report(problems, base, errfile, args.keep)


def load_and_check(args, seed, m, src, mp, layer, daemon, problems):
    if not wait_mounted(mp, daemon):
        problems.append("the mount did not come up")
        return
    pid = daemon.pid
    fd0 = proc_fds(pid)
    fd0_targets = fd_targets(pid)
    rss0 = proc_rss_kib(pid)
    log(f"mounted; daemon pid {pid}, {fd0} fds, RSS {rss0} KiB")

    stop = threading.Event()
    samples = []            # (t, fds, rss_kib)
    reloads = {"ok": 0, "refused": 0, "bad": []}
    wstats = {}
    werr = []
    results = [ReaderResult() for _ in range(args.readers)]
    t0 = time.monotonic()

    def monitor():
        while not stop.is_set():
            fds, rss = proc_fds(pid), proc_rss_kib(pid)
            if fds is None or daemon.poll() is not None:
                problems.append(f"daemon gone during the run (exit {daemon.poll()})")
                stop.set()
                return
            samples.append((time.monotonic() - t0, fds, rss))
            stop.wait(0.25)

    def reloader():
        n = 0
        while not stop.wait(1.0):
            n += 1
            broken = n % 7 == 0
            data = RULE_BROKEN if broken else RULE_VARIANTS[n % 2]
            # in place: the daemon's Landlock rule is on this inode
            with open(layer, "r+b") as f:
                f.truncate(0)
                f.write(data)
            try:
                r = run_cli(["reload", mp], timeout=30)
            except subprocess.TimeoutExpired:
                reloads["bad"].append(f"reload {n} timed out")
                continue
            want = 2 if broken else 0
            if r.returncode != want:
                reloads["bad"].append(
                    f"reload {n} ({'broken' if broken else 'good'} file): exit "
                    f"{r.returncode}, want {want}: {r.stderr.decode(errors='replace').strip()}")
            elif broken:
                reloads["refused"] += 1
            else:
                reloads["ok"] += 1
        # leave a good layer in force
        with open(layer, "r+b") as f:
            f.truncate(0)
            f.write(RULE_VARIANTS[0])
        r = run_cli(["reload", mp], timeout=30)
        if r.returncode != 0:
            reloads["bad"].append(f"final reload: exit {r.returncode}")

    def writer():
        try:
            while not stop.is_set():
                writer_step(m, wstats, args.ops)
                time.sleep(args.write_interval)
        except Exception as e:  # a writer bug must not pass silently
            werr.append(repr(e))
            stop.set()

    threads = [threading.Thread(target=monitor, daemon=True),
               threading.Thread(target=reloader, daemon=True),
               threading.Thread(target=writer, daemon=True)]
    threads += [threading.Thread(target=reader_main,
                                 args=(mp, stop, results[i], seed + i), daemon=True)
                for i in range(args.readers)]
    for t in threads:
        t.start()
    last = t0
    while not stop.is_set() and time.monotonic() - t0 < args.duration:
        time.sleep(0.5)
        if time.monotonic() - last >= 15:
            last = time.monotonic()
            s = samples[-1] if samples else (0, "?", "?")
            log(f"  {s[0]:.0f} s: {sum(r.reads for r in results)} reads, "
                f"{sum(wstats.values())} writes, {reloads['ok']} reloads, "
                f"fds {s[1]}, RSS {s[2]} KiB")
    stop.set()
    for t in threads:
        t.join(timeout=60)
        if t.is_alive():
            problems.append(f"thread {t.name} did not stop")
    unlink_hidden_links(m)

    # ---- checks after the load ----
    if werr:
        problems.append(f"writer failed: {werr[0]}")
    problems.extend(reloads["bad"])
    total_reads = sum(r.reads for r in results)
    clean = {}
    for r in results:
        for k, v in r.clean_failures.items():
            clean[k] = clean.get(k, 0) + v
        problems.extend(r.bad[:10])
    log(f"load done: {total_reads} reads, clean failures {clean}, "
        f"writes {sum(wstats.values())} {wstats}, reloads {reloads['ok']} ok "
        f"+ {reloads['refused']} refused")
    if total_reads < 100:
        problems.append(f"only {total_reads} reads: the load did not run")
    if reloads["ok"] < max(1, int(args.duration * 0.5)):
        problems.append(f"only {reloads['ok']} good reloads in {args.duration:.0f} s")

    # every read matched a version
    mism = 0
    for r in results:
        for (rel, dg), data in r.seen.items():
            if dg in m.history.get(rel, ()):
                continue
            if rel in m.inplace and data is not None and any(
                    v.startswith(data) for v in m.inplace[rel]):
                continue
            mism += 1
            if mism <= 10:
                problems.append(f"read of {rel!r} matched no version written there "
                                f"({describe_mismatch(m, rel, data, mism)})")
    for r in results:
        for rel in r.listed:
            if rel not in m.ever_paths:
                problems.append(f"listed {rel!r}, which never existed in the source")
                break

    # descriptors and memory
    # one O_PATH descriptor per directory node (a view path), plus the
    # fixed ones: twice the directories that ever existed is generous
    fd_bound = 64 + 2 * len(m.ever_dirs)
    fd_max = max(s[1] for s in samples) if samples else None
    if fd_max is not None and fd_max > fd_bound:
        problems.append(f"daemon held {fd_max} descriptors (bound {fd_bound})")
    warm = [(t, rss) for t, _, rss in samples if t >= min(15.0, args.duration * 0.25)]
    if len(warm) >= 8:
        rss_warm = warm[0][1]
        growth = slope(warm) * (warm[-1][0] - warm[0][0])
        margin = max(8 * 1024, rss_warm // 4)
        log(f"daemon: fds max {fd_max} (bound {fd_bound}); RSS {rss0} KiB at start, "
            f"{rss_warm} after warm-up, max {max(v for _, v in warm)}, "
            f"trend {growth:+.0f} KiB over the run (margin {margin})")
        if growth > margin:
            problems.append(f"RSS grows: {growth:+.0f} KiB over the run (margin {margin})")
    if daemon.poll() is not None:
        problems.append(f"daemon exited during the run: {daemon.returncode}")
        return

    # converged: the view is the source as explain decides it
    time.sleep(1.0)
    problems.extend(check_converged(m, src, mp, layer))

    # descriptors come back once the kernel forgets its entries
    if not args.no_drop_caches and drop_caches():
        # libfuse keeps a splice pipe pair per worker thread (at most 16)
        extra = []
        for _ in range(50):
            time.sleep(0.1)
            extra = fd_targets(pid, fd0_targets)
            if len([t for t in extra if not t.startswith("pipe:")]) <= 2:
                break
        pipes = [t for t in extra if t.startswith("pipe:")]
        other = [t for t in extra if not t.startswith("pipe:")]
        log(f"after dropping caches: {proc_fds(pid)} fds (at start {fd0}; "
            f"{len(pipes)} more pipes, {len(other)} other)")
        if len(other) > 2 or len(pipes) > 2 * 16:
            problems.append(f"descriptors 5 s after the caches were dropped, beyond "
                            f"the {fd0} at start: {len(pipes)} pipes, others {other[:20]}")


def check_converged(m, src, mp, layer):
    problems = []
    visible = {}
    for rel in sorted(m.files):
        r = run_cli(["explain", "--rules", layer, src, rel], timeout=30)
        if r.returncode == 0:
            visible[rel] = m.files[rel]
        elif r.returncode != 1:
            problems.append(f"explain {rel}: exit {r.returncode}")
    seen = {}
    for d, dirs, files in os.walk(mp):
        for name in files:
            full = os.path.join(d, name)
            rel = os.path.relpath(full, mp)
            try:
                seen[rel] = read_all(full)
            except OSError as e:
                problems.append(f"after the run, {rel!r} is listed but reads {e!r}")
    for rel, data in visible.items():
        if rel not in seen:
            problems.append(f"after the run, visible {rel!r} is missing from the view")
        elif seen[rel] != data:
            problems.append(f"after the run, {rel!r} reads other bytes than the source")
    for rel in seen:
        if rel not in visible:
            problems.append(f"after the run, {rel!r} is in the view but explain hides it")
    log(f"converged check: {len(visible)} visible files, {len(seen)} in the view")
    return problems[:20]


def report(problems, base, errfile, keep):
    if problems:
        print("soak: FAIL")
        for p in problems:
            print(f"  - {p}")
        try:
            with open(errfile, "rb") as f:
                tail = f.read()[-3000:].decode(errors="replace")
            if tail.strip():
                print("daemon stderr (tail):\n" + tail)
        except OSError:
            pass
    else:
        print("soak: PASS")
    if keep or problems:
        print(f"soak: tree kept in {base}")
    else:
        shutil.rmtree(base, ignore_errors=True)
    print(f"soak: {0 if problems else 1} passed, {1 if problems else 0} failed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
