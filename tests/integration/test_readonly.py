"""Read-only by mechanism, and no existence oracle through write errors."""

import errno
import mmap
import os
import stat

import pytest

import seedfs_util as U


def _open(flags, mode=0o644):
    def f(v, p):
        os.close(os.open(p, flags, mode))
    return f


# name -> (function(view, path), creates-the-name?)
# A "creating" call may answer EEXIST for an existing visible name (the name
# is visible anyway); for a hidden or absent name it must answer the same.
WRITE_OPS = {
    "open_wronly": (_open(os.O_WRONLY), False),
    "open_rdwr": (_open(os.O_RDWR), False),
    "open_append": (_open(os.O_WRONLY | os.O_APPEND), False),
    "open_creat": (_open(os.O_WRONLY | os.O_CREAT), True),
    "open_creat_excl": (_open(os.O_WRONLY | os.O_CREAT | os.O_EXCL), True),
    "open_rdonly_creat_excl": (_open(os.O_RDONLY | os.O_CREAT | os.O_EXCL), True),
    "open_trunc": (_open(os.O_RDONLY | os.O_TRUNC), False),
    "open_wronly_trunc": (_open(os.O_WRONLY | os.O_TRUNC), False),
    "truncate": (lambda v, p: os.truncate(p, 0), False),
    "unlink": (lambda v, p: os.unlink(p), False),
    "rmdir": (lambda v, p: os.rmdir(p), False),
    "mkdir": (lambda v, p: os.mkdir(p), True),
    "rename_from": (lambda v, p: os.rename(p, v.p("skills", "zz-renamed")), False),
    "rename_onto": (lambda v, p: os.rename(v.p("CLAUDE.md"), p), False),
    "link_from": (lambda v, p: os.link(p, v.p("skills", "zz-linked")), False),
    "link_onto": (lambda v, p: os.link(v.p("CLAUDE.md"), p), True),
    "symlink": (lambda v, p: os.symlink("CLAUDE.md", p), True),
    "mkfifo": (lambda v, p: os.mkfifo(p), True),
    "mknod_reg": (lambda v, p: os.mknod(p, stat.S_IFREG | 0o600), True),
    "mknod_chr": (lambda v, p: os.mknod(p, stat.S_IFCHR | 0o600, os.makedev(1, 3)), True),
    "chmod": (lambda v, p: os.chmod(p, 0o777), False),
    "chown": (lambda v, p: os.chown(p, 1, 1), False),
    "utime_now": (lambda v, p: os.utime(p, None), False),
    "utime_set": (lambda v, p: os.utime(p, ns=(1, 1)), False),
    "setxattr": (lambda v, p: os.setxattr(p, "user.x", b"1"), False),
    "setxattr_trusted": (lambda v, p: os.setxattr(p, "trusted.x", b"1"), False),
    "removexattr": (lambda v, p: os.removexattr(p, "user.x"), False),
}


def test_mounted_ro_nosuid_nodev_with_its_fstype(view):
    ms = U.mounts_at(view.mp)
    assert len(ms) == 1, ms
    m = ms[0]
    assert m["fstype"] == U.FSTYPE
    for o in ("ro", "nosuid", "nodev"):
        assert o in m["opts"], m
    assert "rw" not in m["opts"]


def test_user_o_rw_does_not_make_it_writable(source, mount):
    r = mount(source, options="rw", expect_ok=False)
    if r.returncode == 0:
        mp = U.mounts_at(r.args[-1])
        assert mp and "ro" in mp[0]["opts"], mp
        assert U.errno_of(os.open, os.path.join(r.args[-1], "CLAUDE.md"), os.O_WRONLY) == errno.EROFS
    else:
        assert r.returncode in (1, 2), r
        assert not U.is_mounted(r.args[-1])


