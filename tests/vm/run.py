#!/usr/bin/env python3
"""run.py — boot the test microVM by hand and run commands in it.

Owns the command line of tests/vm/vm.py (see tests/vm/README.md):

  run.py [--share PATH]... [--cache none|auto|always] [--mem MB] [--cpus N]
         [--user root|user|UID] [--cwd DIR] [--env NAME=VALUE]... -- ARGV...
      boot a guest, run ARGV in it, print its stdout/stderr, stop the guest
      and exit with ARGV's exit status
  run.py boot [--share PATH]... [--cache ...] [--mem MB] [--cpus N]
      boot a guest and keep it until Ctrl-C / SIGTERM; prints the agent port
  run.py exec --port PORT [--user ...] [--cwd DIR] [--env ...] -- ARGV...
      run ARGV in a guest started with `run.py boot`

Needs root (virtiofsd), qemu-system-x86, qemu-system-common, busybox-static,
cpio and the kernel from tests/vm/fetch_kernel.py. Exit 77 when a guest
cannot boot here; 125 when ARGV could not be started in the guest.
"""

import argparse
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vm  # noqa: E402


def user_arg(s):
    return int(s) if s.isdigit() else s


def add_boot(ap):
    ap.add_argument("--share", action="append", default=[],
                    help="host directory, mounted in the guest at the same path")
    ap.add_argument("--cache", choices=vm.CACHE_MODES, default="auto")
    ap.add_argument("--mem", type=int, default=1024, help="MiB (>= 1024 recommended)")
    ap.add_argument("--cpus", type=int, default=2)


def add_exec(ap):
    ap.add_argument("--user", type=user_arg, default="root", help="root, user (uid 1000) or a uid")
    ap.add_argument("--cwd", default="/")
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("argv", nargs="+")


def run_in(g, a):
    env = None
    if a.env:
        env = {"PATH": "/bin:/sbin:/usr/bin:/usr/sbin"}
        for kv in a.env:
            k, sep, v = kv.partition("=")
            if not sep or not k:
                print(f"run.py: --env wants NAME=VALUE, not {kv!r}", file=sys.stderr)
                return 2
            env[k] = v
    try:
        r = g.exec(a.argv, user=a.user, env=env, cwd=a.cwd, timeout=a.timeout)
    except vm.GuestError as e:
        print(f"run.py: {e}", file=sys.stderr)
        return 125
    sys.stdout.buffer.write(r.stdout)
    sys.stderr.buffer.write(r.stderr)
    if r.killed:
        print(f"run.py: killed after {a.timeout} s", file=sys.stderr)
    return r.returncode


def main(argv):
    if argv[:1] in (["boot"], ["exec"]):
        cmd, argv = argv[0], argv[1:]
    else:
        cmd = "run"
    ap = argparse.ArgumentParser(prog=f"run.py {cmd}" if cmd != "run" else "run.py")
    if cmd in ("run", "boot"):
        add_boot(ap)
    if cmd == "exec":
        ap.add_argument("--port", type=int, required=True)
    if cmd in ("run", "exec"):
        add_exec(ap)
    a = ap.parse_args(argv)
    if cmd == "exec":
        return run_in(vm.attach(a.port), a)
    try:
        g = vm.boot(a.share, cache=a.cache, mem=a.mem, cpus=a.cpus)
    except vm.Unavailable as e:
        print(f"run.py: cannot boot a guest: {e}", file=sys.stderr)
        return 77
    try:
        if cmd == "run":
            return run_in(g, a)
        print(f"guest up in {g.boot_seconds:.1f} s (cache={a.cache}); agent on 127.0.0.1:{g.port}\n"
              f"  run:  {sys.argv[0]} exec --port {g.port} -- CMD ARGS...\n"
              f"  console log: {g.console}\n  Ctrl-C stops it.", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while g.qemu.poll() is None:
            time.sleep(1)
        print(f"run.py: qemu exited ({g.qemu.returncode})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        g.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
