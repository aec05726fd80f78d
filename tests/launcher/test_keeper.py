"""claude-sbx and the guest's keeper (bubblewrap backend of the stand-in):
start delivers the keeper with `sbx cp` and starts it as root; a second
start leaves it alone; after `sbx stop` (which kills the sandbox's
processes, as stopping its VM does) `claude-sbx status` and `claude-sbx
shell` start it again. The keeper is checked as a real process (the stand-
in runs root's commands in the host's pid space), not only by its words."""
import os
import re

from harness import LauncherCase

GUEST = "/home/agent/.local/lib/claude-sbx/claude-seedfs-keeper"
PIDFILE = "/run/claude-seedfs-keeper.pid"


def proc_is_keeper(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            argv = f.read().split(b"\0")
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(") ", 1)[-1][:1]
    except OSError:
        return False
    return state not in ("Z", "X") and argv[0].endswith(b"claude-seedfs-keeper") \
        and b"--daemon" in argv


class Keeper(LauncherCase):
    SBX_VERSION = "0.55"

    def keeper_pid(self, text, what):
        m = re.search(r"keeper: running, pid (\d+)", text)
        self.assertIsNotNone(m, "%s: no running keeper in:\n%s" % (what, text))
        return int(m.group(1))

    def cps(self):
        return [c for c in self.calls() if c[:1] == ["cp"]]

    def test_start_status_stop_shell(self):
        p = self.launch("start")
        self.assertRegex(p.stdout, r"keeper started \(pid \d+\)")
        pid = self.keeper_pid(p.stdout, "start's check")
        self.assertTrue(proc_is_keeper(pid), "pid %d is not a running keeper" % pid)
        self.assertIn("live: host changes reach the sandbox", p.stdout)
        # the sandbox and the host agree on the view's generation
        m = re.search(r"the sandbox sees generation (\d+), the host (\d+) "
                      r"\(probe from inside: ([0-9.]+) ms\)", p.stdout)
        self.assertIsNotNone(m, p.stdout)
        self.assertEqual(m.group(1), m.group(2))
        # delivered with sbx cp to the documented place, executable inside
        self.assertEqual([c[2] for c in self.cps()], [self.name + ":" + GUEST])
        self.assertTrue(os.path.isfile(self.cps()[0][1]))
        r = self.inside('test -x "$1" && "$1" --status --pidfile "$2" -- "$3"', GUEST,
                        PIDFILE, self.view)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("running pid=%d generation=" % pid, r.stdout)
        # with caching the keeper's work is seen at the next change: a host
        # edit moves the generation the sandbox sees
        g0 = int(m.group(1))
        with open(os.path.join(self.source, "CLAUDE.md"), "a") as f:
            f.write("\nedited\n")
        r = self.inside('"$1" --status --pidfile "$2" -- "$3"', GUEST, PIDFILE, self.view)
        g1 = int(re.search(r"generation=(\d+)", r.stdout).group(1))
        self.assertGreater(g1, g0, r.stdout)

        # a second start: the same keeper, nothing copied again
        p = self.launch("start")
        self.assertIn("keeper already running (pid %d)" % pid, p.stdout)
        self.assertEqual(self.keeper_pid(p.stdout, "second start"), pid)
        self.assertEqual(len(self.cps()), 1)

        # sbx stop kills it; status starts it again (the binary is still in
        # the sandbox's home: no second copy)
        self.assertEqual(self.sbx("stop", self.name).returncode, 0)
        self.assertFalse(proc_is_keeper(pid), "sbx stop left the keeper running")
        p = self.launch("status")
        self.assertIn("(keeper started again)", p.stdout)
        pid2 = self.keeper_pid(p.stdout, "status after sbx stop")
        self.assertNotEqual(pid2, pid)
        self.assertTrue(proc_is_keeper(pid2))
        self.assertEqual(len(self.cps()), 1)
        # status again: it runs, it is left alone
        p = self.launch("status")
        self.assertNotIn("started again", p.stdout)
        self.assertEqual(self.keeper_pid(p.stdout, "second status"), pid2)

        # after another stop, `claude-sbx shell` brings it back before run
        self.assertEqual(self.sbx("stop", self.name).returncode, 0)
        self.assertFalse(proc_is_keeper(pid2))
        self.launch("shell", input="", check=None)
        r = self.inside('"$1" --status --pidfile "$2"', GUEST, PIDFILE)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        pid3 = int(re.search(r"running pid=(\d+)", r.stdout).group(1))
        self.assertTrue(proc_is_keeper(pid3))

        # claude-sbx stop (sbx rm) leaves no keeper behind
        self.launch("stop")
        self.assertFalse(proc_is_keeper(pid3), "claude-sbx stop left the keeper running")

    def test_keeper_off(self):
        with open(os.path.join(self.tmp, "off.yaml"), "w") as f:
            f.write("seed:\n  keeper: off\n")
        p = self.launch("--config", os.path.join(self.tmp, "off.yaml"), "start")
        self.assertIn("keeper: off (seed.keeper: off)", p.stdout)
        self.assertEqual(self.cps(), [])
        r = self.inside('test -e "$1"', GUEST)
        self.assertNotEqual(r.returncode, 0)
        p = self.launch("--config", os.path.join(self.tmp, "off.yaml"), "status")
        self.assertIn("keeper: off (seed.keeper: off) and not in the sandbox", p.stdout)
        self.assertEqual(self.cps(), [])

    def test_keeper_missing_binary(self):
        # auto: a warning, the sandbox still starts; on: start fails and undoes
        env = {"CLAUDE_SBX_KEEPER": os.path.join(self.tmp, "no-such-keeper")}
        p = self.launch("start", env=env)
        self.assertIn("the keeper binary claude-seedfs-keeper was not found", p.stderr)
        self.assertIn("[7/7] ready", p.stdout)
        self.assertIn("keeper: not installed in the sandbox", p.stdout)
        self.assertIn("NOT CHECKED", p.stdout)
        self.launch("stop")
        with open(os.path.join(self.tmp, "on.yaml"), "w") as f:
            f.write("seed:\n  keeper: on\n")
        p = self.launch("--config", os.path.join(self.tmp, "on.yaml"), "start", env=env,
                        check=1)
        self.assertIn("step 6/7 (the keeper)", p.stderr)
        self.assertIn("the sandbox created by this run was removed", p.stderr)
