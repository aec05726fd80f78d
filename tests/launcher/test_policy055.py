"""sbx 0.55's egress surface: presets listed as origin local and told apart
by provenance.created_via, a baseline the user chose before `start`, rules
the launcher cannot classify, and output it does not recognise."""
import json
import os

from harness import LauncherCase


class Policy055(LauncherCase):
    SBX_VERSION = "0.55"

    def rules(self):
        return self.state_json()["rules"]

    def presets(self):
        return sorted((r["id"], r["type"], r["resource"]) for r in self.rules()
                      if r["origin"] == "default")

    def policy_calls(self, verb):
        return [c for c in self.calls() if c[:2] == ["policy", verb]]

    def write_state_rules(self, extra):
        st = self.state_json()
        st["rules"] += extra
        with open(os.path.join(self.state, "state.json"), "w") as f:
            json.dump(st, f)

    def test_start_leaves_presets_alone(self):
        p = self.launch("start")
        self.assertIn("ready", p.stdout)
        self.assertEqual(self.presets(), [("default-fs-read-allow-all", "filesystem:read", "**")])
        self.assertEqual(self.local_allows(), self.wanted("claude-code"))
        self.assertIn("1 sbx preset rules left as they are", p.stdout)
        self.assertNotIn("cannot classify", p.stdout)
        for c in self.policy_calls("rm"):
            self.assertFalse(c[-1].startswith("default-"), c)
        self.assertIn(["policy", "ls", "--json"], self.calls())
        self.assertEqual(self.policy_calls("reset"), [])

    def test_baseline_chosen_before_start_is_respected(self):
        for mode, want in (("balanced", 3), ("allow-all", 2)):
            with self.subTest(mode=mode):
                if mode != "balanced":
                    self.launch("stop", "--force", check=None)
                    self.assertEqual(self.sbx("policy", "reset").returncode, 0)
                self.assertEqual(self.sbx("policy", "init", mode).returncode, 0)
                before = self.presets()
                self.assertEqual(len(before), want)
                n = len(self.calls())
                cmd = "start" if mode == "balanced" else "reload-allowlist"
                p = self.launch(cmd)
                self.assertIn("baseline already set", p.stdout)
                self.assertIn("%d sbx preset rules left as they are" % want, p.stdout)
                self.assertEqual(self.presets(), before)
                self.assertEqual(self.local_allows(), self.wanted("claude-code"))
                self.assertEqual(self.state_json()["default"], mode)
                p = self.launch("reload-allowlist")
                self.assertIn("0 added, 0 removed", p.stdout)
                self.assertEqual(self.presets(), before)
                # a preset is never the target of a removal
                for c in self.policy_calls("rm"):
                    self.assertNotIn(c[-1], [b[0] for b in before])
                self.assertNotIn(["policy", "reset"], self.calls()[n:])

    def test_unclassifiable_rule_left_and_reported(self):
        self.assertEqual(self.sbx("policy", "init", "balanced").returncode, 0)
        odd = [
            # no provenance at all: was it the user's? cannot say
            {"id": "odd-noprov", "type": "network", "decision": "allow",
             "resource": "stale-a.example.com", "origin": "local",
             "raw": {"provenance": None}},
            # a created_via this launcher does not know
            {"id": "odd-imported", "type": "network", "decision": "allow",
             "resource": "stale-b.example.com", "origin": "local", "created_via": "imported"},
            # an id holding a terminal escape: reported, defused
            {"id": "odd-\x1b[31mred", "type": "network", "decision": "allow",
             "resource": "stale-d.example.com", "origin": "local", "raw": {"provenance": {}}},
            # a user-added stale rule: this one goes
            {"id": "user-stale", "type": "network", "decision": "allow",
             "resource": "stale-c.example.com", "origin": "local"},
            # a kit's rule: not ours, silently left
            {"id": "kit-rule", "type": "network", "decision": "allow",
             "resource": "kit.example.com", "origin": "kit"},
        ]
        self.write_state_rules(odd)
        p = self.launch("start")
        line = [l for l in p.stdout.splitlines() if "cannot classify" in l]
        self.assertEqual(len(line), 1, p.stdout)
        self.assertIn("3 rules", line[0])
        self.assertIn("odd-noprov", line[0])
        self.assertIn("odd-imported", line[0])
        self.assertIn("odd-?[31mred", line[0])
        self.assertNotIn("\x1b", p.stdout)
        ids = {r["id"] for r in self.rules()}
        self.assertTrue({"odd-noprov", "odd-imported", "kit-rule"} <= ids)
        self.assertNotIn("user-stale", ids)
        self.assertIn("removed: stale-c.example.com", p.stdout)
        removed = [c[-1] for c in self.policy_calls("rm")]
        self.assertEqual(removed, ["user-stale"])
        p = self.launch("status")
        self.assertIn("in sync", p.stdout)
        line = [l for l in p.stdout.splitlines() if "cannot classify" in l]
        self.assertEqual(len(line), 1, p.stdout)
        self.assertIn("odd-noprov", line[0])

    def test_unrecognised_output_fails_before_any_change(self):
        self.assertEqual(self.sbx("policy", "init", "deny-all").returncode, 0)
        self.sbx("policy", "allow", "network", "stale.example.com")
        canned = os.path.join(self.tmp, "canned")
        for text in ('[{"id": "x", "decision": "allow"}]\n',
                     '{"policies": []}\n',
                     '{"rules": [{"id": "x"}]} trailing\n',
                     'Error: something new happened\n'):
            with self.subTest(text=text):
                with open(canned, "w") as f:
                    f.write(text)
                before = self.rules()
                n = len(self.calls())
                p = self.launch("reload-allowlist", check=1,
                                env={"SBX_FAKE_POLICY_LS_OUTPUT": canned})
                self.assertIn("`sbx policy ls --json`", p.stderr)
                self.assertIn("expected", p.stderr)
                self.assertEqual(self.rules(), before)
                later = [c for c in self.calls()[n:] if c[0] == "policy"]
                self.assertFalse([c for c in later if c[1] in ("rm", "allow", "deny", "reset")],
                                 later)

    def test_banner_and_governance_tolerated(self):
        env = {"SBX_FAKE_GOVERNANCE": "Acme Corp"}
        self.assertEqual(self.sbx("policy", "init", "balanced", env=env).returncode, 0)
        r = self.sbx("policy", "ls", "--json", env=env)
        self.assertIn("A new version of sbx", r.stdout)  # the stand-in does print it
        p = self.launch("reload-allowlist", env=env)
        self.assertEqual(self.local_allows(), self.wanted("claude-code"))
        self.assertIn("3 sbx preset rules left as they are", p.stdout)


