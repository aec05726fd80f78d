"""wrapper_plugin.py — pytest plugin for running tests/integration with
SEEDFS_BIN pointing at a wrapper script (valgrind, fault injection).

Loaded with `-p wrapper_plugin` by tests/valgrind/run.sh and
tests/faults/run.sh. The integration helpers find a view's daemon by
/proc/PID/exe == SEEDFS_BIN; with a wrapper, SEEDFS_BIN is a script and the
executable is the real binary (LD_PRELOAD) or valgrind's memcheck. This
plugin replaces seedfs_util.daemon_pids with one that accepts the real
binary (VG_REAL_BIN) and a valgrind process whose command line holds it.
Nothing else in the suite changes.
"""

import os

import seedfs_util as U

_REAL = os.path.realpath(os.environ["VG_REAL_BIN"])


def _daemon_pids(mp=None, under=None):
    realb = os.fsencode(_REAL)
    mpb = os.fsencode(os.fspath(mp)) if mp is not None else None
    underb = (os.fsencode(os.fspath(under)).rstrip(b"/") + b"/"
              if under is not None else None)
    res = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            exe = os.readlink(f"/proc/{d}/exe").removesuffix(" (deleted)")
            with open(f"/proc/{d}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if exe == _REAL:
            pass
        elif "/valgrind/" in exe and realb in argv:
            argv = argv[argv.index(realb):]
        else:
            continue
        if mpb is not None and mpb not in argv:
            continue
        if underb is not None and not any(a.startswith(underb) for a in argv):
            continue
        if U.pid_alive(int(d)):
            res.append(int(d))
    return sorted(res)


U.daemon_pids = _daemon_pids
