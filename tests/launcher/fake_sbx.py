"""A stand-in for Docker Sandboxes' `sbx` CLI, for the launcher tests.

It speaks the surface described in shared/docs/sbx-cli.md, in the flavour
of the version given by SBX_FAKE_VERSION (0.31, 0.38, 0.45, 0.55: the
skills store on /home/agent/.claude/skills, read-write by default from
0.37 and read-only by default from 0.43, `create --skills MODE` (0.43),
the 0.43 name rules, `exec -d` refused (0.45), `mount`/`umount` (0.45),
`run --rm` (0.47), gemini gone (0.53)), keeps its
state under SBX_FAKE_STATE, and runs `exec`/`run` commands inside
bubblewrap: every workspace path bound at its own absolute path (read-only
for PATH:ro), a per-sandbox /home/agent, /usr and friends read-only, and
nothing else of the host. The agent runs as uid 1000 (root with -u root).

Test hooks (environment):
  SBX_FAKE_STATE    state directory (required)
  SBX_FAKE_VERSION  e.g. 0.31, 0.38, 0.45, 0.55 (default 0.55)
  SBX_FAKE_GOVERNANCE=ORG  an organisation account: `Governance: Managed by
                    ORG | …` before tables, "organization" in policy JSON
  SBX_FAKE_BANNER=0 no update banner after JSON at 0.55
  SBX_FAKE_POLICY_LS_OUTPUT=FILE  `policy ls` (any flags) prints FILE as it is
  SBX_FAKE_FAIL     comma list of steps that fail, optionally @N for the
                    N-th call of that step: create, exec@2, policy-allow,
                    policy-rm, policy-init, policy-ls, rm, ls, version, run
  SBX_FAKE_SLOW     comma list of steps that take 2 s (to interrupt them)
  SBX_FAKE_ENV_X=V  sets X=V inside exec/run (stands in for the proxy's
                    injected configuration)
  SBX_FAKE_HIDE_NESTED=1 mounts nested inside a shared path are not visible
  SBX_FAKE_ATTACHED=NAME  `rm` without -f refuses NAME (a session attached)
  SBX_FAKE_IMAGE_BIN a host directory bound read-only at /opt/image/bin and
                    put first on PATH inside (tools of the sandbox image)
  SBX_FAKE_BACKEND=vm  a sandbox is a QEMU guest (fake_sbx_vm.py): exec/run
                    run in it, stop/rm stop it
Like a VM, a sandbox keeps /run and the daemons root started (`exec -u
root` runs outside a pid namespace, with /run kept per sandbox) until `sbx
stop` or `sbx rm`, which kill every process of the sandbox (those that
carry SBX_FAKE_SANDBOX_ID) and empty its /run. `sbx cp SRC SANDBOX:/home/
agent/PATH` (or the reverse) copies through the sandbox's home directory.
Every call is appended to $SBX_FAKE_STATE/calls.log as a JSON array.
"""
import json
import os
import shutil
import sys
import uuid

STATE = os.environ.get("SBX_FAKE_STATE")
VERSION = os.environ.get("SBX_FAKE_VERSION", "0.55")
VMAJ, VMIN = (int(x) for x in VERSION.split(".")[:2])


def ver_ge(major, minor):
    return (VMAJ, VMIN) >= (major, minor)


def die(msg, code=1):
    sys.stderr.write("ERROR: " + msg + "\n")
    sys.exit(code)


def load():
    p = os.path.join(STATE, "state.json")
    if not os.path.exists(p):
        return {"default": None, "rules": [], "sandboxes": {}, "counts": {}}
    with open(p) as f:
        return json.load(f)


def save(st):
    p = os.path.join(STATE, "state.json")
    with open(p + ".tmp", "w") as f:
        json.dump(st, f, indent=1)
    os.replace(p + ".tmp", p)


def maybe_fail(st, step):
    if step in os.environ.get("SBX_FAKE_SLOW", "").split(","):
        import time
        time.sleep(2)
    spec = os.environ.get("SBX_FAKE_FAIL", "")
    st["counts"][step] = st["counts"].get(step, 0) + 1
    save(st)
    for item in filter(None, (s.strip() for s in spec.split(","))):
        name, _, nth = item.partition("@")
        if name == step and (not nth or int(nth) == st["counts"][step]):
            die("injected failure in step %s (call %d)" % (step, st["counts"][step]))


