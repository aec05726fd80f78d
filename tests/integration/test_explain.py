"""explain: visible/hidden, the deciding rule or the structural reason."""

import os
import re
import stat

import pytest

import seedfs_util as U

D = r"default\.yaml:\d+: "


def explain(*args, env=None):
    r = U.run(["explain"] + [os.fspath(a) for a in args], timeout=15, env=env)
    lines = r.stdout.splitlines()
    return r, (lines[0].strip() if lines else ""), (lines[1] if len(lines) > 1 else "")


# "FILE:LINE: PATTERN" may be followed by the kind of rule, e.g. " (include)"
KIND = r"(\s+\([a-z -]+\))?\s*$"


def check(source, rel, rc, verdict, reason_re, *opts):
    r, first, second = explain(*opts, source.path, rel)
    assert r.returncode == rc, (rel, r)
    assert first == verdict, (rel, r)
    assert re.search(reason_re, second, re.I), (rel, reason_re, r)


@pytest.mark.parametrize("rel,pattern", [
    ("CLAUDE.md", "/CLAUDE.md"),
    ("rules/lang/python.md", "/rules/"),
    ("skills/pdf/SKILL.md", "/skills/"),
    ("skills/pdf/scripts/extract.py", "/skills/"),
    ("skills", "/skills/"),
    ("agents/team/lead.md", "/agents/"),
    ("commands/git/commit.md", "/commands/"),
    ("output-styles/terse.md", "/output-styles/"),
])
def test_visible_with_deciding_include(source, rel, pattern):
    check(source, rel, 0, "visible", D + re.escape(pattern) + KIND)


@pytest.mark.parametrize("rel,pattern", [
    (".credentials.json", r"\.credentials\.json"),
    ("settings.local.json", r"settings\.local\.json"),
    (".claude.json.backup", r"\.claude\.json\*"),
    ("skills/pdf/.env", r"\.env" + KIND),
    ("skills/deploy/.env.production", r"\.env\.\*"),
    ("skills/pdf/cert.pem", r"\*\.pem"),
    ("skills/deploy/server.key", r"\*\.key"),
    ("skills/deploy/store.p12", r"\*\.p12"),
    ("skills/deploy/id_rsa.pub", r"id_rsa\*"),
    ("skills/deploy/id_ed25519", r"id_ed25519\*"),
    ("skills/deploy/.netrc", r"\.netrc"),
    ("skills/deploy/credentials-prod.json", r"credentials\*\.json"),
    ("skills/deploy/service-account-ci.json", r"service-account\*\.json"),
    ("skills/deploy/.git/config", r"\.git"),
    ("skills/deploy/.ssh/config", r"\.ssh/"),
    ("skills/plug/.claude-plugin/plugin.json", r"claude-plugin"),
    ("projects/-home-user-work/abc.jsonl", r"projects/"),
    ("ide/1234.lock", r"ide/"),
    ("skills/deploy/plugins/inner.txt", r"plugins/"),
])
def test_never_names_the_pattern(source, rel, pattern):
    check(source, rel, 1, "hidden", D + ".*" + pattern)


def test_env_example_is_visible(source):
    check(source, "skills/pdf/.env.example", 0, "visible", D + "/skills/")


def test_not_included(source):
    for rel in ["history.jsonl", "todos/t.json", "notes.md", "settings.json"]:
        r, first, second = explain(source.path, rel)
        assert r.returncode == 1 and first == "hidden", (rel, r)
        if rel != "settings.json":
            assert "no rule includes" in second, (rel, r)


def test_group(source):
    check(source, "settings.json", 0, "visible", r"settings\.json", "--with", "settings")
    check(source, "settings.local.json", 1, "hidden", D + r"settings\.local\.json",
          "--with", "settings")


def test_user_layer_rules_are_named(source, tmp_path):
    source.add("extra/b.md")
    source.add("skills/pdf/x.tmp")
    rules = U.write(tmp_path / "user.yaml",
                    '# my rules\ninclude: ["/extra/", "/.credentials.json"]\nexclude: ["*.tmp"]\n')
    check(source, "extra/b.md", 0, "visible", r"user\.yaml:2: /extra/" + KIND, "--rules", rules)
    check(source, "skills/pdf/x.tmp", 1, "hidden", r"user\.yaml:3: \*\.tmp" + KIND, "--rules", rules)
    # a never rule cannot be lifted by a later layer
    check(source, ".credentials.json", 1, "hidden", D + r"\.credentials\.json",
          "--rules", rules)


def test_default_source_from_environment(source):
    r, first, _ = explain("CLAUDE.md", env=U.cli_env({"CLAUDE_CONFIG_DIR": os.fspath(source.path)}))
    assert r.returncode == 0 and first == "visible", r
    r, first, _ = explain("CLAUDE.md", env=U.cli_env({"HOME": os.fspath(source.home)}))
    assert r.returncode == 0 and first == "visible", r


