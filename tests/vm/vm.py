"""vm.py — a QEMU microVM test guest that sees host directories via virtiofs.

Owns one job: boot a throw-away guest (Debian's kernel from fetch_kernel.py,
a busybox-static initramfs, TCG unless KVM is asked for and works) in which
each given host directory is mounted at the same absolute path through its
own virtiofsd, and run commands in it through the guest agent
(guest_agent.c) reached on a host loopback port (QEMU user networking,
hostfwd; the guest reaches host loopback services as 10.0.2.2).

    g = boot(["/work/ws"], cache="auto")
    r = g.exec(["cat", "/work/ws/.claude-seed/CLAUDE.md"], user=1000)
    r.returncode, r.stdout, r.stderr
    g.stop()

Standard library only. Nothing here goes through a shell; every wait is
bounded. unavailable() says why a guest cannot be booted on this host.
"""

import hashlib
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE))
import fetch_kernel  # noqa: E402

QEMU = os.environ.get("SEEDFS_VM_QEMU", "qemu-system-x86_64")
VIRTIOFSD = os.environ.get("SEEDFS_VM_VIRTIOFSD", "/usr/lib/qemu/virtiofsd")
BUSYBOX = os.environ.get("SEEDFS_VM_BUSYBOX", "/bin/busybox")
CACHE_MODES = ("none", "auto", "always")
AGENT_PORT = 7000
USER_UID = 1000

# In load order; each is a module in Debian's 6.1 kernel (checked against
# its config: CONFIG_VIRTIO=m ... CONFIG_VIRTIO_FS=m). The serial console
# (8250) and unix/inet sockets are built in.
MODULES = [
    "kernel/drivers/virtio/virtio_ring",
    "kernel/drivers/virtio/virtio",
    "kernel/drivers/virtio/virtio_pci_legacy_dev",
    "kernel/drivers/virtio/virtio_pci_modern_dev",
    "kernel/drivers/virtio/virtio_pci",
    "kernel/net/core/failover",
    "kernel/drivers/net/net_failover",
    "kernel/drivers/net/virtio_net",
    "kernel/fs/fuse/fuse",
    "kernel/fs/fuse/virtiofs",
]

INIT = r"""#!/bin/busybox sh
# /init of the claude-seedfs test guest (written by tests/vm/vm.py).
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mkdir -p /proc /sys /dev /tmp /run /root /home/user
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
chown 1000:1000 /home/user
for m in $(cat /etc/vm-modules); do
	insmod "/modules/$m.ko" || echo "init: insmod $m failed"
done
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
while read -r tag mode path; do
	[ -n "$tag" ] || continue
	mkdir -p "$path"
	mount -t virtiofs -o "$mode" "$tag" "$path" || echo "init: mount $tag at $path failed"
done < /etc/vm-shares
echo "init: shares mounted"
# The agent is PID 1 from here on: it ignores SIGCHLD, so the kernel reaps
# every orphan.
exec /bin/guest_agent 7000
"""

PASSWD = "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n"
GROUP = "root:x:0:\nuser:x:1000:\n"


class Unavailable(Exception):
    pass


class Stalled(Unavailable):
    """The guest started but never answered: kept logs are in .kept."""
    def __init__(self, msg, kept=None):
        super().__init__(msg)
        self.kept = kept


def work_dir():
    d = fetch_kernel.cache_root()
    d.mkdir(parents=True, exist_ok=True)
    return d


def kernel_dir():
    d = os.environ.get("SEEDFS_VM_KERNEL_DIR")
    if d:
        return Path(d) if (Path(d) / "ready").exists() else None
    return fetch_kernel.find_cached()


def unavailable():
    """None when a guest can boot here, else the reason (one line)."""
    if not shutil.which(QEMU):
        return f"{QEMU} not found (Debian package qemu-system-x86)"
    if not os.access(VIRTIOFSD, os.X_OK):
        return f"{VIRTIOFSD} not found (Debian package qemu-system-common)"
    if not os.access(BUSYBOX, os.X_OK):
        return f"{BUSYBOX} not found (Debian package busybox-static)"
    for tool in ("cpio", "gcc"):
        if not shutil.which(tool):
            return f"{tool} not found"
    if os.geteuid() != 0:
        return "not root (virtiofsd needs it)"
    if kernel_dir() is None:
        return ("no guest kernel cached in "
                f"{fetch_kernel.cache_root()} (run tests/vm/fetch_kernel.py)")
    return None


