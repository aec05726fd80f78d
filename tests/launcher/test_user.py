"""claude-sbx start run by an ordinary user: the view is mounted with
allow_other (and default_permissions) so that a file server of another uid
can read it, and when /etc/fuse.conf lacks user_allow_other the launcher
stops before creating anything, naming the file and the line. The
launcher never edits /etc/fuse.conf: the allowed case runs in a private
mount namespace with a fuse.conf of its own bound over it."""
import os
import pwd
import shutil
import stat
import subprocess

from harness import LauncherCase, LAUNCHER, SOURCE_ROOT

USER = "nobody"


def fuse_conf_allows_other():
    try:
        with open("/etc/fuse.conf") as f:
            return any(l.split("#", 1)[0].strip() == "user_allow_other" for l in f)
    except OSError:
        return False


class OrdinaryUser(LauncherCase):
    SBX_VERSION = "0.45"

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to become an ordinary user")
        for tool in ("setpriv", "unshare"):
            if not shutil.which(tool):
                self.skipTest(tool + " not installed")
        super().setUp()
        p = os.path.abspath(LAUNCHER)
        while p != "/":
            if not os.stat(p).st_mode & 0o001:
                self.skipTest(LAUNCHER + " is not reachable by other users")
            p = os.path.dirname(p)
        if not os.stat(SOURCE_ROOT).st_mode & 0o001:
            self.skipTest("the source tree is not reachable by other users")
        self.user = pwd.getpwnam(USER)
        os.chmod(self.tmp, 0o755)
        for root, dirs, files in os.walk(self.tmp):
            for n in dirs + files + [""]:
                os.lchown(os.path.join(root, n), self.user.pw_uid, self.user.pw_gid)
        self.env["SBX_FAKE_PYTHON"] = "/usr/bin/python3"
        self.env["PATH"] = self.env["PATH"].split(":", 1)[0] + ":/usr/local/bin:/usr/bin:/bin"
        self.fuse_mode = stat.S_IMODE(os.stat("/dev/fuse").st_mode)
        os.chmod("/dev/fuse", 0o666)  # Debian's default; this container has 0600

    def tearDown(self):
        if hasattr(self, "fuse_mode"):
            os.chmod("/dev/fuse", self.fuse_mode)
        super().tearDown()

    def as_user(self, args, env=None, fuse_conf=None):
        e = dict(self.env)
        if env:
            e.update(env)
        cmd = ["setpriv", "--reuid=%d" % self.user.pw_uid, "--regid=%d" % self.user.pw_gid,
               "--clear-groups", "--", LAUNCHER] + args
        if fuse_conf is not None:
            conf = os.path.join(self.tmp, "fuse.conf")
            with open(conf, "w") as f:
                f.write(fuse_conf)
            cmd = ["unshare", "-m", "--propagation", "private", "sh", "-c",
                   'mount --bind "$1" /etc/fuse.conf && shift && exec "$@"', "sh",
                   conf] + cmd
        return subprocess.run(cmd, cwd=self.ws, env=e, capture_output=True, text=True,
                              timeout=300)

    def test_refused_before_anything_is_created(self):
        if fuse_conf_allows_other():
            self.skipTest("/etc/fuse.conf has user_allow_other here")
        before = open("/etc/fuse.conf", "rb").read()
        p = self.as_user(["start"])
        self.assertEqual(p.returncode, 1, p)
        self.assertIn("/etc/fuse.conf", p.stderr)
        self.assertIn("\n  user_allow_other\n", p.stderr)
        self.assertIn("Nothing was created", p.stderr)
        self.assertEqual(self.calls(), [], "sbx was called before the check")
        self.assertFalse(os.path.exists(self.view), "the mountpoint was created")
        self.assertNothingMounted()
        self.assertEqual(open("/etc/fuse.conf", "rb").read(), before)
        # the same refusal with an explicit yes; a bad value is a usage error
        p = self.as_user(["start"], env={"CLAUDE_SBX_VIEW_ALLOW_OTHER": "yes"})
        self.assertEqual(p.returncode, 1, p)
        p = self.as_user(["start"], env={"CLAUDE_SBX_VIEW_ALLOW_OTHER": "maybe"})
        self.assertEqual(p.returncode, 2, p)
        self.assertIn("CLAUDE_SBX_VIEW_ALLOW_OTHER=maybe", p.stderr)
        self.assertEqual(self.calls(), [])

    def test_commented_line_is_not_enough(self):
        p = self.as_user(["start"], fuse_conf="#user_allow_other\n# user_allow_other\n")
        self.assertEqual(p.returncode, 1, p)
        self.assertIn("user_allow_other", p.stderr)
        self.assertEqual(self.calls(), [])

    def test_allowed_mounts_with_allow_other(self):
        # The sandbox step fails on purpose: step 3 has mounted the view with
        # allow_other by then, and the run undoes it.
        p = self.as_user(["start"], env={"SBX_FAKE_FAIL": "create"},
                         fuse_conf="# ours\nuser_allow_other\n")
        self.assertEqual(p.returncode, 1, p)
        self.assertIn("with allow_other,default_permissions", p.stdout, p)
        self.assertIn("step 4/7", p.stderr)
        self.assertIn("nothing is left mounted", p.stderr)
        self.assertNotIn("user_allow_other", p.stderr)

    def test_no_means_no_fuse_conf_needed(self):
        p = self.as_user(["start"], env={"SBX_FAKE_FAIL": "create",
                                         "CLAUDE_SBX_VIEW_ALLOW_OTHER": "no"})
        self.assertEqual(p.returncode, 1, p)
        self.assertIn("step 4/7", p.stderr)
        self.assertNotIn("allow_other", p.stdout + p.stderr)

    def test_view_mounted_earlier_without_allow_other_is_not_reused(self):
        seedfs = os.path.join(os.path.dirname(LAUNCHER), "..", "fs", "claude-seedfs")
        if not os.path.exists(seedfs):
            self.skipTest("claude-seedfs not built next to claude-sbx")
        os.mkdir(self.view)
        os.chown(self.view, self.user.pw_uid, self.user.pw_gid)
        e = dict(self.env)
        r = subprocess.run(["setpriv", "--reuid=%d" % self.user.pw_uid,
                            "--regid=%d" % self.user.pw_gid, "--clear-groups", "--",
                            seedfs, "mount", self.source, self.view],
                           env=e, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r)
        try:
            p = self.as_user(["start"], fuse_conf="user_allow_other\n")
            self.assertEqual(p.returncode, 1, p)
            self.assertIn("mounted without allow_other", p.stderr)
            self.assertIn("claude-sbx stop", p.stderr)
            self.assertEqual(self.calls(), [], "refused only after sbx calls")
        finally:
            subprocess.run(["fusermount3", "-u", "-z", self.view], capture_output=True)