@pytest.fixture
def structural(source, outside):
    s = source
    os.mkfifo(s.src("skills/pdf/pipe.md"))
    sock = U.make_socket(os.fspath(s.src("skills/pdf/sock.md")))
    os.mknod(s.src("skills/pdf/null.md"), stat.S_IFCHR | 0o666, os.makedev(1, 3))
    os.mknod(s.src("skills/pdf/loop0.md"), stat.S_IFBLK | 0o600, os.makedev(7, 0))
    os.link(s.src(".credentials.json"), s.src("skills/pdf/notes.md"))
    os.symlink(outside / "secret.txt", s.src("skills/pdf/out.md"))
    os.symlink("../../../../outside/secret.txt", s.src("skills/pdf/out-rel.md"))
    os.symlink("/proc/self/root/etc/passwd", s.src("skills/pdf/proc.md"))
    os.symlink("../../.credentials.json", s.src("skills/pdf/cred.md"))
    os.symlink("SKILL.md", s.src("skills/pdf/alias.md"))
    yield s
    sock.close()


@pytest.mark.parametrize("rel,word", [
    ("skills/pdf/pipe.md", "fifo"),
    ("skills/pdf/sock.md", "socket"),
    ("skills/pdf/null.md", "device"),
    ("skills/pdf/loop0.md", "device"),
    ("skills/pdf/notes.md", "hard link"),
    ("skills/pdf/out.md", "symlink"),
    ("skills/pdf/out-rel.md", "symlink"),
    ("skills/pdf/proc.md", "symlink"),
    ("skills/pdf/missing.md", "not found"),
    ("skills/nowhere/x.md", "not found"),
])
def test_structural_reasons(structural, rel, word):
    check(structural, rel, 1, "hidden", re.escape(word))


def test_symlink_to_a_hidden_target_is_hidden(structural):
    r, first, second = explain(structural.path, "skills/pdf/cred.md")
    assert r.returncode == 1 and first == "hidden", r
    assert second.strip(), r


def test_symlink_inside_source_to_visible_is_visible(structural):
    r, first, _ = explain(structural.path, "skills/pdf/alias.md")
    assert r.returncode == 0 and first == "visible", r


def test_follow_option(source, tmp_path):
    shared = tmp_path / "shared"
    U.write(shared / "ext" / "SKILL.md", b"ext\n")
    os.symlink(shared / "ext", source.src("skills/ext"))
    r, first, second = explain(source.path, "skills/ext/SKILL.md")
    assert r.returncode == 1 and first == "hidden", r
    r, first, _ = explain("--follow", shared, source.path, "skills/ext/SKILL.md")
    assert r.returncode == 0 and first == "visible", r


@pytest.mark.parametrize("args", [
    ["SOURCE"],                      # no PATH
    ["SOURCE", "/etc/passwd"],       # absolute
    ["SOURCE", "../x"],
    ["SOURCE", "skills/../CLAUDE.md"],
    ["SOURCE", "skills//pdf"],
    ["SOURCE", ""],
    ["SOURCE", "CLAUDE.md", "extra"],
    ["--bogus", "SOURCE", "CLAUDE.md"],
    ["--rules", "BROKEN", "SOURCE", "CLAUDE.md"],
    ["--rules", "MISSING", "SOURCE", "CLAUDE.md"],
    ["MISSINGSRC", "CLAUDE.md"],
])
def test_bad_arguments_exit_2(source, tmp_path, args):
    broken = U.write(tmp_path / "broken.yaml", "include: [\n")
    subst = {"SOURCE": os.fspath(source.path), "BROKEN": os.fspath(broken),
             "MISSING": os.fspath(tmp_path / "missing.yaml"),
             "MISSINGSRC": os.fspath(tmp_path / "no-such-source")}
    r, _, _ = explain(*[subst.get(a, a) for a in args])
    assert r.returncode == 2, r
    assert r.stderr.strip(), r
    assert not r.stdout.startswith("visible"), r


def test_broken_rules_error_has_position(source, tmp_path):
    broken = U.write(tmp_path / "broken.yaml", 'include: ["/a/"]\nexclude: ["[x"]\n')
    r, _, _ = explain("--rules", broken, source.path, "CLAUDE.md")
    assert r.returncode == 2, r
    assert re.search(re.escape(os.fspath(broken)) + r":2:\d+: \S", r.stderr), r


def test_explain_agrees_with_the_view(structural, mount):
    v = mount(structural)
    checked = 0
    for dirpath, dirnames, filenames in os.walk(structural.path):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, structural.path)
            r, first, _ = explain(structural.path, rel)
            assert r.returncode in (0, 1), (rel, r)
            in_view = os.path.lexists(v.p(rel))
            assert (r.returncode == 0) == in_view, (rel, first, in_view)
            assert first == ("visible" if in_view else "hidden"), (rel, r)
            checked += 1
    assert checked > 100
