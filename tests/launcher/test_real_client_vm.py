"""The real client inside a real microVM: Claude Code (the npm package's
native bin/claude.exe, from the host's /usr shared read-only) started by
`claude-sbx shell` in a stand-in sandbox that is a QEMU guest
(SBX_FAKE_BACKEND=vm), reading ~/.claude through virtiofs with
cache=always (sbx's default) and the view, and talking to the mock
Messages API on the host's loopback as 10.0.2.2 (QEMU user networking).

What it sent proves what it loaded: CLAUDE.md, rules, skills, agents and
commands; the host's and the project's hooks did not run; the host secret
is in no request. Then a host edit of CLAUDE.md (write and rename over,
as editors save) and the next `claude -p` sends the new text: the keeper
the launcher started in the guest made the edit visible. One guest boot,
two runs of the client (6-12 s each under TCG).

Skips (77 from run.py) when Claude Code is not installed under /usr or
the VM test bed cannot boot here (tests/vm/README.md).
"""
import os
import sys
import time
import unittest

from test_real_client import MARKERS, ClientCase, claude_in_usr

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vm"))
import vm  # noqa: E402

WHY = vm.unavailable()
EDIT_MARKER = "marker-claude-md-edited-9d2e"


@unittest.skipUnless(claude_in_usr(), "Claude Code not installed under /usr "
                     "(npm install -g @anthropic-ai/claude-code)")
@unittest.skipIf(WHY is not None, "VM test bed unavailable: %s" % WHY)
class RealClientVM(ClientCase):
    API_HOST = "10.0.2.2"

    def setUp(self):
        super().setUp()
        self.env.update({"SBX_FAKE_BACKEND": "vm", "SBX_FAKE_VM_CACHE": "always",
                         "SBX_FAKE_VM_MEM": "1536", "SBX_FAKE_VM_CPUS": "2"})
        self.client_seconds = []

    def run_client(self, *args):
        t0 = time.monotonic()
        try:
            return super().run_client(*args)
        finally:
            self.client_seconds.append(time.monotonic() - t0)

    def test_claude_in_the_guest_loads_the_seed_and_sees_a_host_edit(self):
        p = self.launch("--config", self.cfg, "start")
        self.assertRegex(p.stdout, r"keeper started \(pid \d+\)")
        r = self.inside("cat /proc/version")
        self.assertNotEqual(r.stdout.split()[2:3], [os.uname().release],
                            "not a guest kernel: the vm backend did not run")
        self.assertIn("virtiofs", self.inside("cat /proc/mounts").stdout)

        bodies = self.run_client()
        self.assert_loaded_seed(bodies)
        self.assertIn("seed:pdf-tools", "\n".join(bodies))
        self.assertFalse(os.path.exists(self.hook_marker), "a host settings.json hook ran")
        self.assertFalse(os.path.exists(self.project_marker),
                         "a project hook ran despite allowManagedHooksOnly")

        path = os.path.join(self.source, "CLAUDE.md")
        with open(path) as f:
            text = f.read()
        self.assertIn(MARKERS["CLAUDE.md"], text)
        with open(path + ".tmp", "w") as f:
            f.write(text.replace(MARKERS["CLAUDE.md"], EDIT_MARKER))
        os.replace(path + ".tmp", path)

        first = len(bodies)
        sent = "\n".join(self.run_client()[first:])
        # (assertTrue: the bodies are too large for a failure message)
        self.assertTrue(EDIT_MARKER in sent, "the host edit did not reach claude in the guest")
        self.assertFalse(MARKERS["CLAUDE.md"] in sent, "claude in the guest read the old CLAUDE.md")
        print("\nclaude -p in the guest (cache=always): %s" %
              ", ".join("%.1f s" % t for t in self.client_seconds))
        self.assertEqual(self.secret_sent(), [], "a host secret reached the API")
        self.assertFalse(os.path.exists(self.hook_marker), "a host settings.json hook ran")


if __name__ == "__main__":
    unittest.main()