def table(headers, rows):
    widths = [len(h) for h in headers]
    for r in rows:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], len(c))
    out = []
    for r in [headers] + rows:
        cells = [c.ljust(widths[i]) for i, c in enumerate(r)]
        out.append("   ".join(cells).rstrip())
    return "\n".join(out) + "\n"


# ---- policy ---------------------------------------------------------------
# A rule in the state: id, type ("network", "filesystem:read", …), decision,
# resource (comma-joined when a preset has several), origin ("local" for the
# user's rules, "default" for the baseline's presets, "kit", "org",
# "scoped"), and optionally created_via and "raw" (fields merged into the
# --json rendering, a None value deleting one: for odd rules in tests).

BASELINES = {
    "deny-all": [("deny", "**")],
    "balanced": [("allow", "*.docker.io"), ("allow", "*.ubuntu.com")],
    "allow-all": [("allow", "**")],
}

# Since about 0.45 a baseline brings named presets, listed with origin
# "local" and told apart only by provenance.created_via "default".
PRESETS = {
    "deny-all": [("default-fs-read-allow-all", "filesystem:read", "allow", "**")],
    "balanced": [
        ("default-ai-services", "network", "allow",
         "api.anthropic.com:443,statsig.anthropic.com:443,*.openai.com:443"),
        ("default-package-managers", "network", "allow",
         "registry.npmjs.org,pypi.org,files.pythonhosted.org,*.docker.io"),
        ("default-fs-read-allow-all", "filesystem:read", "allow", "**"),
    ],
    "allow-all": [("default-allow-all", "network", "allow", "**"),
                  ("default-fs-read-allow-all", "filesystem:read", "allow", "**")],
}

BANNER = "\nA new version of sbx is available: 0.56.0 (you have %s.0). Run `sbx update`.\n"


def governance():
    org = os.environ.get("SBX_FAKE_GOVERNANCE")
    return ("Governance: Managed by %s | policies enforced: network\n" % org) if org else ""


def banner():
    """0.55 may print an update notice after JSON on stdout (reported)."""
    if ver_ge(0, 55) and os.environ.get("SBX_FAKE_BANNER", "1") != "0":
        sys.stdout.write(BANNER % VERSION)


def policy(st, args):
    if not args:
        die("usage: sbx policy COMMAND")
    cmd, rest = args[0], args[1:]
    if cmd in ("init", "set-default"):
        if cmd == "init" and not ver_ge(0, 34):
            die('unknown command "init" for "sbx policy"')
        if cmd == "set-default" and ver_ge(0, 34):
            sys.stderr.write('Command "set-default" is deprecated, use "sbx policy init" instead\n')
        maybe_fail(st, "policy-" + cmd)
        if len(rest) != 1 or rest[0] not in BASELINES:
            die("expected one of allow-all, balanced, deny-all")
        if st["default"]:
            die('default policy is already set; use "sbx policy reset" first to change it')
        st["default"] = rest[0]
        if ver_ge(0, 45):
            for rid, typ, dec, res in PRESETS[rest[0]]:
                st["rules"].append({"id": rid, "type": typ, "decision": dec,
                                    "resource": res, "origin": "default"})
        else:
            for i, (dec, res) in enumerate(BASELINES[rest[0]]):
                st["rules"].append({"id": "default-%d" % i, "type": "network",
                                    "decision": dec, "resource": res, "origin": "default"})
        save(st)
        print("Default policy set to %s" % rest[0])
        return 0
    if cmd in ("allow", "deny"):
        maybe_fail(st, "policy-" + cmd)
        if len(rest) < 2 or rest[0] != "network":
            die("usage: sbx policy %s network RES[,RES...]" % cmd)
        if not st["default"]:
            die("no default policy set: run `sbx policy init` first")
        for res in rest[1].split(","):
            rid = str(uuid.uuid4())
            st["rules"].append({"id": rid, "type": "network", "decision": cmd,
                                "resource": res, "origin": "local"})
            print("Policy added: %s (%s)" % (rid, res))
        save(st)
        return 0
    if cmd == "rm":
        maybe_fail(st, "policy-rm")
        if not rest or rest[0] != "network":
            die("usage: sbx policy rm network --resource RES | --id ID")
        if len(rest) != 3 or rest[1] not in ("--resource", "--id"):
            die("usage: sbx policy rm network --resource RES | --id ID")
        if rest[1] == "--id":
            want = rest[2].split(":", 1)[-1] if not ver_ge(0, 32) else rest[2]
            for r in st["rules"]:
                if r["id"] == want and (r["origin"] != "local" or r["type"] != "network"):
                    die("rule %s is not a local network rule and cannot be removed "
                        "with `policy rm network`" % want)
            keep = [r for r in st["rules"] if r["id"] != want]
        else:
            ress = rest[2].split(",")
            keep = [r for r in st["rules"]
                    if not (r["origin"] == "local" and r["resource"] in ress)]
        if len(keep) == len(st["rules"]):
            die("no policy matches %s" % rest[2])
        print("Removed %d rule(s)" % (len(st["rules"]) - len(keep)))
        st["rules"] = keep
        save(st)
        return 0
    if cmd in ("ls", "list"):
        maybe_fail(st, "policy-ls")
        wide = "--wide" in rest
        js = "--json" in rest
        for a in rest:
            if a not in ("--wide", "--json") or (not ver_ge(0, 35)):
                die("unknown flag: %s" % a)
        return policy_ls(st, wide, js)
    if cmd == "reset":
        maybe_fail(st, "policy-reset")
        st["default"] = None
        st["rules"] = []
        save(st)
        print("Policy store reset")
        return 0
    if cmd == "check":
        host = rest[-1]
        allowed = any(r["decision"] == "allow" and r["type"] == "network" and
                      (host in r["resource"].split(",") or r["resource"] == "**")
                      for r in st["rules"])
        print(("Allowed: " if allowed else "Denied: ") + host)
        return 0
    die('unknown command "%s" for "sbx policy"' % cmd)