def _build_static(name):
    """Compile tests/vm/<name>.c statically; cached by source hash."""
    src = _HERE / f"{name}.c"
    h = hashlib.sha256(src.read_bytes()).hexdigest()[:16]
    out = work_dir() / f"{name}-{h}"
    if not out.exists():
        tmp = out.with_suffix(".tmp%d" % os.getpid())
        r = subprocess.run(["gcc", "-std=gnu11", "-O2", "-Wall", "-Wextra",
                            "-Werror", "-static", "-o", str(tmp), str(src)],
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise Unavailable(f"gcc {src}: {r.stderr.strip()}")
        os.rename(tmp, out)
    return out


def _cpio(root, out):
    """A newc archive of directory root (sorted, owner root) into out."""
    names = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        if rel != ".":
            names.append(rel)
        for f in sorted(filenames):
            names.append(os.path.normpath(os.path.join(rel, f)))
    with open(out, "wb") as f:
        r = subprocess.run(["cpio", "-o", "-H", "newc", "-R", "0:0", "--quiet"],
                           input="\n".join(names).encode() + b"\n", stdout=f,
                           stderr=subprocess.PIPE, cwd=root, timeout=120)
    if r.returncode != 0:
        raise Unavailable(f"cpio: {r.stderr.decode(errors='replace').strip()}")


def base_initramfs(kdir):
    """busybox, the modules, the agent and /init; cached by content."""
    agent = _build_static("guest_agent")
    watch = _build_static("guest_watch")
    key = hashlib.sha256()
    for part in (str(kdir), INIT, "\n".join(MODULES), agent.name, watch.name,
                 str(os.stat(BUSYBOX).st_mtime_ns)):
        key.update(part.encode() + b"\0")
    out = work_dir() / f"initramfs-{key.hexdigest()[:16]}.cpio"
    if out.exists():
        return out
    with tempfile.TemporaryDirectory(dir=work_dir(), prefix=".initramfs-") as t:
        t = Path(t)
        for d in ("bin", "sbin", "etc", "proc", "sys", "dev", "tmp", "root",
                  "modules"):
            (t / d).mkdir(parents=True, exist_ok=True)
        shutil.copy2(BUSYBOX, t / "bin" / "busybox")
        shutil.copy2(agent, t / "bin" / "guest_agent")
        shutil.copy2(watch, t / "bin" / "guest_watch")
        for m in MODULES:
            dst = t / "modules" / f"{m}.ko"
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(kdir / "modules" / f"{m}.ko", dst)
        (t / "etc" / "vm-modules").write_text("\n".join(MODULES) + "\n")
        (t / "etc" / "passwd").write_text(PASSWD)
        (t / "etc" / "group").write_text(GROUP)
        (t / "init").write_text(INIT)
        os.chmod(t / "init", 0o755)
        tmp = out.with_suffix(".tmp%d" % os.getpid())
        _cpio(t, tmp)
        os.rename(tmp, out)
    return out


def _die_with_parent():
    """preexec_fn: SIGKILL this child when the Python process dies, so a
    killed test run leaves no qemu or virtiofsd behind."""
    import ctypes
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Result:
    def __init__(self, argv, returncode, stdout, stderr, killed=False):
        self.argv = argv
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.killed = killed

    @property
    def out(self):
        return self.stdout.decode("utf-8", "surrogateescape")

    @property
    def err(self):
        return self.stderr.decode("utf-8", "surrogateescape")

    def __repr__(self):
        return (f"Result(rc={self.returncode}, argv={self.argv!r},\n"
                f"  stdout={self.stdout[:2000]!r},\n  stderr={self.stderr[:2000]!r})")


class GuestError(Exception):
    """The agent could not start the command (the reason from the guest)."""


def _uid_gid(user):
    if user in (None, "root", 0):
        return 0, 0
    if user in ("user", USER_UID):
        return USER_UID, USER_UID
    if isinstance(user, int):
        return user, user
    raise ValueError(f"user must be root, user, or a uid: {user!r}")


def _request(argv, user, env, cwd, timeout):
    uid, gid = _uid_gid(user)
    if env is None:
        env = {"PATH": "/bin:/sbin:/usr/bin:/usr/sbin",
               "HOME": "/root" if uid == 0 else "/home/user"}
    strings = ["seedfs-vm-1", str(uid), str(gid), cwd or "/",
               str(timeout or 0), str(len(env))]
    strings += [f"{k}={v}" for k, v in env.items()]
    strings += [os.fspath(a) for a in argv]
    blob = [struct.pack(">I", len(strings))]
    for s in strings:
        b = s.encode("utf-8", "surrogateescape") if isinstance(s, str) else s
        if b"\0" in b:
            raise ValueError(f"NUL byte in {s!r}")
        blob.append(struct.pack(">I", len(b)) + b)
    return b"".join(blob)


class Stream:
    """A running guest command whose frames are read as they come."""

    def __init__(self, sock, argv):
        self.sock = sock
        self.argv = argv
        self._buf = b""

    def _recv_exact(self, n):
        while len(self._buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"guest agent closed the connection ({self.argv!r})")
            self._buf += chunk
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def frame(self):
        """(type, bytes); type is 'o', 'e', 'x' or 'f'."""
        hdr = self._recv_exact(5)
        (n,) = struct.unpack(">I", hdr[1:])
        return chr(hdr[0]), self._recv_exact(n)

    def lines(self):
        """Yield (host monotonic time, stdout line) as lines arrive."""
        pending = b""
        while True:
            t, data = self.frame()
            if t == "o":
                pending += data
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    yield time.monotonic(), line.decode("utf-8", "replace")
            elif t in ("x", "f"):
                return

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Guest:
    def __init__(self, shares, cache, mem, cpus, accel, ro_shares=(), files=None):
        # (host path, guest path, "rw" | "ro"): a share is a host path,
        # mounted at the same path, or a (host path, guest path) pair
        def norm(p, mode):
            if isinstance(p, (str, os.PathLike)):
                host = os.path.realpath(os.fspath(p))
                return host, host, mode
            host, guest = p
            return os.path.realpath(os.fspath(host)), os.path.normpath(os.fspath(guest)), mode
        self.mounts = [norm(p, "rw") for p in shares] + [norm(p, "ro") for p in ro_shares]
        self.shares = [h for h, _, _ in self.mounts]
        self.files = dict(files or {})
        self.cache = cache
        self.mem = mem
        self.cpus = cpus
        self.accel = accel
        self.dir = Path(tempfile.mkdtemp(prefix="seedfs-vm-"))
        self.console = self.dir / "console.log"
        self.port = None
        self.qemu = None
        self.virtiofsds = []
        self.boot_seconds = None
        self.retried = None

    # -- lifecycle ---------------------------------------------------------
    def _start(self, timeout):
        kdir = kernel_dir()
        if kdir is None:
            raise Unavailable(unavailable() or "no kernel")
        base = base_initramfs(kdir)
        # A second newc archive appended to the first: this guest's shares.
        extra = self.dir / "extra"
        (extra / "etc").mkdir(parents=True)
        lines = [f"fs{i} {mode} {gp}" for i, (_, gp, mode) in enumerate(self.mounts)]
        for _, p, _ in self.mounts:
            if "\n" in p or not p.startswith("/"):
                raise ValueError(f"guest share path not absolute or with a newline: {p!r}")
        (extra / "etc" / "vm-shares").write_text("\n".join(lines) + "\n")
        for gpath, content in self.files.items():
            rel = os.path.normpath(gpath).lstrip("/")
            if not rel or rel.startswith(".."):
                raise ValueError(f"guest file path: {gpath!r}")
            dst = extra / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, tuple) and content[0] == "symlink":
                os.symlink(content[1], dst)
            elif isinstance(content, tuple) and content[0] == "dir":
                dst.mkdir(exist_ok=True)
            elif isinstance(content, tuple) and content[0] == "exec":
                dst.write_bytes(content[1])
                os.chmod(dst, 0o755)
            else:
                dst.write_bytes(content if isinstance(content, bytes) else content.encode())
        _cpio(extra, self.dir / "extra.cpio")
        initrd = self.dir / "initrd.cpio"
        with open(initrd, "wb") as out:
            for part in (base, self.dir / "extra.cpio"):
                with open(part, "rb") as f:
                    shutil.copyfileobj(f, out)

        start = time.monotonic()
        for i, path in enumerate(self.shares):
            sock = self.dir / f"fs{i}.sock"
            log = open(self.dir / f"virtiofsd{i}.log", "wb")
            p = subprocess.Popen(
                [VIRTIOFSD, f"--socket-path={sock}", "-o", f"source={path}",
                 "-o", f"cache={self.cache}", "-o", "log_level=warn"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                preexec_fn=_die_with_parent)
            log.close()
            self.virtiofsds.append(p)
            deadline = time.monotonic() + 10
            while not sock.exists():
                if p.poll() is not None or time.monotonic() > deadline:
                    raise Unavailable(f"virtiofsd for {path} did not start: "
                                      + self._tail(self.dir / f"virtiofsd{i}.log"))
                time.sleep(0.01)

        kernel = kdir / "vmlinux" if (kdir / "vmlinux").exists() else kdir / "vmlinuz"
        mem = f"{self.mem}M"
        self.port = _free_port()
        argv = [QEMU, "-accel", self.accel, "-cpu", "max",
                "-smp", str(self.cpus), "-m", mem,
                "-object", f"memory-backend-memfd,id=mem,size={mem},share=on",
                "-numa", "node,memdev=mem",
                "-kernel", str(kernel), "-initrd", str(initrd),
                "-append", "console=ttyS0 rdinit=/init panic=-1 quiet loglevel=4 "
                           "tsc=reliable no_timer_check",
                "-nodefaults", "-no-user-config", "-display", "none",
                "-serial", f"file:{self.console}", "-no-reboot",
                "-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{self.port}-:{AGENT_PORT}",
                "-device", "virtio-net-pci,netdev=n0"]
        for i in range(len(self.shares)):
            argv += ["-chardev", f"socket,id=fs{i},path={self.dir}/fs{i}.sock",
                     "-device", f"vhost-user-fs-pci,chardev=fs{i},tag=fs{i}"]
        qlog = open(self.dir / "qemu.log", "wb")
        self.qemu = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=qlog, stderr=qlog,
                                     preexec_fn=_die_with_parent)
        qlog.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.qemu.poll() is not None:
                raise Unavailable(f"qemu exited ({self.qemu.returncode}): "
                                  + self._tail(self.dir / "qemu.log") + " / console: "
                                  + self._tail(self.console))
            if "guest_agent: listening" in self._tail(self.console, 4096):
                try:
                    r = self.exec(["true"], timeout=10)
                    if r.returncode == 0:
                        break
                except (OSError, ConnectionError):
                    pass
            if time.monotonic() > deadline:
                kept = self._keep_logs()
                raise Stalled(f"guest did not come up in {timeout}s (logs kept in {kept}); "
                              f"console: {self._tail(self.console)!r}; virtiofsd: "
                              + " | ".join(repr(self._tail(self.dir / f"virtiofsd{i}.log", 400))
                                           for i in range(len(self.shares))), kept)
            time.sleep(0.05)
        self.boot_seconds = time.monotonic() - start
        bad = [ln for ln in self._tail(self.console, 1 << 20).splitlines()
               if ln.startswith("init:") and "failed" in ln]
        if bad:
            raise Unavailable("guest set-up failed: " + "; ".join(bad))

    @staticmethod
    def _tail(path, n=1500):
        try:
            with open(path, "rb") as f:
                f.seek(0, 2)
                size = f.tell()
                f.seek(max(0, size - n))
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def _keep_logs(self):
        """Copy this guest's logs out of its temporary directory (which
        stop() removes) so a boot that stalled can be looked at later."""
        kept = work_dir() / "stalled-boots" / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{self.dir.name}"
        kept.mkdir(parents=True, exist_ok=True)
        for f in self.dir.glob("*.log"):
            shutil.copy2(f, kept / f.name)
        (kept / "cache").write_text(self.cache + "\n")
        return kept

    def console_text(self):
        return self._tail(self.console, 1 << 20)

    def stop(self):
        if self.qemu and self.qemu.poll() is None:
            self.qemu.kill()
            try:
                self.qemu.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        for p in self.virtiofsds:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(timeout=5)
        self.virtiofsds = []
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- commands ----------------------------------------------------------
    def _connect(self, argv, user, env, cwd, timeout):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        s.settimeout(None if timeout is None else timeout + 10)
        s.sendall(_request(argv, user, env, cwd, timeout))
        return s

    def exec(self, argv, user="root", env=None, cwd="/", timeout=60, check=False):
        """Run argv in the guest; a Result with stdout/stderr as bytes.

        returncode is the exit code, or 128 + the signal that ended it.
        The guest kills the command after timeout seconds (killed=True)."""
        st = Stream(self._connect(argv, user, env, cwd, timeout), argv)
        out, err = [], []
        try:
            while True:
                t, data = st.frame()
                if t == "o":
                    out.append(data)
                elif t == "e":
                    err.append(data)
                elif t == "f":
                    raise GuestError(f"{argv!r}: {data.decode(errors='replace')}")
                elif t == "x":
                    text = data.decode()
                    r = Result(argv, int(text.split()[0]), b"".join(out),
                               b"".join(err), killed="killed" in text)
                    break
        finally:
            st.close()
        if check and r.returncode != 0:
            raise AssertionError(f"guest command failed: {r!r}")
        return r

    def spawn(self, argv, user="root", env=None, cwd="/"):
        """Start argv in the guest; a Stream (close() kills the command)."""
        return Stream(self._connect(argv, user, env, cwd, None), argv)


