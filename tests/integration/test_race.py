"""A visible directory swapped with a symlink to an outside secret directory
(renameat2 RENAME_EXCHANGE) in a tight loop while readers read through the
view: no read may ever return the outside bytes."""

import os
import subprocess
import sys
import threading
import time

import pytest

import seedfs_util as U

DURATION = 3.0
NFILES = 8

SWAPPER = r"""
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
try:
    f = libc.renameat2
    f.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    def swap(a, b):
        return f(-100, a, -100, b, 2)
except AttributeError:
    sc = libc.syscall
    def swap(a, b):
        return sc(316, -100, a, -100, b, 2)
pairs = [(a.encode(), b.encode()) for a, b in zip(sys.argv[2::2], sys.argv[3::2])]
end = time.monotonic() + float(sys.argv[1])
n = 0
while time.monotonic() < end:
    for a, b in pairs:
        if swap(a, b) != 0:
            print("swap failed errno", ctypes.get_errno(), file=sys.stderr)
            sys.exit(3)
        n += 1
print(n)
"""


def good(name):
    return (f"GOOD:{name}:".encode() * 200)[:4096 + 17]


@pytest.fixture
def race_source(source, tmp_path):
    s = source
    out = tmp_path / "outside-race"
    for i in range(NFILES):
        s.add(f"skills/race/f{i}.md", good(f"f{i}"))
        s.add(f"skills/race/sub/f{i}.md", good(f"sub/f{i}"))
        s.add(f"skills/race2/sub/f{i}.md", good(f"race2/f{i}"))
        U.write(out / f"f{i}.md", U.SECRET_MARK * 300)
        U.write(out / "sub" / f"f{i}.md", U.SECRET_MARK * 300)
    U.write(out / "secret-only.md", U.SECRET_MARK)
    U.write(out / "sub" / "secret-only.md", U.SECRET_MARK)
    os.symlink(out, s.src("skills/swap"))
    os.symlink(out / "sub", s.src("skills/race2/subswap"))
    return s


@pytest.mark.limit(90)
def test_dir_symlink_exchange_race_never_leaks(race_source, mount):
    v = mount(race_source)
    s = race_source
    expected = {}
    for i in range(NFILES):
        expected[f"skills/race/f{i}.md"] = good(f"f{i}")
        expected[f"skills/race/sub/f{i}.md"] = good(f"sub/f{i}")
        expected[f"skills/race2/sub/f{i}.md"] = good(f"race2/f{i}")
    allowed_names = {f"f{i}.md" for i in range(NFILES)} | {"sub"}
    rels = sorted(expected)
    stop = threading.Event()
    stats = {"attempts": 0, "ok": 0, "errors": 0, "listings": 0}
    leaks = []
    bad = []
    lock = threading.Lock()

    def reader(k):
        i = k
        a = o = e = ls = 0
        while not stop.is_set():
            i += 7
            rel = rels[i % len(rels)]
            a += 1
            try:
                with open(v.p(rel), "rb") as f:
                    data = f.read()
            except OSError:
                e += 1
            else:
                if U.SECRET_MARK in data:
                    leaks.append((rel, data[:60]))
                elif data != expected[rel]:
                    bad.append((rel, data[:60]))
                else:
                    o += 1
            if i % 5 == 0:
                for d in ("skills/race", "skills/race/sub", "skills/race2/sub"):
                    try:
                        names = set(os.listdir(v.p(d)))
                    except OSError:
                        continue
                    ls += 1
                    if not names <= allowed_names:
                        leaks.append((d, sorted(names - allowed_names)))
        with lock:
            stats["attempts"] += a
            stats["ok"] += o
            stats["errors"] += e
            stats["listings"] += ls

    threads = [threading.Thread(target=reader, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    try:
        sw = subprocess.run(
            [sys.executable, "-c", SWAPPER, str(DURATION),
             os.fspath(s.src("skills/race")), os.fspath(s.src("skills/swap")),
             os.fspath(s.src("skills/race2/sub")), os.fspath(s.src("skills/race2/subswap"))],
            capture_output=True, text=True, timeout=DURATION + 30)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert sw.returncode == 0, sw.stderr
    swaps = int(sw.stdout.strip())
    assert not leaks, f"outside bytes/names seen through the view: {leaks[:5]} ({len(leaks)} total)"
    assert not bad, f"wrong bytes read through the view: {bad[:5]}"
    assert swaps > 1000, f"only {swaps} exchanges done"
    assert stats["attempts"] >= 1000, stats
    assert stats["ok"] >= 100, f"too few successful reads to mean anything: {stats}"
    assert all(not t.is_alive() for t in threads)
    assert v.daemon_alive() and v.answers()
    print(f"race: {swaps} exchanges, {stats}")


REWRITER = r"""
import sys, time
paths = sys.argv[2:]
end = time.monotonic() + float(sys.argv[1])
k = 0
while time.monotonic() < end:
    k += 1
    for p in paths:
        n = 2411 if k % 3 == 0 else 41
        with open(p, "r+b") as f:
            f.truncate(0)
            f.write((b"v%08d " % k * 400)[:n])
    time.sleep(0.001)
print(k)
"""


def test_in_place_rewrite_race_never_pads_with_zeros(source, view):
    """Files truncated and rewritten in place (41 and 2411 bytes in turn)
    every millisecond while readers open and read them and a lister stats
    them: a read may fail cleanly or show any state of the file, never NUL
    bytes, which the source never held (the kernel pads a short answer with
    zeros up to a size it holds; src/fs/told.h)."""
    rels = ["CLAUDE.md", "agents/reviewer.md", "commands/deploy.md"]
    writer = subprocess.Popen([sys.executable, "-c", REWRITER, str(DURATION)]
                              + [source.src(r) for r in rels],
                              stdout=subprocess.PIPE, text=True)
    stop = threading.Event()
    padded, reads, errors = [], [0], [0]

    def reader():
        while not stop.is_set():
            for r in rels:
                try:
                    fd = os.open(view.p(r), os.O_RDONLY)
                    try:
                        data = os.pread(fd, 65536, 0)
                    finally:
                        os.close(fd)
                except OSError:
                    errors[0] += 1
                    continue
                reads[0] += 1
                if b"\0" in data:
                    padded.append((r, len(data), data.count(0)))

    def lister():
        while not stop.is_set():
            for d in ("", "agents", "commands"):
                try:
                    for e in os.scandir(view.p(d) if d else view.mp):
                        e.stat(follow_symlinks=False)
                except OSError:
                    pass

    threads = [threading.Thread(target=reader) for _ in range(3)]
    threads.append(threading.Thread(target=lister))
    for t in threads:
        t.start()
    try:
        rounds = int(writer.communicate(timeout=DURATION + 30)[0])
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert rounds > 100, f"the writer managed only {rounds} rounds"
    assert reads[0] > 1000, f"only {reads[0]} reads ({errors[0]} failed)"
    assert not padded, f"{len(padded)} reads padded with NUL bytes: {padded[:3]}"
