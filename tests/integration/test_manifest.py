"""claude-seedfs manifest (issue 5): XXH3-128 of every visible file, in the
format of sha256sum, from a mount or from SOURCE, and --check."""
import hashlib
import os

import seedfs_util as U


def _lines(text):
    return [l for l in text.splitlines() if l]


def test_manifest_of_mount_equals_manifest_of_source(source, mount):
    v = mount(source)
    from_mount = U.run(["manifest", v.mp])
    from_source = U.run(["manifest", source.path])
    assert from_mount.returncode == 0 and from_source.returncode == 0
    assert from_mount.stdout == from_source.stdout
    lines = _lines(from_mount.stdout)
    paths = [l.split("  ", 1)[1] for l in lines]
    assert paths == sorted(paths, key=os.fsencode)
    files, _, _ = U.walk_view(v.mp)
    assert sorted(paths) == sorted(files)
    for l in lines:
        digest, path = l.split("  ", 1)
        assert len(digest) == 32 and int(digest, 16) >= 0
    assert not any(".credentials.json" in p or p.startswith("projects/") for p in paths)


def test_digests_are_xxh3_128_of_the_served_bytes(source, mount):
    v = mount(source)
    out = U.run(["manifest", v.mp]).stdout
    digests = dict(reversed(l.split("  ", 1)) for l in _lines(out))
    # Two files with different bytes never share a digest; the same bytes do.
    U.write(source.src("skills/pdf/copy.md"), U.read_bytes(source.src("CLAUDE.md")))
    out2 = U.run(["manifest", source.path]).stdout
    d2 = dict(reversed(l.split("  ", 1)) for l in _lines(out2))
    assert d2["skills/pdf/copy.md"] == digests["CLAUDE.md"]
    assert len(set(digests.values())) == len({U.read_bytes(v.p(p)) for p in digests})


def test_check_round_trip_and_differences(source, mount, tmp_path):
    v = mount(source)
    saved = tmp_path / "pinned.xxh"
    saved.write_text(U.run(["manifest", v.mp]).stdout)
    r = U.run(["manifest", "--check", saved, v.mp])
    assert r.returncode == 0 and r.stdout.startswith("OK:"), r
    U.write(source.src("CLAUDE.md"), b"changed instructions\n")
    U.write(source.src("skills/pdf/new.md"), b"new\n")
    os.unlink(source.src("commands/deploy.md"))
    U.wait_for(lambda: U.read_bytes(v.p("CLAUDE.md")) == b"changed instructions\n", timeout=2.0)
    r = U.run(["manifest", "--check", saved, v.mp])
    assert r.returncode == 1, r
    assert "changed: CLAUDE.md" in r.stdout
    assert "added: skills/pdf/new.md" in r.stdout
    assert "removed: commands/deploy.md" in r.stdout


def test_check_rejects_a_malformed_manifest(source, tmp_path):
    bad = tmp_path / "bad.xxh"
    bad.write_text("0123  CLAUDE.md\n")
    r = U.run(["manifest", "--check", bad, source.path])
    assert r.returncode == 2 and "bad.xxh:1" in r.stderr, r


def test_hostile_names_round_trip(source, mount, tmp_path):
    U.write(source.src("skills/pdf/new\nline.md"), b"x\n")
    U.write(source.src("skills/pdf/back\\slash.md"), b"y\n")
    v = mount(source)
    saved = tmp_path / "m.xxh"
    out = U.run(["manifest", v.mp]).stdout
    assert "\\" in out
    saved.write_text(out)
    assert U.run(["manifest", "--check", saved, v.mp]).returncode == 0