def rule_json(r):
    preset = r["origin"] == "default"
    o = {"id": r["id"], "name": r["id"] if preset else "rule-" + r["id"][:8],
         "policy_id": "local-policy" if r["origin"] in ("local", "default") else "pol-" + r["origin"],
         "scope": "global", "applies_to": "all sandboxes",
         "resource_type": r["type"], "decision": r["decision"],
         "resources": r["resource"].split(","),
         "origin": "local" if preset else r["origin"],
         "status": "active", "editable": not preset,
         "provenance": {"created_via": r.get("created_via") or ("default" if preset else "added")},
         "actions": ["view"] if preset else ["view", "remove"]}
    for k, v in r.get("raw", {}).items():
        if v is None:
            o.pop(k, None)
        else:
            o[k] = v
    return o


def policy_ls(st, wide, js):
    canned = os.environ.get("SBX_FAKE_POLICY_LS_OUTPUT")
    if canned:
        with open(canned) as f:
            sys.stdout.write(f.read())
        return 0
    rules = st["rules"]
    if not ver_ge(0, 32):
        rows = []
        for r in rules:
            name = ("local:" + r["id"]) if r["origin"] == "local" else r["id"]
            rows.append([name, r["type"], r["origin"], r["decision"], "active",
                         r["resource"]])
        sys.stdout.write(governance() + table(["NAME", "TYPE", "ORIGIN", "DECISION", "STATUS",
                                               "RESOURCES"], rows))
        return 0
    if js:
        doc = {"rules": [rule_json(r) for r in rules] or None}
        if os.environ.get("SBX_FAKE_GOVERNANCE"):
            doc["organization"] = {"name": os.environ["SBX_FAKE_GOVERNANCE"]}
        print(json.dumps(doc, indent=2))
        banner()
        return 0
    groups = {}
    for r in rules:
        groups.setdefault("local" if r["origin"] == "default" else r["origin"], []).append(r)
    if wide:
        rows = []
        for origin, rs in groups.items():
            for i, r in enumerate(rs):
                rows.append([origin, "all sandboxes", origin + "-policy", "pol-" + origin,
                             "rule-%d" % i, r["id"], r["type"], r["decision"],
                             r["resource"]])
        sys.stdout.write(governance() + table(["SOURCE", "APPLIES TO", "POLICY", "POLICY_ID",
                                               "RULE", "RULE_ID", "TYPE", "DECISION",
                                               "RESOURCES"], rows))
        return 0
    rows = []
    for origin, rs in groups.items():
        summary = "network: %d allow, %d deny" % (
            sum(r["decision"] == "allow" for r in rs), sum(r["decision"] == "deny" for r in rs))
        rows.append([origin + "-policy", origin, "all", summary])
    sys.stdout.write(governance() + table(["POLICY", "SOURCE", "APPLIES TO", "SUMMARY"], rows))
    return 0


