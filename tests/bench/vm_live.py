#!/usr/bin/env python3
"""vm_live.py — edit -> visible latency of the view inside a microVM.

Owns one benchmark: how long a change to ~/.claude on the host takes to
be seen by a process in a QEMU guest (tests/vm/vm.py) that re-reads the
path through virtiofs and the view, per virtiofsd cache mode and change
kind. Prints a table (n, seen, p50, p99, max); asserts nothing about time.

The real claude-seedfs serves a sample ~/.claude at <workspace>/.claude-seed
(mounted before the guests boot); the workspace is shared at the same path.
In the guest, guest_watch (tests/vm/guest_watch.c) re-reads the watched
paths every --interval ms and prints each change; the host timestamps each
line on arrival, so the numbers include the trip back (milliseconds).
Change kinds, --n of each:
  inplace  rewrite CLAUDE.md in place (truncate + write)
  rename   write a copy, rename it over agents/reviewer.md
  newfile  create commands/new-<i>.md (the guest polled the name before)
  newskill mkdir skills/new-<i> and write its SKILL.md
  remove   unlink commands/rm-<i>.md (present when the guest booted)
  reload   rewrite the user rules file to hide / show (in turn)
           skills/pdf/reload-target.md and run `claude-seedfs reload`
           (the reload's own time included)
A change not seen within --wait seconds counts as stale; after 3 stale
in a row the rest of that kind is skipped (cache=always never sees some).
Then the startup walk: a Claude-like start (find + stat + read every
file) in the guest through the view, against the same files copied into
the workspace, --walks times after dropping the guest's caches, as a
ratio view/copy (goal <= 1.10).
"always+drop" runs cache=always with a guest loop writing 2 to
/proc/sys/vm/drop_caches every 0.5 s: a stand-in for a guest keeper.
"MODE+keeper" (auto+keeper, always+keeper: what claude-sbx sets up)
runs the guest keeper itself (claude-seedfs-keeper
--interval 200, statically linked, copied into the guest; found next to
SEEDFS_BIN or at $SEEDFS_VM_KEEPER; the view must answer its probe).

    sudo python3 tests/bench/vm_live.py [--modes none,auto,always,always+keeper]
                                         [--n 20] [--interval 20] [--wait 3]
Exit 0 when it ran, 77 when no guest can boot here, 1 on a set-up error.
"""

import argparse
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE.parent / "vm"))
sys.path.insert(0, str(_HERE.parent / "integration"))
import vm  # noqa: E402
import seedfs_util as U  # noqa: E402

KINDS = ("inplace", "rename", "newfile", "newskill", "remove", "reload")
SHOWN = 'include: ["/skills/"]\n'
HIDDEN = 'exclude: ["reload-target.md"]\n'


RELOAD_BODY = b"# shown and hidden by rules reloads\n"


def fnv_state(data):
    h = 1469598103934665603
    for b in data:
        h ^= b
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return f"ok:{len(data)}:{h:016x}"


def pct(xs, p):
    xs = sorted(xs)
    if not xs:
        return None
    k = min(len(xs) - 1, max(0, int(round(p / 100 * (len(xs) - 1) + 0.4999))))
    return xs[k]


class Watch:
    """guest_watch over paths; lines go to a queue with host arrival times."""

    def __init__(self, guest, paths, interval):
        self.paths = [os.fspath(p) for p in paths]
        self.q = queue.Queue()
        self.stream = guest.spawn(["/bin/guest_watch", str(interval)] + self.paths,
                                  user="user")
        self.state = {}
        self.t = threading.Thread(target=self._pump, daemon=True)
        self.t.start()
        while True:
            _, line = self.q.get(timeout=60)
            if line == "ready":
                break
            self._note(line)

    def _pump(self):
        try:
            for t, line in self.stream.lines():
                self.q.put((t, line))
        except (OSError, ConnectionError):
            pass
        self.q.put((time.monotonic(), None))

    def _note(self, line):
        i, st = line.split(" ", 1)
        self.state[self.paths[int(i)]] = st
        return self.paths[int(i)], st

    def wait_for(self, path, want, deadline):
        """Host monotonic time when path showed want, or None by deadline."""
        if self.state.get(path) == want:
            return time.monotonic()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                t, line = self.q.get(timeout=left)
            except queue.Empty:
                return None
            if line is None:
                raise RuntimeError("guest_watch ended")
            p, st = self._note(line)
            if p == path and st == want:
                return t

    def close(self):
        self.stream.close()


