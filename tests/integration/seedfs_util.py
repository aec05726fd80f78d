"""Helpers shared by the claude-seedfs integration tests.

Standard library and ctypes only. Everything that waits is bounded; every
subprocess has a timeout; output of the CLI goes to files, not pipes, so a
daemon that forgets to detach from the caller's stdio cannot hang the suite.
"""

import ctypes
import ctypes.util
import errno
import json
import os
import re
import signal
import socket
import stat
import subprocess
import tempfile
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_REPO = _HERE.parent.parent

BIN = os.path.abspath(os.environ.get("SEEDFS_BIN")
                      or str(_REPO / "build" / "src" / "fs" / "claude-seedfs"))
DEFAULT_RULES = os.path.abspath(os.environ.get("CLAUDE_SEEDFS_DEFAULT_RULES")
                                or str(_REPO / "rules" / "default.yaml"))

# Every secret planted in a sample tree contains this marker. Nothing read
# through a view may ever contain it.
SECRET_MARK = b"SEEDFS-TEST-SECRET"

FSTYPE = "fuse.claude-seedfs"


# --------------------------------------------------------------------------
# waiting

class WaitTimeout(AssertionError):
    pass


def wait_for(pred, timeout=2.0, interval=0.005, what="condition"):
    """Poll pred() until it returns something truthy; return (value, elapsed).

    An OSError from pred counts as "not yet"; any other exception (an
    assertion about something that must never happen) propagates at once.
    Raises WaitTimeout (an AssertionError) after timeout seconds."""
    start = time.monotonic()
    deadline = start + timeout
    last_exc = None
    while True:
        try:
            v = pred()
        except OSError as e:  # reported on timeout; assertions propagate
            v, last_exc = None, e
        if v:
            return v, time.monotonic() - start
        if time.monotonic() >= deadline:
            extra = f" (last exception: {last_exc!r})" if last_exc else ""
            raise WaitTimeout(f"timed out after {timeout}s waiting for {what}{extra}")
        time.sleep(interval)


def errno_of(fn, *args, **kw):
    """0 if fn(*args) succeeds, else the errno of the OSError it raised."""
    try:
        fn(*args, **kw)
    except OSError as e:
        return e.errno
    return 0


def ename(e):
    return errno.errorcode.get(e, str(e)) if e else "OK"


# --------------------------------------------------------------------------
# running the CLI

class Result:
    def __init__(self, args, returncode, stdout, stderr):
        self.args = args
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr

    def __repr__(self):
        return (f"Result(rc={self.returncode}, args={self.args!r},\n"
                f"  stdout={self.stdout!r},\n  stderr={self.stderr!r})")


# Set by conftest: sanitizer reports of every process we start (detached
# daemons included, whose stderr nobody reads) land here as files.
SANITIZER_DIR = None


def cli_env(extra=None, drop=("CLAUDE_CONFIG_DIR",)):
    env = dict(os.environ)
    for k in drop:
        env.pop(k, None)
    env["CLAUDE_SEEDFS_DEFAULT_RULES"] = DEFAULT_RULES
    if SANITIZER_DIR is not None:
        for var, stem in (("ASAN_OPTIONS", "asan"), ("UBSAN_OPTIONS", "ubsan")):
            prev = env.get(var, "")
            env[var] = (prev + ":" if prev else "") + \
                f"log_path={os.path.join(SANITIZER_DIR, stem)}"
    if extra:
        env.update(extra)
    return env


def run(args, timeout=30, env=None, preexec_fn=None, cwd=None):
    """Run BIN with args (strings or paths). stdout/stderr via temp files."""
    argv = [BIN] + [os.fspath(a) for a in args]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=err, env=env if env is not None else cli_env(),
                             preexec_fn=preexec_fn, close_fds=True, cwd=cwd)
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10)
            raise AssertionError(f"{argv!r} did not finish within {timeout}s")
        out.seek(0)
        err.seek(0)
        return Result(argv, rc,
                      out.read().decode("utf-8", "surrogateescape"),
                      err.read().decode("utf-8", "surrogateescape"))


# --------------------------------------------------------------------------
# mount table

def _unescape(s):
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), s)


