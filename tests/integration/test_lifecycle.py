"""Mounting, refusing to mount, unmounting, dying, status, the CLI surface."""

import errno
import json
import os
import re
import signal
import subprocess
import time

import pytest

import seedfs_util as U


def nothing_mounted(mp):
    return not U.mounts_at(mp) and not U.daemon_pids(mp)


# ---------------------------------------------------------------- --help etc.

def test_help_mentions_every_command(cli):
    r = cli("--help")
    assert r.returncode == 0, r
    for cmd in ("mount", "umount", "status", "explain", "reload"):
        assert re.search(rf"\b{cmd}\b", r.stdout), (cmd, r.stdout)
    for opt in ("--rules", "--with", "--follow"):
        assert opt in r.stdout, opt


def test_version(cli):
    r = cli("--version")
    assert r.returncode == 0, r
    assert re.search(r"\d+\.\d+", r.stdout), r


@pytest.mark.parametrize("cmd", ["mount", "umount", "status", "explain", "reload"])
def test_help_after_a_command(cli, cmd):
    r = cli(cmd, "--help")
    assert r.returncode == 0, r
    assert cmd in r.stdout, r


@pytest.mark.parametrize("args", [
    [], ["frobnicate"], ["mount"], ["mount", "--bogus-option", "/nonexistent-src", "/nonexistent-mp"],
    ["mount", "--rules"], ["mount", "--with"], ["mount", "--follow"], ["mount", "-o"],
    ["umount"], ["umount", "a", "b"], ["explain"], ["reload"], ["reload", "a", "b"],
    ["status", "--bogus"], ["status", "a", "b"],
])
def test_usage_errors_exit_2(cli, args):
    r = cli(*args)
    assert r.returncode == 2, r
    assert r.stderr.strip(), "a usage error must say something on stderr"


def test_mount_extra_positional_is_usage_error(source, mount, tmp_path):
    mp = tmp_path / "mp"
    mp.mkdir()
    r = mount(source, mp=mp, extra=[tmp_path / "third"], expect_ok=False)
    # extra comes before SOURCE MOUNTPOINT: three positionals
    assert r.returncode == 2, r
    assert nothing_mounted(mp)


# ---------------------------------------------------------------- mounting

def test_mount_answers_as_soon_as_mount_returns(source, mount):
    for _ in range(3):
        v = mount(source)
        # no polling: the contract says mount returns only when the view answers
        assert U.read_bytes(v.p("CLAUDE.md")) == source.files["CLAUDE.md"]
        r = U.run(["umount", v.mp])
        assert r.returncode == 0, r
        assert not U.mounts_at(v.mp)
        assert U.wait_pid_gone(v.pid, 5.0), "daemon still alive after umount"


def test_mount_detaches_from_the_callers_pipes(source, tmp_path):
    """A caller capturing output (subprocess.run(capture_output=True), $(...))
    must get EOF when mount returns: the daemon may not keep the pipes."""
    mp = tmp_path / "mp"
    mp.mkdir()
    try:
        p = subprocess.run([U.BIN, "mount", os.fspath(source.path), os.fspath(mp)],
                           stdin=subprocess.DEVNULL, capture_output=True, env=U.cli_env(),
                           timeout=20)
        assert p.returncode == 0, p
        assert U.seedfs_mounts_at(mp)
    except subprocess.TimeoutExpired:
        pytest.fail("mount returned but the daemon still holds the caller's stdout/stderr")
    finally:
        pids = U.daemon_pids(mp)
        if U.mounts_at(mp):
            U.run(["umount", mp])
            U.force_unmount(mp)
        for pid in pids:
            if not U.wait_pid_gone(pid, 5.0):
                U.kill_quietly(pid)


def test_foreground_refusal_reports_on_stderr(source, mount, tmp_path):
    mp = tmp_path / "full"
    U.write(mp / "x", b"")
    r = mount(source, mp=mp, foreground=True, expect_ok=False)
    assert r is not None, "foreground mount on a non-empty mountpoint did not exit"
    assert r.returncode == 1, r
    assert r.stderr.strip(), r
    assert nothing_mounted(mp)


def test_source_defaults_to_claude_config_dir(source, mount):
    v = mount(None, env=U.cli_env({"CLAUDE_CONFIG_DIR": os.fspath(source.path),
                                   "HOME": "/nonexistent-home"}))
    assert U.read_bytes(v.p("CLAUDE.md")) == source.files["CLAUDE.md"]


def test_source_defaults_to_home_dot_claude(source, mount):
    v = mount(None, env=U.cli_env({"HOME": os.fspath(source.home)}))
    assert U.read_bytes(v.p("CLAUDE.md")) == source.files["CLAUDE.md"]


