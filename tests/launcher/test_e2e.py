"""End to end: claude-sbx against the stand-in sbx, checked from inside."""
import json
import os
import subprocess

from harness import (CLAUDE_MD, EXPECTED_SKILLS, EXPECTED_TOP, SECRET, LauncherCase,
                     mounts_under)


SEED_PLUGIN = "/home/agent/.local/share/claude-sbx/seed-plugin"


class StartStop45(LauncherCase):
    SBX_VERSION = "0.45"

    def start(self, *args, **kw):
        return self.launch(*(list(args) + ["start"]), **kw)

    @property
    def via_plugin(self):
        """sbx's store sits on ~/.claude/skills from 0.37 (skills_store
        readonly by default): the view's skills go in the seed plugin."""
        return self.SBX_VERSION >= "0.37"

    @property
    def skills_dir(self):
        return SEED_PLUGIN + "/skills" if self.via_plugin else "$HOME/.claude/skills"

    def test_agent_sees_config_through_the_view(self):
        p = self.start()
        self.assertIn("[7/7] ready", p.stdout)
        # CLAUDE.md byte-identical to the host's, read inside the sandbox
        r = self.inside('cat "$HOME/.claude/CLAUDE.md"')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, CLAUDE_MD)
        r = self.inside('ls "$1" && echo --- && cd "$HOME/.claude" && ls agents commands rules',
                        self.skills_dir.replace("$HOME", "/home/agent"))
        self.assertEqual(r.returncode, 0, r.stderr)
        skills, rest = r.stdout.split("---\n")
        self.assertEqual(skills.split(), EXPECTED_SKILLS)
        for name in ("code-reviewer.md", "deploy-docs.md", "style.md"):
            self.assertIn(name, rest)
        r = self.inside('cat "%s/pdf-tools/SKILL.md"' % self.skills_dir)
        self.assertIn("marker-skill-pdf-5d0e", r.stdout)
        if self.via_plugin:
            # the plugin's skills/ links the view's; sbx's store is left alone
            r = self.inside('readlink "$1/skills" "$HOME/.claude/agents"; '
                            'cat "$1/.claude-plugin/plugin.json"; ls -A "$HOME/.claude/skills"',
                            SEED_PLUGIN)
            lines = r.stdout.splitlines()
            self.assertEqual(lines[:2], [self.view + "/skills", self.view + "/agents"])
            self.assertEqual(json.loads(lines[2])["name"], "seed")
            self.assertEqual(lines[3:], [])
        else:
            # one link per skill folder; the others link whole entries
            r = self.inside('readlink "$HOME/.claude/skills/pdf-tools" "$HOME/.claude/agents"')
            self.assertEqual(r.stdout.split(), [self.view + "/skills/pdf-tools",
                                                self.view + "/agents"])
        r = self.inside('ls -A "$1"', self.view)
        self.assertEqual(r.stdout.split(), EXPECTED_TOP)
        # mountpoint kept out of git
        with open(os.path.join(self.ws, ".git", "info", "exclude")) as f:
            self.assertIn("/.claude-seed/\n", f.read())
        self.launch("start")  # idempotent: the second start reuses both
        with open(os.path.join(self.ws, ".git", "info", "exclude")) as f:
            self.assertEqual(f.read().count("/.claude-seed/"), 1)

    def test_writes_refused(self):
        self.start()
        for script in ('echo x > "$HOME/.claude/CLAUDE.md"',
                       'echo x > "$HOME/.claude/skills/pdf-tools/new.md"',
                       'rm -f "$HOME/.claude/agents/code-reviewer.md"',
                       'mkdir "$HOME/.claude/commands/sub"',
                       'echo x > "$1/CLAUDE.md"', 'touch "$1/new-file"'):
            r = self.inside(script, self.view)
            self.assertNotEqual(r.returncode, 0, script)
        r = self.inside('echo x > "$1/CLAUDE.md"', self.view, root=True)
        self.assertNotEqual(r.returncode, 0, "root inside the sandbox wrote the view")
        with open(os.path.join(self.source, "CLAUDE.md")) as f:
            self.assertEqual(f.read(), CLAUDE_MD)

    def test_secrets_and_host_settings_unreachable(self):
        self.start()
        script = r'''
        for p in "$1/.credentials.json" "$1/settings.json" "$1/settings.local.json" \
                 "$1/projects" "$1/plugins" "$1/history.jsonl" "$1/id_rsa" \
                 "$1/skills/pdf-tools/.env" "$2" "$2/.credentials.json" \
                 "$2/settings.json" "$HOME/.claude/.credentials.json"; do
          if [ -e "$p" ] || [ -L "$p" ]; then echo "REACHABLE $p"; fi
        done
        grep -rl "$3" "$HOME" "$1" 2>/dev/null | sed 's/^/LEAK /'
        true
        '''
        r = self.inside(script, self.view, self.source, SECRET)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "")
        # sbx's own settings.json and .claude.json are left as sbx wrote them
        r = self.inside('cat "$HOME/.claude/settings.json"; echo; cat "$HOME/.claude.json"')
        self.assertIn("sbx-proxy-placeholder", r.stdout)
        self.assertIn("sbxManaged", r.stdout)
        self.assertNotIn("hooks", r.stdout)

    def test_profile_and_managed_settings(self):
        self.start()
        r = self.inside('cat /etc/claude-code/managed-settings.json')
        self.assertTrue(json.loads(r.stdout)["allowManagedHooksOnly"])
        r = self.inside('cat /etc/profile.d/claude-sbx.sh')
        self.assertNotIn(SECRET, r.stdout)
        code = "".join(l for l in r.stdout.splitlines(True) if not l.startswith("#"))
        self.assertNotRegex(code, r"(?i)api_key|auth_token|secret|token|password")
        r = self.inside('unset TERM; . /etc/profile.d/claude-sbx.sh; echo "$TERM|$CLAUDE_SBX_SEED"')
        self.assertEqual(r.stdout.strip(), "xterm-256color|" + self.view)
        r = self.inside('TERM=screen; . /etc/profile.d/claude-sbx.sh; echo "$TERM"')
        self.assertEqual(r.stdout.strip(), "screen")

    def test_stop_leaves_nothing_and_is_idempotent(self):
        self.start()
        self.assertEqual(mounts_under(self.view), [self.view])
        p = self.launch("stop")
        self.assertIn("removed", p.stdout)
        self.assertNoSandbox()
        self.assertNothingMounted()
        self.assertFalse(os.path.exists(self.view))
        p = self.launch("stop")
        self.assertIn("no sandbox", p.stdout)
        self.assertNothingMounted()

    def test_stop_refuses_attached_session_without_force(self):
        self.start()
        p = self.launch("stop", check=1, env={"SBX_FAKE_ATTACHED": self.name})
        self.assertIn("attached session", p.stderr)
        self.assertEqual(mounts_under(self.view), [self.view], "view unmounted under a live sandbox")
        self.launch("stop", "--force", env={"SBX_FAKE_ATTACHED": self.name})
        self.assertNothingMounted()

    def test_live_and_sync_config(self):
        self.start()
        with open(os.path.join(self.source, "CLAUDE.md"), "a") as f:
            f.write("edited on the host\n")
        self.assertTrue(self.wait_for(
            lambda: "edited on the host" in self.inside('cat "$HOME/.claude/CLAUDE.md"').stdout))
        self.write_source({"skills/new-skill/SKILL.md":
                           "---\nname: new-skill\ndescription: d\n---\n"})
        import shutil
        shutil.rmtree(os.path.join(self.source, "skills", "release-notes"))
        self.assertTrue(self.wait_for(lambda: os.path.exists(
            os.path.join(self.view, "skills", "new-skill"))))
        p = self.launch("sync-config")
        if not self.via_plugin:
            self.assertIn("linked skills/new-skill", p.stdout)
            self.assertIn("unlinked skills/release-notes", p.stdout)
        r = self.inside('ls "%s"' % self.skills_dir)
        self.assertEqual(r.stdout.split(), ["new-skill", "pdf-tools"])
        r = self.inside('cat "%s/new-skill/SKILL.md"' % self.skills_dir)
        self.assertIn("new-skill", r.stdout)

    def test_status(self):
        self.start()
        p = self.launch("status")
        self.assertIn("sandbox:  %s: running" % self.name, p.stdout)
        self.assertIn("view:     %s: mounted" % self.view, p.stdout)
        self.assertIn("source: " + self.source, p.stdout)
        self.assertRegex(p.stdout, r"rules:  \S+default\.yaml xxh3:[0-9a-f]{16}")
        self.assertIn("visible: " + " ".join(EXPECTED_TOP), p.stdout)
        self.assertIn("in sync", p.stdout)
        self.sbx("policy", "allow", "network", "extra.example.org")
        self.sbx("policy", "rm", "network", "--resource", "api.anthropic.com")
        p = self.launch("status")
        self.assertIn("DRIFT", p.stdout)
        self.assertIn("drift: missing api.anthropic.com", p.stdout)
        self.assertIn("drift: stale extra.example.org", p.stdout)
        self.launch("reload-allowlist")
        self.assertIn("in sync", self.launch("status").stdout)

    def test_separate_placement(self):
        p = self.launch("--placement", "separate", "start")
        view = os.path.join(self.runtime, "claude-sbx", self.name, "seed")
        self.assertIn("mounted " + view, p.stdout)
        create = [c for c in self.calls() if c[0] == "create"][0]
        self.assertIn(view + ":ro", create)
        self.assertFalse(os.path.exists(self.view))
        r = self.inside('cat "$HOME/.claude/CLAUDE.md"; readlink "$HOME/.claude/agents"')
        self.assertEqual(r.stdout, CLAUDE_MD + view + "/agents\n")
        r = self.inside('touch "$1/x"', view)
        self.assertNotEqual(r.returncode, 0)
        self.launch("stop")
        self.assertNothingMounted()
        self.assertFalse(os.path.exists(os.path.join(self.runtime, "claude-sbx")))

    def test_view_not_visible_inside_names_the_fix(self):
        p = self.launch("start", check=1, env={"SBX_FAKE_HIDE_NESTED": "1"})
        self.assertIn("step 6/7", p.stderr)
        self.assertIn("not visible inside the sandbox", p.stderr)
        self.assertIn("seed.placement: separate", p.stderr)
        self.assertNothingMounted()
        self.assertNoSandbox()
        # the named fix works with the same sbx
        self.launch("--placement", "separate", "start", env={"SBX_FAKE_HIDE_NESTED": "1"})

    def test_shell_attaches(self):
        with open(os.path.join(self.tmp, "shell.yaml"), "w") as f:
            f.write("agent: shell\n")
        # agent shell packs Claude Code with npm: a stand-in npm on both sides
        self.fake_npm()
        self.launch("--config", os.path.join(self.tmp, "shell.yaml"), "start",
                    env=self.npm_env)
        p = self.launch("--config", os.path.join(self.tmp, "shell.yaml"), "shell",
                        input='echo "seed=$CLAUDE_SBX_SEED"; ls "%s"; '
                              'claude --version; exit 0\n' % self.skills_dir, env=self.npm_env)
        self.assertIn("seed=" + self.view, p.stdout)
        self.assertIn("pdf-tools", p.stdout)
        self.assertIn("9.9.9 (fake Claude Code)", p.stdout)
        runs = [c for c in self.calls() if c[0] == "run"]
        if self.SBX_VERSION >= "0.33":
            self.assertEqual(runs[-1], ["run", "--name", self.name])
        else:
            self.assertEqual(runs[-1], ["run", self.name])
        # the stage went away
        self.assertEqual([n for n in os.listdir(self.ws) if n.startswith(".claude-sbx-stage")], [])

    def fake_npm(self):
        """npm on the host packs two tarballs; npm in the image installs them."""
        host = os.path.join(self.tmp, "host-bin")
        image = os.path.join(self.tmp, "image-bin")
        os.makedirs(host)
        os.makedirs(image)
        with open(os.path.join(host, "npm"), "w") as f:
            f.write('#!/bin/sh\n'
                    'case "$1" in\n'
                    'view) echo 9.9.9 ;;\n'
                    'pack) shift; while [ "$1" != --pack-destination ]; do shift; done\n'
                    '      d=$2; shift 2; for s in "$@"; do\n'
                    '        n=$(echo "$s" | sed "s/^@//; s/[@\\/]/-/g").tgz\n'
                    '        echo "$s" > "$d/$n"; done ;;\n'
                    '*) echo "unexpected npm $*" >&2; exit 1 ;;\n'
                    'esac\n')
        with open(os.path.join(image, "npm"), "w") as f:
            f.write('#!/bin/sh\n'
                    '[ "$1" = install ] || exit 1\n'
                    'prefix=; for a in "$@"; do case $a in *.tgz) grep -q "claude-code@9.9.9" "$a" '
                    '&& ok=1 ;; esac; done\n'
                    'while [ "$1" != --prefix ]; do shift; done; prefix=$2\n'
                    '[ "${ok:-}" = 1 ] || { echo "no tarball" >&2; exit 1; }\n'
                    'mkdir -p "$prefix/bin"\n'
                    'printf "#!/bin/sh\\necho \\"9.9.9 (fake Claude Code)\\"\\n" > "$prefix/bin/claude"\n'
                    'chmod +x "$prefix/bin/claude"\n')
        for d in (host, image):
            os.chmod(os.path.join(d, "npm"), 0o755)
        self.npm_env = {"PATH": host + ":" + self.env["PATH"], "SBX_FAKE_IMAGE_BIN": image}

    def test_version_specific_calls(self):
        self.start()
        calls = self.calls()
        verbs = [c[1] for c in calls if c[0] == "policy"]
        self.assertNotIn("reset", verbs)
        if self.SBX_VERSION >= "0.34":
            self.assertIn(["policy", "init", "deny-all"], calls)
            self.assertIn(["policy", "ls", "--json"], calls)
        else:
            self.assertIn(["policy", "set-default", "deny-all"], calls)
            self.assertNotIn(["policy", "init", "deny-all"], calls)
            self.assertIn(["policy", "ls"], calls)
            self.assertNotIn(["policy", "ls", "--json"], calls)
        # exec -d fails since 0.45: never used; sbx's skills store mode
        for c in calls:
            if c[:1] == ["exec"]:
                self.assertNotIn("-d", c[:c.index(self.name)])
                self.assertNotIn("--detach", c[:c.index(self.name)])
        create = [c for c in calls if c[:1] == ["create"]][0]
        if self.SBX_VERSION >= "0.43":
            self.assertEqual(create[create.index("--skills"):][:2], ["--skills", "readonly"])
        else:
            self.assertNotIn("--skills", create)

    def test_shell_passes_the_seed_to_claude(self):
        self.start()
        self.launch("--with", "settings", "sync-config")
        # the agent's own exit status does not matter here (a real claude
        # under /usr may run and refuse the empty input): what was run does
        self.launch("shell", input="", check=None)
        with open(os.path.join(self.state, "run.log")) as f:
            cmd = json.loads(f.read().splitlines()[-1])
        runs = [c for c in self.calls() if c[:1] == ["run"]]
        self.assertEqual(runs[-1][:3] if self.SBX_VERSION >= "0.33" else runs[-1][:2],
                         ["run", "--name", self.name] if self.SBX_VERSION >= "0.33"
                         else ["run", self.name])
        # without --with settings the view serves no settings.json
        self.assertNotIn("--settings", cmd)
        self.assertEqual("--plugin-dir" in cmd, self.via_plugin)
        if self.via_plugin:
            self.assertEqual(cmd[cmd.index("--plugin-dir") + 1], SEED_PLUGIN)
        self.launch("stop")
        self.launch("--with", "settings", "start")
        self.launch("--with", "settings", "shell", input="", check=None)
        with open(os.path.join(self.state, "run.log")) as f:
            cmd = json.loads(f.read().splitlines()[-1])
        self.assertEqual(cmd[cmd.index("--settings") + 1], self.view + "/settings.json")
        # sbx's own settings.json is as sbx wrote it
        r = self.inside('cat "$HOME/.claude/settings.json"')
        self.assertEqual(json.loads(r.stdout), {"apiKeyHelper": "echo sbx-proxy-placeholder",
                                                "permissions": {"defaultMode": "acceptEdits"}})


