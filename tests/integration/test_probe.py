"""The change-generation probe (`.seedfs-gen.<G>.<nonce>` at the root, see
src/fs/probe.h): ENOENT while the view's change generation is G, a synthetic
file whose size is the current generation when it differs. It moves on every
edit, new file, removal and reload, is never listed, never reaches the
source and never makes a hidden name visible."""

import errno
import os
import secrets
import subprocess
import time

import pytest

import seedfs_util as U

KEEPER = os.environ.get("SEEDFS_KEEPER_BIN") or os.path.join(
    os.path.dirname(U.BIN), "..", "keeper", "claude-seedfs-keeper")


def probe(v, g):
    """Returns None (generation is still g) or the current generation."""
    name = f".seedfs-gen.{g}.{secrets.token_hex(8)}"
    try:
        st = os.stat(v.p(name))
    except FileNotFoundError:
        return None
    assert st.st_ino < 2 ** 53
    assert (st.st_mode & 0o777) == 0o444 and st.st_nlink == 1
    return st.st_size


def current(v):
    g = probe(v, 0)
    assert g is not None and g >= 1
    assert probe(v, g) is None
    return g


def moved_from(v, g, what):
    got, _ = U.wait_for(lambda: probe(v, g), timeout=2.0, what=what)
    assert got > g
    return got


def test_generation_moves_on_each_kind_of_change(source, mount, tmp_path):
    rules = U.write(tmp_path / "user.yaml", b'include: ["/notes/"]\n')
    source.add("notes/a.md", visible=False)
    source.add("extra/b.md", visible=False)
    v = mount(source, rules=[rules])
    rel = "skills/pdf/SKILL.md"
    U.read_bytes(v.p(rel))
    os.listdir(v.p("skills"))
    g = current(v)
    # stable while nothing changes
    for _ in range(5):
        assert probe(v, g) is None
    with open(source.src(rel), "ab") as f:
        f.write(b"appended\n")
    g = moved_from(v, g, "generation after an in-place edit")
    tmp = source.src(rel + ".tmp")
    U.write(tmp, b"renamed over\n")
    os.rename(tmp, source.src(rel))
    g = moved_from(v, g, "generation after a rename over")
    U.read_bytes(v.p(rel))
    source.add("skills/newone/SKILL.md")
    g = moved_from(v, g, "generation after a new skill directory")
    os.listdir(v.p("skills"))
    os.unlink(source.src(rel))
    g = moved_from(v, g, "generation after a removal")
    U.write(rules, b'include: ["/notes/", "/extra/"]\n')
    assert U.run(["reload", v.mp]).returncode == 0
    g = moved_from(v, g, "generation after a reload")
    assert probe(v, g) is None


def test_probe_never_listed_and_never_reaches_the_source(source, mount, tmp_path):
    # A source entry with the reserved prefix is never served, even when a
    # rule includes it; explain names the reason.
    source.add(".seedfs-gen.5.abc", b"planted\n", visible=False)
    source.add_dir(".seedfs-gen.dir", visible=False)
    rules = U.write(tmp_path / "user.yaml",
                    b'include: ["/.seedfs-gen.5.abc", "/.seedfs-gen.dir/"]\n')
    v = mount(source, rules=[rules])
    r = U.run(["explain", "--rules", os.fspath(rules), os.fspath(source),
               ".seedfs-gen.5.abc"])
    assert r.returncode == 1 and "reserved" in r.stdout, r
    names = os.listdir(v.mp)
    assert not [n for n in names if n.startswith(".seedfs-gen.")], names
    raw = [os.fsdecode(n) for n, _, _ in U.readdir_raw(v.mp)]
    assert not [n for n in raw if n.startswith(".seedfs-gen.")], raw
    assert U.errno_of(os.stat, v.p(".seedfs-gen.dir")) == errno.ENOENT
    # generation 5 is not current (it starts at 1): the probe answers, not the file
    g = current(v)
    if g != 5:
        p = v.p(".seedfs-gen.5.abc")
        assert U.read_bytes(p) == b""
        assert os.stat(p).st_size == g
    # malformed reserved names are absent
    for bad in [".seedfs-gen.", ".seedfs-gen.x.y", ".seedfs-gen.1.", ".seedfs-gen.01.a",
".seedfs-gen.1.a.b"]:
        assert U.errno_of(os.stat, v.p(bad)) == errno.ENOENT, bad
    # the probe is read-only and not a directory
    p = v.p(f".seedfs-gen.0.{secrets.token_hex(4)}")
    assert U.errno_of(os.open, p, os.O_WRONLY) in (errno.EROFS, errno.EACCES)
    assert U.errno_of(os.listdir, p) == errno.ENOTDIR
    # only at the root
    assert U.errno_of(os.stat, v.p("skills", ".seedfs-gen.0.abc")) == errno.ENOENT


