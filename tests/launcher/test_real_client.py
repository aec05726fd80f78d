"""The real client: Claude Code (npm @anthropic-ai/claude-code) started by
`claude-sbx shell` inside the stand-in sandbox, talking to a local mock of
the Messages API. What it sent proves what it loaded through the view;
marker files prove which hooks ran.

Skips, saying so, when Claude Code is not installed on the host (the
stand-in sandbox sees the host's /usr read-only, as a template image would
ship the client): npm install -g @anthropic-ai/claude-code
"""
import json
import os
import shutil
import unittest

from harness import SECRET, LauncherCase
from mock_messages import MockMessages

MARKERS = {
    "CLAUDE.md": "marker-claude-md-7f3a",
    "rules/style.md": "marker-rules-style-22b1",
    "skill pdf-tools": "marker-skill-pdf-5d0e",
    "skill release-notes": "marker-skill-notes-81aa",
    "agent code-reviewer": "marker-agent-reviewer-4c4c",
    "command deploy-docs": "marker-command-deploy-6e6e",
}
NAMES = ["pdf-tools", "release-notes", "code-reviewer", "deploy-docs"]
MODEL = "claude-mock-model-1"


def claude_in_usr():
    path = shutil.which("claude")
    if not path:
        return None
    real = os.path.realpath(path)
    return path if real.startswith("/usr/") else None


@unittest.skipUnless(claude_in_usr(), "Claude Code not installed under /usr "
                     "(npm install -g @anthropic-ai/claude-code)")
class RealClient(LauncherCase):
    def setUp(self):
        super().setUp()
        self.mock = MockMessages()
        self.mock.__enter__()
        self.addCleanup(self.mock.__exit__, None, None, None)
        self.cfg = os.path.join(self.tmp, "client.yaml")
        with open(self.cfg, "w") as f:
            f.write("claude_code:\n  model: %s\n  flags: [-p, 'Say hello.']\n" % MODEL)
        # what the sbx proxy provides inside a real sandbox: an endpoint and
        # a placeholder key (here: the mock and a dummy)
        self.client_env = {
            "SBX_FAKE_ENV_ANTHROPIC_BASE_URL": self.mock.url,
            "SBX_FAKE_ENV_ANTHROPIC_API_KEY": "sk-ant-placeholder",
            "SBX_FAKE_ENV_CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "SBX_FAKE_ENV_DISABLE_AUTOUPDATER": "1",
        }
        # a project-level hook in the workspace: Claude Code would run it
        # unless managed settings allow managed hooks only
        self.project_marker = os.path.join(self.ws, "PROJECT-HOOK-RAN")
        hook = [{"hooks": [{"type": "command", "command": "touch " + self.project_marker}]}]
        os.makedirs(os.path.join(self.ws, ".claude"))
        with open(os.path.join(self.ws, ".claude", "settings.json"), "w") as f:
            json.dump({"hooks": {"SessionStart": hook, "UserPromptSubmit": hook,
                                 "Stop": hook}}, f)

    def run_client(self):
        p = self.launch("--config", self.cfg, "shell", env=self.client_env, input="",
                        check=None)
        self.assertEqual(p.returncode, 0, "claude -p failed:\n%s\n%s" % (p.stdout, p.stderr))
        self.assertIn("Hello from the mock Messages API.", p.stdout)
        bodies = self.mock.message_bodies()
        self.assertTrue(bodies, "Claude Code sent no /v1/messages request")
        return bodies

    def assert_loaded_seed(self, bodies):
        sent = "\n".join(bodies)
        for what, marker in MARKERS.items():
            self.assertIn(marker, sent, "%s did not reach the agent" % what)
        for name in NAMES:
            self.assertIn(name, sent)
        self.assertIn(MODEL, [json.loads(b).get("model") for b in bodies])
        everything = json.dumps(self.mock.requests)
        self.assertNotIn(SECRET, everything, "a host secret reached the API")

    def test_agent_loaded_the_seed_and_no_hook_ran(self):
        self.launch("--config", self.cfg, "start")
        bodies = self.run_client()
        self.assert_loaded_seed(bodies)
        self.assertFalse(os.path.exists(self.hook_marker), "a host settings.json hook ran")
        self.assertFalse(os.path.exists(self.project_marker),
                         "a project hook ran despite allowManagedHooksOnly")
        # control: the same client without the managed settings does run the
        # project hook, so the marker above would have shown a hook running
        r = self.inside("rm /etc/claude-code/managed-settings.json", root=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.run_client()
        self.assertTrue(os.path.exists(self.project_marker),
                        "control failed: the project hook did not run unlocked")
        self.assertFalse(os.path.exists(self.hook_marker), "a host settings.json hook ran")

    def test_settings_group_visible_but_host_hooks_still_out(self):
        # --with settings puts the host settings.json in the view; the
        # launcher leaves sbx's own settings.json in place, so its hooks,
        # env and apiKeyHelper still never apply
        self.launch("--config", self.cfg, "--with", "settings", "start")
        r = self.inside('ls "$1"', self.view)
        self.assertIn("settings.json", r.stdout.split())
        self.assert_loaded_seed(self.run_client())
        self.assertFalse(os.path.exists(self.hook_marker), "a host settings.json hook ran")

    def test_sync_config_new_skill_reaches_the_agent(self):
        self.launch("--config", self.cfg, "start")
        self.write_source({"skills/late-skill/SKILL.md":
                           "---\nname: late-skill\ndescription: Added after start "
                           "marker-skill-late-3f3f\n---\nbody\n"})
        self.assertTrue(self.wait_for(lambda: os.path.exists(
            os.path.join(self.view, "skills", "late-skill"))))
        self.launch("sync-config")
        sent = "\n".join(self.run_client())
        self.assertIn("marker-skill-late-3f3f", sent)