class StartStop31(StartStop45):
    SBX_VERSION = "0.31"


class StartStop38(StartStop45):
    SBX_VERSION = "0.38"


class StartStop55(StartStop45):
    SBX_VERSION = "0.55"


class SkillsOff55(StartStop45):
    """skills_store: off: sbx mounts no store; links as before 0.37."""
    SBX_VERSION = "0.55"

    def setUp(self):
        super().setUp()
        with open(os.path.join(self.env["XDG_CONFIG_HOME"], "claude-sbx.yaml"), "w") as f:
            f.write("skills_store: off\n")
        os.makedirs(os.path.join(self.env["XDG_CONFIG_HOME"], "claude-sbx"), exist_ok=True)
        os.replace(os.path.join(self.env["XDG_CONFIG_HOME"], "claude-sbx.yaml"),
                   os.path.join(self.env["XDG_CONFIG_HOME"], "claude-sbx", "config.yaml"))

    via_plugin = False

    def test_version_specific_calls(self):
        self.start()
        create = [c for c in self.calls() if c[:1] == ["create"]][0]
        self.assertEqual(create[create.index("--skills"):][:2], ["--skills", "off"])


class Sbx55Surface(LauncherCase):
    """What 0.43-0.55 changed around the sandbox itself."""
    SBX_VERSION = "0.55"
    WORKSPACE_NAME = ("Ünïcödé café " + "long-" * 20 + "end.-")

    @property
    def name(self):
        create = [c for c in self.calls() if c[:1] == ["create"]]
        return create[-1][create[-1].index("--name") + 1]

    def test_hostile_long_workspace_gets_a_valid_name(self):
        p = self.launch("start")
        n = self.name
        self.assertLessEqual(len(n), 63)
        self.assertRegex(n, r"^claude-[A-Za-z0-9.+-]*[A-Za-z0-9+]$")
        self.assertIn("[7/7] ready", p.stdout)
        r = self.inside('cat "$HOME/.claude/CLAUDE.md"')
        self.assertEqual(r.stdout, CLAUDE_MD)
        # the stand-in refuses what 0.43 refuses
        bad = self.sbx("create", "--name", "claude-x-", "shell", self.ws)
        self.assertNotEqual(bad.returncode, 0)
        self.launch("stop")
        self.assertNoSandbox()

    def test_stand_in_mount_exec_detach_run_rm(self):
        """The stand-in's 0.45-0.47 surface, which the launcher avoids on
        purpose (docs/launcher.md, sbx versions): checked so that a launcher
        change that starts using it meets the documented behaviour."""
        self.launch("start")
        extra = os.path.join(self.tmp, "extra")
        os.makedirs(extra)
        with open(os.path.join(extra, "f"), "w") as f:
            f.write("x\n")
        bad = self.sbx("mount", self.name, extra + ":ro")  # target read as "ro"
        self.assertNotEqual(bad.returncode, 0)
        r = self.sbx("mount", self.name, extra + ":/mnt/extra:ro")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.inside('cat /mnt/extra/f && ! touch /mnt/extra/g 2>/dev/null')
        self.assertEqual(r.stdout, "x\n")
        self.assertEqual(r.returncode, 0)
        self.assertEqual(self.sbx("umount", self.name, extra + ":/mnt/extra").returncode, 0)
        self.assertNotEqual(self.sbx("exec", "-d", self.name, "true").returncode, 0)
        self.launch("stop")

    def test_gemini_and_schema_3_refused_with_reasons(self):
        p = self.launch("--agent", "gemini", "start", check=2)
        self.assertIn("retired", p.stderr)
        self.assertIn("0.53", p.stderr)
        p = self.launch("kit", "export", os.path.join(self.tmp, "k"), "--schema", "3", check=2)
        self.assertIn("schema 3", p.stderr)
        self.assertEqual(self.calls(), [])


