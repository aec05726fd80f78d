"""Fixtures for the claude-seedfs integration tests (real FUSE mounts, root).

Environment:
  SEEDFS_BIN                   the claude-seedfs binary
                               (default: <repo>/build/src/fs/claude-seedfs)
  CLAUDE_SEEDFS_DEFAULT_RULES  the default rule file (default: <repo>/rules/default.yaml)
"""

import os
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

import seedfs_util as U

DEFAULT_TEST_LIMIT = 60.0  # seconds; a test that mounts and runs longer is aborted


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "limit(seconds): watchdog limit for a test that mounts (default 60)")


@pytest.fixture(scope="session", autouse=True)
def _environment(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip("the integration tests mount FUSE for real and must run as root")
    if not os.path.exists("/dev/fuse"):
        pytest.skip("/dev/fuse is missing")
    if not (os.path.isfile(U.BIN) and os.access(U.BIN, os.X_OK)):
        pytest.fail(f"claude-seedfs binary not found or not executable: {U.BIN} "
                    "(set SEEDFS_BIN)", pytrace=False)
    if not os.path.isfile(U.DEFAULT_RULES):
        pytest.fail(f"default rules not found: {U.DEFAULT_RULES} "
                    "(set CLAUDE_SEEDFS_DEFAULT_RULES)", pytrace=False)
    base = tmp_path_factory.getbasetemp()
    san = base / "sanitizer"
    san.mkdir(exist_ok=True)
    U.SANITIZER_DIR = os.fspath(san)
    yield
    # Safety net: nothing of ours may outlive the session.
    leftovers = []
    for pid in U.daemon_pids(under=base):
        leftovers.append(pid)
        U.kill_quietly(pid)
    realbase = os.path.realpath(base) + "/"
    for m in reversed(U.mountinfo()):
        if m["mountpoint"].startswith(realbase):
            leftovers.append(m["mountpoint"])
            U.force_unmount(m["mountpoint"])
    if leftovers:
        # Not raised: a session-scope error would hide the real results.
        print(f"\nWARNING: cleaned up leftovers after the session: {leftovers}")


@pytest.fixture(autouse=True)
def _no_sanitizer_reports():
    """Fails a test during which any process we started (CLI or daemon, also
    detached) wrote an ASan/UBSan report. Torn down after the mounts."""
    before = set(U.sanitizer_reports())
    yield
    new = {k: v for k, v in U.sanitizer_reports().items() if k not in before}
    if new:
        text = "\n".join(f"--- {k}\n{v[:4000]}" for k, v in sorted(new.items()))
        pytest.fail(f"sanitizer reports:\n{text}", pytrace=False)


@pytest.fixture
def source(tmp_path):
    """A realistic ~/.claude under tmp_path/home/.claude (see U.build_sample)."""
    return U.build_sample(tmp_path / "home")


@pytest.fixture
def outside(tmp_path):
    """A directory outside SOURCE holding secrets."""
    d = tmp_path / "outside"
    d.mkdir()
    U.write(d / "secret.txt", U.SECRET_MARK + b":outside secret\n")
    U.write(d / "SKILL.md", U.SECRET_MARK + b":outside skill\n")
    return d


class _Mounter:
    def __init__(self, tmp_path, limit):
        self.tmp_path = tmp_path
        self.views = []       # View objects (also failed attempts, for cleanup)
        self.n = 0
        self.fired = False
        self.limit = limit
        self.timer = threading.Timer(limit, self._watchdog)
        self.timer.daemon = True
        self.timer.start()

    def _watchdog(self):
        # Killing the daemon aborts the FUSE connection, which unblocks any
        # syscall of the test stuck on the mount (it then fails with ENOTCONN).
        self.fired = True
        for v in list(self.views):
            for pid in set(U.daemon_pids(v.mp)) | ({v.pid} if v.pid else set()):
                U.kill_quietly(pid)

    def new_mountpoint(self, name=None):
        self.n += 1
        mp = self.tmp_path / (name or f"mnt{self.n}")
        mp.mkdir(parents=True, exist_ok=True)
        return mp

    def __call__(self, source=None, mp=None, rules=(), with_=(), follow=(), options=None,
                 extra=(), foreground=False, env=None, preexec_fn=None, expect_ok=True,
                 timeout=20, no_source=False):
        if mp is None:
            mp = self.new_mountpoint()
        mp = os.fspath(mp)
        args = ["mount"]
        for r in rules:
            args += ["--rules", os.fspath(r)]
        for g in with_:
            args += ["--with", g]
        for d in follow:
            args += ["--follow", os.fspath(d)]
        if foreground:
            args.append("-f")
        if options:
            args += ["-o", options]
        args += [os.fspath(a) for a in extra]
        if source is not None and not no_source:
            args.append(os.fspath(source))
        args.append(mp)
        view = U.View(mp, source, [U.BIN] + args)
        self.views.append(view)
        if not foreground:
            r = U.run(args, timeout=timeout, env=env, preexec_fn=preexec_fn)
            pids = U.daemon_pids(mp)
            view.pid = pids[0] if len(pids) == 1 else None
            if not expect_ok:
                return r
            assert r.returncode == 0, f"mount failed: {r!r}"
            assert U.seedfs_mounts_at(mp), f"mount exited 0 but {mp} is not a {U.FSTYPE} mount"
            assert len(pids) == 1, f"expected exactly one daemon for {mp}, found {pids}"
            # Contract: 'returns only when the mount answers' - no polling here.
            os.stat(mp)
            return view
        errf = tempfile.NamedTemporaryFile(prefix="seedfs-stderr-", suffix=".log",
                                           dir=self.tmp_path, delete=False)
        view.stderr_path = errf.name
        proc = subprocess.Popen(view.argv, stdin=subprocess.DEVNULL, stdout=errf,
                                stderr=errf, env=env if env is not None else U.cli_env(),
                                preexec_fn=preexec_fn, close_fds=True)
        errf.close()
        view.proc = proc
        view.pid = proc.pid
        if not expect_ok:
            try:
                rc = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                return None
            return U.Result(view.argv, rc, "", view.stderr_text())

        def ready():
            if proc.poll() is not None:
                raise AssertionError(f"foreground daemon exited rc={proc.returncode}: "
                                     f"{view.stderr_text()}")
            return view.answers()
        U.wait_for(ready, timeout=timeout, interval=0.01, what=f"foreground mount at {mp}")
        return view

    def cleanup(self):
        self.timer.cancel()
        problems = []
        for v in reversed(self.views):
            pids = set(U.daemon_pids(v.mp))
            if v.pid:
                pids.add(v.pid)
            healthy = v.answers()
            for _ in range(6):
                if not U.mounts_at(v.mp) or not U.fuse_mounts_at(v.mp):
                    break
                r = U.run(["umount", v.mp], timeout=15)
                if healthy and r.returncode != 0:
                    problems.append(f"`claude-seedfs umount {v.mp}` failed in teardown: {r!r}")
                if U.fuse_mounts_at(v.mp):
                    U.force_unmount(v.mp)
                healthy = False
            if U.fuse_mounts_at(v.mp):
                problems.append(f"{v.mp} still mounted after teardown")
            for pid in pids:
                if not U.wait_pid_gone(pid, 5.0):
                    problems.append(f"daemon pid {pid} for {v.mp} still alive 5 s after "
                                    "unmount; killed")
                    U.kill_quietly(pid)
                    U.wait_pid_gone(pid, 5.0)
            if v.proc is not None:
                try:
                    v.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    v.proc.kill()
                    v.proc.wait(timeout=5)
        if self.fired:
            problems.insert(0, f"watchdog fired after {self.limit}s: daemons were killed "
                               "to unblock the test")
        return problems


@pytest.fixture
def mount(tmp_path, request):
    """Factory: mount(source, mp=None, rules=(), with_=(), follow=(), options=None,
    extra=(), foreground=False, env=None, preexec_fn=None, expect_ok=True) -> View.

    With expect_ok=False it returns the Result (or the foreground Result). Every
    mountpoint is unmounted in teardown (claude-seedfs umount, then
    fusermount3 -uz) and every daemon is reaped."""
    marker = request.node.get_closest_marker("limit")
    limit = float(marker.args[0]) if marker else DEFAULT_TEST_LIMIT
    m = _Mounter(tmp_path, limit)
    yield m
    problems = m.cleanup()
    if problems:
        pytest.fail("teardown: " + "; ".join(problems), pytrace=False)


@pytest.fixture
def view(source, mount):
    """The sample source mounted with the default rules."""
    return mount(source)


@pytest.fixture
def cli():
    """Runs the claude-seedfs CLI: cli('status', '--json') -> Result."""
    def _run(*args, timeout=30, env=None):
        return U.run(list(args), timeout=timeout, env=env)
    return _run