def mountinfo():
    out = []
    with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            left, right = line.rstrip("\n").split(" - ", 1)
            l = left.split(" ")
            r = right.split(" ")
            out.append({
                "id": int(l[0]),
                "parent": int(l[1]),
                "dev": l[2],
                "root": _unescape(l[3]),
                "mountpoint": _unescape(l[4]),
                "opts": l[5].split(","),
                "fstype": r[0],
                "source": _unescape(r[1]) if len(r) > 1 else "",
                "superopts": r[2].split(",") if len(r) > 2 else [],
            })
    return out


def mounts_at(mp):
    mp = os.path.realpath(os.fspath(mp))
    return [m for m in mountinfo() if m["mountpoint"] == mp]


def fuse_mounts_at(mp):
    return [m for m in mounts_at(mp) if m["fstype"].startswith("fuse")]


def seedfs_mounts_at(mp):
    return [m for m in mounts_at(mp) if m["fstype"] == FSTYPE]


def is_mounted(mp):
    return bool(fuse_mounts_at(mp))


# --------------------------------------------------------------------------
# processes

def pid_alive(pid):
    """True while any thread of pid is not a zombie (a multi-threaded
    process's leader can be a zombie while other threads still run)."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return False
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat", "rb") as f:
                data = f.read()
        except OSError:
            continue
        # the state is the field after the parenthesised comm
        state = data[data.rindex(b")") + 2:data.rindex(b")") + 3]
        if state not in (b"Z", b"X"):
            return True
    return False


def daemon_pids(mp=None, under=None):
    """Live daemons running BIN whose argv contains mp (exactly) or any
    argument below the directory `under`. A confined daemon's unmount
    helper is a fork with the same argv; it names itself seedfs-unmount."""
    real_bin = os.path.realpath(BIN)
    mpb = os.fsencode(os.fspath(mp)) if mp is not None else None
    underb = os.fsencode(os.fspath(under)).rstrip(b"/") + b"/" if under is not None else None
    res = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            exe = os.readlink(f"/proc/{d}/exe")
            with open(f"/proc/{d}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            with open(f"/proc/{d}/comm", "rb") as f:
                comm = f.read().strip()
        except OSError:
            continue
        if comm == b"seedfs-unmount":
            continue
        if exe.removesuffix(" (deleted)") != real_bin:
            continue
        if mpb is not None and mpb not in argv:
            continue
        if underb is not None and not any(a.startswith(underb) for a in argv):
            continue
        if pid_alive(int(d)):
            res.append(int(d))
    return sorted(res)


def wait_pid_gone(pid, timeout=5.0):
    try:
        wait_for(lambda: not pid_alive(pid), timeout=timeout, interval=0.01,
                 what=f"pid {pid} to exit")
        return True
    except WaitTimeout:
        return False


def kill_quietly(pid, sig=signal.SIGKILL):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def force_unmount(mp):
    """Last-resort unmount, no checks."""
    for argv in (["fusermount3", "-uz", os.fspath(mp)], ["umount", "-l", os.fspath(mp)]):
        if not mounts_at(mp):
            return
        subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=15)


def make_socket(path):
    """Binds an AF_UNIX socket at path (relative bind, so long tmp paths fit)."""
    cwd = os.getcwd()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        os.chdir(os.path.dirname(path))
        s.bind(os.path.basename(path))
    finally:
        os.chdir(cwd)
    return s


# --------------------------------------------------------------------------
# views

class View:
    """A mounted claude-seedfs view."""

    def __init__(self, mp, source, argv, pid=None, proc=None, stderr_path=None):
        self.mp = os.fspath(mp)
        self.source = os.fspath(source) if source is not None else None
        self.argv = argv
        self.pid = pid
        self.proc = proc
        self.stderr_path = stderr_path

    def p(self, *rel):
        return os.path.join(self.mp, *rel)

    def answers(self):
        try:
            os.stat(self.mp)
            os.listdir(self.mp)
        except OSError:
            return False
        return bool(seedfs_mounts_at(self.mp))

    def daemon_alive(self):
        return self.pid is not None and pid_alive(self.pid)

    def stderr_text(self):
        if not self.stderr_path:
            return ""
        try:
            return Path(self.stderr_path).read_text(errors="replace")
        except OSError:
            return ""

    def __repr__(self):
        return f"View(mp={self.mp!r}, source={self.source!r}, pid={self.pid})"


# --------------------------------------------------------------------------
# file tree helpers

def write(path, data=b"", mode=None):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    if mode is not None:
        os.chmod(path, mode)
    return path


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def walk_view(root):
    """Relative paths of every entry below root, (files, dirs, others).
    Uses lstat so a symlink presented as a symlink shows up in others."""
    files, dirs, others = set(), set(), set()

    def rec(d, rel):
        for name in os.listdir(d):
            full = os.path.join(d, name)
            r = f"{rel}/{name}" if rel else name
            st = os.lstat(full)
            if stat.S_ISDIR(st.st_mode):
                dirs.add(r)
                rec(full, r)
            elif stat.S_ISREG(st.st_mode):
                files.add(r)
            else:
                others.add(r)
    rec(os.fspath(root), "")
    return files, dirs, others


def walk_view_bounded(root, limit=5000):
    """Like walk_view, but fails instead of looping forever on a cycle."""
    files, dirs, others = set(), set(), set()
    count = [0]

    def rec(d, rel):
        for name in os.listdir(d):
            count[0] += 1
            if count[0] > limit:
                raise AssertionError(f"more than {limit} entries below {root}: a cycle?")
            full = os.path.join(d, name)
            r = f"{rel}/{name}" if rel else name
            st = os.lstat(full)
            if stat.S_ISDIR(st.st_mode):
                dirs.add(r)
                rec(full, r)
            elif stat.S_ISREG(st.st_mode):
                files.add(r)
            else:
                others.add(r)
    rec(os.fspath(root), "")
    return files, dirs, others


def tree_snapshot(root):
    """{relpath: (type, mode, size, mtime_ns, content-or-None)} with lstat, no
    symlink following; used to prove the source was not changed."""
    snap = {}
    root = os.fspath(root)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            st = os.lstat(full)
            rel = os.path.relpath(full, root)
            content = None
            if stat.S_ISREG(st.st_mode) and st.st_size <= 1 << 20:
                content = read_bytes(full)
            elif stat.S_ISLNK(st.st_mode):
                content = os.readlink(full)
            snap[rel] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode),
                         st.st_size, st.st_mtime_ns, st.st_uid, st.st_gid, content)
    return snap


# --------------------------------------------------------------------------
# the sample ~/.claude

class Sample:
    """A realistic ~/.claude with secrets and host state, plus what the default
    rules must show of it."""

    def __init__(self, root):
        self.home = Path(root)
        self.path = self.home / ".claude"
        self.files = {}           # rel -> bytes (every regular file created)
        self.visible_files = set()
        self.visible_dirs = set()
        self.hidden = set()       # rel of existing entries that must be hidden

    def __fspath__(self):
        return os.fspath(self.path)

    def __str__(self):
        return os.fspath(self.path)

    def src(self, rel):
        return self.path / rel

    def add(self, rel, data=None, visible=True, mode=None):
        if data is None:
            data = (f"# {rel}\n\nvisible content of {rel}\n".encode() if visible
                    else SECRET_MARK + f":{rel}:tok_{abs(hash(rel)) % 10**12:012d}\n".encode())
        write(self.path / rel, data, mode)
        self.files[rel] = data if isinstance(data, bytes) else data.encode()
        parts = rel.split("/")
        if visible:
            self.visible_files.add(rel)
            for i in range(1, len(parts)):
                self.visible_dirs.add("/".join(parts[:i]))
        else:
            self.hidden.add(rel)
        return self.path / rel

    def add_dir(self, rel, visible=True):
        (self.path / rel).mkdir(parents=True, exist_ok=True)
        parts = rel.split("/")
        if visible:
            for i in range(1, len(parts) + 1):
                self.visible_dirs.add("/".join(parts[:i]))
        else:
            self.hidden.add(rel)

    def visible_all(self):
        return self.visible_files | self.visible_dirs


# (hidden-but-existing, absent) name pairs, relative to SOURCE
HIDDEN_ABSENT_PAIRS = [
    (".credentials.json", ".credentialz.json"),
    ("settings.json", "settingz.json"),            # opt-in group, not enabled
    ("settings.local.json", "settings.locaI.json"),
    ("history.jsonl", "historx.jsonl"),            # no rule includes it
    ("projects", "projectz"),                      # hidden directory
    ("projects/-home-user-work/abc.jsonl", "projectz/-home-user-work/abc.jsonl"),
    ("skills/pdf/.env", "skills/pdf/.enw"),
    ("skills/deploy/.git", "skills/deploy/.gil"),
    ("skills/deploy/.git/config", "skills/deploy/.gil/config"),
    ("skills/deploy/id_rsa", "skills/deploy/id_rsb"),
    ("skills/plug/.claude-plugin/plugin.json", "skills/plug/.claude-plugim/plugin.json"),
]


# Hidden entries by the default never list, relative to a directory that is
# otherwise included (e.g. a skill folder).
NEVER_NAMES_FILES = [
    ".credentials.json", ".claude.json", ".claude.json.backup", "settings.local.json",
    ".env", ".env.local", ".env.production", "cert.pem", "server.key", "store.p12",
    "store.pfx", "id_rsa", "id_rsa.pub", "id_ed25519", "id_ed25519.pub", "id_ecdsa",
    ".netrc", ".npmrc", ".pypirc", ".git-credentials", "credentials.json",
    "credentials-prod.json", "service-account.json", "service-account-ci.json",
]
NEVER_DIRS = ["ide", "backups", "plugins", "projects", ".git", ".ssh", ".aws", ".gnupg"]


def build_sample(root):
    s = Sample(root)
    s.path.mkdir(parents=True)
    # --- visible configuration
    s.add("CLAUDE.md", b"# User instructions\n\nAlways run the tests.\n@rules/style.md\n")
    s.add("rules/style.md")
    s.add("rules/lang/python.md")
    s.add("skills/pdf/SKILL.md",
          b"---\nname: pdf\ndescription: work with PDF files\n---\n\nUse scripts/extract.py.\n")
    s.add("skills/pdf/scripts/extract.py", b"#!/usr/bin/env python3\nprint('extract')\n", mode=0o755)
    s.add("skills/pdf/reference.md")
    s.add("skills/pdf/.env.example", b"API_KEY=put-your-key-here\n")
    s.add("skills/deploy/SKILL.md")
    s.add("skills/plug/SKILL.md")
    s.add_dir("skills/empty")
    s.add("agents/reviewer.md")
    s.add("agents/team/lead.md")
    s.add("commands/deploy.md")
    s.add("commands/git/commit.md")
    s.add("output-styles/terse.md")
    # --- secrets next to skills, at depth
    for n in NEVER_NAMES_FILES:
        s.add(f"skills/deploy/{n}", visible=False)
    for n in [".env", "cert.pem", "id_ed25519"]:
        s.add(f"skills/pdf/{n}", visible=False)
    s.add("skills/pdf/scripts/.env.local", visible=False)
    for d in NEVER_DIRS:
        s.add(f"skills/deploy/{d}/inner.txt", visible=False)
        s.hidden.add(f"skills/deploy/{d}")
    s.add("skills/deploy/.git/config", visible=False)
    s.add("skills/deploy/.ssh/config", visible=False)
    s.add("skills/deploy/.aws/credentials", visible=False)
    s.add("skills/plug/.claude-plugin/plugin.json", visible=False)
    s.add("skills/plug/.claude-plugin/hooks/hooks.json", visible=False)
    s.hidden.add("skills/plug/.claude-plugin")
    s.add("agents/.env", visible=False)
    s.add("commands/git/.git-credentials", visible=False)
    s.add("rules/id_rsa", visible=False)
    # --- top-level secrets and host state
    s.add("settings.json", b'{"hooks": {"Stop": [{"command": "' + SECRET_MARK + b'"}]}, "model": "x"}\n',
          visible=False)
    for n in [".credentials.json", "settings.local.json", ".claude.json", ".claude.json.backup",
              ".env", "history.jsonl", "stats-cache.json", "keybindings.json", "session.lock",
              "notes.md", "README.md"]:
        s.add(n, visible=False)
    for rel in ["ide/1234.lock", "backups/.claude.json.1700000000", "plugins/marketplaces/m/plugin.json",
                "plugins/data/p/token", "projects/-home-user-work/abc.jsonl",
                "projects/-home-user-work/memory/MEMORY.md", "todos/t.json", "statsig/cache",
                "shell-snapshots/snap.sh", "file-history/x/1", "sessions/s.json", "debug/log.txt",
                "session-env/x", "paste-cache/p", "themes/dark.json", "plans/p.md", "tasks/t.md",
                "usage-data/u.json", "telemetry/t.json", "cache/c.bin", "logs/l.txt"]:
        s.add(rel, visible=False)
        s.hidden.add(rel.split("/")[0])
    return s


# --------------------------------------------------------------------------
# xxh3 via the system libxxhash (a build dependency of claude-seedfs)

_xxh = None


def xxh3_64(data):
    """XXH3-64 of data, or None when libxxhash is not loadable."""
    global _xxh
    if _xxh is None:
        name = ctypes.util.find_library("xxhash") or "libxxhash.so.0"
        try:
            lib = ctypes.CDLL(name)
            fn = lib.XXH3_64bits
            fn.restype = ctypes.c_uint64
            fn.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
            _xxh = fn
        except (OSError, AttributeError):
            _xxh = False
    if not _xxh:
        return None
    return _xxh(data, len(data))


# --------------------------------------------------------------------------
# renameat2

_libc = ctypes.CDLL(None, use_errno=True)
RENAME_EXCHANGE = 2
AT_FDCWD = -100


def _renameat2_fn():
    try:
        f = _libc.renameat2
        f.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        f.restype = ctypes.c_int
        return f
    except AttributeError:
        sc = _libc.syscall
        sc.restype = ctypes.c_long

        def f(a, b, c, d, e):
            return sc(ctypes.c_long(316), ctypes.c_int(a), ctypes.c_char_p(b),
                      ctypes.c_int(c), ctypes.c_char_p(d), ctypes.c_uint(e))
        return f


renameat2 = _renameat2_fn()


def exchange(a, b):
    r = renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    if r != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e), a)


def status_json(mp=None):
    args = ["status", "--json"] + ([mp] if mp is not None else [])
    r = run(args, timeout=15)
    assert r.returncode == 0, r
    return json.loads(r.stdout)


def sanitizer_reports():
    """{file: text} of the non-empty sanitizer logs written so far."""
    out = {}
    if SANITIZER_DIR is None or not os.path.isdir(SANITIZER_DIR):
        return out
    for name in os.listdir(SANITIZER_DIR):
        path = os.path.join(SANITIZER_DIR, name)
        try:
            text = Path(path).read_text(errors="replace")
        except OSError:
            continue
        if text.strip():
            out[name] = text
    return out


# --------------------------------------------------------------------------
# readdir with d_off (os.scandir hides it)

class _Dirent(ctypes.Structure):
    _fields_ = [("d_ino", ctypes.c_uint64), ("d_off", ctypes.c_int64),
                ("d_reclen", ctypes.c_ushort), ("d_type", ctypes.c_ubyte),
                ("d_name", ctypes.c_char * 256)]


_libc.opendir.restype = ctypes.c_void_p
_libc.opendir.argtypes = [ctypes.c_char_p]
_libc.readdir.restype = ctypes.POINTER(_Dirent)
_libc.readdir.argtypes = [ctypes.c_void_p]
_libc.closedir.argtypes = [ctypes.c_void_p]


def readdir_raw(path):
    """[(name, d_off, d_type)] in the order readdir(3) returns them."""
    d = _libc.opendir(os.fsencode(path))
    if not d:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e), path)
    out = []
    try:
        while True:
            ent = _libc.readdir(d)
            if not ent:
                break
            e = ent.contents
            out.append((e.d_name, e.d_off, e.d_type))
    finally:
        _libc.closedir(d)
    return out


_SYS_GETDENTS64 = {"x86_64": 217, "aarch64": 61}.get(os.uname().machine)


def stats(mp):
    """The view's `status --stats` counters (request counts, watch_wakeups...)."""
    r = run(["status", "--stats", "--json", mp], timeout=15)
    assert r.returncode == 0, r
    return json.loads(r.stdout)["views"][0]["stats"]


def getdents(fd, size=32768):
    """The names one getdents64(2) call of size bytes returns on fd (an open
    directory), so a test knows exactly what the kernel has asked for."""
    if _SYS_GETDENTS64 is None:
        import pytest
        pytest.skip(f"getdents64 number unknown on {os.uname().machine}")
    buf = ctypes.create_string_buffer(size)
    n = _libc.syscall(_SYS_GETDENTS64, fd, buf, size)
    if n < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    out, pos, raw = [], 0, buf.raw[:n]
    while pos < n:
        reclen = int.from_bytes(raw[pos + 16:pos + 18], "little")
        out.append(raw[pos + 19:pos + reclen].split(b"\0", 1)[0].decode())
        pos += reclen
    return out
