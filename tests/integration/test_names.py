"""Unusual names, long names, deep nesting."""

import errno
import os

import pytest

import seedfs_util as U

ODD_NAMES = [
    b"a\nb.md",                 # newline
    b"x" * 252 + b".md",       # 255 bytes, the ext4 maximum
    b"with space.md",
    b" leading-space.md",
    b"-dash.md",
    b"\xff\xfe-not-utf8.md",
    "\u00e9t\u00e9-\u6f22\u5b57.md".encode(),
    b"back\\slash.md",
    b"[abc].md",
    b"*.md",
    b"?.md",
    b"tab\there.md",
    b"...",
    b"..md",
    b"\x01ctl.md",
]


@pytest.fixture
def names_source(source):
    d = os.fsencode(source.src("skills/names"))
    os.makedirs(d)
    for n in ODD_NAMES:
        with open(os.path.join(d, n), "wb") as f:
            f.write(b"content of " + n)
    return source


def test_odd_names_listed_and_readable(names_source, mount):
    v = mount(names_source)
    d = os.fsencode(v.p("skills/names"))
    assert sorted(os.listdir(d)) == sorted(ODD_NAMES)
    for n in ODD_NAMES:
        with open(os.path.join(d, n), "rb") as f:
            assert f.read() == b"content of " + n, n


def test_255_byte_name_is_exactly_255(names_source, mount):
    v = mount(names_source)
    n = b"x" * 252 + b".md"
    assert len(n) == 255
    assert n in os.listdir(os.fsencode(v.p("skills/names")))
    assert os.stat(os.path.join(os.fsencode(v.p("skills/names")), n)).st_size == len(b"content of " + n)


@pytest.mark.parametrize("length", [256, 300, 1024, 1025, 2048, 4000])
def test_overlong_lookup_is_refused_and_daemon_survives(view, length):
    name = "y" * length
    for parent in ("", "skills", "skills/pdf"):
        p = os.path.join(view.p(parent) if parent else view.mp, name)
        assert U.errno_of(os.stat, p) in (errno.ENAMETOOLONG, errno.ENOENT), (parent, length)
        assert U.errno_of(os.open, p, os.O_RDONLY) in (errno.ENAMETOOLONG, errno.ENOENT)
        assert U.errno_of(os.mkdir, p) in (errno.ENAMETOOLONG, errno.EROFS, errno.ENOENT)
    # a long name that exists as a prefix of a real one must not match it
    assert U.errno_of(os.stat, view.p("skills", "SKILL.md" + "z" * (length - 8))) in (
        errno.ENAMETOOLONG, errno.ENOENT)
    assert view.answers() and view.daemon_alive()
    assert U.read_bytes(view.p("CLAUDE.md"))


def test_names_that_are_prefixes_or_extensions_of_visible_names(view):
    for rel in ["CLAUDE.m", "CLAUDE.md~", "CLAUDE.MD", "claude.md", "skill", "skillsx",
                "skills/pdf/SKILL.md/", "agents/reviewer.md/x", "CLAUDE.md\x01"]:
        assert not os.path.exists(view.p(rel)), rel


@pytest.mark.parametrize("depth", [200])
def test_deep_nesting_readable(source, mount, depth):
    rel = "skills/deep/" + "/".join(["d"] * depth)
    os.makedirs(source.src(rel))
    U.write(source.src(rel + "/leaf.md"), b"bottom\n")
    v = mount(source)
    assert U.read_bytes(v.p(rel + "/leaf.md")) == b"bottom\n"
    assert os.listdir(v.p(rel)) == ["leaf.md"]
    # walk down one level at a time, as a directory walker would
    fd = os.open(v.p("skills/deep"), os.O_RDONLY | os.O_DIRECTORY)
    try:
        for i in range(depth):
            assert os.listdir(fd) == ["d"], i
            nfd = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nfd
        assert os.listdir(fd) == ["leaf.md"]
    finally:
        os.close(fd)
    n = sum(1 for _ in os.walk(v.p("skills/deep")))
    assert n == depth + 1


def test_names_refused_in_paths_do_not_escape(view):
    # '..' is resolved by the kernel; it must stay inside the mount
    assert os.path.realpath(view.p("skills/..")) == os.path.realpath(view.mp)
    assert sorted(os.listdir(view.p("skills/../"))) == sorted(os.listdir(view.mp))
    assert os.stat(view.p("skills/pdf/../../CLAUDE.md")).st_ino == os.stat(view.p("CLAUDE.md")).st_ino
    assert U.errno_of(os.stat, view.p("skills/../.credentials.json")) == errno.ENOENT