class Policy031(LauncherCase):
    SBX_VERSION = "0.31"

    def test_governance_line_before_the_table(self):
        env = {"SBX_FAKE_GOVERNANCE": "Acme Corp"}
        self.assertEqual(self.sbx("policy", "set-default", "deny-all", env=env).returncode, 0)
        self.sbx("policy", "allow", "network", "stale.example.com", env=env)
        self.assertTrue(self.sbx("policy", "ls", env=env).stdout.startswith("Governance:"))
        p = self.launch("reload-allowlist", env=env)
        self.assertEqual(self.local_allows(), self.wanted("claude-code"))
        self.assertIn("removed: stale.example.com", p.stdout)
        self.assertNotIn("cannot classify", p.stdout)


class Policy038(Policy055):
    """0.38: JSON with the same rule fields, presets as plain default-N rules."""
    SBX_VERSION = "0.38"

    def test_start_leaves_presets_alone(self):
        p = self.launch("start")
        self.assertIn("ready", p.stdout)
        self.assertEqual(self.presets(), [("default-0", "network", "**")])
        self.assertEqual(self.local_allows(), self.wanted("claude-code"))

    def test_baseline_chosen_before_start_is_respected(self):
        self.assertEqual(self.sbx("policy", "init", "balanced").returncode, 0)
        before = self.presets()
        p = self.launch("start")
        self.assertIn("baseline already set", p.stdout)
        self.assertEqual(self.presets(), before)
        self.assertEqual(self.local_allows(), self.wanted("claude-code"))

    def test_banner_and_governance_tolerated(self):
        self.skipTest("0.55 only")
