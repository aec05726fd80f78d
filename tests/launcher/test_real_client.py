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
STORE_SKILL = ("---\nname: team-lint\ndescription: Lint with the team's rules "
               "marker-store-skill-0c0c\n---\nRun the linter.\n")
STORE_MARKER = "marker-store-skill-0c0c"


def claude_in_usr():
    path = shutil.which("claude")
    if not path:
        return None
    real = os.path.realpath(path)
    return path if real.startswith("/usr/") else None


class ClientCase(LauncherCase):
    """Claude Code in the stand-in sandbox against the mock: set-up and
    checks, no tests (test_real_client_vm.py runs them in a microVM).
    API_HOST is where the sandbox reaches the host's loopback."""
    SBX_VERSION = "0.55"
    API_HOST = None

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
            "SBX_FAKE_ENV_ANTHROPIC_BASE_URL": (
                self.mock.url.replace("127.0.0.1", self.API_HOST)
                if self.API_HOST else self.mock.url),
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

    def add_store_skill(self):
        """A skill installed the way a user does: `sbx skills add`."""
        src = os.path.join(self.tmp, "team-lint")
        os.makedirs(src)
        with open(os.path.join(src, "SKILL.md"), "w") as f:
            f.write(STORE_SKILL)
        if self.SBX_VERSION >= "0.42":
            r = self.sbx("skills", "add", src)
            self.assertEqual(r.returncode, 0, r.stderr)
        else:  # the store exists from 0.37, `sbx skills` from 0.42
            shutil.copytree(src, os.path.join(self.state, "skills-store", "team-lint"))

    def run_client(self, cfg=None, *extra):
        p = self.launch("--config", cfg or self.cfg, *(list(extra) + ["shell"]),
                        env=self.client_env, input="", check=None)
        self.assertEqual(p.returncode, 0, "claude -p failed:\n%s\n%s" % (p.stdout, p.stderr))
        self.assertIn("Hello from the mock Messages API.", p.stdout)
        bodies = self.mock.message_bodies()
        self.assertTrue(bodies, "Claude Code sent no /v1/messages request")
        return bodies

    def assert_loaded_seed(self, bodies, model=MODEL):
        sent = "\n".join(bodies)
        for what, marker in MARKERS.items():
            self.assertIn(marker, sent, "%s did not reach the agent" % what)
        for name in NAMES:
            self.assertIn(name, sent)
        self.assertIn(model, [json.loads(b).get("model") for b in bodies])
        self.assertEqual(self.secret_sent(), [], "a host secret reached the API")

    def secret_sent(self):
        """Where in the recorded requests the secret appears (short, for
        the failure message: the bodies are large)."""
        where = []
        for i, r in enumerate(self.mock.requests):
            for k, v in r["headers"].items():
                if SECRET in v:
                    where.append("request %d %s header %s" % (i, r["path"], k))
            if SECRET in r["body"]:
                where.append("request %d %s body" % (i, r["path"]))
        return where


@unittest.skipUnless(claude_in_usr(), "Claude Code not installed under /usr "
                     "(npm install -g @anthropic-ai/claude-code)")
