"""Symlinks are never presented as symlinks and never followed out of the
anchors (SOURCE, resolved targets of top-level visible entries, --follow)."""

import errno
import os
import stat
import time

import pytest

import seedfs_util as U

# view-relative name -> symlink target; all must be hidden
HIDDEN_LINKS = {
    "skills/x/leak.md": "../../.credentials.json",
    "skills/x/leak-env.md": "../pdf/.env",
    "skills/x/leak-key.md": "../deploy/id_rsa",
    "skills/x/projects": "../../projects",
    "skills/x/todo.json": "../../todos/t.json",
    "skills/x/settings.md": "../../settings.json",
    "skills/x/passwd": "/etc/passwd",
    "skills/x/etc": "/etc",
    "skills/x/root": "/",
    "skills/x/escape-rel.md": "../../../../outside/secret.txt",
    "skills/x/escape-deep": "../../../../../../../../../../../../etc/passwd",
    "skills/x/proc-root": "/proc/self/root/etc/passwd",
    "skills/x/proc-fd0": "/proc/self/fd/0",
    "skills/x/proc-cwd": "/proc/self/cwd",
    "skills/x/proc-exe": "/proc/self/exe",
    "skills/x/dangling.md": "does-not-exist.md",
    "skills/x/loop": "loop",
    "skills/x/dev-null": "/dev/null",
}


@pytest.fixture
def link_source(source, outside):
    s = source
    s.add("skills/x/SKILL.md")
    os.symlink(outside / "secret.txt", s.src("skills/x/abs-outside.md"))
    s.hidden.add("skills/x/abs-outside.md")
    for rel, target in HIDDEN_LINKS.items():
        os.symlink(target, s.src(rel))
        s.hidden.add(rel)
    # symlinks that resolve inside SOURCE to visible things
    os.symlink("SKILL.md", s.src("skills/pdf/alias.md"))
    os.symlink("../../CLAUDE.md", s.src("skills/pdf/claude.md"))
    os.symlink(s.src("CLAUDE.md"), s.src("skills/pdf/abs-claude.md"))
    os.symlink("alias.md", s.src("skills/pdf/chain.md"))
    os.symlink("../agents", s.src("skills/agents-alias"))
    return s


PRESENTED = {
    "skills/pdf/alias.md": "skills/pdf/SKILL.md",
    "skills/pdf/claude.md": "CLAUDE.md",
    "skills/pdf/abs-claude.md": "CLAUDE.md",
    "skills/pdf/chain.md": "skills/pdf/SKILL.md",
}


def test_symlink_to_visible_file_is_a_regular_file(link_source, mount):
    v = mount(link_source)
    for rel, target in PRESENTED.items():
        st = os.lstat(v.p(rel))
        assert stat.S_ISREG(st.st_mode), (rel, oct(st.st_mode))
        assert st.st_size == len(link_source.files[target]), rel
        assert U.read_bytes(v.p(rel)) == link_source.files[target], rel
        assert U.errno_of(os.readlink, v.p(rel)) == errno.EINVAL, rel
        assert rel.rsplit("/", 1)[1] in os.listdir(v.p("skills/pdf"))


def test_symlink_to_visible_dir_is_a_directory(link_source, mount):
    v = mount(link_source)
    st = os.lstat(v.p("skills/agents-alias"))
    assert stat.S_ISDIR(st.st_mode)
    assert sorted(os.listdir(v.p("skills/agents-alias"))) == sorted(os.listdir(v.p("agents")))
    assert U.read_bytes(v.p("skills/agents-alias/team/lead.md")) == \
        link_source.files["agents/team/lead.md"]


def test_symlinks_out_of_source_or_to_hidden_are_hidden(link_source, mount):
    v = mount(link_source)
    listing = os.listdir(v.p("skills/x"))
    assert listing == ["SKILL.md"], listing
    for rel in list(HIDDEN_LINKS) + ["skills/x/abs-outside.md"]:
        for fn in (os.stat, os.lstat, os.readlink, os.listdir):
            assert U.errno_of(fn, v.p(rel)) == errno.ENOENT, (rel, fn.__name__)
        assert U.errno_of(os.open, v.p(rel), os.O_RDONLY | os.O_NONBLOCK) == errno.ENOENT, rel
    # and nothing below the directory-ish ones
    for rel in ["skills/x/etc/passwd", "skills/x/root/etc", "skills/x/proc-cwd/CLAUDE.md",
                "skills/x/projects/-home-user-work/abc.jsonl"]:
        assert U.errno_of(os.stat, v.p(rel)) == errno.ENOENT, rel


