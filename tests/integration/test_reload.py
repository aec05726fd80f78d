"""reload (and SIGHUP): rule files re-read, the view changes without a remount,
a broken file keeps the old rules and is reported with FILE:LINE."""

import errno
import os
import re
import signal
import time

import pytest

import seedfs_util as U

GOOD_1 = 'include: ["/notes/"]\n'
GOOD_2 = 'include: ["/notes/", "/extra/"]\n'
BROKEN = 'include: ["/notes/", "/extra/"\nexclude: ["*.tmp"]\n'


@pytest.fixture
def reload_setup(source, mount, tmp_path):
    source.add("notes/a.md", visible=False)
    source.add("extra/b.md", visible=False)
    source.add("skills/pdf/scratch.tmp", b"scratch\n")
    rules = U.write(tmp_path / "user.yaml", GOOD_1)
    v = mount(source, rules=[rules])
    assert U.read_bytes(v.p("notes/a.md")) == source.files["notes/a.md"]
    assert U.errno_of(os.stat, v.p("extra")) == errno.ENOENT
    assert U.errno_of(os.stat, v.p("extra/b.md")) == errno.ENOENT
    assert "extra" not in os.listdir(v.mp)
    return source, v, rules


def mount_id(mp):
    ms = U.mounts_at(mp)
    assert len(ms) == 1
    return ms[0]["id"]


def layer_hashes(mp):
    views = U.status_json(mp)["views"]
    assert len(views) == 1
    return [layer["xxh3"] for layer in views[0]["layers"]]


def test_reload_shows_a_newly_included_dir(reload_setup):
    source, v, rules = reload_setup
    mid = mount_id(v.mp)
    U.write(rules, GOOD_2)
    r = U.run(["reload", v.mp])
    assert r.returncode == 0, r
    U.wait_for(lambda: "extra" in os.listdir(v.mp), timeout=2.0,
               what="newly included dir in the root listing")
    U.wait_for(lambda: U.read_bytes(v.p("extra/b.md")) == source.files["extra/b.md"],
               timeout=2.0, what="newly included file readable (negative entry dropped)")
    assert mount_id(v.mp) == mid, "reload must not remount"
    assert U.daemon_pids(v.mp) == [v.pid]


def test_reload_hides_newly_excluded_files(reload_setup):
    source, v, rules = reload_setup
    p = v.p("skills/pdf/scratch.tmp")
    assert U.read_bytes(p) == b"scratch\n"
    os.stat(p)
    U.write(rules, GOOD_1 + 'exclude: ["*.tmp"]\nnever: ["reference.md"]\n')
    assert U.run(["reload", v.mp]).returncode == 0
    U.wait_for(lambda: U.errno_of(os.stat, p) == errno.ENOENT, timeout=2.0,
               what="excluded file hidden after reload")
    assert "scratch.tmp" not in os.listdir(v.p("skills/pdf"))
    assert U.errno_of(os.open, p, os.O_RDONLY) == errno.ENOENT
    assert U.errno_of(os.stat, v.p("skills/pdf/reference.md")) == errno.ENOENT


def test_reload_enables_a_group(reload_setup):
    source, v, rules = reload_setup
    assert U.errno_of(os.stat, v.p("settings.json")) == errno.ENOENT
    U.write(rules, GOOD_1 + "with: [settings]\n")
    assert U.run(["reload", v.mp]).returncode == 0
    U.wait_for(lambda: b'"model": "x"' in U.read_bytes(v.p("settings.json")),
               timeout=2.0, what="settings.json (sanitized) after enabling the group")
    assert b"hooks" not in U.read_bytes(v.p("settings.json"))
    assert U.errno_of(os.stat, v.p("settings.local.json")) == errno.ENOENT


def test_reload_updates_status_fingerprint(reload_setup):
    _, v, rules = reload_setup
    before = layer_hashes(v.mp)
    U.write(rules, GOOD_2)
    assert U.run(["reload", v.mp]).returncode == 0
    after = layer_hashes(v.mp)
    assert after[0] == before[0] and after[1] != before[1]
    h = U.xxh3_64(GOOD_2.encode())
    if h is not None:
        assert after[1] == f"{h:016x}"


