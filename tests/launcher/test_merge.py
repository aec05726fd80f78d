"""settings.json inside the sandbox: with the settings group enabled, the
keys the view serves are merged into the file sbx wrote (its
authentication keys stay), live again on sync-config; hooks and secrets
never arrive in the sanitized mode; settings=raw drops the hook lock.

What is merged is what the view serves: that settings.json is sanitized
is the view's job (claude-seedfs); these tests check the final behaviour
of the two together."""
import json
import os

from harness import SECRET, LauncherCase

SBX_SETTINGS = {"apiKeyHelper": "echo sbx-proxy-placeholder",
                "permissions": {"defaultMode": "acceptEdits"}}
HOST_MODEL = "claude-host-preference-9"


class SettingsMerge(LauncherCase):
    """claude_code.settings: merge (the opt-in for sessions started some
    other way than `claude-sbx shell`)."""

    def setUp(self):
        super().setUp()
        d = os.path.join(self.env["XDG_CONFIG_HOME"], "claude-sbx")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "config.yaml"), "w") as f:
            f.write("claude_code:\n  settings: merge\n")

    def host_settings(self):
        s = super().host_settings()  # hooks touching a marker, env and apiKeyHelper secrets
        s["model"] = HOST_MODEL
        s["env"]["TZ"] = "Europe/Paris"
        s["statusLine"] = {"type": "command", "command": "touch " + self.hook_marker}
        s["permissions"] = {"deny": ["Bash(rm -rf:*)"],
                            "allow": ["Bash(curl -H 'Authorization: " + SECRET + "')"]}
        return s

    def sandbox_settings(self):
        r = self.inside('cat "$HOME/.claude/settings.json"')
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def managed(self):
        r = self.inside("cat /etc/claude-code/managed-settings.json")
        return json.loads(r.stdout)

    def wait_served(self, pred):
        path = os.path.join(self.view, "settings.json")

        def check():
            try:
                with open(path) as f:
                    return pred(f.read())
            except OSError:
                return False
        self.assertTrue(self.wait_for(check), "the view did not follow the host's settings.json")

    def test_default_leaves_sbx_settings_alone(self):
        self.launch("start")
        self.assertEqual(self.sandbox_settings(), SBX_SETTINGS)
        r = self.inside('ls -A "$HOME/.cache/claude-sbx" 2>/dev/null; true')
        self.assertEqual(r.stdout, "", "a merge record without a merge")

    def test_sanitized_merge_keeps_sbx_keys_and_drops_hooks_and_secrets(self):
        p = self.launch("--with", "settings", "start")
        self.assertIn("settings.json: merged from the view:", p.stdout)
        st = self.sandbox_settings()
        # sbx's own keys stay
        self.assertEqual(st["apiKeyHelper"], SBX_SETTINGS["apiKeyHelper"])
        self.assertEqual(st["permissions"]["defaultMode"], "acceptEdits")
        # the host's preferences arrive
        self.assertEqual(st["model"], HOST_MODEL)
        self.assertEqual(st["permissions"]["deny"], ["Bash(rm -rf:*)"])
        # nothing that runs a command or carries a secret
        for key in ("hooks", "statusLine"):
            self.assertNotIn(key, st)
        self.assertNotIn("allow", st["permissions"])
        text = json.dumps(st)
        self.assertNotIn(SECRET, text)
        self.assertNotIn("ANTHROPIC_API_KEY", text)
        self.assertNotIn("hook", text.lower())
        # the hook lock stays
        self.assertEqual(self.managed(), {"allowManagedHooksOnly": True})
        # and the sandbox as a whole holds no secret
        r = self.inside('grep -rl "$1" "$HOME" /etc/claude-code /etc/profile.d 2>/dev/null; true',
                        SECRET)
        self.assertEqual(r.stdout, "")

    def test_sync_config_follows_the_host(self):
        self.launch("--with", "settings", "start")
        self.assertEqual(self.sandbox_settings()["model"], HOST_MODEL)
        # the host drops model and adds a theme
        self.write_source({"settings.json": json.dumps(
            {"theme": "dark", "hooks": {"Stop": []}, "env": {"ANTHROPIC_API_KEY": SECRET}})})
        self.wait_served(lambda text: "dark" in text)
        p = self.launch("--with", "settings", "sync-config")
        self.assertIn("put back: ", p.stdout)
        st = self.sandbox_settings()
        self.assertNotIn("model", st)
        self.assertEqual(st["theme"], "dark")
        self.assertEqual(st["apiKeyHelper"], SBX_SETTINGS["apiKeyHelper"])
        self.assertEqual(st["permissions"], SBX_SETTINGS["permissions"])
        self.assertNotIn(SECRET, json.dumps(st))
        # the same again changes nothing
        self.launch("--with", "settings", "sync-config")
        self.assertEqual(self.sandbox_settings(), st)
        # a value changed inside the sandbox since is left alone
        r = self.inside('sed -i "s/dark/light/" "$HOME/.claude/settings.json"')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.launch("--with", "settings", "sync-config")
        self.assertEqual(self.sandbox_settings()["theme"], "dark",
                         "the host's served value is merged again")

    def test_invalid_host_settings_change_nothing(self):
        self.write_source({"settings.json": '{"model": "x", "hooks": '})
        p = self.launch("--with", "settings", "start")
        self.assertNotIn("merged from the view", p.stdout)
        self.assertEqual(self.sandbox_settings(), SBX_SETTINGS)

    def test_unusable_sandbox_settings_are_left_as_they_are(self):
        self.launch("--with", "settings", "start")
        r = self.inside('printf "{broken" > "$HOME/.claude/settings.json"')
        self.assertEqual(r.returncode, 0, r.stderr)
        p = self.launch("--with", "settings", "sync-config", check=1)
        self.assertIn("settings.json is not usable", p.stderr)
        r = self.inside('cat "$HOME/.claude/settings.json"')
        self.assertEqual(r.stdout, "{broken")

    def test_raw_mode(self):
        p = self.launch("--with", "settings=raw", "start", check=None)
        if p.returncode != 0 and "settings=raw" in p.stderr and "group" in p.stderr:
            self.skipTest("the rules have no settings=raw mode yet: " + p.stderr.strip())
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("settings=raw", p.stderr)  # the warning
        st = self.sandbox_settings()
        self.assertIn("Stop", st["hooks"])  # raw: as the user asked
        self.assertEqual(st["model"], HOST_MODEL)
        # sbx's authentication still wins
        self.assertEqual(st["apiKeyHelper"], SBX_SETTINGS["apiKeyHelper"])
        self.assertNotIn("allowManagedHooksOnly", self.managed())


