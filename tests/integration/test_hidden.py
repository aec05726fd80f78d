"""Hidden entries: ENOENT everywhere, absent from listings, indistinguishable
from names that do not exist."""

import errno
import os
import shutil
import time

import pytest

import seedfs_util as U

PAIRS = U.HIDDEN_ABSENT_PAIRS


def test_every_hidden_entry_is_enoent(source, view):
    assert len(source.hidden) > 60
    for rel in sorted(source.hidden):
        p = view.p(rel)
        assert U.errno_of(os.stat, p) == errno.ENOENT, rel
        assert U.errno_of(os.lstat, p) == errno.ENOENT, rel
        assert U.errno_of(os.open, p, os.O_RDONLY) == errno.ENOENT, rel
        assert U.errno_of(os.open, p, os.O_RDONLY | os.O_DIRECTORY) == errno.ENOENT, rel
        assert U.errno_of(os.listdir, p) == errno.ENOENT, rel
        assert not os.access(p, os.F_OK), rel
        assert not os.path.lexists(p), rel


def test_hidden_entries_absent_from_listings(source, view):
    for rel in sorted(source.hidden):
        parent, _, name = rel.rpartition("/")
        if parent in source.visible_dirs or parent == "":
            assert name not in os.listdir(view.p(parent) if parent else view.mp), rel


def test_children_of_hidden_dirs_are_enoent_not_enotdir(view):
    for rel in ["projects/-home-user-work", "projects/-home-user-work/memory/MEMORY.md",
                "plugins/data/p/token", "ide/1234.lock", "skills/deploy/.ssh/config",
                "skills/deploy/.aws/credentials", "backups/.claude.json.1700000000",
                ".credentials.json/x", "skills/pdf/.env/x"]:
        assert U.errno_of(os.stat, view.p(rel)) == errno.ENOENT, rel


@pytest.mark.parametrize("op", ["stat", "lstat", "open", "opendir", "listdir", "readlink",
                                "access", "statvfs", "chdir", "getxattr", "listxattr"])
def test_read_calls_same_errno_hidden_vs_absent(view, op):
    fns = {
        "stat": os.stat, "lstat": os.lstat, "open": lambda p: os.close(os.open(p, os.O_RDONLY)),
        "opendir": lambda p: os.close(os.open(p, os.O_RDONLY | os.O_DIRECTORY)),
        "listdir": os.listdir, "readlink": os.readlink,
        "access": _access,
        "statvfs": os.statvfs,
        "chdir": _chdir_and_back,
        "getxattr": lambda p: os.getxattr(p, "user.x"),
        "listxattr": os.listxattr,
    }
    fn = fns[op]
    for hidden, absent in PAIRS:
        eh, ea = U.errno_of(fn, view.p(hidden)), U.errno_of(fn, view.p(absent))
        assert eh == ea, f"{op}: hidden {hidden} -> {U.ename(eh)}, absent {absent} -> {U.ename(ea)}"
        assert eh != 0, f"{op} succeeded on hidden {hidden}"


def _access(p):
    if not os.access(p, os.F_OK):
        raise OSError(errno.ENOENT, "access() said no", p)


def _chdir_and_back(p):
    cwd = os.getcwd()
    os.chdir(p)
    os.chdir(cwd)


def test_xattrs_expose_nothing(source, mount):
    f = source.src("skills/pdf/SKILL.md")
    d = source.src("skills/pdf")
    set_any = False
    for target in (f, d):
        for name in (b"user.secret", b"trusted.secret"):
            try:
                os.setxattr(target, name, U.SECRET_MARK)
                set_any = True
            except OSError:
                pass
    assert set_any, "could not set any xattr on the source (filesystem support?)"
    v = mount(source)
    for rel in ["skills/pdf/SKILL.md", "skills/pdf", "CLAUDE.md", ""]:
        p = v.p(rel) if rel else v.mp
        try:
            names = os.listxattr(p)
        except OSError as e:
            assert e.errno in (errno.ENOTSUP, errno.ENODATA), (rel, e)
            names = []
        assert names == [], (rel, names)
        for name in ("user.secret", "trusted.secret", "security.selinux",
                     "system.posix_acl_access"):
            e = U.errno_of(os.getxattr, p, name)
            assert e in (errno.ENODATA, errno.ENOTSUP), (rel, name, U.ename(e))