@pytest.mark.parametrize("op", sorted(WRITE_OPS))
def test_write_call_refused_on_visible(source, view, op):
    fn, creates = WRITE_OPS[op]
    before = U.tree_snapshot(source.path)
    for rel in ["CLAUDE.md", "skills/pdf/SKILL.md", "skills/pdf/scripts/extract.py",
                "skills/empty", "skills", "skills/pdf/new-name.md", "brand-new-top"]:
        exists = os.path.lexists(view.p(rel))
        e = U.errno_of(fn, view, view.p(rel))
        allowed = {errno.EROFS}
        if creates and exists:
            allowed.add(errno.EEXIST)
        if exists and os.path.isdir(view.p(rel)) and (op.startswith("open_") or op == "truncate"):
            allowed.add(errno.EISDIR)  # the kernel answers before asking the daemon
        if not exists and op in ("open_wronly", "open_rdwr", "open_append", "open_trunc",
                                 "open_wronly_trunc", "truncate", "chmod", "chown",
                                 "utime_now", "utime_set", "setxattr", "setxattr_trusted",
                                 "removexattr", "rename_from", "link_from"):
            allowed = {errno.ENOENT, errno.EROFS}
        assert e in allowed, f"{op} on {rel}: {U.ename(e)}, expected one of " \
                             f"{[U.ename(a) for a in allowed]}"
    assert U.tree_snapshot(source.path) == before, f"{op} changed the source"


@pytest.mark.parametrize("op", sorted(WRITE_OPS))
def test_write_call_same_errno_hidden_vs_absent(source, view, op):
    fn, _ = WRITE_OPS[op]
    before = U.tree_snapshot(source.path)
    for hidden, absent in U.HIDDEN_ABSENT_PAIRS:
        eh = U.errno_of(fn, view, view.p(hidden))
        ea = U.errno_of(fn, view, view.p(absent))
        assert eh != 0, f"{op} succeeded on hidden {hidden}"
        assert eh == ea, (f"existence oracle: {op} on hidden {hidden} -> {U.ename(eh)}, "
                          f"on absent {absent} -> {U.ename(ea)}")
    assert U.tree_snapshot(source.path) == before, f"{op} changed the source"


def test_open_tmpfile_refused(view):
    for rel in ["skills", "skills/pdf", "projects"]:
        e = U.errno_of(lambda: os.close(os.open(view.p(rel), os.O_TMPFILE | os.O_WRONLY, 0o600)))
        assert e != 0
        if rel == "projects":
            assert e == U.errno_of(lambda: os.close(
                os.open(view.p("projectz"), os.O_TMPFILE | os.O_WRONLY, 0o600)))
        else:
            assert e in (errno.EROFS, errno.EOPNOTSUPP), (rel, U.ename(e))


def test_write_through_mmap_is_refused(source, view):
    p = view.p("skills/pdf/SKILL.md")
    want = source.files["skills/pdf/SKILL.md"]
    assert U.errno_of(os.open, p, os.O_RDWR) == errno.EROFS
    fd = os.open(p, os.O_RDONLY)
    try:
        # A shared writable mapping of a read-only descriptor: the kernel says
        # EACCES (a property of the descriptor, not of the daemon).
        with pytest.raises(OSError) as ei:
            mmap.mmap(fd, 0, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ | mmap.PROT_WRITE)
        assert ei.value.errno in (errno.EACCES, errno.EROFS, errno.EPERM)
        # A private writable mapping is a copy: writing it changes nothing.
        with mmap.mmap(fd, 0, flags=mmap.MAP_PRIVATE,
                       prot=mmap.PROT_READ | mmap.PROT_WRITE) as m:
            m[0:5] = b"XXXXX"
        assert U.read_bytes(p) == want
        assert U.read_bytes(source.src("skills/pdf/SKILL.md")) == want
    finally:
        os.close(fd)


def test_write_on_a_read_descriptor_fails(view):
    fd = os.open(view.p("CLAUDE.md"), os.O_RDONLY)
    try:
        assert U.errno_of(os.write, fd, b"x") == errno.EBADF
        assert U.errno_of(os.ftruncate, fd, 0) in (errno.EBADF, errno.EINVAL, errno.EROFS)
        assert U.errno_of(os.posix_fallocate, fd, 0, 10) in (errno.EBADF, errno.EROFS,
                                                            errno.EOPNOTSUPP)
        assert U.errno_of(os.fchmod, fd, 0o777) == errno.EROFS
        assert U.errno_of(os.fchown, fd, 1, 1) == errno.EROFS
        assert U.errno_of(os.setxattr, fd, "user.x", b"1") == errno.EROFS
    finally:
        os.close(fd)