# ---- sandboxes --------------------------------------------------------------

def sb_dir(name):
    return os.path.join(STATE, "sandboxes", name)


def default_skills_mode():
    """sbx's skills store on /home/agent/.claude/skills: none before 0.37,
    read-write by default in 0.37-0.42, read-only by default since 0.43."""
    if not ver_ge(0, 37):
        return "none"
    return "readonly" if ver_ge(0, 43) else "readwrite"


def check_name(name):
    ok = name and all(c.isascii() and (c.isalnum() or c in "-.+") for c in name) \
        and name[0] not in "-."
    if not ok:
        die("invalid sandbox name %r: use letters, digits, '-', '.', '+'" % name)
    if ver_ge(0, 43) and (len(name) > 63 or name[-1] in "-."):
        die("invalid sandbox name %r: at most 63 characters, not ending in '-' or '.'" % name)


def create(st, args):
    name, agent, paths, skills = None, None, [], default_skills_mode()
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--name":
            name = args[i + 1]
            i += 2
            continue
        if a in ("--kit", "-t", "--cpus", "-m", "-e"):
            i += 2
            continue
        if a == "--skills" or a.startswith("--skills="):
            if not ver_ge(0, 43):
                die("unknown flag: --skills")
            if a == "--skills":
                mode = args[i + 1] if i + 1 < len(args) else ""
                i += 2
            else:
                mode = a.split("=", 1)[1]
                i += 1
            if mode not in ("off", "readonly", "readwrite"):
                die('invalid argument "%s" for "--skills": want off, readonly or readwrite' % mode)
            skills = mode
            continue
        if a == "--no-share-skills":
            if not ver_ge(0, 37):
                die("unknown flag: --no-share-skills")
            skills = "off"
            i += 1
            continue
        if a.startswith("-"):
            die("unknown flag: %s" % a)
        if agent is None:
            agent = a
        else:
            paths.append(a)
        i += 1
    maybe_fail(st, "create")
    if not agent or not paths:
        die("usage: sbx create [--name N] AGENT PATH [PATH...]")
    mounts = []
    for p in paths:
        ro = p.endswith(":ro")
        host = p[:-3] if ro else p
        if not os.path.isabs(host):
            host = os.path.abspath(host)
        if not os.path.isdir(host):
            die("path %s does not exist" % host)
        mounts.append({"path": host, "ro": ro})
    if name is None:
        name = "%s-%s" % (agent, os.path.basename(mounts[0]["path"]))
    check_name(name)
    if agent == "gemini" and ver_ge(0, 53):
        die('agent "gemini" is no longer a built-in agent (retired in 0.53); use a kit')
    if name in st["sandboxes"]:
        die("sandbox %s already exists" % name)
    d = sb_dir(name)
    os.makedirs(os.path.join(d, "home", ".claude"), exist_ok=True)
    os.makedirs(os.path.join(d, "etc", "profile.d"), exist_ok=True)
    os.makedirs(os.path.join(d, "etc", "claude-code"), exist_ok=True)
    with open(os.path.join(d, "etc", "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\nagent:x:1000:1000:agent:/home/agent:/bin/sh\n")
    with open(os.path.join(d, "etc", "group"), "w") as f:
        f.write("root:x:0:\nagent:x:1000:\n")
    # sbx writes these on every create (proxy auth placeholders)
    with open(os.path.join(d, "home", ".claude", "settings.json"), "w") as f:
        json.dump({"apiKeyHelper": "echo sbx-proxy-placeholder",
                   "permissions": {"defaultMode": "acceptEdits"}}, f, indent=2)
    with open(os.path.join(d, "home", ".claude.json"), "w") as f:
        json.dump({"hasCompletedOnboarding": True, "sbxManaged": True}, f, indent=2)
    if skills in ("readonly", "readwrite"):
        os.makedirs(os.path.join(STATE, "skills-store"), exist_ok=True)
        os.makedirs(os.path.join(d, "home", ".claude", "skills"), exist_ok=True)
    st["sandboxes"][name] = {"agent": agent, "mounts": mounts, "status": "stopped",
                             "skills": skills}
    save(st)
    print("Sandbox %s created" % name)
    return 0


def ls(st, args):
    maybe_fail(st, "ls")
    if "-q" in args:
        for n in st["sandboxes"]:
            print(n)
        return 0
    if "--json" in args:
        arr = []
        for n, s in st["sandboxes"].items():
            e = {"name": n, "agent": s["agent"], "status": s["status"],
                 "workspace": s["mounts"][0]["path"] if s["mounts"] else ""}
            if ver_ge(0, 43):
                e.update({"created_at": "2026-11-30T10:00:00Z",
                          "last_used_at": "2026-11-30T10:05:00Z", "cpus": 4, "memory": "8GiB"})
            arr.append(e)
        print(json.dumps({"sandboxes": arr} if ver_ge(0, 38) else arr))
        banner()
        return 0
    rows = [[n, s["agent"], s["status"], "", s["mounts"][0]["path"] if s["mounts"] else ""]
            for n, s in st["sandboxes"].items()]
    sys.stdout.write(governance() + table(["SANDBOX", "AGENT", "STATUS", "PORTS", "WORKSPACE"], rows))
    return 0


def bwrap_argv(name, sb, user, workdir, env):
    d = sb_dir(name)
    uid = "0" if user == "root" else "1000"
    # root's daemons outlive the exec (a VM keeps them): no pid namespace
    a = ["bwrap", "--die-with-parent"] + ([] if user == "root" else ["--unshare-pid"]) + [
         "--unshare-ipc", "--unshare-uts", "--hostname", name, "--unshare-user",
         "--uid", uid, "--gid", uid, "--ro-bind", "/usr", "/usr"]
    for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        p = "/" + top
        if os.path.islink(p):
            a += ["--symlink", os.readlink(p), p]
        elif os.path.isdir(p):
            a += ["--ro-bind", p, p]
    run_dir = os.path.join(d, "run")
    os.makedirs(run_dir, exist_ok=True)
    a += ["--bind", "/proc", "/proc"] if user == "root" else ["--proc", "/proc"]
    a += ["--dev", "/dev", "--tmpfs", "/tmp", "--bind", run_dir, "/run", "--tmpfs", "/etc"]
    for e in ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "nsswitch.conf", "hosts",
              "resolv.conf", "ssl", "ca-certificates", "ca-certificates.conf",
              "alternatives", "localtime", "profile", "bash.bashrc", "inputrc"):
        if os.path.exists("/etc/" + e):
            a += ["--ro-bind", "/etc/" + e, "/etc/" + e]
    a += ["--ro-bind", os.path.join(d, "etc", "passwd"), "/etc/passwd",
          "--ro-bind", os.path.join(d, "etc", "group"), "/etc/group",
          "--bind", os.path.join(d, "etc", "profile.d"), "/etc/profile.d",
          "--bind", os.path.join(d, "etc", "claude-code"), "/etc/claude-code",
          "--bind", os.path.join(d, "home"), "/home/agent"]
    mode = sb.get("skills", "readwrite" if sb.get("share_skills") else "none")
    if mode in ("readonly", "readwrite"):
        a += ["--ro-bind" if mode == "readonly" else "--bind",
              os.path.join(STATE, "skills-store"), "/home/agent/.claude/skills"]
    path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
    img = os.environ.get("SBX_FAKE_IMAGE_BIN")
    if img:
        a += ["--ro-bind", img, "/opt/image/bin"]
        path = "/opt/image/bin:" + path
    for m in sb["mounts"]:
        a += ["--ro-bind" if m["ro"] else "--bind", m["path"], m.get("target", m["path"])]
    if os.environ.get("SBX_FAKE_HIDE_NESTED"):
        # a release whose file sharing does not carry mounts nested in a
        # workspace: cover each one with an empty directory
        for nested in nested_mounts([m["path"] for m in sb["mounts"]]):
            a += ["--tmpfs", nested]
    a += ["--clearenv", "--setenv", "SBX_FAKE_SANDBOX_ID", sandbox_id(name),
          "--setenv", "HOME", "/home/agent", "--setenv", "PATH", path,
          "--setenv", "USER", "root" if user == "root" else "agent",
          "--setenv", "LANG", "C.UTF-8"]
    for k, v in os.environ.items():
        if k.startswith("SBX_FAKE_ENV_"):
            a += ["--setenv", k[len("SBX_FAKE_ENV_"):], v]
    for kv in env:
        k, _, v = kv.partition("=")
        a += ["--setenv", k, v]
    a += ["--chdir", workdir or sb["mounts"][0]["path"], "--"]
    return a