def test_settings_group_shows_settings_json_only(source, mount):
    v = mount(source, with_=["settings"])
    assert "settings.json" in os.listdir(v.mp)
    # --with settings means sanitized (issue 5): the hook is gone, and with
    # it the secret marker; the safe key stays.
    served = U.read_bytes(v.p("settings.json"))
    assert b'"model": "x"' in served, served
    assert b"hooks" not in served and U.SECRET_MARK not in served, served
    assert os.stat(v.p("settings.json")).st_size == len(served)
    assert U.errno_of(os.stat, v.p("settings.local.json")) == errno.ENOENT
    assert U.errno_of(os.stat, v.p(".credentials.json")) == errno.ENOENT
    assert sorted(os.listdir(v.mp)) == sorted(
        ["CLAUDE.md", "rules", "skills", "agents", "commands", "output-styles", "settings.json"])


def test_settings_group_raw_serves_the_bytes(source, mount):
    v = mount(source, with_=["settings=raw"])
    assert U.read_bytes(v.p("settings.json")) == source.files["settings.json"]


def test_settings_group_enabled_from_a_rules_file(source, mount, tmp_path):
    rules = U.write(tmp_path / "user.yaml", "with: [settings]\n")
    v = mount(source, rules=[rules])
    assert "settings.json" in os.listdir(v.mp)
    assert U.errno_of(os.stat, v.p("settings.local.json")) == errno.ENOENT


def test_user_layer_adds_and_excludes_but_cannot_lift_never(source, mount, tmp_path):
    source.add("extra/notes.md")
    source.add("extra/.env.production", visible=False)
    source.add("skills/pdf/scratch.tmp", b"tmp")
    rules = U.write(tmp_path / "user.yaml",
                    'include: ["/extra/", "/projects/", "/.credentials.json", "/ide/",\n'
                    '          "/skills/pdf/.env", "/skills/deploy/.git/"]\n'
                    'exclude: ["*.tmp", "/agents/team/"]\n')
    v = mount(source, rules=[rules])
    assert U.read_bytes(v.p("extra/notes.md")) == source.files["extra/notes.md"]
    assert sorted(os.listdir(v.p("extra"))) == ["notes.md"]
    for rel in ["projects", ".credentials.json", "ide", "skills/pdf/.env", "skills/deploy/.git",
                "skills/deploy/.git/config", "extra/.env.production",
                "skills/pdf/scratch.tmp", "agents/team", "agents/team/lead.md"]:
        assert U.errno_of(os.stat, v.p(rel)) == errno.ENOENT, rel
    assert "agents" in os.listdir(v.mp)
    assert os.listdir(v.p("agents")) == ["reviewer.md"]


def test_never_rules_in_a_user_layer(source, mount, tmp_path):
    rules = U.write(tmp_path / "user.yaml", 'never: ["reference.md", "/agents/team/"]\n')
    v = mount(source, rules=[rules])
    assert U.errno_of(os.stat, v.p("skills/pdf/reference.md")) == errno.ENOENT
    assert U.errno_of(os.stat, v.p("agents/team")) == errno.ENOENT
    assert os.path.isfile(v.p("skills/pdf/SKILL.md"))


def _hidden_clutter(d):
    """Adds hidden entries (files and directories) to directory d."""
    for n in [".git", ".ssh", "projects", "ide", ".aws", "backups"]:
        (d / n).mkdir(exist_ok=True)
        U.write(d / n / "x", U.SECRET_MARK)
    for n in [".env", "a.pem", "b.key", "id_rsa", ".netrc", "credentials.json"] + \
             [f"c{i}.pem" for i in range(40)]:
        U.write(d / n, U.SECRET_MARK)
    os.mkfifo(d / "fifo")


def test_dir_nlink_and_size_do_not_count_hidden_entries(tmp_path, mount):
    clean = U.build_sample(tmp_path / "a")
    dirty = U.build_sample(tmp_path / "b")
    for rel in ["", "skills", "skills/pdf", "agents", "commands/git"]:
        _hidden_clutter(dirty.src(rel) if rel else dirty.path)
    v1, v2 = mount(clean), mount(dirty)
    for rel in ["", "skills", "skills/pdf", "agents", "commands/git"]:
        s1 = os.stat(v1.p(rel) if rel else v1.mp)
        s2 = os.stat(v2.p(rel) if rel else v2.mp)
        assert (s1.st_nlink, s1.st_size) == (s2.st_nlink, s2.st_size), \
            f"{rel or '/'}: nlink/size differ with hidden entries: {s1} vs {s2}"
        subdirs = sum(1 for n in os.listdir(v1.p(rel) if rel else v1.mp)
                      if os.path.isdir(os.path.join(v1.p(rel) if rel else v1.mp, n)))
        assert s2.st_nlink in (1, 2 + subdirs), (rel, s2.st_nlink, subdirs)


