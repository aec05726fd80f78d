"""As an ordinary user, a refused mount reports the refusal's own cause
(fusermount3's message, libfuse's), not a guess."""

import os
import pwd
import shutil
import stat as st_
import subprocess
import tempfile
from pathlib import Path

import pytest

import seedfs_util as U


def fuse_conf_allows_other():
    try:
        text = Path("/etc/fuse.conf").read_text()
    except OSError:
        return False
    return any(l.strip() == "user_allow_other" for l in text.splitlines())


@pytest.fixture
def as_user():
    if not shutil.which("setpriv") or not shutil.which("fusermount3"):
        pytest.skip("needs setpriv and fusermount3")
    p = os.path.abspath(U.BIN)
    while p != "/":
        if not os.stat(p).st_mode & 0o001:
            pytest.skip(f"{U.BIN} is not reachable by other users")
        p = os.path.dirname(p)
    nobody = pwd.getpwnam("nobody")
    base = Path(tempfile.mkdtemp(prefix="seedfs-user.", dir="/tmp"))
    os.chmod(base, 0o755)
    for d in ("src/skills/a", "mnt", "xdg"):
        (base / d).mkdir(parents=True)
    (base / "src/CLAUDE.md").write_text("hi\n")
    for root, dirs, files in os.walk(base):
        for n in dirs + files + [""]:
            os.chown(os.path.join(root, n), nobody.pw_uid, nobody.pw_gid)
    os.chmod(base / "xdg", 0o700)
    fuse_mode = st_.S_IMODE(os.stat("/dev/fuse").st_mode)
    env = U.cli_env({"XDG_RUNTIME_DIR": str(base / "xdg"), "HOME": str(base)})
    prefix = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
              "--clear-groups", "--"]

    def run(*args):
        return subprocess.run(prefix + [U.BIN] + list(args), env=env,
                              capture_output=True, text=True, timeout=30)
    try:
        yield base, run
    finally:
        os.chmod("/dev/fuse", fuse_mode)
        if U.is_mounted(base / "mnt"):
            U.force_unmount(base / "mnt")
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("foreground", [False, True])
def test_allow_other_refused_names_fuse_conf(as_user, foreground):
    if fuse_conf_allows_other():
        pytest.skip("/etc/fuse.conf has user_allow_other here")
    base, run = as_user
    os.chmod("/dev/fuse", 0o666)
    args = ["mount"] + (["-f"] if foreground else []) + [
        "-o", "allow_other", str(base / "src"), str(base / "mnt")]
    r = run(*args)
    assert r.returncode != 0, r
    assert "user_allow_other" in r.stderr and "/etc/fuse.conf" in r.stderr, r
    assert "fusermount3" in r.stderr, r
    assert "is /dev/fuse usable" not in r.stderr, r
    assert not U.is_mounted(base / "mnt")
    # The same user without allow_other mounts: the refusal was that option.
    r = run("mount", str(base / "src"), str(base / "mnt"))
    assert r.returncode == 0, r
    assert run("umount", str(base / "mnt")).returncode == 0


def test_unusable_dev_fuse_is_named(as_user):
    base, run = as_user
    os.chmod("/dev/fuse", 0o600)
    r = run("mount", str(base / "src"), str(base / "mnt"))
    assert r.returncode != 0, r
    assert "/dev/fuse" in r.stderr and "Permission denied" in r.stderr, r
    assert not U.is_mounted(base / "mnt")


SCRIPT = r'''
set -u
conf=$1 uid=$2 bin=$3 src=$4 mnt=$5 opt=$6
mount --bind "$conf" /etc/fuse.conf || exit 90
asuser() { setpriv --reuid="$uid" --regid="$uid" --clear-groups -- "$@"; }
if [ -n "$opt" ]; then asuser "$bin" mount -o "$opt" "$src" "$mnt" || exit 91
else asuser "$bin" mount "$src" "$mnt" || exit 91; fi
grep " $mnt " /proc/self/mounts
# root is "a file server of another uid"
if cat "$mnt/CLAUDE.md"; then echo READ-OK; else echo READ-REFUSED; fi
asuser "$bin" umount "$mnt"
'''


@pytest.mark.parametrize("opt", ["allow_other", ""])
def test_allow_other_lets_another_uid_read(as_user, opt):
    """With user_allow_other in a fuse.conf of its own (a private mount
    namespace: the real file is never touched), the user's view mounted with
    allow_other is readable by another uid (root), with default_permissions;
    without allow_other it is refused to that uid."""
    if not shutil.which("unshare"):
        pytest.skip("needs unshare")
    base, _ = as_user
    os.chmod("/dev/fuse", 0o666)
    conf = base / "fuse.conf"
    conf.write_text("user_allow_other\n")
    nobody = pwd.getpwnam("nobody")
    env = U.cli_env({"XDG_RUNTIME_DIR": str(base / "xdg"), "HOME": str(base)})
    r = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", SCRIPT, "sh",
                        str(conf), str(nobody.pw_uid), U.BIN, str(base / "src"),
                        str(base / "mnt"), opt],
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r
    line = [l for l in r.stdout.splitlines() if str(base / "mnt") in l]
    assert line, r
    if opt:
        assert "allow_other" in line[0] and "default_permissions" in line[0], line
        assert "READ-OK" in r.stdout and "hi" in r.stdout, r
    else:
        assert "allow_other" not in line[0], line
        assert "READ-REFUSED" in r.stdout and "Permission denied" in r.stderr, r