def sandbox_id(name):
    return os.path.realpath(STATE) + "/" + name


def kill_sandbox_procs(name):
    """What stopping the VM does to its processes: every process carrying
    this sandbox's SBX_FAKE_SANDBOX_ID goes (SIGTERM, then SIGKILL)."""
    import signal
    import time
    want = ("SBX_FAKE_SANDBOX_ID=" + sandbox_id(name)).encode()
    pids = []
    for p in os.listdir("/proc"):
        if not p.isdigit() or int(p) == os.getpid():
            continue
        try:
            with open("/proc/%s/environ" % p, "rb") as f:
                if want in f.read().split(b"\0"):
                    pids.append(int(p))
        except OSError:
            continue
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.monotonic() + 5
    def alive(pid):
        try:
            with open("/proc/%d/stat" % pid) as f:
                return not f.read().rsplit(") ", 1)[-1].startswith(("Z", "X"))
        except OSError:
            return False

    while pids and time.monotonic() < deadline:
        pids = [p for p in pids if alive(p)]
        time.sleep(0.02)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    shutil.rmtree(os.path.join(sb_dir(name), "run"), ignore_errors=True)


def vm_backend():
    if os.environ.get("SBX_FAKE_BACKEND") != "vm":
        return None
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import fake_sbx_vm
    return fake_sbx_vm


