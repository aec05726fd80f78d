"""test_fake_sbx_vm.py — the stand-in sbx's microVM backend, end to end.

Owns the checks of tests/launcher/fake_sbx_vm.py: a sandbox created with
the stand-in (fake_sbx.py create) runs its exec commands in a real guest
through virtiofs: the workspace at its own path with the view nested in
it, the agent as uid 1000 with its home at /home/agent (kept on the host
in the sandbox's state), a :ro path read-only, the host's /usr usable;
stop ends the guest and a later exec boots a new one.
"""

import io
import json
import os
import subprocess
import sys
from contextlib import redirect_stdout, redirect_stderr
from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE))
sys.path.insert(0, str(_HERE.parent / "integration"))
sys.path.insert(0, str(_HERE.parent / "launcher"))
import vm  # noqa: E402
import seedfs_util as U  # noqa: E402

WHY = vm.unavailable() or (None if os.path.exists("/dev/fuse") else "/dev/fuse missing")
if WHY is None and not os.access(U.BIN, os.X_OK):
    WHY = f"claude-seedfs not built: {U.BIN} (set SEEDFS_BIN)"
pytestmark = pytest.mark.skipif(WHY is not None, reason=str(WHY))

FAKE = _HERE.parent / "launcher" / "fake_sbx.py"


class Box:
    def __init__(self, state, name):
        import fake_sbx_vm
        self.b = fake_sbx_vm
        self.state, self.name = state, name

    def sb(self):
        return json.loads((self.state / "state.json").read_text())["sandboxes"][self.name]

    def exec(self, cmd, user=None, workdir=None, env=()):
        out, err = io.BytesIO(), io.BytesIO()
        o, e = io.TextIOWrapper(out), io.TextIOWrapper(err)
        with redirect_stdout(o), redirect_stderr(e):
            rc = self.b.exec_in(str(self.state), self.name, self.sb(), user, workdir,
                                list(env), cmd)
            o.flush()
            e.flush()
        return rc, out.getvalue().decode(), err.getvalue().decode()


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    base = tmp_path_factory.mktemp("fakevm")
    sample = U.build_sample(base / "home")
    ws = base / "ws"
    (ws / ".claude-seed").mkdir(parents=True)
    docs = base / "docs"
    docs.mkdir()
    (docs / "ref.txt").write_text("reference\n")
    r = U.run(["mount", os.fspath(sample.path), os.fspath(ws / ".claude-seed")])
    assert r.returncode == 0, r
    state = base / "state"
    env = dict(os.environ, SBX_FAKE_STATE=str(state))
    c = subprocess.run([sys.executable, str(FAKE), "create", "--name", "t", "claude",
                        str(ws), f"{docs}:ro"], env=env, capture_output=True, text=True,
                       timeout=30)
    assert c.returncode == 0, c
    b = Box(state, "t")
    try:
        yield b, sample, ws, docs
    finally:
        b.b.stop(str(state), "t")
        U.run(["umount", os.fspath(ws / ".claude-seed")])
        if U.is_mounted(ws / ".claude-seed"):
            U.force_unmount(ws / ".claude-seed")


def test_exec_runs_in_the_guest_across_virtiofs(box):
    b, sample, ws, docs = box
    rc, out, err = b.exec(["sh", "-c", 'id -u; echo "$HOME $USER"; pwd; '
                                       'grep -c virtiofs /proc/mounts; cat .claude-seed/CLAUDE.md'])
    assert rc == 0, err
    lines = out.splitlines()
    assert lines[0] == "1000" and lines[1] == "/home/agent agent" and lines[2] == str(ws)
    assert int(lines[3]) >= 4  # home, /usr, the workspace, the :ro path
    assert "\n".join(lines[4:]) + "\n" == sample.files["CLAUDE.md"].decode()
    rc, out, _ = b.exec(["id", "-u"], user="root")
    assert rc == 0 and out == "0\n"
    # It is the guest, not a container on the host: its PID 1 is the agent.
    rc, out, _ = b.exec(["cat", "/proc/1/comm"])
    assert rc == 0 and out == "guest_agent\n"


def test_exit_status_env_and_workdir(box):
    b, _, _, docs = box
    rc, out, err = b.exec(["sh", "-c", 'echo "$FOO"; pwd; echo oops >&2; exit 7'],
                          workdir=str(docs), env=["FOO=bar baz"])
    assert (rc, out, err) == (7, f"bar baz\n{docs}\n", "oops\n")
    rc, _, err = b.exec(["no-such-command"])
    assert rc == 127 and "No such file" in err


def test_home_persists_and_ro_path_is_read_only(box):
    b, _, _, docs = box
    rc, _, err = b.exec(["sh", "-c", "echo kept > /home/agent/note"])
    assert rc == 0, err
    assert (b.state / "sandboxes" / "t" / "home" / "note").read_text() == "kept\n"
    rc, _, err = b.exec(["sh", "-c", f'echo x > "{docs}/new"'], user="root")
    assert rc != 0 and "Read-only" in err
    assert not (docs / "new").exists()
    rc, out, _ = b.exec(["/usr/bin/python3", "-c", "print(6*7)"])
    assert rc == 0 and out == "42\n"


def test_host_claude_code_runs_in_the_guest(box):
    """The npm package's native claude (glibc only) runs from the shared /usr."""
    import shutil
    claude = shutil.which("claude", path="/usr/bin:/usr/local/bin")
    if not claude or not claude.startswith("/usr/"):
        pytest.skip("Claude Code is not installed under /usr")
    b = box[0]
    rc, out, err = b.exec([claude, "--version"])
    assert rc == 0, err
    assert "Claude Code" in out


def test_stop_then_exec_boots_a_new_guest(box):
    b, _, _, _ = box
    rc, first, _ = b.exec(["cat", "/proc/sys/kernel/random/boot_id"])
    assert rc == 0
    info = json.loads((b.state / "sandboxes" / "t" / "vm.json").read_text())
    b.b.stop(str(b.state), "t")
    assert not U.pid_alive(info["pid"])
    assert not (b.state / "sandboxes" / "t" / "vm.json").exists()
    rc, second, _ = b.exec(["cat", "/proc/sys/kernel/random/boot_id"])
    assert rc == 0 and second != first
