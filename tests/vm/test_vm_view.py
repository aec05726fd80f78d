"""test_vm_view.py — the view as a process inside a real microVM sees it.

Owns the correctness checks across the virtiofs boundary (the latency
numbers are tests/bench/vm_live.py's). A realistic ~/.claude (the
integration suite's build_sample, secrets included) is mounted with the
real claude-seedfs at <workspace>/.claude-seed BEFORE the guests start
(virtiofsd works in a copy of the mount namespace taken when it starts);
the workspace is shared at the same absolute path, and one guest is booted
per virtiofsd cache mode (none, auto, always) and reused by every check.
In the guest, as root and as uid 1000: the listing equals the host's view,
every file is byte-identical, every write fails (EROFS for root; EACCES or EROFS
for uid 1000: the view's modes have no write bits), every hidden
name is ENOENT, and the inode numbers are printed. A host edit must reach
a guest re-reader within 2 s in none and auto; in always it is expected to
stay stale (virtiofsd does not forward the daemon's invalidations) and
that test is an expected failure, unless the guest keeper
(claude-seedfs-keeper, built next to SEEDFS_BIN, or $SEEDFS_VM_KEEPER) runs
in that guest: then it must be live within 2 s too.

Needs root, /dev/fuse, qemu, virtiofsd and a cached kernel
(tests/vm/fetch_kernel.py): otherwise every test is skipped.
"""

import hashlib
import os
import sys
import time
from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE))
sys.path.insert(0, str(_HERE.parent / "integration"))
import vm  # noqa: E402
import seedfs_util as U  # noqa: E402

WHY = vm.unavailable() or (None if os.path.exists("/dev/fuse") else "/dev/fuse missing")
if WHY is None and not os.access(U.BIN, os.X_OK):
    WHY = f"claude-seedfs not built: {U.BIN} (set SEEDFS_BIN)"
pytestmark = pytest.mark.skipif(WHY is not None, reason=str(WHY))

USERS = ["root", "user"]


@pytest.fixture(scope="session")
def view(tmp_path_factory):
    """(sample, workspace, view path) with the real view mounted."""
    base = tmp_path_factory.mktemp("vm")
    sample = U.build_sample(base / "home")
    # Owned by the guest's ordinary user, as a real ~/.claude is by its
    # owner: a write by uid 1000 is then refused for being read-only, not
    # for permissions.
    for dirpath, dirnames, filenames in os.walk(base / "home"):
        for n in [dirpath] + [os.path.join(dirpath, x) for x in dirnames + filenames]:
            os.lchown(n, vm.USER_UID, vm.USER_UID)
    ws = base / "workspace"
    (ws / "src").mkdir(parents=True)
    (ws / "src" / "main.c").write_text("int main(void) { return 0; }\n")
    mp = ws / ".claude-seed"
    mp.mkdir()
    r = U.run(["mount", os.fspath(sample.path), os.fspath(mp)], timeout=30)
    assert r.returncode == 0, r
    try:
        U.wait_for(lambda: U.seedfs_mounts_at(mp), timeout=10, what="the view mounted")
        yield sample, ws, mp
    finally:
        U.run(["umount", os.fspath(mp)], timeout=30)
        if U.is_mounted(mp):
            U.force_unmount(mp)


@pytest.fixture(scope="session", params=vm.CACHE_MODES)
def guest(request, view):
    _, ws, mp = view
    keeper = vm.keeper_binary(U.BIN) if request.param == "always" else None
    files = {"/bin/claude-seedfs-keeper": ("exec", keeper.read_bytes())} if keeper else None
    g = vm.boot([os.fspath(ws)], cache=request.param, files=files)
    g.keeper = None
    print(f"\n[vm] cache={request.param}: booted in {g.boot_seconds:.1f} s"
          + (f"; keeper {keeper}" if keeper else ""))
    try:
        if keeper:
            g.keeper = g.spawn(["/bin/claude-seedfs-keeper", "--interval", "200",
                                "--no-pidfile", os.fspath(mp)])
        yield g
    finally:
        if g.keeper:
            g.keeper.close()
        g.stop()