def nested_mounts(paths):
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4].encode().decode("unicode_escape")
            for p in paths:
                if mp != p and mp.startswith(p.rstrip("/") + "/"):
                    found.append(mp)
    return found


def run_inside(name, sb, user, workdir, env, cmd):
    argv = bwrap_argv(name, sb, user, workdir, env) + cmd
    sys.stdout.flush()
    sys.stderr.flush()
    os.execvp("bwrap", argv)


def exec_(st, args):
    user, workdir, env = None, None, []
    i = 0
    while i < len(args) and args[i].startswith("-"):
        a = args[i]
        if a in ("-d", "--detach") and ver_ge(0, 45):
            die("--detach is not supported any more; run the command in the foreground")
        if a in ("-d", "-i", "-t", "-it", "-ti", "--detach", "--interactive", "--tty"):
            i += 1
        elif a in ("-u", "--user"):
            user = args[i + 1]
            i += 2
        elif a in ("-w", "--workdir"):
            workdir = args[i + 1]
            i += 2
        elif a in ("-e", "--env"):
            env.append(args[i + 1])
            i += 2
        else:
            die("unknown flag: %s" % a)
    if i >= len(args):
        die("usage: sbx exec [flags] SANDBOX CMD [ARG...]")
    name, cmd = args[i], args[i + 1:]
    maybe_fail(st, "exec")
    if name not in st["sandboxes"]:
        die("sandbox %s not found" % name)
    if not cmd:
        die("usage: sbx exec [flags] SANDBOX CMD [ARG...]")
    sb = st["sandboxes"][name]
    sb["status"] = "running"
    save(st)
    vmb = vm_backend()
    if vmb:
        return vmb.exec_in(STATE, name, sb, user, workdir, env, cmd)
    run_inside(name, sb, user, workdir, env, cmd)


