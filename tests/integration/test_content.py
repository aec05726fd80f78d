"""What the view shows, and that it is byte-identical to the source."""

import mmap
import os
import random
import stat

import pytest

import seedfs_util as U

SIZES = {
    "empty.bin": 0,
    "one.bin": 1,
    "page-1.bin": 4095,
    "page.bin": 4096,
    "page+1.bin": 4097,
    "64k+1.bin": 65537,
    "128k+1.bin": 131073,
    "1m+3.bin": (1 << 20) + 3,
    "5m+7.bin": 5 * (1 << 20) + 7,
}


@pytest.fixture
def data_source(source):
    rnd = random.Random(20240501)
    for name, size in SIZES.items():
        source.add(f"skills/data/{name}", rnd.randbytes(size))
    return source


def test_root_listing_is_exactly_the_default_entries(view):
    assert sorted(os.listdir(view.mp)) == sorted(
        ["CLAUDE.md", "rules", "skills", "agents", "commands", "output-styles"])


def test_whole_tree_is_exactly_the_visible_set(source, view):
    files, dirs, others = U.walk_view(view.mp)
    assert others == set(), f"non-regular, non-directory entries in the view: {others}"
    assert dirs == source.visible_dirs
    assert files == source.visible_files


def test_every_visible_file_is_byte_identical(source, view):
    for rel in sorted(source.visible_files):
        assert U.read_bytes(view.p(rel)) == source.files[rel], rel
        assert U.read_bytes(view.p(rel)) == U.read_bytes(source.src(rel)), rel


def test_nothing_read_through_the_view_contains_a_secret(source, view):
    files, _, _ = U.walk_view(view.mp)
    assert len(files) >= 10
    for rel in files:
        assert U.SECRET_MARK not in U.read_bytes(view.p(rel)), rel


def test_stat_of_files_and_dirs_matches_source(source, view):
    for rel in sorted(source.visible_files):
        vs, ss = os.stat(view.p(rel)), os.stat(source.src(rel))
        assert stat.S_ISREG(vs.st_mode), rel
        assert vs.st_size == ss.st_size, rel
    for rel in sorted(source.visible_dirs):
        assert stat.S_ISDIR(os.stat(view.p(rel)).st_mode), rel
    # the executable bit of a skill script is preserved for reading/executing
    assert os.stat(view.p("skills/pdf/scripts/extract.py")).st_mode & 0o100


def test_scandir_types_agree_with_lstat(view):
    seen = 0
    for dirpath in [view.mp, view.p("skills"), view.p("skills/pdf"), view.p("agents")]:
        for e in os.scandir(dirpath):
            seen += 1
            assert not e.is_symlink(), e.path
            st = os.lstat(e.path)
            assert e.is_dir(follow_symlinks=False) == stat.S_ISDIR(st.st_mode), e.path
            assert e.is_file(follow_symlinks=False) == stat.S_ISREG(st.st_mode), e.path
    assert seen >= 10


def test_sizes_full_reads_with_various_buffer_sizes(data_source, mount):
    v = mount(data_source)
    for name, size in SIZES.items():
        rel = f"skills/data/{name}"
        want = data_source.files[rel]
        assert os.stat(v.p(rel)).st_size == size
        for bufsize in (1, 7, 4096, 65536, 1 << 20, 3 << 20):
            if bufsize == 1 and size > 70000:
                continue  # byte-at-a-time over megabytes is just slow
            got = bytearray()
            fd = os.open(v.p(rel), os.O_RDONLY)
            try:
                while True:
                    chunk = os.read(fd, bufsize)
                    if not chunk:
                        break
                    got += chunk
            finally:
                os.close(fd)
            assert bytes(got) == want, f"{name} read with {bufsize}-byte buffer differs"


def test_random_offsets_with_pread(data_source, mount):
    v = mount(data_source)
    rnd = random.Random(7)
    for name in ["page+1.bin", "128k+1.bin", "1m+3.bin", "5m+7.bin"]:
        rel = f"skills/data/{name}"
        want = data_source.files[rel]
        fd = os.open(v.p(rel), os.O_RDONLY)
        try:
            for _ in range(200):
                off = rnd.randrange(0, len(want) + 10)
                ln = rnd.choice([1, 13, 4096, 4097, 100000, 1 << 20])
                assert os.pread(fd, ln, off) == want[off:off + ln], (name, off, ln)
            # at and beyond EOF
            assert os.pread(fd, 4096, len(want)) == b""
            assert os.pread(fd, 4096, len(want) + 12345) == b""
            assert os.pread(fd, 10, len(want) - 1) == want[-1:]
        finally:
            os.close(fd)


def test_mmap_reads_identical_bytes(data_source, mount):
    v = mount(data_source)
    for name in ["page.bin", "page+1.bin", "1m+3.bin", "5m+7.bin"]:
        rel = f"skills/data/{name}"
        with open(v.p(rel), "rb") as f:
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
                assert len(m) == len(data_source.files[rel])
                assert m[:] == data_source.files[rel], name
                assert m[-5:] == data_source.files[rel][-5:]


def test_two_readers_of_the_same_big_file_interleaved(data_source, mount):
    v = mount(data_source)
    rel = "skills/data/5m+7.bin"
    want = data_source.files[rel]
    a, b = os.open(v.p(rel), os.O_RDONLY), os.open(v.p(rel), os.O_RDONLY)
    try:
        got_a, got_b = bytearray(), bytearray()
        while True:
            ca, cb = os.read(a, 100000), os.read(b, 65536)
            got_a += ca
            got_b += cb
            if not ca and not cb:
                break
        assert bytes(got_a) == want and bytes(got_b) == want
    finally:
        os.close(a)
        os.close(b)


def test_statvfs_reports_read_only(view):
    st = os.statvfs(view.mp)
    assert st.f_flag & os.ST_RDONLY
    assert st.f_flag & os.ST_NOSUID
    assert st.f_flag & os.ST_NODEV
