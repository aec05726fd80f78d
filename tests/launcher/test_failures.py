"""Every failing sbx step: exit 1, the step named with sbx's own message,
nothing left mounted, no sandbox left that this run created, and any
policy change reported."""
import os
import shutil

from harness import LauncherCase

# (injected failure, step named in the message, sandbox created before it)
STEPS = [
    ("version", "detecting the sbx version", False),
    ("policy-init", "step 1/7 (network baseline)", False),
    ("policy-ls", "step 2/7 (egress allowlist)", False),
    ("policy-allow@3", "step 2/7 (egress allowlist)", False),
    ("ls", "step 4/7 (sandbox create)", False),
    ("create", "step 4/7 (sandbox create)", False),
    ("exec@1", "step 5/7 (inside the sandbox)", True),   # linking
    ("exec@2", "step 5/7 (inside the sandbox)", True),   # profile.d
    ("exec@3", "step 5/7 (inside the sandbox)", True),   # managed settings
    ("exec@4", "step 5/7 (inside the sandbox: settings.json)", True),  # reading it
    ("exec@5", "step 6/7 (check from inside)", True),
]


class FailingSteps(LauncherCase):
    SBX_VERSION = "0.45"

    def check_failure(self, fail, step):
        p = self.launch("start", check=1, env={"SBX_FAKE_FAIL": fail})
        self.assertIn("claude-sbx: start: ", p.stderr)
        self.assertIn(step, p.stderr)
        self.assertIn("injected failure in step " + fail.split("@")[0], p.stderr)
        self.assertNothingMounted()
        self.assertNoSandbox()
        self.assertFalse(os.path.ismount(self.view))
        self.assertNotIn("reset", [c[1] for c in self.calls() if c[0] == "policy"])
        return p

    def test_each_step(self):
        for fail, step, _ in STEPS:
            # each case starts from an empty sbx store
            self.launch("stop", "--force", check=None)
            shutil.rmtree(self.state, ignore_errors=True)
            with self.subTest(fail=fail):
                p = self.check_failure(fail, step)
                if fail.startswith("exec"):
                    self.assertIn("sandbox created by this run was removed", p.stderr)
                    self.assertIn("nothing is left mounted", p.stderr)
                # the next start, without the failure, goes through
                self.launch("start")
                self.launch("stop")
                self.assertNothingMounted()

    def test_partial_policy_is_reported(self):
        p = self.check_failure("policy-allow@3", "step 2/7 (egress allowlist)")
        self.assertIn("applied before the failure: +", p.stderr)
        applied = p.stderr.split("applied before the failure:")[1].split()
        self.assertEqual(len(applied), 2)
        # exactly what was reported is in the store, nothing more
        self.assertEqual(self.local_allows(), sorted(a[1:] for a in applied))

    def test_removal_failure(self):
        self.seed_state("deny-all", [("s1", "network", "allow", "stale.example.com", "local")])
        p = self.check_failure("policy-rm", "step 2/7 (egress allowlist)")
        self.assertRegex(p.stderr, r"`sbx policy rm network --id (local:)?s1` failed")

    def test_existing_sandbox_is_kept_on_failure(self):
        self.launch("start")
        p = self.launch("start", check=1, env={"SBX_FAKE_FAIL": "exec@1"})
        self.assertIn("step 5/7", p.stderr)
        self.assertNothingMounted()
        # not created by this run: left for `stop`
        self.assertEqual(self.sbx("ls", "-q").stdout.split(), [self.name])
        self.assertNotIn("was removed", p.stderr)

    def test_interrupted_start_cleans_up(self):
        import signal
        import subprocess
        import time
        e = dict(self.env)
        e["SBX_FAKE_SLOW"] = "create"
        proc = subprocess.Popen([self.launcher, "start"], cwd=self.ws, env=e,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.assertTrue(self.wait_for(lambda: any(c[0] == "create" for c in self.calls()), 30))
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 1, out + err)
        self.assertIn("interrupted before step 5/7", err)
        self.assertIn("sandbox created by this run was removed", err)
        self.assertNothingMounted()
        self.assertNoSandbox()

    def test_stop_failure_keeps_view(self):
        self.launch("start")
        p = self.launch("stop", check=1, env={"SBX_FAKE_FAIL": "rm"})
        self.assertIn("injected failure in step rm", p.stderr)
        self.assertTrue(os.path.ismount(self.view))
        self.launch("stop")
        self.assertNothingMounted()

    def test_reload_and_sync_failures(self):
        self.launch("start")
        p = self.launch("reload-allowlist", check=1, env={"SBX_FAKE_FAIL": "policy-ls"})
        self.assertIn("step 2/2 (egress allowlist)", p.stderr)
        p = self.launch("sync-config", check=1, env={"SBX_FAKE_FAIL": "exec"})
        self.assertIn("linking the view", p.stderr)
        self.assertIn("injected failure", p.stderr)
        p = self.launch("status", check=1, env={"SBX_FAKE_FAIL": "ls"})
        self.assertIn("injected failure", p.stderr)


class FailingSteps31(FailingSteps):
    SBX_VERSION = "0.31"

    def test_each_step(self):
        # on 0.31 the baseline verb is set-default
        global STEPS
        saved = STEPS
        STEPS = [(f.replace("policy-init", "policy-set-default"), s, c) for f, s, c in saved]
        try:
            super().test_each_step()
        finally:
            STEPS = saved