class RealClient(ClientCase):
    def test_agent_loaded_the_seed_and_no_hook_ran(self):
        self.add_store_skill()
        self.launch("--config", self.cfg, "start")
        bodies = self.run_client()
        self.assert_loaded_seed(bodies)
        # sbx's read-only store (the default) and the view's skills, both
        sent = "\n".join(bodies)
        self.assertIn(STORE_MARKER, sent, "the sbx skills store did not reach the agent")
        self.assertIn("seed:pdf-tools", sent)
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

    def test_settings_reach_claude_without_hooks_or_secrets(self):
        # --with settings: the host settings.json carries a Stop hook (and
        # SessionStart, UserPromptSubmit) that would touch a marker, an env
        # secret, an apiKeyHelper printing it, and a model. The view serves
        # it sanitized and the launcher merges it into sbx's own
        # settings.json: the model reaches the API (no --model here), the
        # hooks never run, and the secret is in nothing Claude Code sent.
        host_model = "claude-host-settings-model-3"
        settings = self.host_settings()
        settings["model"] = host_model
        self.write_source({"settings.json": json.dumps(settings, indent=2)})
        cfg = os.path.join(self.tmp, "client-no-model.yaml")
        with open(cfg, "w") as f:
            f.write("claude_code:\n  flags: [-p, 'Say hello.']\n")
        self.launch("--config", cfg, "--with", "settings", "start")
        r = self.inside('ls "$1"', self.view)
        self.assertIn("settings.json", r.stdout.split())
        # sbx's own settings.json is left as sbx wrote it: the view's file
        # reaches claude with --settings
        r = self.inside('cat "$HOME/.claude/settings.json"')
        self.assertNotIn("model", json.loads(r.stdout))
        bodies = self.run_client(cfg, "--with", "settings")
        with open(os.path.join(self.state, "run.log")) as f:
            cmd = json.loads(f.read().splitlines()[-1])
        self.assertEqual(cmd[cmd.index("--settings") + 1],
                         os.path.join(self.view, "settings.json"))
        self.assertFalse(os.path.exists(self.hook_marker), "a host settings.json hook ran")
        self.assertEqual(self.secret_sent(), [], "a host settings.json secret reached the API")
        self.assert_loaded_seed(bodies, model=host_model)

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


class SkillsStoreModes(RealClient):
    """Each skills_store mode at 0.55: the view's skills load in every one;
    the skills the user added with `sbx skills add` load where the store
    is mounted (readonly, readwrite, sbx-default) and not with off; the
    store itself is never written by the launcher."""

    def store_listing(self):
        store = os.path.join(self.state, "skills-store")
        return sorted(os.listdir(store)) if os.path.isdir(store) else []

    def check_mode(self, mode, store_loads, plugin):
        self.add_store_skill()
        before = self.store_listing()
        self.launch("--config", self.cfg, "--skills-store", mode, "start")
        create = [c for c in self.calls() if c[:1] == ["create"]][-1]
        if mode == "sbx-default":
            self.assertNotIn("--skills", create)
        else:
            self.assertEqual(create[create.index("--skills") + 1], mode)
        sent = "\n".join(self.run_client(None, "--skills-store", mode))
        for what, marker in MARKERS.items():
            self.assertIn(marker, sent, "%s did not reach the agent (%s)" % (what, mode))
        self.assertEqual(STORE_MARKER in sent, store_loads, "store skill, mode " + mode)
        self.assertEqual("seed:pdf-tools" in sent, plugin, "plugin delivery, mode " + mode)
        self.assertEqual(self.store_listing(), before, "the launcher wrote into sbx's store")
        r = self.inside('ls -A "$HOME/.claude/skills"')
        listed = r.stdout.split()
        if plugin:
            self.assertNotIn("pdf-tools", listed)
        else:
            self.assertEqual(sorted(listed), ["pdf-tools", "release-notes"])

    def test_readonly(self):
        self.check_mode("readonly", True, True)
        r = self.inside('touch "$HOME/.claude/skills/x"')
        self.assertNotEqual(r.returncode, 0, "the store is not read-only")

    def test_readwrite(self):
        self.check_mode("readwrite", True, True)

    def test_off(self):
        self.check_mode("off", False, False)

    def test_sbx_default(self):
        self.check_mode("sbx-default", True, True)

    # RealClient's own tests run once, in RealClient
    test_agent_loaded_the_seed_and_no_hook_ran = None
    test_settings_reach_claude_without_hooks_or_secrets = None
    test_sync_config_new_skill_reaches_the_agent = None


class RealClient38(RealClient):
    """0.38: the store is read-write by default and there is no --skills."""
    SBX_VERSION = "0.38"

    def test_agent_loaded_the_seed_and_no_hook_ran(self):
        self.add_store_skill()
        p = self.launch("--config", self.cfg, "start")
        self.assertIn("no read-only skills store", p.stderr)
        create = [c for c in self.calls() if c[:1] == ["create"]][-1]
        self.assertNotIn("--skills", create)
        sent = "\n".join(self.run_client())
        self.assertIn(STORE_MARKER, sent)
        self.assertIn("seed:pdf-tools", sent)
        self.assertIn("marker-skill-pdf-5d0e", sent)

    test_settings_reach_claude_without_hooks_or_secrets = None
    test_sync_config_new_skill_reaches_the_agent = None
