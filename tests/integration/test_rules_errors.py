"""Bad rule files refuse the mount with exit 2 and FILE:LINE:COL: cause."""

import os
import re

import pytest

import seedfs_util as U

# (content, line of the error or None when a line is not meaningful)
BAD = {
    "unterminated-flow": ("include: [\"/a/\"\n", None),
    "bad-indent": ("include:\n  - /a/\n - /b/\n", 3),
    "unknown-key": ("include: [/a/]\nincludes: [/b/]\n", 2),
    "wrong-type-scalar": ("include: 5\n", 1),
    "wrong-type-map": ("exclude:\n  a: b\n", None),
    "with-not-list": ("with: {settings: 1}\n", 1),
    "bad-class": ("include: [\"/a/\"]\nexclude: [\"[abc\"]\n", 2),
    "leading-bang": ("include: [\"!x\"]\n", 1),
    "anchor-alias": ("include: &a [/a/]\nexclude: *a\n", None),
    "top-level-list": ("- /a/\n", 1),
    "nested-deep": ("include: " + "[" * 40 + "]" * 40 + "\n", 1),
    "unknown-group": ("with: [nosuchgroup]\n", 1),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_rules_refuse_mount(source, mount, tmp_path, name):
    content, line = BAD[name]
    rules = U.write(tmp_path / f"{name}.yaml", content)
    mp = tmp_path / "mp"
    mp.mkdir()
    r = mount(source, mp=mp, rules=[rules], expect_ok=False)
    assert r.returncode == 2, r
    assert not U.mounts_at(mp) and not U.daemon_pids(mp)
    m = re.search(re.escape(os.fspath(rules)) + r":(\d+)(?::(\d+))?: \S", r.stderr)
    assert m, f"stderr does not name FILE:LINE[:COL]: cause: {r.stderr!r}"
    if line is not None:
        assert int(m.group(1)) == line, r.stderr


def test_position_includes_column(source, mount, tmp_path):
    rules = U.write(tmp_path / "col.yaml", 'include: ["/a/"]\nexclude: ["/ok/", "x[z"]\n')
    mp = tmp_path / "mp"
    mp.mkdir()
    r = mount(source, mp=mp, rules=[rules], expect_ok=False)
    assert r.returncode == 2, r
    m = re.search(re.escape(os.fspath(rules)) + r":2:(\d+): \S", r.stderr)
    assert m, r.stderr
    assert 10 <= int(m.group(1)) <= 24, r.stderr


def test_oversized_rules_file_refused(source, mount, tmp_path):
    rules = U.write(tmp_path / "huge.yaml",
                    "include:\n" + "".join(f'  - "/x{i}/"\n' for i in range(120_000)))
    assert os.path.getsize(rules) > 1 << 20
    mp = tmp_path / "mp"
    mp.mkdir()
    r = mount(source, mp=mp, rules=[rules], expect_ok=False)
    assert r.returncode == 2, r
    assert "huge.yaml" in r.stderr
    assert not U.mounts_at(mp)


def test_missing_rules_file_refused(source, mount, tmp_path):
    mp = tmp_path / "mp"
    mp.mkdir()
    r = mount(source, mp=mp, rules=[tmp_path / "nope.yaml"], expect_ok=False)
    assert r.returncode in (1, 2), r
    assert "nope.yaml" in r.stderr
    assert not U.mounts_at(mp)


def test_empty_and_comment_only_rules_files_are_fine(source, mount, tmp_path):
    a = U.write(tmp_path / "empty.yaml", b"")
    b = U.write(tmp_path / "comments.yaml", b"# nothing here\n\n# at all\n")
    v = mount(source, rules=[a, b])
    assert sorted(os.listdir(v.mp)) == sorted(
        ["CLAUDE.md", "rules", "skills", "agents", "commands", "output-styles"])