def test_no_entry_is_ever_presented_as_a_symlink(link_source, mount):
    v = mount(link_source)
    files, dirs, others = U.walk_view(v.mp)
    assert others == set()
    for rel in files | dirs:
        assert U.errno_of(os.readlink, v.p(rel)) == errno.EINVAL, rel
        assert U.SECRET_MARK not in (U.read_bytes(v.p(rel)) if rel in files else b""), rel
    assert "etc" not in dirs and not any(r.endswith("/etc") for r in dirs)


@pytest.fixture
def dotfiles_source(tmp_path, outside):
    """~/.claude whose CLAUDE.md, skills/ and rules/ are symlinks to a
    dotfiles checkout, as many users keep them."""
    dot = tmp_path / "dotfiles" / "claude"
    U.write(dot / "CLAUDE.md", b"# from dotfiles\n")
    U.write(dot / "other.md", U.SECRET_MARK + b": not an anchor\n")
    U.write(dot / "rules" / "style.md", b"style\n")
    U.write(dot / "rules" / ".env", U.SECRET_MARK)
    sk = tmp_path / "elsewhere" / "skills"
    U.write(sk / "s1" / "SKILL.md", b"s1 skill\n")
    U.write(sk / "s1" / "notes" / "deep.md", b"deep\n")
    U.write(sk / "s1" / ".env", U.SECRET_MARK)
    U.write(sk / "s1" / ".claude-plugin" / "plugin.json", U.SECRET_MARK)
    U.write(sk / "s2" / "SKILL.md", b"s2 skill\n")
    U.write(tmp_path / "elsewhere" / "next-to-skills.txt", U.SECRET_MARK)
    os.symlink("../s2/SKILL.md", sk / "s1" / "s2.md")                         # inside anchor
    os.symlink(outside / "secret.txt", sk / "s1" / "leak-abs.md")             # out of both
    os.symlink("../../next-to-skills.txt", sk / "s1" / "leak-rel.md")         # out of both
    os.symlink("../../../dotfiles/claude/other.md", sk / "s1" / "leak-dot.md")  # out of both
    os.symlink("/etc/passwd", sk / "s1" / "passwd")
    src = tmp_path / "home" / ".claude"
    src.mkdir(parents=True)
    os.symlink(dot / "CLAUDE.md", src / "CLAUDE.md")
    os.symlink(sk, src / "skills")
    os.symlink("../../dotfiles/claude/rules", src / "rules")
    U.write(src / ".credentials.json", U.SECRET_MARK)
    U.write(src / "agents" / "a.md", b"agent\n")
    return src


def test_top_level_symlinks_to_a_dotfiles_dir_are_served(dotfiles_source, mount):
    v = mount(dotfiles_source)
    assert sorted(os.listdir(v.mp)) == ["CLAUDE.md", "agents", "rules", "skills"]
    assert stat.S_ISREG(os.lstat(v.p("CLAUDE.md")).st_mode)
    assert U.read_bytes(v.p("CLAUDE.md")) == b"# from dotfiles\n"
    assert stat.S_ISDIR(os.lstat(v.p("skills")).st_mode)
    assert stat.S_ISDIR(os.lstat(v.p("rules")).st_mode)
    assert os.listdir(v.p("rules")) == ["style.md"]
    assert sorted(os.listdir(v.p("skills"))) == ["s1", "s2"]
    assert U.read_bytes(v.p("skills/s1/SKILL.md")) == b"s1 skill\n"
    assert U.read_bytes(v.p("skills/s1/notes/deep.md")) == b"deep\n"
    assert U.read_bytes(v.p("skills/s2/SKILL.md")) == b"s2 skill\n"


def test_symlinked_skills_dir_hides_links_leaving_both_anchors(dotfiles_source, mount):
    v = mount(dotfiles_source)
    assert sorted(os.listdir(v.p("skills/s1"))) == ["SKILL.md", "notes", "s2.md"]
    assert U.read_bytes(v.p("skills/s1/s2.md")) == b"s2 skill\n"
    for rel in ["skills/s1/leak-abs.md", "skills/s1/leak-rel.md", "skills/s1/leak-dot.md",
                "skills/s1/passwd", "skills/s1/.env", "skills/s1/.claude-plugin",
                "rules/.env", "other.md"]:
        assert U.errno_of(os.stat, v.p(rel)) == errno.ENOENT, rel
    assert U.errno_of(os.stat, v.p("CLAUDE.md/x")) == errno.ENOTDIR
    files, _, others = U.walk_view(v.mp)
    assert others == set()
    for rel in files:
        assert U.SECRET_MARK not in U.read_bytes(v.p(rel)), rel


