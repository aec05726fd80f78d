"""Only regular files and directories are served: FIFOs, sockets, device nodes
and regular files with more than one hard link are hidden."""

import errno
import os
import stat
import subprocess

import pytest

import seedfs_util as U

SPECIAL = ["skills/pdf/pipe.md", "skills/pdf/sock.md", "skills/pdf/null.md",
           "skills/pdf/loop0.md", "skills/pdf/notes.md", "skills/pdf/twin-a.md",
           "skills/pdf/twin-b.md", "agents/hl-to-key.md", "skills/pdf/pipe-dir"]


@pytest.fixture
def special_source(source):
    s = source
    os.mkfifo(s.src("skills/pdf/pipe.md"))
    os.mkfifo(s.src("skills/pdf/pipe-dir"))
    sock = U.make_socket(os.fspath(s.src("skills/pdf/sock.md")))
    os.mknod(s.src("skills/pdf/null.md"), stat.S_IFCHR | 0o666, os.makedev(1, 3))
    os.mknod(s.src("skills/pdf/loop0.md"), stat.S_IFBLK | 0o600, os.makedev(7, 0))
    # a hard link planting a secret's bytes under an allowed name
    os.link(s.src(".credentials.json"), s.src("skills/pdf/notes.md"))
    os.link(s.src("skills/deploy/id_rsa"), s.src("agents/hl-to-key.md"))
    # two harmless visible names for one inode: hidden too (nlink > 1)
    U.write(s.src("skills/pdf/twin-a.md"), b"twin\n")
    os.link(s.src("skills/pdf/twin-a.md"), s.src("skills/pdf/twin-b.md"))
    yield s
    sock.close()


def test_special_files_absent_from_listing(special_source, mount):
    v = mount(special_source)
    assert sorted(os.listdir(v.p("skills/pdf"))) == \
        sorted([".env.example", "SKILL.md", "reference.md", "scripts"])
    assert sorted(os.listdir(v.p("agents"))) == ["reviewer.md", "team"]


@pytest.mark.parametrize("rel", SPECIAL)
def test_special_file_is_enoent(special_source, mount, rel):
    v = mount(special_source)
    p = v.p(rel)
    assert U.errno_of(os.lstat, p) == errno.ENOENT
    assert U.errno_of(os.stat, p) == errno.ENOENT
    # O_NONBLOCK: a FIFO that leaked through must not hang the test
    assert U.errno_of(os.open, p, os.O_RDONLY | os.O_NONBLOCK) == errno.ENOENT
    assert U.errno_of(os.open, p, os.O_WRONLY | os.O_NONBLOCK) in (errno.ENOENT, errno.EROFS)
    assert U.errno_of(os.open, p, os.O_WRONLY | os.O_NONBLOCK) == \
        U.errno_of(os.open, v.p("skills/pdf/absent-name"), os.O_WRONLY | os.O_NONBLOCK)


def test_hardlinked_secret_never_readable(special_source, mount):
    v = mount(special_source)
    files, _, others = U.walk_view(v.mp)
    assert others == set()
    for rel in files:
        assert U.SECRET_MARK not in U.read_bytes(v.p(rel)), rel


def test_file_gaining_a_hard_link_while_mounted_disappears(source, mount):
    v = mount(source)
    p = v.p("commands/deploy.md")
    assert U.read_bytes(p) == source.files["commands/deploy.md"]
    os.link(source.src("commands/deploy.md"), source.src("projects/planted.md"))
    # same bound as every live change (contract: 100 ms; here: seen within 1 s)
    _, el = U.wait_for(lambda: not os.path.lexists(p), timeout=2.0,
                       what="a file that gained a second hard link to be hidden")
    assert el <= 1.0, f"hidden only after {el:.3f}s"
    assert "deploy.md" not in os.listdir(v.p("commands"))


def new_files(source, rel, names, data):
    """Creates the files names in a new directory rel of the source."""
    d = source.src(rel)
    d.mkdir()
    for n in names:
        U.write(d / n, data)
    return d


def wait_hidden(v, rel, names, what):
    """Waits until none of rel/names shows in the view, then checks each
    cannot be opened either."""
    U.wait_for(lambda: not any(os.path.lexists(v.p(f"{rel}/{n}")) for n in names),
               timeout=2.0, what=what)
    for n in names:
        assert U.errno_of(os.open, v.p(f"{rel}/{n}"), os.O_RDONLY) == errno.ENOENT, n


def test_hard_link_made_right_after_a_lookup_still_hides_the_file(source, mount):
    """A plain file's watch is added by the watcher thread after the LOOKUP
    that made its node, and a link made before the watch exists raises no
    event: the watcher checks the file after adding the watch. Each file is
    linked elsewhere the moment its stat through the view returns."""
    names = [f"f{i:03d}.md" for i in range(60)]
    d = new_files(source, "skills/fresh", names, b"fresh\n")
    v = mount(source)
    for n in names:
        os.stat(v.p(f"skills/fresh/{n}"))
        os.link(d / n, source.src("projects") / f"planted-{n}")
    wait_hidden(v, "skills/fresh", names, "every freshly linked file to be hidden")


