"""wrapper_plugin.py — pytest plugin for running tests/integration with
SEEDFS_BIN pointing at a wrapper script (valgrind, fault injection).

Loaded with `-p wrapper_plugin` by tests/valgrind/run.sh and
tests/faults/run.sh. The integration helpers find a view's daemon by
/proc/PID/exe == SEEDFS_BIN; with a wrapper, SEEDFS_BIN is a script and the
executable is the real binary (VG_REAL_BIN; LD_PRELOAD faults) or
valgrind's memcheck. seedfs_util.daemon_pids is wrapped: the original runs
with the real binary's path, and memcheck processes whose command line
holds the real binary are added (skipping the confined daemon's unmount
helper, as the original does). Nothing else in the suite changes.
"""

import os

import seedfs_util as U

_REAL = os.path.realpath(os.environ["VG_REAL_BIN"])
_orig_daemon_pids = U.daemon_pids


def _valgrind_pids(mp, under):
    realb = os.fsencode(_REAL)
    mpb = os.fsencode(os.fspath(mp)) if mp is not None else None
    underb = (os.fsencode(os.fspath(under)).rstrip(b"/") + b"/"
              if under is not None else None)
    res = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            exe = os.readlink(f"/proc/{d}/exe")
            with open(f"/proc/{d}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            with open(f"/proc/{d}/comm", "rb") as f:
                comm = f.read().strip()
        except OSError:
            continue
        if "/valgrind/" not in exe or realb not in argv or comm == b"seedfs-unmount":
            continue
        argv = argv[argv.index(realb):]
        if mpb is not None and mpb not in argv:
            continue
        if underb is not None and not any(a.startswith(underb) for a in argv):
            continue
        if U.pid_alive(int(d)):
            res.append(int(d))
    return res


def _daemon_pids(mp=None, under=None):
    saved = U.BIN
    U.BIN = _REAL
    try:
        res = set(_orig_daemon_pids(mp, under))
    finally:
        U.BIN = saved
    return sorted(res | set(_valgrind_pids(mp, under)))


U.daemon_pids = _daemon_pids