@pytest.fixture
def follow_source(source, tmp_path):
    shared = tmp_path / "shared-skills"
    U.write(shared / "ext" / "SKILL.md", b"external skill\n")
    U.write(shared / "ext" / ".env", U.SECRET_MARK)
    U.write(tmp_path / "not-followed" / "SKILL.md", U.SECRET_MARK)
    os.symlink(shared / "ext", source.src("skills/ext"))
    os.symlink("../../../not-followed", source.src("skills/nf"))
    return source, shared


def test_symlink_into_a_follow_dir_is_hidden_without_follow(follow_source, mount):
    src, _ = follow_source
    v = mount(src)
    assert U.errno_of(os.stat, v.p("skills/ext")) == errno.ENOENT
    assert "ext" not in os.listdir(v.p("skills"))


def test_follow_dir_makes_symlink_work(follow_source, mount):
    src, shared = follow_source
    v = mount(src, follow=[shared])
    assert "ext" in os.listdir(v.p("skills"))
    assert stat.S_ISDIR(os.lstat(v.p("skills/ext")).st_mode)
    assert os.listdir(v.p("skills/ext")) == ["SKILL.md"]
    assert U.read_bytes(v.p("skills/ext/SKILL.md")) == b"external skill\n"
    assert U.errno_of(os.stat, v.p("skills/nf")) == errno.ENOENT
    assert U.errno_of(os.stat, v.p("skills/ext/.env")) == errno.ENOENT


def test_follow_from_a_rules_file(follow_source, mount, tmp_path):
    src, shared = follow_source
    rules = U.write(tmp_path / "user.yaml", f'follow: ["{shared}"]\n')
    v = mount(src, rules=[rules])
    assert U.read_bytes(v.p("skills/ext/SKILL.md")) == b"external skill\n"
    assert U.errno_of(os.stat, v.p("skills/nf")) == errno.ENOENT


def test_symlink_retargeted_to_a_secret_while_mounted(link_source, mount):
    v = mount(link_source)
    p = v.p("skills/pdf/alias.md")
    assert U.read_bytes(p) == link_source.files["skills/pdf/SKILL.md"]
    tmp = link_source.src("skills/pdf/alias.tmp")
    os.symlink("../../.credentials.json", tmp)
    os.rename(tmp, link_source.src("skills/pdf/alias.md"))

    def gone():
        try:
            data = U.read_bytes(p)
        except FileNotFoundError:
            return True
        assert U.SECRET_MARK not in data, "view followed a retargeted symlink to a secret"
        return False
    U.wait_for(gone, timeout=2.0, what="retargeted symlink to disappear from the view")
    assert "alias.md" not in os.listdir(v.p("skills/pdf"))


# ---------------------------------------------------------------- rules through symlinks

def test_dir_symlink_does_not_bypass_the_skills_plugin_rule(source, mount):
    """skills/evil -> ../agents/foo where agents/foo holds .claude-plugin/:
    in the view it sits at skills/evil/.claude-plugin, exactly what the
    never rule /skills/**/.claude-plugin/ exists to keep out of skills."""
    source.add("agents/foo/README.md")
    source.add("agents/foo/.claude-plugin/plugin.json", b'{"name": "evil"}\n')
    os.symlink("../agents/foo", source.src("skills/evil"))
    v = mount(source)
    if os.path.lexists(v.p("skills/evil")):
        assert U.errno_of(os.stat, v.p("skills/evil/.claude-plugin")) == errno.ENOENT
        assert U.errno_of(os.stat, v.p("skills/evil/.claude-plugin/plugin.json")) == errno.ENOENT
        assert ".claude-plugin" not in os.listdir(v.p("skills/evil"))


def test_dir_symlink_does_not_bypass_an_exclude_on_its_target(source, mount, tmp_path):
    rules = U.write(tmp_path / "user.yaml", 'exclude: ["/agents/team/"]\n')
    os.symlink("../agents", source.src("skills/ag"))
    v = mount(source, rules=[rules])
    assert U.errno_of(os.stat, v.p("agents/team")) == errno.ENOENT
    for rel in ["skills/ag/team", "skills/ag/team/lead.md"]:
        assert U.errno_of(os.stat, v.p(rel)) == errno.ENOENT, rel


def test_symlink_to_source_root_exposes_nothing_new(source, mount):
    os.makedirs(source.src("skills/x"))
    os.symlink("../..", source.src("skills/x/up"))
    os.symlink("..", source.src("skills/x/parent"))
    os.symlink("../../todos", source.src("skills/x/todos"))
    v = mount(source)
    for rel in ["skills/x/up/history.jsonl", "skills/x/up/todos/t.json", "skills/x/up/notes.md",
                "skills/x/up/.credentials.json", "skills/x/todos/t.json",
                "skills/x/up/projects/-home-user-work/abc.jsonl"]:
        assert U.errno_of(os.stat, v.p(rel)) == errno.ENOENT, rel
    files, _, others = U.walk_view_bounded(v.mp, limit=5000)
    assert others == set()
    for rel in files:
        assert U.SECRET_MARK not in U.read_bytes(v.p(rel)), rel