def cp(st, args):
    """sbx cp [-L] SRC DST, one side SANDBOX:/abs/path; the sandbox side
    must lie in /home/agent (the sandbox's home directory here)."""
    args = [a for a in args if a != "-L"]
    if len(args) != 2 or any(a.startswith("-") for a in args):
        die("usage: sbx cp [-L] SRC DST (one side SANDBOX:/abs/path)")
    maybe_fail(st, "cp")

    def side(spec):
        name, sep, path = spec.partition(":")
        if not sep or "/" in name:
            return None
        if name not in st["sandboxes"]:
            die("sandbox %s not found" % name)
        if not path.startswith("/home/agent/") or "/../" in path + "/":
            die("cp: %s: this stand-in copies only under /home/agent" % spec)
        return os.path.join(sb_dir(name), "home", path[len("/home/agent/"):])

    src, dst = side(args[0]), side(args[1])
    if (src is None) == (dst is None):
        die("cp: exactly one side must be SANDBOX:/abs/path")
    src = src or args[0]
    dst = dst or args[1]
    if not os.path.isfile(src):
        die("cp: %s: no such file" % args[0])
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    tmp = dst + ".sbx-cp.tmp"
    shutil.copy2(src, tmp)
    os.replace(tmp, dst)
    return 0


def run(st, args):
    name, pos, agent_args, remove = None, [], [], False
    if "--" in args:
        k = args.index("--")
        args, agent_args = args[:k], args[k + 1:]
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--name":
            if not ver_ge(0, 33):
                die("unknown flag: --name")
            name = args[i + 1]
            i += 2
            continue
        if a == "--kit":
            i += 2
            continue
        if a == "--rm":
            if not ver_ge(0, 47):
                die("unknown flag: --rm")
            remove = True
            i += 1
            continue
        if a.startswith("-"):
            die("unknown flag: %s" % a)
        pos.append(a)
        i += 1
    maybe_fail(st, "run")
    if name is None and len(pos) == 1 and pos[0] in st["sandboxes"]:
        if ver_ge(0, 33):
            sys.stderr.write("Warning: `sbx run SANDBOX` is deprecated, use --name\n")
        name = pos[0]
    if name is None or name not in st["sandboxes"]:
        die("creating sandboxes through run is not supported by this stand-in")
    sb = st["sandboxes"][name]
    sb["status"] = "running"
    save(st)
    if sb["agent"] == "claude":
        cmd = ["claude"] + agent_args
    else:
        cmd = ["sh", "-l"] + agent_args
    with open(os.path.join(STATE, "run.log"), "a") as f:
        f.write(json.dumps(cmd) + "\n")
    vmb = vm_backend()
    if vmb:
        rc = vmb.exec_in(STATE, name, sb, None, None, [], cmd)
        if remove:
            vmb.stop(STATE, name)
            st = load()
            shutil.rmtree(sb_dir(name), ignore_errors=True)
            st["sandboxes"].pop(name, None)
            save(st)
        return rc
    if not remove:
        run_inside(name, sb, None, None, [], cmd)
    # --rm: the session, then the sandbox goes
    import subprocess
    rc = subprocess.call(bwrap_argv(name, sb, None, None, []) + cmd)
    st = load()
    shutil.rmtree(sb_dir(name), ignore_errors=True)
    st["sandboxes"].pop(name, None)
    save(st)
    return rc


def parse_mount_spec(spec):
    """HOST[:TARGET[:ro|rw]]. Like the reported sbx behaviour, HOST:ro
    without a target takes "ro" for the target (and fails: not absolute)."""
    parts = spec.split(":")
    host, target, ro = parts[0], parts[0], False
    if len(parts) >= 2:
        target = parts[1]
    if len(parts) >= 3:
        if parts[2] not in ("ro", "rw"):
            die("invalid mount mode %r (ro or rw)" % parts[2])
        ro = parts[2] == "ro"
    if len(parts) > 3:
        die("invalid mount %r: HOST[:TARGET[:ro|rw]]" % spec)
    if not os.path.isabs(target):
        die("mount target %r must be an absolute path" % target)
    return os.path.abspath(host), target, ro


def mount(st, args):
    if not ver_ge(0, 45):
        die('unknown command "mount" for "sbx"')
    maybe_fail(st, "mount")
    if len(args) != 2:
        die("usage: sbx mount SANDBOX HOST[:TARGET[:ro|rw]]")
    name = args[0]
    if name not in st["sandboxes"]:
        die("sandbox %s not found" % name)
    host, target, ro = parse_mount_spec(args[1])
    if not os.path.isdir(host):
        die("path %s does not exist" % host)
    sb = st["sandboxes"][name]
    if any(m.get("target", m["path"]) == target for m in sb["mounts"]):
        die("%s is already mounted in %s" % (target, name))
    sb["mounts"].append({"path": host, "target": target, "ro": ro})
    save(st)
    print("Mounted %s at %s%s" % (host, target, " (read-only)" if ro else ""))
    return 0