def test_relative_paths(source, mount, tmp_path):
    (tmp_path / "rel mp").mkdir()
    src_rel = os.path.relpath(source.path, tmp_path)
    r = U.run(["mount", src_rel, "rel mp"], cwd=tmp_path)
    mp = tmp_path / "rel mp"
    # register for cleanup whatever happened
    mount.views.append(U.View(mp, source.path, [], pid=(U.daemon_pids("rel mp") or [None])[0]))
    assert r.returncode == 0, r
    assert U.read_bytes(mp / "CLAUDE.md") == source.files["CLAUDE.md"]
    doc = U.status_json(mp)
    assert len(doc["views"]) == 1
    x = doc["views"][0]
    assert os.path.isabs(x["mountpoint"]) and same(x["mountpoint"], mp), x
    assert os.path.isabs(x["source"]) and same(x["source"], source.path), x
    r = U.run(["umount", "rel mp/"], cwd=tmp_path)
    assert r.returncode == 0, r
    assert not U.mounts_at(mp)


def test_paths_with_spaces_and_a_symlinked_source(source, mount, tmp_path):
    os.symlink(source.path, tmp_path / "my claude")
    mp = tmp_path / "my view"
    mp.mkdir()
    v = mount(tmp_path / "my claude", mp=mp)
    assert U.read_bytes(v.p("CLAUDE.md")) == source.files["CLAUDE.md"]
    assert U.mounts_at(mp)[0]["fstype"] == U.FSTYPE
    r = U.run(["status", mp])
    assert r.returncode == 0 and "my view" in r.stdout, r
    assert U.run(["umount", os.fspath(mp) + "/"]).returncode == 0
    assert not U.mounts_at(mp)


def test_two_views_of_one_source(source, mount, tmp_path):
    rules = U.write(tmp_path / "user.yaml", "with: [settings]\n")
    a = mount(source)
    b = mount(source, rules=[rules])
    assert "settings.json" not in os.listdir(a.mp)
    assert "settings.json" in os.listdir(b.mp)
    assert a.pid != b.pid


# ---------------------------------------------------------------- refusals

def test_refuse_mountpoint_inside_source(source, mount):
    for rel in ["skills/mnt", "projects/mnt", "mnt"]:
        mp = source.src(rel)
        mp.mkdir()
        r = mount(source, mp=mp, expect_ok=False)
        assert r.returncode == 1, (rel, r)
        assert r.stderr.strip()
        assert nothing_mounted(mp), rel


def test_refuse_source_itself_as_mountpoint(source, mount):
    r = mount(source, mp=source.path, expect_ok=False)
    assert r.returncode == 1, r
    assert nothing_mounted(source.path)


def test_refuse_mountpoint_inside_source_through_a_symlink(source, mount, tmp_path):
    os.symlink(source.path, tmp_path / "alias")
    (source.src("skills/mnt")).mkdir()
    mp = tmp_path / "alias" / "skills" / "mnt"
    r = mount(source, mp=mp, expect_ok=False)
    assert r.returncode == 1, r
    assert nothing_mounted(source.src("skills/mnt"))
    # and the other way round: SOURCE named through a symlink
    r = mount(tmp_path / "alias", mp=source.src("skills/mnt"), expect_ok=False)
    assert r.returncode == 1, r
    assert nothing_mounted(source.src("skills/mnt"))


def test_refuse_non_empty_mountpoint(source, mount, tmp_path):
    mp = tmp_path / "full"
    U.write(mp / ".keep", b"")
    r = mount(source, mp=mp, expect_ok=False)
    assert r.returncode == 1, r
    assert r.stderr.strip()
    assert nothing_mounted(mp)
    assert os.listdir(mp) == [".keep"]


def test_refuse_already_mounted(source, mount):
    v = mount(source)
    r = mount(source, mp=v.mp, expect_ok=False)
    assert r.returncode == 1, r
    assert r.stderr.strip()
    assert len(U.mounts_at(v.mp)) == 1
    assert U.daemon_pids(v.mp) == [v.pid]
    assert v.answers()


def test_refuse_missing_source(mount, tmp_path):
    mp = tmp_path / "mp"
    mp.mkdir()
    r = mount(tmp_path / "no-such-dir", mp=mp, expect_ok=False)
    assert r.returncode == 1, r
    assert "no-such-dir" in r.stderr
    assert nothing_mounted(mp)


def test_refuse_source_that_is_a_file(mount, tmp_path):
    f = U.write(tmp_path / "file", b"x")
    mp = tmp_path / "mp"
    mp.mkdir()
    r = mount(f, mp=mp, expect_ok=False)
    assert r.returncode == 1, r
    assert nothing_mounted(mp)


def test_refuse_missing_mountpoint(source, mount, tmp_path):
    mp = tmp_path / "no-such-mp"
    r = mount(source, mp=mp, expect_ok=False)
    assert r.returncode == 1, r
    assert not mp.exists() or nothing_mounted(mp)