def host_tree(root):
    """{rel: ('d'|'f'|'l', sha256 or target)} of the host view."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            rel = os.path.relpath(os.path.join(dirpath, d), root)
            out[rel] = ("d", None)
        for f in filenames:
            p = os.path.join(dirpath, f)
            rel = os.path.relpath(p, root)
            if os.path.islink(p):
                out[rel] = ("l", os.readlink(p))
            else:
                out[rel] = ("f", hashlib.sha256(U.read_bytes(p)).hexdigest())
    return out


def guest_tree(g, root, user):
    """The same, from inside the guest (busybox find/sha256sum)."""
    r = g.exec(["find", root, "-mindepth", "1", "-type", "d"], user=user, check=True)
    out = {os.path.relpath(p, root): ("d", None) for p in r.out.splitlines()}
    r = g.exec(["find", root, "-type", "l"], user=user, check=True)
    for p in r.out.splitlines():
        t = g.exec(["readlink", p], user=user, check=True).out.rstrip("\n")
        out[os.path.relpath(p, root)] = ("l", t)
    r = g.exec(["find", root, "-type", "f", "-exec", "sha256sum", "{}", "+"],
               user=user, check=True)
    for line in r.out.splitlines():
        digest, path = line.split("  ", 1)
        out[os.path.relpath(path, root)] = ("f", digest)
    return out


@pytest.mark.parametrize("user", USERS)
def test_listing_and_bytes_match_the_host_view(guest, view, user):
    sample, _, mp = view
    host = host_tree(mp)
    assert host, "the host view is empty"
    assert {k for k, v in host.items() if v[0] == "f"} >= sample.visible_files
    got = guest_tree(guest, os.fspath(mp), user)
    missing = sorted(set(host) - set(got))
    extra = sorted(set(got) - set(host))
    differ = sorted(k for k in set(host) & set(got) if host[k] != got[k])
    assert not missing and not extra and not differ, \
        f"cache={guest.cache} user={user}: missing {missing}, extra {extra}, differ {differ}"


@pytest.mark.parametrize("user", USERS)
def test_nothing_secret_in_the_guest(guest, view, user):
    _, _, mp = view
    r = guest.exec(["grep", "-rl", U.SECRET_MARK.decode(), os.fspath(mp)], user=user)
    # grep: 1 = no match; anything printed is a leak.
    assert r.returncode == 1 and r.out == "", r


def _ro_attempts(mp):
    f = f"{mp}/CLAUDE.md"
    return [
        ["sh", "-c", 'echo x >> "$0"', f],
        ["sh", "-c", 'echo x > "$0"', f"{mp}/new.md"],
        ["truncate", "-s", "0", f],
        ["mkdir", f"{mp}/newdir"],
        ["rm", "-f", f],
        ["mv", f, f"{mp}/moved.md"],
        ["ln", "-s", "x", f"{mp}/link"],
        ["chmod", "777", f],
        ["touch", f],
    ]


@pytest.mark.parametrize("user", USERS)
def test_writes_get_erofs(guest, view, user):
    sample, _, mp = view
    before = U.read_bytes(mp / "CLAUDE.md")
    for argv in _ro_attempts(os.fspath(mp)):
        r = guest.exec(argv, user=user)
        assert r.returncode != 0, f"cache={guest.cache} user={user}: {r!r}"
        # The view's modes have no write bits, so the guest kernel refuses
        # uid 1000 itself (EACCES); root passes that check and gets EROFS.
        ok = ("Read-only file system",) if user == "root" else \
             ("Read-only file system", "Permission denied")
        assert any(m in r.err for m in ok), f"cache={guest.cache} user={user}: {r!r}"
    assert U.read_bytes(mp / "CLAUDE.md") == before == sample.files["CLAUDE.md"]
    assert not os.path.exists(mp / "new.md") and not os.path.exists(mp / "newdir")


@pytest.mark.parametrize("user", USERS)
def test_hidden_names_are_enoent(guest, view, user):
    sample, _, mp = view
    assert sample.hidden
    names = sorted(sample.hidden)
    # One guest command for all: `ls -d` of each name, each failing alone.
    script = 'for p; do ls -d "$p" >/dev/null 2>&1 && echo "VISIBLE $p"; ' \
             'cat "$p" >/dev/null 2>&1 && echo "READABLE $p"; ' \
             'ls -d "$p" 2>&1 | grep -q "No such file or directory" || echo "NOT-ENOENT $p"; done; true'
    r = guest.exec(["sh", "-c", script, "sh"] + [f"{mp}/{n}" for n in names], user=user)
    assert r.returncode == 0 and r.out == "", f"cache={guest.cache} user={user}:\n{r.out}"
    # ...and the source really has them (the check above is not vacuous).
    for n in names:
        assert os.path.lexists(sample.path / n), n


def test_inode_numbers_as_seen(guest, view):
    """Prints st_ino host vs guest; asserts they are unique in the guest and
    below 2^53 (JavaScript reads st_ino as a double)."""
    _, _, mp = view
    r = guest.exec(["find", os.fspath(mp), "-exec", "stat", "-c", "%i %n", "{}", "+"],
                   check=True)
    seen = {}
    for line in r.out.splitlines():
        ino, path = line.split(" ", 1)
        seen[path] = int(ino)
    host = {os.fspath(mp / rel) if rel != "." else os.fspath(mp): os.lstat(mp / rel).st_ino
            for rel in ["."] + list(host_tree(mp))}
    print(f"\n[vm] cache={guest.cache}: st_ino host -> guest "
          f"(2^53 = {2**53}; {sum(i >= 2**53 for i in seen.values())} of {len(seen)} above)")
    for p in sorted(seen):
        print(f"  {host.get(p, '?'):>20} {seen[p]:>20}  {os.path.relpath(p, mp)}")
    assert set(seen) == set(host)
    dup = [i for i in set(seen.values()) if list(seen.values()).count(i) > 1]
    assert not dup, f"duplicate inode numbers in the guest: {dup}"
    big = {os.path.relpath(p, mp): i for p, i in seen.items() if i >= 2**53}
    assert not big, f"inode numbers at or above 2^53 in the guest: {big}"


def _wait_guest_sees(g, path, want, timeout):
    """Seconds until a guest re-reader sees `want` at path, or None."""
    script = ('end=$(( $(date +%s) + $1 )); while [ "$(date +%s)" -le "$end" ]; do '
              'if [ "$(cat "$0" 2>/dev/null)" = "$2" ]; then echo seen; exit 0; fi; '
              'sleep 0.05; done; exit 1')
    start = time.monotonic()
    r = g.exec(["sh", "-c", script, path, str(int(timeout) + 1), want],
               user="user", timeout=timeout + 10)
    return time.monotonic() - start if r.returncode == 0 else None


def test_host_edit_reaches_the_guest(guest, view, request):
    sample, _, mp = view
    guest_path = os.fspath(mp / "agents" / "reviewer.md")
    src = sample.path / "agents" / "reviewer.md"
    # The guest has read it (and may cache it) before the edit.
    guest.exec(["cat", guest_path], check=True)
    want = f"edited for cache={guest.cache} at {time.time()}"
    tmp = src.with_name(".reviewer.tmp")
    tmp.write_text(want)
    os.rename(tmp, src)
    U.wait_for(lambda: U.read_bytes(mp / "agents" / "reviewer.md") == want.encode(),
               timeout=5, what="the host view showing the edit")
    took = _wait_guest_sees(guest, guest_path, want, 3)
    print(f"\n[vm] cache={guest.cache}: rename-over edit seen in the guest after "
          f"{'never (3 s)' if took is None else f'{took:.2f} s'}")
    if guest.cache == "always" and guest.keeper is None and took is None:
        pytest.xfail("cache=always without a guest keeper: the guest keeps its cached copy "
                     "(no claude-seedfs-keeper built next to SEEDFS_BIN, SEEDFS_VM_KEEPER unset)")
    assert took is not None and took <= 2.0, f"cache={guest.cache}: edit not seen within 2 s"


def test_the_source_itself_is_not_in_the_guest(guest, view):
    """Only the workspace is shared: ~/.claude is reachable through the view
    alone, also for root, also by walking up from the view."""
    sample, ws, mp = view
    for p in [sample.path / ".credentials.json", sample.path,
              f"{mp}/../../home/.claude/settings.json"]:
        r = guest.exec(["cat", os.fspath(p)])
        assert r.returncode != 0 and "No such file or directory" in r.err, r
    r = guest.exec(["grep", "-rl", U.SECRET_MARK.decode(), "/tmp", "/home", "/root"])
    assert r.out == "", r
