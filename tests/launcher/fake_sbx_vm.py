"""fake_sbx_vm.py — a microVM backend for the stand-in sbx (fake_sbx.py).

Owns one job: make a stand-in sandbox *be* a QEMU guest (tests/vm/vm.py),
so that `sbx exec` / `sbx run` run across a real virtiofs boundary instead
of in bubblewrap. Selected with SBX_FAKE_BACKEND=vm; fake_sbx.py calls:

    exec_in(state, name, sb, user, workdir, env, cmd) -> exit status
        starts the sandbox's guest if it is not running (like sbx, a
        sandbox starts on exec/run), then runs cmd in it
    stop(state, name)
        stops the guest (sbx stop, sbx rm); a later exec boots a new one

Each running sandbox has a holder process (this file run as a script:
`fake_sbx_vm.py hold STATE NAME`, in its own session) that boots the guest
and keeps it until SIGTERM; it writes <state>/sandboxes/<name>/vm.json
({"pid", "port", "cache", "boot_seconds"}) once the guest answers.

The guest, like the bubblewrap sandbox: every workspace path at its own
absolute path (read-only for PATH:ro), the sandbox's home at /home/agent,
the host's /usr read-only (with /lib, /lib64 pointing into it and the
host's ld.so.cache), the sandbox's /etc/passwd and /etc/group, the agent as
uid 1000 (root with -u root), a cleared environment (HOME, PATH, USER,
LANG, SBX_FAKE_ENV_*, -e). Mounts made inside a workspace after the guest
booted are not seen by it (virtiofsd copies the mount namespace when it
starts), as with the real sbx. Not carried over: SBX_FAKE_HIDE_NESTED and
interactive stdin (commands get /dev/null).

Environment: SBX_FAKE_VM_CACHE  virtiofsd cache mode (default always, as
sbx enables caching by default), SBX_FAKE_VM_MEM (MiB, default 1024),
SBX_FAKE_VM_CPUS (default 2).
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE.parent / "vm"))
import vm  # noqa: E402

BOOT_TIMEOUT = 180


def _sb_dir(state, name):
    return Path(state) / "sandboxes" / name


def _info_path(state, name):
    return _sb_dir(state, name) / "vm.json"


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
        return data[data.rindex(b")") + 2:data.rindex(b")") + 3] not in (b"Z", b"X")
    except OSError:
        return False


def _running(state, name):
    """vm.json's content when its holder is alive, else None."""
    try:
        info = json.loads(_info_path(state, name).read_text())
    except (OSError, ValueError):
        return None
    return info if _alive(int(info["pid"])) else None


def guest_layout(state, name, sb):
    """(shares as (host, guest) pairs, read-only shares, extra files)."""
    d = _sb_dir(state, name)
    shares = [(str(d / "home"), "/home/agent")]
    if sb.get("share_skills"):
        shares.append((str(Path(state) / "skills-store"), "/home/agent/.claude/skills"))
    ro = ["/usr"]
    img = os.environ.get("SBX_FAKE_IMAGE_BIN")
    if img:
        ro.append((img, "/opt/image/bin"))
    for m in sb["mounts"]:
        (ro if m["ro"] else shares).append((m["path"], m["path"]))
    files = {
        "/etc/passwd": (d / "etc" / "passwd").read_bytes(),
        "/etc/group": (d / "etc" / "group").read_bytes(),
    }
    for top in ("lib", "lib64", "lib32", "libx32"):
        p = "/" + top
        if os.path.islink(p):
            files[p] = ("symlink", os.readlink(p))
        elif os.path.isdir(p):
            ro.append(p)
    for e in ("ld.so.cache", "nsswitch.conf", "hosts", "localtime"):
        p = "/etc/" + e
        if os.path.isfile(p):
            files[p] = Path(p).read_bytes()
    files["/etc/resolv.conf"] = "nameserver 10.0.2.3\n"
    return shares, ro, files


