"""The source renamed, deleted or replaced by a symlink while mounted: the
daemon stays alive, the view never follows the new path."""

import errno
import os
import shutil
import time

import pytest

import seedfs_util as U

ROOT_NAMES = {"etc", "proc", "usr", "bin", "dev", "sys", "var", "root", "tmp", "home"}


def view_root(v):
    """The root listing, or None if the root answers ENOENT/ESTALE."""
    try:
        return set(os.listdir(v.mp))
    except OSError as e:
        assert e.errno in (errno.ENOENT, errno.ESTALE), f"unexpected {U.ename(e.errno)}"
        return None


def assert_never_follows(v, forbidden_names, forbidden_bytes, duration=0.6):
    """For duration seconds, the view shows none of forbidden_names and no
    file read through it contains forbidden_bytes."""
    end = time.monotonic() + duration
    while time.monotonic() < end:
        names = view_root(v)
        if names:
            assert not (names & forbidden_names), f"view follows the new path: {sorted(names)}"
        for rel in ["CLAUDE.md", "etc/passwd", "skills/SKILL.md", "skills/pdf/SKILL.md"]:
            try:
                data = U.read_bytes(v.p(rel))
            except OSError:
                continue
            assert forbidden_bytes not in data, f"{rel} read from the new path"
        time.sleep(0.02)


@pytest.fixture
def decoy(tmp_path):
    """A tree that looks like a ~/.claude but must never be served."""
    d = tmp_path / "decoy"
    U.write(d / "CLAUDE.md", b"DECOY-CONTENT\n")
    U.write(d / "skills" / "SKILL.md", b"DECOY-CONTENT\n")
    U.write(d / "skills" / "pdf" / "SKILL.md", b"DECOY-CONTENT\n")
    U.write(d / "decoy-only.md", b"DECOY-CONTENT\n")
    U.write(d / "agents" / "decoy-agent.md", b"DECOY-CONTENT\n")
    return d


def test_source_deleted(source, view):
    U.read_bytes(view.p("CLAUDE.md"))
    os.listdir(view.p("skills/pdf"))
    shutil.rmtree(source.path)
    U.wait_for(lambda: U.errno_of(os.stat, view.p("CLAUDE.md")) == errno.ENOENT, timeout=2.0,
               what="CLAUDE.md gone after the source was deleted")
    U.wait_for(lambda: not view_root(view), timeout=2.0, what="root empty or ENOENT")
    assert U.errno_of(os.stat, view.p("skills/pdf/SKILL.md")) == errno.ENOENT
    assert view.daemon_alive()
    assert U.seedfs_mounts_at(view.mp)


def test_source_deleted_and_replaced_by_symlink_to_root(source, view):
    shutil.rmtree(source.path)
    os.symlink("/", source.path)
    assert_never_follows(view, ROOT_NAMES, b"root:x:0:0")
    U.wait_for(lambda: not view_root(view), timeout=2.0, what="root empty or ENOENT")
    assert U.errno_of(os.stat, view.p("etc")) == errno.ENOENT
    assert U.errno_of(os.stat, view.p("etc/passwd")) == errno.ENOENT
    assert view.daemon_alive()


def test_source_deleted_and_replaced_by_symlink_to_decoy(source, view, decoy):
    shutil.rmtree(source.path)
    os.symlink(decoy, source.path)
    assert_never_follows(view, {"decoy-only.md"}, b"DECOY-CONTENT")
    U.wait_for(lambda: not view_root(view), timeout=2.0, what="root empty or ENOENT")
    assert view.daemon_alive()


def test_source_renamed_and_replaced_by_symlink_to_root(source, view):
    U.read_bytes(view.p("CLAUDE.md"))
    os.rename(source.path, source.home / ".claude.old")
    os.symlink("/", source.path)
    assert_never_follows(view, ROOT_NAMES, b"root:x:0:0")
    assert U.errno_of(os.stat, view.p("etc/passwd")) == errno.ENOENT
    assert view.daemon_alive()


def test_source_renamed_and_replaced_by_decoy_dir(source, view, decoy):
    U.read_bytes(view.p("CLAUDE.md"))
    os.rename(source.path, source.home / ".claude.old")
    os.rename(decoy, source.path)
    assert_never_follows(view, {"decoy-only.md"}, b"DECOY-CONTENT")
    assert view.daemon_alive()


def test_source_renamed(source, view):
    """After a rename the view either keeps serving the same tree (it holds
    the directory, not the path) or goes empty; it never shows anything else,
    and the daemon survives."""
    before = U.walk_view(view.mp)
    os.rename(source.path, source.home / ".claude.moved")
    time.sleep(0.3)
    names = view_root(view)
    assert names is None or names == set() or names == \
        {"CLAUDE.md", "rules", "skills", "agents", "commands", "output-styles"}, names
    if names:
        assert U.walk_view(view.mp) == before
    assert view.daemon_alive()
    # moving it back keeps things sane
    os.rename(source.home / ".claude.moved", source.path)
    time.sleep(0.3)
    names = view_root(view)
    assert names is None or names <= {"CLAUDE.md", "rules", "skills", "agents", "commands",
                                      "output-styles"}
    assert view.daemon_alive()


def test_visible_subdir_replaced_by_symlink_to_root(source, view):
    os.listdir(view.p("skills/pdf"))
    shutil.rmtree(source.src("skills/pdf"))
    os.symlink("/", source.src("skills/pdf"))
    U.wait_for(lambda: "pdf" not in os.listdir(view.p("skills")), timeout=2.0,
               what="skills/pdf hidden once it is a symlink to /")
    assert U.errno_of(os.stat, view.p("skills/pdf/etc/passwd")) == errno.ENOENT
    assert view.daemon_alive()