def umount(st, args):
    if not ver_ge(0, 45):
        die('unknown command "umount" for "sbx"')
    maybe_fail(st, "umount")
    if len(args) != 2:
        die("usage: sbx umount SANDBOX HOST[:TARGET]")
    name = args[0]
    if name not in st["sandboxes"]:
        die("sandbox %s not found" % name)
    parts = args[1].split(":")
    host = os.path.abspath(parts[0])
    target = parts[1] if len(parts) > 1 else host
    sb = st["sandboxes"][name]
    keep = [m for m in sb["mounts"][1:]
            if not (m["path"] == host and m.get("target", m["path"]) == target)]
    if len(keep) == len(sb["mounts"]) - 1:
        die("%s is not mounted in %s" % (args[1], name))
    sb["mounts"] = sb["mounts"][:1] + keep
    save(st)
    print("Unmounted %s" % target)
    return 0


def skills(st, args):
    """The store behind /home/agent/.claude/skills. The stand-in's `add`
    takes a local directory holding SKILL.md (the real one takes Git)."""
    if not ver_ge(0, 42):
        die('unknown command "skills" for "sbx"')
    store = os.path.join(STATE, "skills-store")
    os.makedirs(store, exist_ok=True)
    if args[:1] == ["add"] and len(args) == 2:
        src = os.path.abspath(args[1])
        if not os.path.isfile(os.path.join(src, "SKILL.md")):
            die("%s: no SKILL.md" % src)
        dst = os.path.join(store, os.path.basename(src.rstrip("/")))
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(src, dst)
        print("Skill %s added" % os.path.basename(dst))
        return 0
    if args[:1] in (["ls"], ["list"]):
        for n in sorted(os.listdir(store)):
            print(n)
        return 0
    if args[:1] == ["rm"] and len(args) == 2:
        shutil.rmtree(os.path.join(store, args[1]), ignore_errors=True)
        return 0
    die("usage: sbx skills add DIR | ls | rm NAME")


def rm(st, args):
    force = False
    names = []
    for a in args:
        if a in ("-f", "--force"):
            force = True
        elif a.startswith("-"):
            die("unknown flag: %s" % a)
        else:
            names.append(a)
    maybe_fail(st, "rm")
    for n in names:
        if n not in st["sandboxes"]:
            die("sandbox %s not found" % n)
        if os.environ.get("SBX_FAKE_ATTACHED") == n and not force:
            die("sandbox %s has an attached session; use -f" % n)
        vmb = vm_backend()
        if vmb:
            vmb.stop(STATE, n)
        kill_sandbox_procs(n)
        shutil.rmtree(sb_dir(n), ignore_errors=True)
        del st["sandboxes"][n]
        print("Sandbox %s removed" % n)
    save(st)
    return 0


def stop(st, args):
    maybe_fail(st, "stop")
    for n in args:
        if n not in st["sandboxes"]:
            die("sandbox %s not found" % n)
        vmb = vm_backend()
        if vmb:
            vmb.stop(STATE, n)
        kill_sandbox_procs(n)
        st["sandboxes"][n]["status"] = "stopped"
    save(st)
    return 0


def version(st, args):
    maybe_fail(st, "version")
    if ver_ge(0, 40):
        print("sbx version v%s.0 (build 4f2a9c1)" % VERSION)
    else:
        print("Docker Sandboxes CLI\n Version: %s.2\n Commit: 1a2b3c4" % VERSION)
    return 0


def main(argv):
    if not STATE:
        die("SBX_FAKE_STATE is not set")
    os.makedirs(STATE, exist_ok=True)
    with open(os.path.join(STATE, "calls.log"), "a") as f:
        f.write(json.dumps(argv) + "\n")
    st = load()
    if not argv:
        die("usage: sbx COMMAND")
    cmds = {"policy": policy, "create": create, "ls": ls, "exec": exec_, "run": run,
            "rm": rm, "stop": stop, "cp": cp, "version": version, "mount": mount,
            "umount": umount, "skills": skills}
    if argv[0] not in cmds:
        die('unknown command "%s" for "sbx"' % argv[0])
    return cmds[argv[0]](st, argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]) or 0)