class Allowlists(LauncherCase):
    def test_reload_is_exact(self):
        # a store with a baseline, foreign rules and stale/duplicate local ones
        self.seed_state("deny-all", [
            ("default-0", "network", "deny", "**", "default"),
            ("kit-1", "network", "allow", "*.docker.io", "kit"),
            ("d1", "network", "deny", "evil.example.com", "local"),
            ("a1", "network", "allow", "stale.example.com", "local"),
            ("a2", "network", "allow", "api.anthropic.com", "local"),
            ("a3", "network", "allow", "api.anthropic.com", "local"),
        ])
        p = self.launch("reload-allowlist")
        self.assertIn("already set", p.stdout)
        self.assertEqual(self.local_allows(), self.wanted("claude-code"))
        rules = self.state_json()["rules"]
        ids = {r["id"] for r in rules}
        self.assertTrue({"default-0", "kit-1", "d1"} <= ids, "foreign rules touched")
        self.assertIn("a2", ids)  # the first of two duplicates is kept
        self.assertIn("removed: stale.example.com", p.stdout)
        # add a list, then take it away again: exactly those hosts change
        cfg = os.path.join(self.tmp, "extra.yaml")
        with open(cfg, "w") as f:
            f.write("network:\n  allowlists: [claude-code, npm, github]\n"
                    "  allow: ['Internal.Example.com:8443']\n")
        self.launch("--config", cfg, "reload-allowlist")
        self.assertEqual(self.local_allows(),
                         sorted(set(self.wanted("claude-code", "npm", "github")) |
                                {"internal.example.com:8443"}))
        before = {r["id"] for r in self.state_json()["rules"]}
        self.launch("--allowlist", "pypi", "reload-allowlist")
        after = self.state_json()["rules"]
        self.assertEqual(self.local_allows(), sorted(set(self.wanted("claude-code", "pypi"))))
        kept = {r["id"] for r in after} & before
        self.assertTrue({"default-0", "kit-1", "d1", "a2"} <= kept)
        self.assertNotIn("reset", [c[1] for c in self.calls() if c[0] == "policy"])

    def test_user_allowlist_and_union(self):
        udir = os.path.join(self.tmp, "config", "claude-sbx", "allowlist")
        os.makedirs(udir)
        with open(os.path.join(udir, "corp.txt"), "w") as f:
            f.write("# corp\nartifacts.corp.example  # mirror\n*.corp.example:443\n")
        with open(os.path.join(self.tmp, "config", "claude-sbx", "config.yaml"), "w") as f:
            f.write("network:\n  allowlists: [claude-code, corp]\n")
        self.launch("reload-allowlist")
        self.assertEqual(self.local_allows(), sorted(set(self.wanted("claude-code")) | {
            "artifacts.corp.example", "*.corp.example:443"}))

    def test_bad_allowlist_line_changes_nothing(self):
        bad = os.path.join(self.tmp, "bad.txt")
        with open(bad, "w") as f:
            f.write("good.example.com\n\nexa mple.com\n")
        p = self.launch("--allowlist", bad, "start", check=2)
        self.assertIn(bad + ":3:", p.stderr)
        self.assertEqual(self.calls(), [])
        with open(bad, "w") as f:
            f.write("good.example.com\nfoo..bar\n")
        p = self.launch("--allowlist", bad, "reload-allowlist", check=2)
        self.assertIn(bad + ":2: bad host pattern \"foo..bar\"", p.stderr)
        self.assertEqual(self.calls(), [])
        self.assertNothingMounted()