def test_refuse_unknown_group(source, mount, tmp_path):
    mp = tmp_path / "mp"
    mp.mkdir()
    r = mount(source, mp=mp, with_=["setings"], expect_ok=False)
    assert r.returncode in (1, 2), r
    assert "setings" in r.stderr
    assert nothing_mounted(mp)


# ---------------------------------------------------------------- umount

def test_umount_stops_the_daemon(view):
    pid = view.pid
    r = U.run(["umount", view.mp])
    assert r.returncode == 0, r
    assert not U.mounts_at(view.mp)
    assert U.wait_pid_gone(pid, 5.0)
    assert os.listdir(view.mp) == []


def test_umount_refuses_a_non_seedfs_path(cli, tmp_path):
    d = tmp_path / "plain"
    d.mkdir()
    r = cli("umount", d)
    assert r.returncode == 1, r
    r = cli("umount", tmp_path / "missing")
    assert r.returncode == 1, r


def test_umount_leaves_other_filesystems_alone(cli, tmp_path):
    d = tmp_path / "tmpfs"
    d.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "seedfs-test", d], check=True,
                   timeout=15)
    try:
        r = cli("umount", d)
        assert r.returncode == 1, r
        assert [m["fstype"] for m in U.mounts_at(d)] == ["tmpfs"]
    finally:
        subprocess.run(["umount", "-l", d], timeout=15)


def test_kill_9_then_umount_then_fresh_mount(source, mount):
    v = mount(source)
    os.kill(v.pid, signal.SIGKILL)
    assert U.wait_pid_gone(v.pid, 5.0)
    # Attributes the kernel already caches (the mountpoint's own stat) may
    # still answer; anything that needs the daemon must say ENOTCONN.
    U.wait_for(lambda: U.errno_of(os.statvfs, v.mp) == errno.ENOTCONN, timeout=5.0,
               what="ENOTCONN on the mountpoint of a killed daemon")
    assert U.errno_of(os.stat, v.p("never-looked-up")) == errno.ENOTCONN
    assert U.errno_of(os.listdir, v.mp) == errno.ENOTCONN
    # status reports it as stale
    r = U.run(["status", v.mp])
    assert r.returncode == 0, r
    assert re.search(r"state:\s*stale", r.stdout), r
    views = [x for x in U.status_json()["views"]
             if os.path.realpath(x["mountpoint"]) == os.path.realpath(v.mp)]
    assert len(views) == 1 and views[0]["state"] == "stale", views
    r = U.run(["umount", v.mp])
    assert r.returncode == 0, r
    assert not U.mounts_at(v.mp)
    assert os.listdir(v.mp) == []
    v2 = mount(source, mp=v.mp)
    assert U.read_bytes(v2.p("CLAUDE.md")) == source.files["CLAUDE.md"]


def test_mount_over_a_stale_mount_is_refused_or_recovers(source, mount):
    v = mount(source)
    os.kill(v.pid, signal.SIGKILL)
    assert U.wait_pid_gone(v.pid, 5.0)
    r = mount(source, mp=v.mp, expect_ok=False)
    if r.returncode == 0:
        assert len(U.fuse_mounts_at(v.mp)) == 1
        assert U.read_bytes(os.path.join(v.mp, "CLAUDE.md")) == source.files["CLAUDE.md"]
    else:
        assert r.returncode == 1, r
        assert r.stderr.strip()


# ---------------------------------------------------------------- signals

def test_sigterm_foreground_unmounts_cleanly(source, mount):
    v = mount(source, foreground=True)
    assert U.read_bytes(v.p("CLAUDE.md")) == source.files["CLAUDE.md"]
    v.proc.send_signal(signal.SIGTERM)
    rc = v.proc.wait(timeout=10)
    assert rc == 0, (rc, v.stderr_text())
    assert not U.mounts_at(v.mp)
    assert os.listdir(v.mp) == []


def test_sigterm_daemon_unmounts_cleanly(view):
    os.kill(view.pid, signal.SIGTERM)
    assert U.wait_pid_gone(view.pid, 10.0), "daemon ignored SIGTERM"
    assert not U.mounts_at(view.mp)
    assert os.listdir(view.mp) == []


def test_sigterm_while_a_file_is_open(source, mount):
    v = mount(source, foreground=True)
    f = open(v.p("CLAUDE.md"), "rb")
    try:
        v.proc.send_signal(signal.SIGTERM)
        rc = v.proc.wait(timeout=10)
        assert rc == 0, (rc, v.stderr_text())
    finally:
        try:
            f.close()
        except OSError:
            pass
    # the mount may linger lazily while busy, but it must not be a live view
    U.wait_for(lambda: not U.seedfs_mounts_at(v.mp) or U.errno_of(os.stat, v.mp) != 0,
               timeout=5, what="mount gone after SIGTERM")


