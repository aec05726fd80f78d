"""Shared fixtures for the launcher's end-to-end tests.

Each test gets a temporary world: a HOME whose ~/.claude holds a realistic
config (instructions, skills, agents, commands, and the secrets and runtime
state that must never reach the sandbox), a workspace (a git repository),
the stand-in sbx first on PATH with its own state, and XDG dirs. The
launcher under test is the built claude-sbx, the view is mounted for real
(FUSE) and what the agent sees is read from inside the bubblewrap sandbox.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SBX_BIN_DIR = os.path.join(HERE, "bin")
LAUNCHER = os.environ.get("CLAUDE_SBX", "")
SOURCE_ROOT = os.environ.get("MESON_SOURCE_ROOT",
                             os.path.abspath(os.path.join(HERE, "..", "..")))

CLAUDE_MD = "# House rules\nAlways answer in haiku. marker-claude-md-7f3a\n"
SECRET = "SECRET-TOKEN-do-not-leak-91c2"

FILES = {
    "CLAUDE.md": CLAUDE_MD,
    "rules/style.md": "Prefer small functions. marker-rules-style-22b1\n",
    "skills/pdf-tools/SKILL.md":
        "---\nname: pdf-tools\ndescription: Split and merge PDF files "
        "marker-skill-pdf-5d0e\n---\nUse qpdf.\n",
    "skills/pdf-tools/scripts/split.sh": "#!/bin/sh\nqpdf --split-pages \"$1\"\n",
    "skills/pdf-tools/.env": "API_KEY=" + SECRET + "\n",
    "skills/release-notes/SKILL.md":
        "---\nname: release-notes\ndescription: Draft release notes from git log "
        "marker-skill-notes-81aa\n---\nRead the log.\n",
    "agents/code-reviewer.md":
        "---\nname: code-reviewer\ndescription: Reviews diffs for bugs "
        "marker-agent-reviewer-4c4c\n---\nYou review code.\n",
    "commands/deploy-docs.md":
        "---\ndescription: Publish the docs site marker-command-deploy-6e6e\n---\n"
        "Run the docs deploy.\n",
    "output-styles/terse.md": "---\nname: terse\ndescription: Short answers\n---\nBe brief.\n",
    ".credentials.json": json.dumps({"claudeAiOauth": {"accessToken": SECRET}}),
    "settings.local.json": json.dumps({"permissions": {"allow": ["Bash(curl -H " + SECRET + ")"]}}),
    "projects/-home-me-app/session.jsonl": '{"prompt": "' + SECRET + '"}\n',
    "plugins/data/x/token": SECRET + "\n",
    "history.jsonl": '{"display": "' + SECRET + '"}\n',
    "id_rsa": "-----BEGIN OPENSSH PRIVATE KEY-----\n" + SECRET + "\n",
}

EXPECTED_TOP = ["CLAUDE.md", "agents", "commands", "output-styles", "rules", "skills"]
EXPECTED_SKILLS = ["pdf-tools", "release-notes"]


def have_fuse():
    return os.path.exists("/dev/fuse") and shutil.which("fusermount3")


def mounts_under(path):
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4].encode().decode("unicode_escape")
            if mp == path or mp.startswith(path.rstrip("/") + "/"):
                out.append(mp)
    return out


class LauncherCase(unittest.TestCase):
    """A fresh world per test; subclasses set SBX_VERSION."""

    SBX_VERSION = "0.45"
    WORKSPACE_NAME = "app"

    def setUp(self):
        if not LAUNCHER or not os.path.exists(LAUNCHER):
            self.skipTest("claude-sbx not built (CLAUDE_SBX unset)")
        if not have_fuse():
            self.skipTest("FUSE not available (/dev/fuse, fusermount3)")
        if not shutil.which("bwrap"):
            self.skipTest("bubblewrap (bwrap) not installed")
        self.tmp = tempfile.mkdtemp(prefix="sbx-launcher-")
        self.home = os.path.join(self.tmp, "home")
        self.source = os.path.join(self.home, ".claude")
        self.ws = os.path.join(self.tmp, self.WORKSPACE_NAME)
        self.state = os.path.join(self.tmp, "sbx-state")
        self.runtime = os.path.join(self.tmp, "run")
        for d in (self.source, self.ws, self.runtime, os.path.join(self.tmp, "config")):
            os.makedirs(d)
        os.chmod(self.runtime, 0o700)
        self.hook_marker = os.path.join(self.ws, "HOOK-RAN")
        self.write_source(FILES)
        self.write_source({"settings.json": json.dumps(self.host_settings(), indent=2)})
        subprocess.run(["git", "init", "-q", self.ws], check=True)
        self.env = {
            "PATH": SBX_BIN_DIR + ":" + os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.home,
            "XDG_CONFIG_HOME": os.path.join(self.tmp, "config"),
            "XDG_RUNTIME_DIR": self.runtime,
            "SBX_FAKE_STATE": self.state,
            "SBX_FAKE_VERSION": self.SBX_VERSION,
            "SBX_FAKE_PYTHON": sys.executable,
            "CLAUDE_SBX_ALLOWLIST_DIR": os.path.join(SOURCE_ROOT, "rules", "allowlist"),
            "CLAUDE_SEEDFS_DEFAULT_RULES": os.path.join(SOURCE_ROOT, "rules", "default.yaml"),
            "LANG": "C.UTF-8",
        }

    def tearDown(self):
        if not hasattr(self, "tmp"):
            return
        # leave nothing behind even when a test failed half-way
        self.launch("stop", "--force", check=None)
        for mp in reversed(mounts_under(self.tmp)):
            subprocess.run(["fusermount3", "-u", "-z", mp], capture_output=True)
            subprocess.run(["umount", "-l", mp], capture_output=True)
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- fixtures ----------------------------------------------------------
    def host_settings(self):
        hook = [{"hooks": [{"type": "command", "command": "touch " + self.hook_marker}]}]
        return {"hooks": {"SessionStart": hook, "Stop": hook, "UserPromptSubmit": hook},
                "env": {"ANTHROPIC_API_KEY": SECRET},
                "apiKeyHelper": "echo " + SECRET}

    def write_source(self, files):
        for rel, text in files.items():
            p = os.path.join(self.source, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as f:
                f.write(text)

    @property
    def name(self):
        return "claude-" + self.WORKSPACE_NAME

    @property
    def view(self):
        return os.path.join(self.ws, ".claude-seed")

    # -- running things ----------------------------------------------------
    launcher = LAUNCHER

    def launch(self, *args, check=0, env=None, cwd=None, input=None):
        self.reset_fail_counts()
        e = dict(self.env)
        if env:
            e.update(env)
        p = subprocess.run([LAUNCHER] + list(args), cwd=cwd or self.ws, env=e,
                           capture_output=True, text=True, input=input, timeout=300)
        if check is not None and p.returncode != check:
            self.fail("claude-sbx %s: exit %d (wanted %d)\nstdout:\n%s\nstderr:\n%s" % (
                " ".join(args), p.returncode, check, p.stdout, p.stderr))
        return p

    def reset_fail_counts(self):
        """SBX_FAKE_FAIL=step@N counts calls from the next launch on."""
        p = os.path.join(self.state, "state.json")
        if os.path.exists(p):
            st = self.state_json()
            st["counts"] = {}
            with open(p, "w") as f:
                json.dump(st, f)

    def sbx(self, *args, env=None, input=None):
        e = dict(self.env)
        if env:
            e.update(env)
        return subprocess.run(["sbx"] + list(args), env=e, capture_output=True,
                              text=True, input=input, timeout=300)

    def inside(self, script, *args, root=False):
        """Runs a shell script inside the sandbox, values as "$1"…"""
        cmd = ["exec"] + (["-u", "root"] if root else []) + [self.name, "sh", "-c",
                                                            script, "sh"] + list(args)
        return self.sbx(*cmd)

    def calls(self):
        p = os.path.join(self.state, "calls.log")
        if not os.path.exists(p):
            return []
        with open(p) as f:
            return [json.loads(line) for line in f]

    def state_json(self):
        with open(os.path.join(self.state, "state.json")) as f:
            return json.load(f)

    def seed_state(self, default=None, rules=()):
        os.makedirs(self.state, exist_ok=True)
        st = {"default": default, "sandboxes": {}, "counts": {},
              "rules": [dict(zip(("id", "type", "decision", "resource", "origin"), r))
                        for r in rules]}
        with open(os.path.join(self.state, "state.json"), "w") as f:
            json.dump(st, f)

    def local_allows(self):
        return sorted(r["resource"] for r in self.state_json()["rules"]
                      if r["origin"] == "local" and r["decision"] == "allow")

    def wanted(self, *lists):
        hosts = set()
        for name in lists:
            with open(os.path.join(SOURCE_ROOT, "rules", "allowlist", name + ".txt")) as f:
                for line in f:
                    line = line.split("#", 1)[0].strip()
                    if line:
                        hosts.add(line.lower())
        return sorted(hosts)

    def assertNothingMounted(self):
        self.assertEqual(mounts_under(self.tmp), [], "something is still mounted")

    def assertNoSandbox(self):
        self.assertEqual(self.sbx("ls", "-q").stdout.split(), [])

    def wait_for(self, pred, timeout=5.0):
        end = time.time() + timeout
        while time.time() < end:
            if pred():
                return True
            time.sleep(0.05)
        return pred()