def test_readdir_offsets_do_not_count_hidden_entries(tmp_path, mount):
    """d_off cookies and entry order must not depend on hidden entries
    (an index into the unfiltered listing would count them)."""
    clean = U.build_sample(tmp_path / "a")
    dirty = U.build_sample(tmp_path / "b")
    for rel in ["", "skills/pdf", "agents"]:
        _hidden_clutter(dirty.src(rel) if rel else dirty.path)
    v1, v2 = mount(clean), mount(dirty)
    for rel in ["", "skills/pdf", "agents"]:
        r1 = U.readdir_raw(v1.p(rel) if rel else v1.mp)
        r2 = U.readdir_raw(v2.p(rel) if rel else v2.mp)
        assert [n for n, _, _ in r1 if n not in (b".", b"..")] == \
            [n for n, _, _ in r2 if n not in (b".", b"..")], rel
        assert [(n, o) for n, o, _ in r1 if n not in (b".", b"..")] == \
            [(n, o) for n, o, _ in r2 if n not in (b".", b"..")], \
            f"{rel or '/'}: d_off differs when hidden entries exist"


def test_dir_stat_unchanged_when_hidden_entries_appear_live(source, view):
    before = {rel: os.stat(view.p(rel)) for rel in ["skills/pdf", "agents"]}
    before[""] = os.stat(view.mp)
    _hidden_clutter(source.src("skills/pdf"))
    _hidden_clutter(source.src("agents"))
    _hidden_clutter(source.path)
    deadline = time.monotonic() + 0.6
    while time.monotonic() < deadline:
        for rel, b in before.items():
            a = os.stat(view.p(rel) if rel else view.mp)
            assert (a.st_nlink, a.st_size) == (b.st_nlink, b.st_size), rel
        assert sorted(os.listdir(view.p("skills/pdf"))) == \
            sorted([".env.example", "SKILL.md", "reference.md", "scripts"])
        time.sleep(0.02)


def test_deleting_a_hidden_entry_changes_nothing_visible(source, view):
    listing = sorted(os.listdir(view.p("skills/deploy")))
    shutil.rmtree(source.src("skills/deploy/.git"))
    os.unlink(source.src("skills/deploy/id_rsa"))
    time.sleep(0.2)
    assert sorted(os.listdir(view.p("skills/deploy"))) == listing == ["SKILL.md"]


def test_later_listing_slices_hide_entries_that_changed(source, mount):
    """A long listing reaches the daemon in slices (READDIRPLUS at growing
    offsets). Each slice must decide on its entries when it serves them: a
    file hard-linked elsewhere, or replaced by a FIFO or by a symlink out of
    the anchors after the first slice was read, is absent from the rest of
    the listing and from lookups; every other entry is listed once."""
    d = source.src("skills/many")
    d.mkdir()
    for i in range(3000):
        U.write(d / f"e{i:05d}.md", b"x")
    v = mount(source)
    order = os.listdir(d)  # the daemon reads the source in this order
    late = order[-3:]
    dh = U._libc.opendir(os.fsencode(v.p("skills/many")))
    assert dh
    names = []
    try:
        first = U._libc.readdir(dh)  # the first slice only
        assert first
        names.append(first.contents.d_name)
        os.link(d / late[0], source.src("todos") / "linked.md")
        os.unlink(d / late[1])
        os.mkfifo(d / late[1])
        os.unlink(d / late[2])
        os.symlink("/etc/passwd", d / late[2])
        while True:
            ent = U._libc.readdir(dh)
            if not ent:
                break
            names.append(ent.contents.d_name)
    finally:
        U._libc.closedir(dh)
    listed = [os.fsdecode(n) for n in names if n not in (b".", b"..")]
    assert len(listed) == len(set(listed))
    for n in late:
        assert n not in listed, n
        assert U.errno_of(os.stat, v.p("skills/many", n)) == errno.ENOENT, n
    assert set(listed) == set(order) - set(late)
