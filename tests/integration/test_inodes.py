"""Inode numbers the view reports: below 2^53 (exact as JavaScript numbers),
unique among everything served at once, stable for a node's lifetime, and the
same whether read by stat, readdir (ls -i) or find -inum."""

import os
import subprocess

import seedfs_util as U

JS_EXACT = 2 ** 53


def many(source, n_skills=60, per=5):
    for i in range(n_skills):
        for j in range(per):
            source.add(f"skills/s{i:03d}/f{j}.md")
        source.add(f"skills/s{i:03d}/SKILL.md", f"---\nname: s{i:03d}\n---\nbody\n".encode())


def stat_walk(root):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [""] + dirnames + filenames:
            p = os.path.join(dirpath, name) if name else dirpath
            if p in out:
                continue
            st = os.stat(p, follow_symlinks=False)
            out[p] = st.st_ino
    return out


def test_inodes_small_unique_stable(source, mount):
    many(source)
    v = mount(source)
    first = stat_walk(v.mp)
    assert len(first) > 300, len(first)
    big = {p: i for p, i in first.items() if i >= JS_EXACT}
    assert not big, f"st_ino at or above 2^53: {list(big.items())[:5]}"
    assert os.stat(v.mp).st_ino == 1
    by_ino = {}
    for p, i in first.items():
        by_ino.setdefault(i, []).append(p)
    dups = {i: ps for i, ps in by_ino.items() if len(ps) > 1}
    assert not dups, f"inode numbers shared: {list(dups.items())[:5]}"
    # As a JavaScript double: still all distinct.
    assert len({float(i) for i in first.values()}) == len(first)
    for _ in range(3):
        again = stat_walk(v.mp)
        assert again == first, "st_ino changed between walks"


def test_readdir_ls_find_agree(source, mount):
    many(source, n_skills=10)
    v = mount(source)
    d = v.p("skills", "s003")
    want = {n: os.stat(os.path.join(d, n)).st_ino for n in os.listdir(d)}
    # readdir d_ino, also for entries just looked up: agrees with stat
    raw = {e.name: e.inode() for e in os.scandir(d)}
    assert raw == want, (raw, want)
    ls = subprocess.run(["ls", "-i", "-1", d], capture_output=True, text=True, check=True)
    got = {}
    for line in ls.stdout.splitlines():
        ino, name = line.split(None, 1)
        got[name] = int(ino)
    assert got == want
    for name, ino in want.items():
        f = subprocess.run(["find", v.mp, "-inum", str(ino)], capture_output=True,
                           text=True, check=True)
        assert f.stdout.split() == [os.path.join(d, name)], (name, ino, f.stdout)


def test_reload_and_replacement_keep_numbers_unique(source, mount, tmp_path):
    many(source, n_skills=20)
    rules = U.write(tmp_path / "user.yaml", b'include: ["/notes/"]\n')
    source.add("notes/a.md", visible=False)
    v = mount(source, rules=[rules])
    before = stat_walk(v.mp)
    kept = v.p("skills", "s001", "f1.md")
    kept_ino = os.stat(kept).st_ino
    for round_ in range(4):
        # a file replaced by rename: a new object, a new number
        tmp = source.src("skills/s002/f0.md.new")
        U.write(tmp, f"round {round_}\n".encode())
        os.rename(tmp, source.src("skills/s002/f0.md"))
        U.write(rules, b'include: ["/notes/", "/extra/"]\n' if round_ % 2 == 0
                else b'include: ["/notes/"]\n')
        assert U.run(["reload", v.mp]).returncode == 0
        U.wait_for(lambda: U.read_bytes(v.p("skills/s002/f0.md")) == f"round {round_}\n".encode(),
                   timeout=2.0, what="replacement visible")
        now = stat_walk(v.mp)
        assert all(i < JS_EXACT for i in now.values())
        assert len(set(now.values())) == len(now), "duplicate st_ino after reload"
        assert os.stat(kept).st_ino == now[kept]
    assert len(before) > 100
    assert os.stat(kept).st_ino in (kept_ino, now[kept])