FLAG_COPY = "/home/agent/.local/share/claude-sbx/settings.json"


class SettingsFlag(SettingsMerge):
    """claude_code.settings: flag (the default): sbx's settings.json is
    never rewritten; claude gets --settings (the view's file, or for
    settings=raw a copy without the credential helpers)."""

    def setUp(self):
        LauncherCase.setUp(self)

    def shell_cmd(self, *args):
        self.launch(*(list(args) + ["shell"]), input="", check=None)
        with open(os.path.join(self.state, "run.log")) as f:
            return json.loads(f.read().splitlines()[-1])

    def test_default_leaves_sbx_settings_alone(self):
        p = self.launch("--with", "settings", "start")
        self.assertIn("claude --settings the view's file", p.stdout)
        self.assertEqual(self.sandbox_settings(), SBX_SETTINGS)
        cmd = self.shell_cmd("--with", "settings")
        served = cmd[cmd.index("--settings") + 1]
        self.assertEqual(served, os.path.join(self.view, "settings.json"))
        r = self.inside('cat "$1"', served)
        st = json.loads(r.stdout)
        self.assertEqual(st["model"], HOST_MODEL)
        for key in ("hooks", "statusLine", "apiKeyHelper"):
            self.assertNotIn(key, st)
        self.assertNotIn(SECRET, r.stdout)
        self.assertEqual(self.managed(), {"allowManagedHooksOnly": True})
        # not served: no --settings
        self.assertNotIn("--settings", self.shell_cmd())

    def test_raw_copy_without_credential_helpers(self):
        p = self.launch("--with", "settings=raw", "start", check=None)
        if p.returncode != 0 and "settings=raw" in p.stderr and "group" in p.stderr:
            self.skipTest("the rules have no settings=raw mode yet: " + p.stderr.strip())
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("given to claude --settings", p.stderr)
        self.assertEqual(self.sandbox_settings(), SBX_SETTINGS)
        cmd = self.shell_cmd("--with", "settings=raw")
        self.assertEqual(cmd[cmd.index("--settings") + 1], FLAG_COPY)
        st = json.loads(self.inside('cat "$1"', FLAG_COPY).stdout)
        self.assertIn("Stop", st["hooks"])  # raw: as the user asked
        self.assertNotIn("apiKeyHelper", st)  # never from the view
        self.assertNotIn("allowManagedHooksOnly", self.managed())
        # back to no settings: the copy goes, --settings too
        self.launch("sync-config")
        r = self.inside('test -e "$1"', FLAG_COPY)
        self.assertNotEqual(r.returncode, 0, "the raw copy stayed")

    # the merge's own behaviour is SettingsMerge's
    test_sanitized_merge_keeps_sbx_keys_and_drops_hooks_and_secrets = None
    test_sync_config_follows_the_host = None
    test_unusable_sandbox_settings_are_left_as_they_are = None
    test_raw_mode = None