def attach(port):
    """A Guest for exec/spawn only, on the agent port of a guest booted
    elsewhere (tests/vm/run.py boot prints it); stop() does nothing."""
    g = Guest([], "auto", 0, 0, "tcg")
    g.port = int(port)
    shutil.rmtree(g.dir, ignore_errors=True)
    return g


def keeper_binary(seedfs_bin=None):
    """The guest keeper (claude-seedfs-keeper, statically linked) to run in
    cache=always guests: $SEEDFS_VM_KEEPER, else the one built next to
    seedfs_bin (<build>/src/keeper/), else None."""
    k = os.environ.get("SEEDFS_VM_KEEPER")
    if k:
        return Path(k) if os.access(k, os.X_OK) else None
    if seedfs_bin:
        k = Path(seedfs_bin).resolve().parent.parent / "keeper" / "claude-seedfs-keeper"
        if os.access(k, os.X_OK):
            return k
    return None


def _accel():
    """tcg, kvm, or auto (the default): KVM when it has booted a guest on
    this host before, TCG when it failed; the verdict is kept next to the
    kernel cache, keyed by the qemu binary and the kernel."""
    want = os.environ.get("SEEDFS_VM_ACCEL", "auto")
    if want not in ("tcg", "kvm", "auto"):
        raise ValueError(f"SEEDFS_VM_ACCEL must be tcg, kvm or auto, not {want!r}")
    return want