def hold(state, name):
    """The holder: boot the guest, publish vm.json, keep it until SIGTERM."""
    st = json.loads((Path(state) / "state.json").read_text())
    sb = st["sandboxes"][name]
    shares, ro, files = guest_layout(state, name, sb)
    # bubblewrap maps the agent onto the caller; in a guest uid 1000 is
    # real: give it its home (and the shared skills store).
    for host, _ in shares[:2 if sb.get("share_skills") else 1]:
        for dirpath, dirnames, filenames in os.walk(host):
            for n in [dirpath] + [os.path.join(dirpath, x) for x in dirnames + filenames]:
                os.lchown(n, vm.USER_UID, vm.USER_UID)
    cache = os.environ.get("SBX_FAKE_VM_CACHE", "always")
    log = _sb_dir(state, name) / "vm.log"
    try:
        g = vm.boot(shares, cache=cache, ro_shares=ro, files=files,
                    mem=int(os.environ.get("SBX_FAKE_VM_MEM", "1024")),
                    cpus=int(os.environ.get("SBX_FAKE_VM_CPUS", "2")))
    except (vm.Unavailable, OSError, ValueError) as e:
        log.write_text(f"boot failed: {e}\n")
        return 1
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    try:
        info = {"pid": os.getpid(), "port": g.port, "cache": cache,
                "boot_seconds": round(g.boot_seconds, 2), "console": str(g.console)}
        tmp = _info_path(state, name).with_suffix(".tmp")
        tmp.write_text(json.dumps(info))
        os.replace(tmp, _info_path(state, name))
        while not stopping and g.qemu.poll() is None:
            time.sleep(0.2)
        if not stopping:
            log.write_text(f"qemu exited ({g.qemu.returncode}):\n{g.console_text()[-3000:]}")
    finally:
        try:
            _info_path(state, name).unlink()
        except FileNotFoundError:
            pass
        g.stop()
    return 0


def start(state, name):
    """The running guest's vm.json, booting it first when needed."""
    info = _running(state, name)
    if info:
        return info
    try:
        _info_path(state, name).unlink()
    except FileNotFoundError:
        pass
    log = _sb_dir(state, name) / "vm.log"
    with open(os.devnull, "rb") as null, open(log, "wb") as out:
        p = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "hold",
                              str(state), name],
                             stdin=null, stdout=out, stderr=out, start_new_session=True,
                             close_fds=True)
    deadline = time.monotonic() + BOOT_TIMEOUT
    while time.monotonic() < deadline:
        info = _running(state, name)
        if info:
            return info
        if p.poll() is not None:
            break
        time.sleep(0.1)
    if p.poll() is None:
        p.terminate()
    raise RuntimeError(f"the sandbox's guest did not start: {log.read_text()[-2000:]}")


def exec_in(state, name, sb, user, workdir, env, cmd):
    """Run cmd in the sandbox's guest; its exit status (125: not started)."""
    try:
        info = start(state, name)
    except RuntimeError as e:
        sys.stderr.write(f"ERROR: {e}\n")
        return 125
    root = user == "root"
    path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
    if os.environ.get("SBX_FAKE_IMAGE_BIN"):
        path = "/opt/image/bin:" + path
    genv = {"HOME": "/home/agent", "PATH": path, "USER": "root" if root else "agent",
            "LANG": "C.UTF-8"}
    for k, v in os.environ.items():
        if k.startswith("SBX_FAKE_ENV_"):
            genv[k[len("SBX_FAKE_ENV_"):]] = v
    for kv in env:
        k, _, v = kv.partition("=")
        genv[k] = v
    g = vm.attach(info["port"])
    try:
        st = g.spawn(cmd, user="root" if root else vm.USER_UID, env=genv,
                     cwd=workdir or sb["mounts"][0]["path"])
    except OSError as e:
        sys.stderr.write(f"ERROR: the sandbox's guest does not answer: {e}\n")
        return 125
    try:
        while True:
            t, data = st.frame()
            if t == "o":
                sys.stdout.buffer.write(data)
                sys.stdout.buffer.flush()
            elif t == "e":
                sys.stderr.buffer.write(data)
                sys.stderr.buffer.flush()
            elif t == "f":
                sys.stderr.write(data.decode("utf-8", "replace") + "\n")
                return 127 if b"exec" in data[:5] else 126
            elif t == "x":
                return int(data.split()[0])
    except ConnectionError as e:
        sys.stderr.write(f"ERROR: lost the sandbox's guest: {e}\n")
        return 125
    finally:
        st.close()


def stop(state, name):
    """Stop the sandbox's guest (if running) and wait for it to go."""
    info = _running(state, name)
    if not info:
        return
    pid = int(info["pid"])
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 20
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "hold":
        sys.exit(hold(sys.argv[2], sys.argv[3]))
    sys.stderr.write("usage: fake_sbx_vm.py hold STATE NAME (started by fake_sbx.py)\n")
    sys.exit(2)