def test_odd_symlinks_are_hidden_and_do_not_hang(source, mount):
    d = source.src("skills/odd")
    os.makedirs(d)
    os.mkfifo(d / "fifo")
    os.symlink("fifo", d / "to-fifo.md")
    os.symlink("b", d / "a")
    os.symlink("a", d / "b")
    prev = "target.md"
    U.write(d / "target.md", b"t\n")
    for i in range(45):  # longer than the kernel's 40-link limit
        os.symlink(prev, d / f"l{i}")
        prev = f"l{i}"
    v = mount(source)
    names = set(os.listdir(v.p("skills/odd")))
    assert not names & {"fifo", "to-fifo.md", "a", "b", "l44"}, names
    for n in ["to-fifo.md", "a", "b", "l44"]:
        assert U.errno_of(os.open, v.p("skills/odd", n), os.O_RDONLY | os.O_NONBLOCK) == errno.ENOENT
    assert v.answers()


# ---------------------------------------------------------------- live, through symlinks

def test_edit_of_a_symlink_target_shows_under_every_name(link_source, mount):
    v = mount(link_source)
    for rel in ["CLAUDE.md", "skills/pdf/claude.md", "skills/pdf/abs-claude.md"]:
        assert U.read_bytes(v.p(rel)) == link_source.files["CLAUDE.md"]
    new = b"# edited instructions\n" * 3
    U.write(link_source.src("CLAUDE.md"), new)
    for rel in ["CLAUDE.md", "skills/pdf/claude.md", "skills/pdf/abs-claude.md"]:
        _, el = U.wait_for(lambda: U.read_bytes(v.p(rel)) == new, timeout=2.0,
                           what=f"edit seen through {rel}")
        assert el <= 1.0, (rel, el)


def test_edit_in_a_dotfiles_target_is_live(dotfiles_source, mount, tmp_path):
    v = mount(dotfiles_source)
    assert U.read_bytes(v.p("CLAUDE.md")) == b"# from dotfiles\n"
    os.listdir(v.p("skills"))
    assert U.read_bytes(v.p("skills/s1/SKILL.md")) == b"s1 skill\n"
    U.write(tmp_path / "dotfiles" / "claude" / "CLAUDE.md", b"# edited in dotfiles\n")
    _, el = U.wait_for(lambda: U.read_bytes(v.p("CLAUDE.md")) == b"# edited in dotfiles\n",
                       timeout=2.0, what="edit of the dotfiles CLAUDE.md")
    assert el <= 1.0, el
    U.write(tmp_path / "elsewhere" / "skills" / "s3" / "SKILL.md", b"s3\n")
    _, el = U.wait_for(lambda: "s3" in os.listdir(v.p("skills")), timeout=2.0,
                       what="new skill in the symlinked skills dir")
    assert el <= 1.0, el
    U.write(tmp_path / "elsewhere" / "skills" / "s1" / "SKILL.md", b"s1 v2\n")
    _, el = U.wait_for(lambda: U.read_bytes(v.p("skills/s1/SKILL.md")) == b"s1 v2\n",
                       timeout=2.0, what="edit inside the symlinked skills dir")
    assert el <= 1.0, el


def test_dir_symlink_does_not_bypass_an_anchored_never(source, mount, tmp_path):
    """A never pattern cannot be lifted by any layer; a symlink must not
    lift it either."""
    rules = U.write(tmp_path / "user.yaml", 'never: ["/agents/team/"]\n')
    os.symlink("../agents", source.src("skills/ag"))
    v = mount(source, rules=[rules])
    for rel in ["agents/team", "skills/ag/team", "skills/ag/team/lead.md"]:
        assert U.errno_of(os.stat, v.p(rel)) == errno.ENOENT, rel


def test_dir_symlink_does_not_expose_a_default_never_dir(source, mount):
    """agents/plug -> ../skills/plug: the bytes of skills/plug/.claude-plugin
    (never) must not be readable under another name."""
    os.symlink("../skills/plug", source.src("agents/plug"))
    v = mount(source)
    assert U.errno_of(os.stat, v.p("skills/plug/.claude-plugin")) == errno.ENOENT
    for rel in ["agents/plug/.claude-plugin", "agents/plug/.claude-plugin/plugin.json"]:
        assert U.errno_of(os.stat, v.p(rel)) == errno.ENOENT, rel