def test_a_burst_of_lookups_wakes_the_watcher_rarely_and_watches_every_file(source, mount):
    """The watcher adds plain-file watches in batches (src/fs/daemon_watch.c):
    after one wake-up it looks again every millisecond by itself while
    lookups keep queueing, instead of being woken once per lookup. Nothing
    of the burst may go unwatched: every tenth file, and the last one looked
    up, is hard-linked elsewhere afterwards and must disappear. Under
    valgrind (tests/valgrind/run.sh sets VG_REAL_BIN) a lookup can take
    longer than the watcher's millisecond, so there only the watching is
    checked, not how rarely it was woken."""
    names = [f"b{i:04d}.md" for i in range(600)]
    d = new_files(source, "skills/burst", names, b"burst\n")
    v = mount(source)
    before = U.stats(v.mp)
    # one process, one LOOKUP after another, as fast as the kernel asks
    r = subprocess.run(["stat", "-c", "%i"] + [v.p(f"skills/burst/{n}") for n in names],
                       capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    after = U.stats(v.mp)
    lookups = after["lookup"] - before["lookup"]
    wakeups = after["watch_wakeups"] - before["watch_wakeups"]
    assert lookups >= len(names)
    assert after["watch_batches"] > before["watch_batches"]
    if not os.environ.get("VG_REAL_BIN"):
        assert wakeups <= lookups // 4, f"{wakeups} wake-ups for {lookups} lookups"
    linked = names[::10] + [names[-1]]
    for n in linked:
        os.link(d / n, source.src("projects") / f"planted-{n}")
    wait_hidden(v, "skills/burst", linked, "every file of the burst linked afterwards to be hidden")
    assert U.read_bytes(v.p(f"skills/burst/{names[1]}")) == b"burst\n"


def test_file_losing_its_second_link_reappears(special_source, mount):
    v = mount(special_source)
    assert not os.path.lexists(v.p("skills/pdf/twin-a.md"))
    os.unlink(special_source.src("skills/pdf/twin-b.md"))
    _, el = U.wait_for(lambda: U.read_bytes(v.p("skills/pdf/twin-a.md")) == b"twin\n",
                       timeout=2.0, what="twin-a.md (nlink back to 1) to appear")
    assert el <= 1.0, f"visible only after {el:.3f}s"
    U.wait_for(lambda: "twin-a.md" in os.listdir(v.p("skills/pdf")), timeout=2.0,
               what="twin-a.md in the listing")
    assert not os.path.lexists(v.p("skills/pdf/twin-b.md"))


def test_regular_file_replaced_by_fifo_while_mounted(source, mount):
    v = mount(source)
    p = v.p("agents/reviewer.md")
    assert U.read_bytes(p) == source.files["agents/reviewer.md"]
    tmpname = source.src("agents/.fifo.tmp")
    os.mkfifo(tmpname)
    os.rename(tmpname, source.src("agents/reviewer.md"))
    U.wait_for(lambda: not os.path.lexists(p), timeout=2.0,
               what="a file replaced by a FIFO to disappear")
    assert U.errno_of(os.open, p, os.O_RDONLY | os.O_NONBLOCK) == errno.ENOENT


def test_bind_mount_of_root_inside_source_is_not_crossed(source, mount):
    """Source access never crosses into another mount (RESOLVE_NO_XDEV): a
    bind mount of / placed inside a skill folder exposes nothing."""
    d = source.src("skills/pdf/rootfs")
    d.mkdir()
    subprocess.run(["mount", "--bind", "-o", "ro", "/", os.fspath(d)], check=True, timeout=15)
    try:
        v = mount(source)
        for rel in ["skills/pdf/rootfs/etc/passwd", "skills/pdf/rootfs/etc",
                    "skills/pdf/rootfs/proc/self/environ"]:
            assert U.errno_of(os.stat, v.p(rel)) == errno.ENOENT, rel
        e = U.errno_of(os.listdir, v.p("skills/pdf/rootfs"))
        if e == 0:
            assert os.listdir(v.p("skills/pdf/rootfs")) == []
        else:
            assert e == errno.ENOENT, U.ename(e)
    finally:
        subprocess.run(["umount", "-l", os.fspath(d)], timeout=15)


def test_mountpoint_inside_a_symlinked_anchor(tmp_path, mount):
    """skills -> elsewhere/skills and the mountpoint inside elsewhere/skills:
    refused, or served without recursing into itself."""
    sk = tmp_path / "elsewhere" / "skills"
    U.write(sk / "s1" / "SKILL.md", b"s\n")
    mp = sk / "mnt"
    mp.mkdir()
    src = tmp_path / "src"
    src.mkdir()
    os.symlink(sk, src / "skills")
    r = mount(src, mp=mp, expect_ok=False)
    if r.returncode != 0:
        assert r.returncode == 1, r
        assert not U.mounts_at(mp)
        return
    assert os.listdir(os.path.join(mp, "skills")) == ["s1"]
    assert U.errno_of(os.stat, os.path.join(mp, "skills", "mnt")) == errno.ENOENT
