"""The walls behind the rules (issue 6): once mounted the daemon is confined
by Landlock (read-only beneath its anchors and rule files) and seccomp (no
exec, no ptrace, no mount). A test-only build (claude-seedfs-selftest, meson
-Dconfine_selftest=true, never installed) behaves like a daemon with a bug
on request: these tests prove the walls stop it, and that the same attempt
succeeds when the walls are off, so the test can tell."""
import os
import signal
import subprocess

import pytest

import seedfs_util as U

SELFTEST = os.environ.get("SEEDFS_SELFTEST_BIN")


def _landlock_in_kernel():
    """Asks the kernel itself: landlock_create_ruleset(NULL, 0,
    LANDLOCK_CREATE_RULESET_VERSION) returns the ABI version."""
    import ctypes
    import platform
    nr = {"x86_64": 444, "aarch64": 444}.get(platform.machine())
    if nr is None:
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.syscall(ctypes.c_long(nr), None, ctypes.c_size_t(0), ctypes.c_uint32(1)) >= 1


def _confinement(mp):
    views = U.status_json(mp)["views"]
    assert len(views) == 1, views
    return views[0].get("confinement") or ""


def _skip_if_sanitizer_build(text):
    if "sanitizer build" in text:
        pytest.skip("confinement is off in sanitizer builds (by design)")


def test_status_reports_landlock_and_seccomp(source, mount):
    v = mount(source)
    conf = _confinement(v.mp)
    _skip_if_sanitizer_build(conf)
    assert "seccomp" in conf, conf
    if _landlock_in_kernel():
        assert "landlock ABI" in conf, conf
    r = U.run(["status", v.mp])
    assert "confined:" in r.stdout, r
    with open(f"/proc/{v.pid}/status") as f:
        st = dict(line.split(":", 1) for line in f if ":" in line)
    assert st["NoNewPrivs"].strip() == "1"
    assert st["Seccomp"].strip() == "2"  # filter mode


def test_no_confine_env_turns_it_off_visibly(source, mount, monkeypatch):
    monkeypatch.setenv("CLAUDE_SEEDFS_NO_CONFINE", "1")
    v = mount(source)
    conf = _confinement(v.mp)
    assert "off" in conf, conf
    with open(f"/proc/{v.pid}/status") as f:
        assert "Seccomp:\t0" in f.read()


def _serve_selftest(src, mp, env, timeout=10):
    """Runs the selftest daemon in the foreground until it dies or is told
    to stop; returns (returncode, stderr)."""
    e = U.cli_env(env)
    p = subprocess.Popen([SELFTEST, "mount", "-f", str(src), str(mp)],
                         env=e, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        # The view answers while the daemon lives.
        try:
            U.wait_for(lambda: p.poll() is not None or U.is_mounted(mp), timeout=timeout,
                       what="selftest daemon to mount")
        except U.WaitTimeout:
            pass
        if p.poll() is None:
            try:
                os.listdir(mp)
            except OSError:
                pass
            try:
                p.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=timeout)
        return p.returncode, err.decode(errors="replace")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        if U.is_mounted(mp):
            U.force_unmount(mp)


needs_selftest = pytest.mark.skipif(not SELFTEST, reason="SEEDFS_SELFTEST_BIN not built "
                                    "(meson -Dconfine_selftest=true)")


@needs_selftest
def test_open_outside_the_anchors_is_denied(source, tmp_path):
    mp = tmp_path / "mnt-open"
    mp.mkdir()
    outside = tmp_path / "outside-secret.txt"
    outside.write_text("not for the daemon\n")
    rc, err = _serve_selftest(source.path, mp, {
        "CLAUDE_SEEDFS_SELFTEST": "open",
        "CLAUDE_SEEDFS_SELFTEST_PATH": str(outside)})
    _skip_if_sanitizer_build(err)
    assert f"selftest: open {outside}: Permission denied" in err, err
    assert rc == 0, err  # denied, not killed; SIGTERM then unmounted cleanly


@needs_selftest
def test_open_inside_an_anchor_still_works(source, tmp_path):
    mp = tmp_path / "mnt-inside"
    mp.mkdir()
    inside = source.src("CLAUDE.md")
    rc, err = _serve_selftest(source.path, mp, {
        "CLAUDE_SEEDFS_SELFTEST": "open",
        "CLAUDE_SEEDFS_SELFTEST_PATH": str(inside)})
    assert f"selftest: open {inside}: ok" in err, err


@needs_selftest
def test_open_outside_succeeds_without_confinement(source, tmp_path):
    """The control: the same attempt gets through when the walls are off."""
    mp = tmp_path / "mnt-control"
    mp.mkdir()
    outside = tmp_path / "outside-secret.txt"
    outside.write_text("x\n")
    rc, err = _serve_selftest(source.path, mp, {
        "CLAUDE_SEEDFS_SELFTEST": "open",
        "CLAUDE_SEEDFS_SELFTEST_PATH": str(outside),
        "CLAUDE_SEEDFS_NO_CONFINE": "1"})
    assert f"selftest: open {outside}: ok" in err, err


@needs_selftest
def test_exec_kills_the_daemon(source, tmp_path):
    mp = tmp_path / "mnt-exec"
    mp.mkdir()
    rc, err = _serve_selftest(source.path, mp, {"CLAUDE_SEEDFS_SELFTEST": "exec"})
    _skip_if_sanitizer_build(err)
    assert "selftest: exec /bin/true" in err, err
    assert rc == -signal.SIGSYS, (rc, err)
    assert "exec:" not in err.replace("exec /bin/true", ""), err