def run_mode(mode, sample, mp, ws, n, interval, wait, rules, walks):
    cache = mode.split("+")[0]
    src = sample.path
    for i in range(n):
        U.write(src / "commands" / f"rm-{i}.md", f"# to be removed {i}\n".encode())
    U.wait_for(lambda: (mp / "commands" / f"rm-{n - 1}.md").exists(), timeout=5,
               what="the removal targets in the host view")
    keeper = vm.keeper_binary(U.BIN) if mode.endswith("+keeper") else None
    if mode.endswith("+keeper") and keeper is None:
        raise RuntimeError(f"{mode}: no claude-seedfs-keeper next to SEEDFS_BIN "
                           "and SEEDFS_VM_KEEPER unset")
    files = {"/bin/claude-seedfs-keeper": ("exec", keeper.read_bytes())} if keeper else None
    g = vm.boot([os.fspath(ws)], cache=cache, files=files)
    dropper = None
    results = {}
    try:
        if mode == "always+drop":
            dropper = g.spawn(["sh", "-c", "while :; do echo 2 > /proc/sys/vm/drop_caches; "
                                           "sleep 0.5; done"], user="root")
        elif keeper:
            dropper = g.spawn(["/bin/claude-seedfs-keeper", "--interval", "200",
                               "--no-pidfile", os.fspath(mp)], user="root")
            time.sleep(1)
        for kind in KINDS:
            if kind == "inplace":
                paths = [mp / "CLAUDE.md"]
            elif kind == "rename":
                paths = [mp / "agents" / "reviewer.md"]
            elif kind == "newfile":
                paths = [mp / "commands" / f"new-{mode}-{i}.md" for i in range(n)]
            elif kind == "newskill":
                paths = [mp / "skills" / f"new-{mode.replace('+', '-')}-{i}" / "SKILL.md"
                         for i in range(n)]
            elif kind == "remove":
                paths = [mp / "commands" / f"rm-{i}.md" for i in range(n)]
            else:
                paths = [mp / "skills" / "pdf" / "reload-target.md"]
            w = Watch(g, paths, interval)
            lat, stale, skipped, run_stale = [], 0, 0, 0
            try:
                for i in range(n):
                    if run_stale >= 3:
                        skipped = n - i
                        break
                    body = f"# {kind} {mode} {i} {time.time()}\n".encode()
                    if kind == "inplace":
                        path, want = paths[0], fnv_state(body)
                        t0 = time.monotonic()
                        with open(src / "CLAUDE.md", "r+b") as f:
                            f.truncate(0)
                            f.write(body)
                    elif kind == "rename":
                        path, want = paths[0], fnv_state(body)
                        tmp = src / "agents" / ".reviewer.tmp"
                        tmp.write_bytes(body)
                        t0 = time.monotonic()
                        os.rename(tmp, src / "agents" / "reviewer.md")
                    elif kind == "newfile":
                        path, want = paths[i], fnv_state(body)
                        t0 = time.monotonic()
                        (src / "commands" / paths[i].name).write_bytes(body)
                    elif kind == "newskill":
                        path, want = paths[i], fnv_state(body)
                        d = src / "skills" / paths[i].parent.name
                        tmpd = src / "skills" / f".{d.name}.tmp"
                        tmpd.mkdir()
                        (tmpd / "SKILL.md").write_bytes(body)
                        t0 = time.monotonic()
                        os.rename(tmpd, d)
                    elif kind == "remove":
                        path, want = paths[i], "err:2"
                        t0 = time.monotonic()
                        os.unlink(src / "commands" / paths[i].name)
                    else:
                        path = paths[0]
                        hide = w.state.get(os.fspath(path), "").startswith("ok:")
                        want = "err:2" if hide else fnv_state(RELOAD_BODY)
                        U.write(rules, (HIDDEN if hide else SHOWN).encode())
                        t0 = time.monotonic()
                        r = U.run(["reload", os.fspath(mp)], timeout=30)
                        if r.returncode != 0:
                            raise RuntimeError(f"reload failed: {r!r}")
                    t1 = w.wait_for(os.fspath(path), want, t0 + wait)
                    if t1 is None:
                        stale += 1
                        run_stale += 1
                    else:
                        lat.append(t1 - t0)
                        run_stale = 0
            finally:
                w.close()
            results[kind] = (lat, stale, skipped)
        results["walk"] = walk(g, mp, ws / "copy", walks)
        results["idle"] = idle_cpu(g, "claude-seedfs-keeper" if keeper else None)
    finally:
        if dropper:
            dropper.close()
        g.stop()
    return results, g.boot_seconds


IDLE_S = 10
IDLE = ('p=$(pidof "$1" | cut -d" " -f1); [ -n "$p" ] || exit 1; '
        'a=$(cut -d" " -f14,15 /proc/$p/stat); sleep "$2"; '
        'b=$(cut -d" " -f14,15 /proc/$p/stat); echo $a $b')
USER_HZ = 100  # the unit of /proc/PID/stat times on x86 Linux


def idle_cpu(g, name):
    """Percent of one CPU the process keeping the guest live (name) used
    over IDLE_S seconds with no change on the host; None without one."""
    if name is None:
        return None
    r = g.exec(["sh", "-c", IDLE, "sh", name, str(IDLE_S)], timeout=IDLE_S + 60)
    if r.returncode != 0:
        raise RuntimeError(f"idle CPU: {r!r}")
    u0, s0, u1, s1 = (int(x) for x in r.stdout.split())
    return 100.0 * ((u1 + s1) - (u0 + s0)) / USER_HZ / IDLE_S


