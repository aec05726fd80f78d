"""`claude-sbx kit export DIR`: the kit parsed back (PyYAML, Debian
python3-yaml): its fields, the allow list equal to the allowlists, the seed
under files/home/.claude/ equal to what the view shows and nothing it
hides; a non-empty DIR refused, --force replacing it without touching
anything outside; a failure leaving nothing behind."""
import os
import re
import unittest

from harness import FILES, SECRET, LauncherCase

try:
    import yaml
except ImportError:  # pragma: no cover
    yaml = None

SEEN = ["CLAUDE.md", "agents/code-reviewer.md", "commands/deploy-docs.md",
        "output-styles/terse.md", "rules/style.md", "skills/pdf-tools/SKILL.md",
        "skills/pdf-tools/scripts/split.sh", "skills/release-notes/SKILL.md"]
V2_KEYS = {"schemaVersion", "kind", "name", "displayName", "description", "permissions", "setup"}
V1_KEYS = {"schemaVersion", "kind", "name", "displayName", "description", "network", "commands"}
NAME_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$")


def tree(root):
    out = []
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            out.append(os.path.relpath(os.path.join(d, n), root))
    return sorted(out)


@unittest.skipUnless(yaml, "PyYAML not installed (Debian: python3-yaml)")
class KitExport(LauncherCase):
    def setUp(self):
        super().setUp()
        self.kit = os.path.join(self.tmp, "out", "kit")
        os.makedirs(os.path.dirname(self.kit))

    def export(self, *args, check=0):
        """claude-sbx [OPTION]... kit export DIR (DIR is the last argument)."""
        options, target = list(args[:-1]), args[-1]
        return self.launch(*(options + ["kit", "export", target]), check=check)

    def spec(self):
        with open(os.path.join(self.kit, "spec.yaml")) as f:
            return yaml.safe_load(f)

    def seed_files(self):
        return [p for p in tree(os.path.join(self.kit, "files", "home", ".claude"))
                if os.path.isfile(os.path.join(self.kit, "files", "home", ".claude", p))]

    def assertNoLeftovers(self):
        self.assertNothingMounted()
        self.assertEqual([n for n in os.listdir(os.path.dirname(self.kit)) if n != "kit"], [])
        self.assertEqual([n for n in os.listdir(self.runtime) if "kit" in n], [])

    def assertSeedOnly(self):
        self.assertEqual(self.seed_files(), SEEN)
        for rel in SEEN:
            with open(os.path.join(self.kit, "files", "home", ".claude", rel)) as f:
                self.assertEqual(f.read(), FILES[rel], rel)
        everything = tree(self.kit)
        for hidden in (".credentials.json", "settings.json", "settings.local.json",
                       "projects", "plugins", "history.jsonl", "id_rsa", ".env"):
            self.assertFalse([p for p in everything if os.path.basename(p) == hidden],
                             hidden + " reached the kit")
        for d, _, files in os.walk(self.kit):
            for n in files:
                with open(os.path.join(d, n), errors="replace") as f:
                    self.assertNotIn(SECRET, f.read(), os.path.join(d, n))

    def test_v2(self):
        p = self.export(self.kit)
        self.assertIn("[5/5]", p.stdout)
        spec = self.spec()
        self.assertEqual(set(spec), V2_KEYS)
        self.assertEqual(spec["schemaVersion"], "2")
        self.assertEqual(spec["kind"], "mixin")
        self.assertRegex(spec["name"], NAME_RE)
        self.assertEqual(spec["name"], "claude-app-seed")
        self.assertTrue(spec["displayName"])
        self.assertIn("CLAUDE.md", spec["description"])
        self.assertEqual(set(spec["permissions"]), {"network"})
        self.assertEqual(set(spec["permissions"]["network"]), {"allow"})
        self.assertEqual(spec["permissions"]["network"]["allow"], self.wanted("claude-code"))
        install = spec["setup"]["install"]
        self.assertEqual(len(install), 1)
        self.assertIn('{"allowManagedHooksOnly": true}', install[0]["command"])
        self.assertIn("/etc/claude-code/managed-settings.json", install[0]["command"])
        self.assertSeedOnly()
        with open(os.path.join(self.kit, "README.md")) as f:
            readme = f.read()
        self.assertIn("sbx run --kit %s claude %s\n" % (self.kit, self.ws), readme)
        self.assertEqual(sorted(os.listdir(self.kit)), ["README.md", "files", "spec.yaml"])
        self.assertEqual(self.calls(), [], "kit export called sbx")
        self.assertNoLeftovers()

    def test_v1_and_more_allowlists(self):
        self.export("--schema", "1", "--allowlist", "npm", "--allow", "Mirror.Example.com:8443",
                    self.kit)
        spec = self.spec()
        self.assertEqual(set(spec), V1_KEYS)
        self.assertEqual(spec["schemaVersion"], "1")
        self.assertEqual(spec["kind"], "mixin")
        self.assertEqual(spec["network"]["allowedDomains"],
                         sorted(set(self.wanted("claude-code", "npm")) |
                                {"mirror.example.com:8443"}))
        self.assertEqual(spec["commands"]["install"][0]["user"], "0")
        self.assertSeedOnly()
        self.assertNoLeftovers()

    def test_settings_enabled_is_still_not_copied(self):
        p = self.export("--with", "settings", self.kit)
        self.assertIn("settings.json not copied", p.stdout)
        self.assertSeedOnly()
        with open(os.path.join(self.kit, "README.md")) as f:
            self.assertIn("`settings.json` is not in the kit", f.read())

    def test_frontmatter_hooks_do_not_reach_the_kit(self):
        # the view serves skills with their frontmatter hooks removed; the
        # kit is a copy of what the view serves
        self.write_source({"skills/hooked/SKILL.md":
                           "---\nname: hooked\ndescription: d\nhooks:\n  Stop:\n    - hooks:\n"
                           "        - type: command\n          command: touch /tmp/HOOKED\n"
                           "---\nBody stays.\n"})
        self.export(self.kit)
        with open(os.path.join(self.kit, "files", "home", ".claude", "skills", "hooked",
                               "SKILL.md")) as f:
            text = f.read()
        self.assertNotIn("touch /tmp/HOOKED", text)
        self.assertIn("Body stays.", text)

    def test_non_empty_dir_refused_then_replaced_with_force(self):
        os.makedirs(os.path.join(self.kit, "sub"))
        with open(os.path.join(self.kit, "keep.txt"), "w") as f:
            f.write("mine\n")
        # links inside the old DIR point outside it: --force must not follow them
        outside = os.path.join(self.tmp, "outside")
        os.makedirs(os.path.join(outside, "dir"))
        with open(os.path.join(outside, "dir", "precious"), "w") as f:
            f.write("keep me\n")
        with open(os.path.join(outside, "file"), "w") as f:
            f.write("keep me too\n")
        os.symlink(os.path.join(outside, "dir"), os.path.join(self.kit, "link-dir"))
        os.symlink(os.path.join(outside, "file"), os.path.join(self.kit, "sub", "link-file"))
        before = tree(self.kit)

        p = self.export(self.kit, check=2)
        self.assertIn("is not empty", p.stderr)
        self.assertIn("--force", p.stderr)
        self.assertEqual(tree(self.kit), before)
        self.assertNoLeftovers()

        self.export("--force", self.kit)
        self.assertEqual(sorted(os.listdir(self.kit)), ["README.md", "files", "spec.yaml"])
        self.assertSeedOnly()
        self.assertEqual(tree(outside), ["dir", "dir/precious", "file"])
        with open(os.path.join(outside, "dir", "precious")) as f:
            self.assertEqual(f.read(), "keep me\n")
        self.assertNoLeftovers()
        # a second --force over our own kit
        self.export("--force", self.kit)
        self.assertSeedOnly()
        self.assertNoLeftovers()

    def test_refusals(self):
        # an empty DIR is fine without --force
        os.makedirs(self.kit)
        self.export(self.kit)
        self.assertSeedOnly()
        # a symlink, a file, and a directory holding the workspace or the
        # source are refused, --force or not
        link = os.path.join(self.tmp, "out", "link")
        os.symlink(self.kit, link)
        p = self.export("--force", link, check=2)
        self.assertIn("symbolic link", p.stderr)
        afile = os.path.join(self.tmp, "out", "afile")
        with open(afile, "w") as f:
            f.write("x")
        p = self.export("--force", afile, check=2)
        self.assertIn("not a directory", p.stderr)
        p = self.export("--force", self.tmp, check=2)
        self.assertIn("not replacing it", p.stderr)
        p = self.export(os.path.join(self.source, "kit"), check=2)
        self.assertIn("inside seed.source", p.stderr)
        for bad in (".", "..", "/"):
            self.export(bad, check=2)
        self.assertTrue(os.path.isfile(afile))
        self.assertTrue(os.path.isdir(self.ws))
        self.assertFalse(os.path.exists(os.path.join(self.source, "kit")))

    def test_failure_leaves_nothing(self):
        bad = os.path.join(self.tmp, "bad-rules.yaml")
        with open(bad, "w") as f:
            f.write("include:\n  - '/x\n")
        cfg = os.path.join(self.tmp, "c.yaml")
        with open(cfg, "w") as f:
            f.write("seed:\n  rules: [%s]\n" % bad)
        p = self.export("--config", cfg, self.kit, check=2)
        self.assertIn("step 2/5 (seed view)", p.stderr)
        self.assertIn("nothing was written", p.stderr)
        self.assertFalse(os.path.exists(self.kit))
        self.assertEqual(os.listdir(os.path.dirname(self.kit)), [])
        self.assertNothingMounted()
        self.assertEqual(os.listdir(self.runtime), [])
        # a failure over an existing kit leaves it as it was
        self.export(self.kit)
        before = tree(self.kit)
        p = self.export("--config", cfg, "--force", self.kit, check=2)
        self.assertEqual(tree(self.kit), before)
        self.assertNoLeftovers()