@needs_selftest
def test_unshare_is_allowed_for_clone_fs_only(source, tmp_path):
    """The watcher thread's unshare(CLONE_FS) gets through; a namespace
    (CLONE_NEWUSER) kills the daemon before it is made."""
    mp = tmp_path / "mnt-unshare"
    mp.mkdir()
    rc, err = _serve_selftest(source.path, mp, {"CLAUDE_SEEDFS_SELFTEST": "unshare"})
    _skip_if_sanitizer_build(err)
    assert "selftest: unshare CLONE_FS: ok" in err, err
    assert "selftest: unshare CLONE_NEWUSER\n" in err, err
    assert "CLONE_NEWUSER:" not in err, err
    assert rc == -signal.SIGSYS, (rc, err)


@needs_selftest
def test_unshare_a_namespace_runs_without_confinement(source, tmp_path):
    """The control: unconfined, the CLONE_NEWUSER call returns (with
    whatever the kernel says) and the daemon lives on."""
    mp = tmp_path / "mnt-unshare-control"
    mp.mkdir()
    rc, err = _serve_selftest(source.path, mp, {"CLAUDE_SEEDFS_SELFTEST": "unshare",
                                                 "CLAUDE_SEEDFS_NO_CONFINE": "1"})
    assert "selftest: unshare CLONE_NEWUSER: " in err, err
    assert rc == 0, (rc, err)


@needs_selftest
def test_exec_runs_without_confinement(source, tmp_path):
    """The control: unconfined, the exec happens (the daemon becomes
    /bin/true and exits 0)."""
    mp = tmp_path / "mnt-exec-control"
    mp.mkdir()
    rc, err = _serve_selftest(source.path, mp, {"CLAUDE_SEEDFS_SELFTEST": "exec",
                                                 "CLAUDE_SEEDFS_NO_CONFINE": "1"})
    assert "selftest: exec /bin/true" in err, err
    assert rc == 0, (rc, err)


def test_non_root_view_is_confined_and_sigterm_unmounts(tmp_path):
    """As an ordinary user a confined daemon can neither umount nor exec:
    its unmount helper (forked before confinement) runs fusermount3."""
    import pwd
    import shutil
    import stat as st_
    if not shutil.which("setpriv") or not shutil.which("fusermount3"):
        pytest.skip("needs setpriv and fusermount3")
    # A wrapper in a root-only directory (tests/faults, tests/valgrind)
    # cannot be run by another user.
    p = os.path.abspath(U.BIN)
    while p != "/":
        if not os.stat(p).st_mode & 0o001:
            pytest.skip(f"{U.BIN} is not reachable by other users")
        p = os.path.dirname(p)
    import tempfile
    from pathlib import Path
    nobody = pwd.getpwnam("nobody")
    # pytest's tmp_path is root's alone: the user needs a path it can walk.
    base = Path(tempfile.mkdtemp(prefix="seedfs-user.", dir="/tmp"))
    os.chmod(base, 0o755)
    for d in ("src/skills/a", "mnt", "xdg"):
        (base / d).mkdir(parents=True)
    (base / "src/CLAUDE.md").write_text("hi\n")
    (base / "src/.credentials.json").write_text("secret\n")
    for root, dirs, files in os.walk(base):
        for n in dirs + files + [""]:
            os.chown(os.path.join(root, n), nobody.pw_uid, nobody.pw_gid)
    os.chmod(base / "xdg", 0o700)
    fuse_mode = os.stat("/dev/fuse").st_mode
    os.chmod("/dev/fuse", 0o666)  # Debian's default; this container has 0600
    env = U.cli_env({"XDG_RUNTIME_DIR": str(base / "xdg"), "HOME": str(base)})
    asuser = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
              "--clear-groups", "--"]
    try:
        r = subprocess.run(asuser + [U.BIN, "mount", str(base / "src"), str(base / "mnt")],
                           env=env, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r
        r = subprocess.run(asuser + [U.BIN, "status", str(base / "mnt")], env=env,
                           capture_output=True, text=True, timeout=30)
        assert "state:   running" in r.stdout, r
        confined = [l for l in r.stdout.splitlines() if "confined:" in l]
        assert confined and "seccomp" in confined[0] or "sanitizer" in confined[0], r
        # Without allow_other only the user may look, not even root.
        r = subprocess.run(asuser + ["ls", "-A", str(base / "mnt")], env=env,
                           capture_output=True, text=True, timeout=30)
        assert r.stdout.split() == ["CLAUDE.md", "skills"], r
        pids = U.daemon_pids(base / "mnt")
        assert len(pids) == 1, pids
        os.kill(pids[0], signal.SIGTERM)
        assert U.wait_pid_gone(pids[0], 5.0)
        U.wait_for(lambda: not U.is_mounted(base / "mnt"), timeout=5.0,
                   what="the user's view to be unmounted after SIGTERM")
        assert os.listdir(base / "xdg" / "claude-seedfs") == []
    finally:
        os.chmod("/dev/fuse", st_.S_IMODE(fuse_mode))
        if U.is_mounted(base / "mnt"):
            U.force_unmount(base / "mnt")
        shutil.rmtree(base, ignore_errors=True)