WALK = ('echo 3 > /proc/sys/vm/drop_caches; i=0; while [ "$i" -lt "$1" ]; do '
        'find "$0" -type f -exec cat {} + > /dev/null || exit 1; i=$((i + 1)); done')


def walk(g, mp, copy, walks):
    """(entries, seconds per walk through the view, through a copy of it
    in the workspace made just before): host-timed guest commands; the same
    command shape for both, so the agent's overhead cancels in the ratio."""
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(mp, copy)
    out = [len(list(Path(copy).rglob("*")))]
    for root in (mp, copy):
        best = None
        for _ in range(3):
            t0 = time.monotonic()
            r = g.exec(["sh", "-c", WALK, os.fspath(root), str(walks)], timeout=300)
            dt = time.monotonic() - t0
            if r.returncode != 0:
                raise RuntimeError(f"walk failed: {r!r}")
            best = dt if best is None else min(best, dt)
        out.append(best / walks)
    shutil.rmtree(copy, ignore_errors=True)
    return tuple(out)


def fmt(x):
    return "-" if x is None else f"{x:.3f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--modes", default=None,
                    help="comma list of none, auto, always, always+drop, and "
                         "MODE+keeper for each cache mode (default: the first four; "
                         "auto+keeper and always+keeper when a keeper is found)")
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--interval", type=int, default=20, help="guest re-read interval, ms")
    ap.add_argument("--wait", type=float, default=3.0, help="seconds before a change is stale")
    ap.add_argument("--walks", type=int, default=10, help="startup walks per timing")
    a = ap.parse_args()
    modes = a.modes.split(",") if a.modes else \
        ["none", "auto", "always", "always+drop"] + \
        (["auto+keeper", "always+keeper"] if vm.keeper_binary(U.BIN) else [])
    for m in modes:
        if m not in vm.CACHE_MODES + ("always+drop",) + tuple(c + "+keeper" for c in vm.CACHE_MODES):
            ap.error(f"unknown mode {m!r}")
    why = vm.unavailable()
    if why:
        print(f"vm_live: skipped: {why}")
        return 77
    os.environ.setdefault("CLAUDE_SEEDFS_DEFAULT_RULES", U.DEFAULT_RULES)
    base = Path(tempfile.mkdtemp(prefix="seedfs-vm-live-"))
    rows = []
    walks = []
    idle = []
    try:
        sample = U.build_sample(base / "home")
        ws = base / "workspace"
        mp = ws / ".claude-seed"
        mp.mkdir(parents=True)
        sample.add("skills/pdf/reload-target.md", RELOAD_BODY)
        rules = U.write(base / "user.yaml", SHOWN.encode())
        r = U.run(["mount", "--rules", os.fspath(rules), os.fspath(sample.path),
                   os.fspath(mp)], timeout=30)
        if r.returncode != 0:
            print(f"vm_live: mount failed: {r!r}", file=sys.stderr)
            return 1
        try:
            for m in modes:
                U.write(rules, SHOWN.encode())
                if U.run(["reload", os.fspath(mp)], timeout=30).returncode != 0:
                    raise RuntimeError("reload failed")
                res, boot_s = run_mode(m, sample, mp, ws, a.n, a.interval, a.wait, rules,
                                       a.walks)
                walks.append((m,) + res["walk"])
                idle.append((m, res["idle"]))
                print(f"cache={m}: guest booted in {boot_s:.1f} s", flush=True)
                for kind in KINDS:
                    lat, stale, skipped = res[kind]
                    rows.append((m, kind, len(lat) + stale, len(lat), stale, skipped,
                                 pct(lat, 50), pct(lat, 99), max(lat) if lat else None))
        finally:
            U.run(["umount", os.fspath(mp)], timeout=30)
            if U.is_mounted(mp):
                U.force_unmount(mp)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"\nedit -> visible in the guest (seconds; re-read every {a.interval} ms; "
          f"stale = not seen within {a.wait} s)")
    print(f"{'mode':<14} {'change':<9} {'tried':>5} {'seen':>5} {'stale':>5} {'skip':>5} "
          f"{'p50':>7} {'p99':>7} {'max':>7}")
    for m, kind, tried, seen, stale, skipped, p50, p99, mx in rows:
        print(f"{m:<14} {kind:<9} {tried:>5} {seen:>5} {stale:>5} {skipped:>5} "
              f"{fmt(p50):>7} {fmt(p99):>7} {fmt(mx):>7}")
    print(f"\nstartup walk in the guest (find + read every file, after drop_caches; "
          f"best of 3 x {a.walks} walks)")
    print(f"{'mode':<14} {'entries':>7} {'view ms':>8} {'copy ms':>8} {'ratio':>6}")
    for m, entries, tv, tc in walks:
        print(f"{m:<14} {entries:>7} {tv * 1000:>8.1f} {tc * 1000:>8.1f} {tv / tc:>6.2f}")
    print(f"\nidle CPU of what keeps the guest live (no host change for {IDLE_S} s; "
          f"% of one CPU, guest clock ticks)")
    for m, pc in idle:
        print(f"{m:<14} {'-' if pc is None else f'{pc:.2f}'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