def test_foreground_daemon_stays_in_the_foreground(source, mount):
    v = mount(source, foreground=True)
    assert v.proc.poll() is None
    assert U.daemon_pids(v.mp) == [v.proc.pid]


# ---------------------------------------------------------------- status

LAYER_RE = re.compile(r"layer\s+(\d+):\s+(.+?)\s+xxh3:([0-9a-f]{16})\s*$", re.M)


def parse_status_text(text):
    d = {}
    m = re.search(r"source:\s*(.+?)\s*$", text, re.M)
    d["source"] = m.group(1) if m else None
    m = re.search(r"pid:\s*(\d+)", text)
    d["pid"] = int(m.group(1)) if m else None
    m = re.search(r"state:\s*(\w+)", text)
    d["state"] = m.group(1) if m else None
    d["layers"] = [(int(n), f, h) for n, f, h in LAYER_RE.findall(text)]
    m = re.search(r"groups:(.*)$", text, re.M)
    d["groups"] = ([g for g in re.findall(r"[A-Za-z0-9_.-]+", m.group(1))
                    if g not in ("none", "-")] if m else None)
    return d


def fingerprint(path):
    h = U.xxh3_64(open(path, "rb").read())
    return None if h is None else f"{h:016x}"


def same(a, b):
    return os.path.realpath(a) == os.path.realpath(b)


def test_status_text(source, mount, tmp_path):
    v = mount(source)
    r = U.run(["status", v.mp])
    assert r.returncode == 0, r
    assert os.path.realpath(v.mp) in r.stdout or v.mp in r.stdout, r
    d = parse_status_text(r.stdout)
    assert d["source"] and same(d["source"], source.path), d
    assert d["pid"] == v.pid, d
    assert d["state"] == "running", d
    assert len(d["layers"]) == 1, d
    assert same(d["layers"][0][1], U.DEFAULT_RULES), d
    fp = fingerprint(U.DEFAULT_RULES)
    if fp:
        assert d["layers"][0][2] == fp
    assert d["groups"] == [], d


def test_status_second_layer_and_groups(source, mount, tmp_path):
    rules = U.write(tmp_path / "user.yaml", 'exclude: ["*.tmp"]\n')
    v = mount(source, rules=[rules], with_=["settings"])
    d = parse_status_text(U.run(["status", v.mp]).stdout)
    assert [n for n, _, _ in d["layers"]] in ([0, 1], [1, 2]), d
    assert same(d["layers"][0][1], U.DEFAULT_RULES)
    assert same(d["layers"][1][1], rules)
    assert d["layers"][0][2] != d["layers"][1][2]
    fp = fingerprint(rules)
    if fp:
        assert d["layers"][1][2] == fp
    assert d["groups"] == ["settings"], d


def test_status_json(source, mount, tmp_path):
    rules = U.write(tmp_path / "user.yaml", "with: [settings]\n")
    a = mount(source)
    b = mount(source, rules=[rules])
    doc = U.status_json()
    byp = {os.path.realpath(x["mountpoint"]): x for x in doc["views"]}
    for v in (a, b):
        x = byp[os.path.realpath(v.mp)]
        assert same(x["source"], source.path)
        assert x["pid"] == v.pid and isinstance(x["pid"], int)
        assert x["state"] == "running"
        for layer in x["layers"]:
            assert re.fullmatch(r"[0-9a-f]{16}", layer["xxh3"]), layer
    xa, xb = byp[os.path.realpath(a.mp)], byp[os.path.realpath(b.mp)]
    assert len(xa["layers"]) == 1 and len(xb["layers"]) == 2
    assert xa["layers"][0]["xxh3"] == xb["layers"][0]["xxh3"]
    assert same(xb["layers"][1]["file"], rules)
    assert xa["groups"] == [] and xb["groups"] == ["settings"]
    one = U.status_json(b.mp)
    assert [os.path.realpath(x["mountpoint"]) for x in one["views"]] == [os.path.realpath(b.mp)]


def test_status_of_a_non_view_exits_1(cli, tmp_path):
    d = tmp_path / "plain"
    d.mkdir()
    r = cli("status", d)
    assert r.returncode == 1, r
    r = cli("status", "--json", d)
    assert r.returncode == 1, r


def test_status_forgets_unmounted_views(view):
    assert any(same(x["mountpoint"], view.mp) for x in U.status_json()["views"])
    assert U.run(["umount", view.mp]).returncode == 0
    assert U.wait_pid_gone(view.pid, 5.0)
    r = U.run(["status"])
    assert r.returncode == 0, r
    assert not any(same(x["mountpoint"], view.mp) for x in U.status_json()["views"])
    assert U.run(["status", view.mp]).returncode == 1