def test_probe_reveals_nothing_hidden(source, mount):
    v = mount(source)
    g = current(v)
    for rel in sorted(source.hidden)[:20]:
        assert U.errno_of(os.stat, v.p(rel)) == errno.ENOENT, rel
        assert U.errno_of(os.stat, v.p(rel, f".seedfs-gen.0.x")) in (errno.ENOENT,
                                                                      errno.ENOTDIR), rel
    # hidden files exist; the probe gives the same answer whatever they hold
    assert probe(v, g) is None


@pytest.mark.skipif(not os.path.exists(KEEPER), reason="keeper not built")
def test_keeper_once_and_loop(source, mount, tmp_path):
    v = mount(source)
    rel = "skills/pdf/SKILL.md"
    U.read_bytes(v.p(rel))
    g = current(v)
    r = subprocess.run([KEEPER, "--once", "--no-drop", v.mp], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 0, r
    assert r.stdout.strip() == str(g), r
    pidfile = tmp_path / "keeper.pid"
    log = tmp_path / "keeper.log"
    with open(log, "wb") as lf:
        k = subprocess.Popen([KEEPER, "--no-drop", "--interval", "50", "--pidfile",
                              os.fspath(pidfile), v.mp], stdout=lf, stderr=lf)
    try:
        U.wait_for(lambda: pidfile.exists() and pidfile.read_text().strip() == str(k.pid),
                   timeout=3.0, what="pidfile")
        # a second keeper with the same pidfile exits at once, successfully
        r2 = subprocess.run([KEEPER, "--no-drop", "--pidfile", os.fspath(pidfile), v.mp],
                            capture_output=True, text=True, timeout=10)
        assert r2.returncode == 0 and "already running" in r2.stderr, r2

        def changes():
            return [l for l in log.read_text().splitlines() if " -> " in l]
        # edit only once the first probe has learnt the generation (an
        # edit before it would be learnt as the first generation)
        U.wait_for(lambda: len(changes()) >= 1, timeout=3.0, what="the keeper's first probe")
        with open(source.src(rel), "ab") as f:
            f.write(b"more\n")
        # the first probe learns the generation (0 -> g), the edit moves it
        U.wait_for(lambda: len(changes()) >= 2, timeout=3.0, what="keeper logged the change")
        first, second = changes()[:2]
        assert f"generation 0 -> {g}:" in first, first
        assert f"generation {g} -> " in second, second
        assert "--no-drop" in second
        # idle: no further lines while nothing changes
        n = len(changes())
        time.sleep(0.5)
        assert len(changes()) == n, log.read_text()
    finally:
        k.terminate()
        k.wait(timeout=5)
    assert k.returncode == 0, log.read_text()


@pytest.mark.skipif(not os.path.exists(KEEPER), reason="keeper not built")
def test_keeper_refuses_what_is_not_a_view(tmp_path):
    r = subprocess.run([KEEPER, "--once", "--no-drop", os.fspath(tmp_path)],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 1 and "does not answer" in r.stderr, r