def _verdict_file():
    q = shutil.which(QEMU) or QEMU
    key = f"{os.path.realpath(q)}:{os.stat(q).st_mtime_ns}:{kernel_dir()}"
    return work_dir() / f"accel-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def _try_boot(accel, shares, cache, mem, cpus, timeout, ro_shares, files):
    """Boot once; a guest that stalls (started, never answered: seen once
    in ~40 clean runs under TCG, console empty) is booted once more, with
    the first attempt's logs kept and named in the message if that fails too."""
    first = None
    for _ in range(2):
        g = Guest(shares, cache, mem, cpus, accel, ro_shares, files)
        try:
            g._start(timeout)
        except Stalled as e:
            g.stop()
            if first is not None:
                raise Stalled(f"{e} (and a first attempt: {first})", e.kept) from None
            first = e
            sys.stderr.write(f"vm: boot stalled, retrying once: {e}\n")
            continue
        except BaseException:
            g.stop()
            raise
        if first is not None:
            g.retried = str(first)
        return g


def boot(shares, cache="auto", mem=1024, cpus=2, timeout=120, ro_shares=(), files=None):
    """Boot a guest with each path in shares mounted at the same path
    (or each (host path, guest path) pair at its guest path).

    ro_shares are mounted read-only (by the guest). files maps guest paths
    to bytes/str, ("exec", bytes) (mode 0755), ("symlink", target) or
    ("dir",): added to the initramfs
    after the base (so /etc/passwd or /lib64 can be replaced).

    cache is virtiofsd's cache mode (none, auto, always). Raises
    Unavailable with the reason when it cannot. SEEDFS_VM_ACCEL: tcg,
    kvm, or auto (default: KVM where it has worked, see _accel)."""
    if cache not in CACHE_MODES:
        raise ValueError(f"cache must be one of {CACHE_MODES}, not {cache!r}")
    why = unavailable()
    if why:
        raise Unavailable(why)
    accel = _accel()
    args = (shares, cache, mem, cpus, timeout, ro_shares, files)
    if accel != "auto":
        return _try_boot(accel, *args)
    verdict = _verdict_file()
    known = verdict.read_text().strip() if verdict.exists() else None
    if known in ("tcg", "kvm"):
        return _try_boot(known, *args)
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        verdict.write_text("tcg\n")
        return _try_boot("tcg", *args)
    try:
        g = _try_boot("kvm", shares, cache, mem, cpus, min(timeout, 30), ro_shares, files)
        verdict.write_text("kvm\n")
        return g
    except Unavailable:
        verdict.write_text("tcg\n")
        return _try_boot("tcg", *args)