def test_broken_rules_keep_the_old_view(reload_setup):
    source, v, rules = reload_setup
    U.write(rules, GOOD_2)
    assert U.run(["reload", v.mp]).returncode == 0
    U.wait_for(lambda: os.path.isfile(v.p("extra/b.md")), timeout=2.0, what="extra visible")
    good_hashes = layer_hashes(v.mp)
    U.write(rules, BROKEN)
    r = U.run(["reload", v.mp])
    assert r.returncode == 2, r
    assert re.search(re.escape(os.fspath(rules)) + r":\d+", r.stderr) or \
        re.search(re.escape(rules.name) + r":\d+", r.stderr), r
    assert v.daemon_alive() and v.answers()
    # old rules still in force, and still reported
    assert U.read_bytes(v.p("extra/b.md")) == source.files["extra/b.md"]
    assert U.read_bytes(v.p("notes/a.md")) == source.files["notes/a.md"]
    assert U.read_bytes(v.p("skills/pdf/scratch.tmp")) == b"scratch\n"
    assert layer_hashes(v.mp) == good_hashes
    assert U.errno_of(os.stat, v.p(".credentials.json")) == errno.ENOENT
    # fixing the file makes reload work again
    U.write(rules, GOOD_1)
    assert U.run(["reload", v.mp]).returncode == 0
    U.wait_for(lambda: U.errno_of(os.stat, v.p("extra/b.md")) == errno.ENOENT, timeout=2.0,
               what="extra hidden again")


@pytest.mark.parametrize("content", [
    "include: [\n",                       # malformed YAML
    "incude: [/extra/]\n",                # unknown key
    "include: 5\n",                       # wrong type
    'include: ["/extra/[abc"]\n',         # bad pattern
    "include: &a [/extra/]\nexclude: *a\n",  # anchors/aliases refused
])
def test_each_kind_of_broken_file_refused_on_reload(reload_setup, content):
    _, v, rules = reload_setup
    U.write(rules, content)
    r = U.run(["reload", v.mp])
    assert r.returncode == 2, r
    assert re.search(re.escape(rules.name) + r":\d+", r.stderr), r
    assert U.errno_of(os.stat, v.p("extra")) == errno.ENOENT
    assert os.path.isfile(v.p("notes/a.md"))


def test_rules_file_deleted_then_reload(reload_setup):
    _, v, rules = reload_setup
    os.unlink(rules)
    r = U.run(["reload", v.mp])
    assert r.returncode != 0, r
    assert rules.name in r.stderr
    assert v.daemon_alive()
    assert os.path.isfile(v.p("notes/a.md"))


def test_sighup_reloads(reload_setup):
    source, v, rules = reload_setup
    U.write(rules, GOOD_2)
    os.kill(v.pid, signal.SIGHUP)
    U.wait_for(lambda: U.read_bytes(v.p("extra/b.md")) == source.files["extra/b.md"],
               timeout=2.0, what="SIGHUP reload")
    assert v.daemon_alive()


def test_sighup_with_broken_file_keeps_old_rules(reload_setup):
    source, v, rules = reload_setup
    U.write(rules, BROKEN)
    os.kill(v.pid, signal.SIGHUP)
    # give a wrong implementation time to apply something
    for _ in range(40):
        assert v.daemon_alive(), "daemon died on SIGHUP with a broken rules file"
        assert U.errno_of(os.stat, v.p("extra")) == errno.ENOENT
        assert os.path.isfile(v.p("notes/a.md"))
        time.sleep(0.01)
    U.write(rules, GOOD_2)
    os.kill(v.pid, signal.SIGHUP)
    U.wait_for(lambda: os.path.isfile(v.p("extra/b.md")), timeout=2.0,
               what="SIGHUP after fixing the file")


def test_reload_of_a_non_view_fails(cli, tmp_path):
    d = tmp_path / "plain"
    d.mkdir()
    r = cli("reload", d)
    assert r.returncode == 1, r
