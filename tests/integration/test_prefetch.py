"""Prefetch (src/fs/prefetch.c): a directory the view shows has its
entries, and a few levels of subdirectories below it, read ahead by
background threads, once: a claim keeps a second listing from reading them
again. When the kernel sheds its caches the claims must go with them, the
ones on subdirectories that never had a node of their own included, or the
next walk (the first after a cache drop) gets no read-ahead at all.

prefetch_dirs in `status --stats` counts the directories the threads read.
These tests drop the kernel's dentry and inode caches (as root)."""

import os
import time

import pytest

import seedfs_util as U

SKILLS = 20


@pytest.fixture
def deep(source):
    for i in range(SKILLS):
        refs = source.src(f"skills/deep-{i:02d}/references")
        refs.mkdir(parents=True)
        U.write(refs.parent / "guide.md", b"guide\n")
        U.write(refs / "ref.md", b"ref\n")
    return source


def can_drop():
    return os.geteuid() == 0 and os.access("/proc/sys/vm/drop_caches", os.W_OK)


def drop_dentries_and_inodes():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("2\n")


def settled(mp, key="prefetch_dirs", quiet=0.3, timeout=10.0):
    """The counter once it has not moved for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    last, since = U.stats(mp)[key], time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = U.stats(mp)[key]
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return now
    raise AssertionError(f"{key} still moving after {timeout}s")


@pytest.mark.skipif(not can_drop(), reason="needs root and /proc/sys/vm/drop_caches")
def test_a_cache_drop_lets_the_next_walk_read_ahead_again(deep, mount):
    v = mount(deep)
    os.listdir(v.mp)  # shows skills/: its subdirectories are read ahead
    warmed = settled(v.mp)
    assert warmed >= 1 + 2 * SKILLS, warmed  # skills, deep-*, deep-*/references

    # claims hold: looking up a directory read ahead reads nothing again
    # (nothing else gets a node: what was read ahead has none)
    assert os.path.isdir(v.p("skills/deep-00/references"))
    assert settled(v.mp) == warmed

    forgets = U.stats(v.mp)["forget"]
    drop_dentries_and_inodes()
    U.wait_for(lambda: U.stats(v.mp)["forget"] > forgets, timeout=5.0,
               what="the kernel to forget the view's directories")
    time.sleep(0.2)  # the rest of the FORGETs

    # the first walk after the drop: skills/ and the subdirectories read
    # ahead with it (which had no node) are read ahead again
    assert len(os.listdir(v.p("skills"))) >= SKILLS
    again = settled(v.mp) - warmed
    assert again >= SKILLS, f"only {again} directories read ahead after the drop"
    for i in range(SKILLS):
        assert os.listdir(v.p(f"skills/deep-{i:02d}/references")) == ["ref.md"]