class Config(LauncherCase):
    def write(self, text):
        p = os.path.join(self.tmp, "c.yaml")
        with open(p, "w") as f:
            f.write(text)
        return p

    def test_bad_config_is_usage_error_and_touches_nothing(self):
        cases = [
            ("seed:\n  placment: separate\n", ':2:3: unknown key "placment" in seed'),
            ("network:\n  allow: example.com\n", ":2:10: network.allow: expected a list"),
            ("agent: codex\n", ':1:8: agent: "codex" is not one of: claude, shell'),
            ("base: &b {agent: shell}\n", ":1:7: YAML anchors are not accepted"),
            ("name: 'bad name'\n", "not a valid sandbox name"),
            ("network:\n  allow: ['*']\n", "allow-all is not an allowlist entry"),
            ("network: [\n", "YAML syntax error"),
        ]
        for text, want in cases:
            p = self.launch("--config", self.write(text), "start", check=2)
            self.assertIn(want, p.stderr, text)
            self.assertEqual(p.stderr.count("\n"), 1, p.stderr)
        self.assertEqual(self.calls(), [])
        self.assertNothingMounted()

    def test_usage(self):
        self.assertEqual(self.launch("frobnicate", check=2).returncode, 2)
        self.launch(check=2)
        p = self.launch("--help")
        self.assertIn("reload-allowlist", p.stdout)
        self.launch("--bogus", "start", check=2)

    def test_missing_tools_one_line(self):
        bindir = os.path.join(self.tmp, "only-sbx")
        os.makedirs(bindir)
        p = self.launch("start", check=1, env={"PATH": bindir})
        self.assertEqual(p.stderr.count("\n"), 1, p.stderr)
        self.assertIn("fusermount3", p.stderr)
        self.assertIn("install", p.stderr)
        os.symlink("/usr/bin/fusermount3", os.path.join(bindir, "fusermount3"))
        p = self.launch("start", check=1, env={"PATH": bindir})
        self.assertEqual(p.stderr.count("\n"), 1, p.stderr)
        self.assertIn("sbx", p.stderr)
        self.assertIn("install", p.stderr)
        self.assertNothingMounted()


class HostileWorkspacePath(LauncherCase):
    WORKSPACE_NAME = "my work 'q' \"dq\" $(touch PWNED) `touch PWNED2`; x"

    def test_start_and_stop(self):
        name = "claude-my-work-q-dq-touch-PWNED-touch-PWNED2-x"
        p = self.launch("start")
        self.assertIn(name, p.stdout)
        r = self.sbx("exec", name, "sh", "-c", 'cat "$HOME/.claude/CLAUDE.md"; pwd')
        self.assertEqual(r.stdout, CLAUDE_MD + self.ws + "\n")
        self.launch("stop")
        self.assertNothingMounted()
        for root in (self.tmp, self.ws, os.getcwd(), "/"):
            for f in ("PWNED", "PWNED2"):
                self.assertFalse(os.path.exists(os.path.join(root, f)), root)

    @property
    def name(self):
        return "claude-my-work-q-dq-touch-PWNED-touch-PWNED2-x"
