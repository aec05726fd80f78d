"""Tests of file_cycles.py: synthetic graphs, and tiny real objects read
with nm, with and without a cycle."""
import json
import os
import shlex
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "file_cycles.py")
sys.path.insert(0, HERE)
import file_cycles  # noqa: E402


def run(*args):
    return subprocess.run([sys.executable, SCRIPT, *args],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, check=False)


def graph_file(tmp_path, graph):
    p = tmp_path / "graph.json"
    p.write_text(json.dumps(graph))
    return str(p)


def test_graph_with_a_cycle_fails_naming_its_files(tmp_path):
    g = {"src/a.c": ["src/b.c"], "src/b.c": ["src/c.c"],
         "src/c.c": ["src/a.c"], "src/d.c": ["src/a.c"]}
    r = run("--graph", graph_file(tmp_path, g))
    assert r.returncode == 1, r.stdout
    assert "src/a.c -> src/b.c -> src/c.c -> src/a.c" in r.stdout
    assert "src/d.c" not in r.stdout  # calls into the cycle, not part of it


def test_graph_without_a_cycle_passes(tmp_path):
    g = {"src/a.c": ["src/b.c", "src/c.c"], "src/b.c": ["src/c.c"],
         "src/c.c": []}
    r = run("--graph", graph_file(tmp_path, g))
    assert r.returncode == 0, r.stdout
    assert "no cycles" in r.stdout


def test_every_cycle_is_named():
    g = {"a": {"b"}, "b": {"a", "c"}, "c": {"b"}, "x": {"y"}, "y": {"x"},
         "z": set()}
    sccs = file_cycles.cycles(g)
    assert sccs == [["a", "b", "c"], ["x", "y"]]
    assert file_cycles.cycles_in(g, ["a", "b", "c"]) == [
        ["a", "b", "a"], ["b", "c", "b"]]


def test_a_self_call_is_no_cycle():
    assert file_cycles.cycles({"a": {"a"}}) == []


def test_a_long_chain_does_not_hit_the_recursion_limit():
    n = 5000
    g = {f"f{i}": {f"f{i + 1}"} for i in range(n)}
    assert file_cycles.cycles(g) == []
    g[f"f{n}"] = {"f0"}
    assert [len(s) for s in file_cycles.cycles(g)] == [n + 1]


CC = shlex.split(os.environ.get("CC") or shutil.which("cc") or "gcc")


def fake_build(tmp_path, sources):
    """A source tree and a build dir with compile_commands.json, as meson
    leaves them; sources maps (target, path) to C text."""
    root = tmp_path / "root"
    build = root / "build"
    (build / "meson-info").mkdir(parents=True)
    (build / "meson-info" / "meson-info.json").write_text(
        json.dumps({"directories": {"source": str(root)}}))
    commands = []
    for (target, path), text in sources.items():
        src = root / path
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_text(text)
        out = os.path.join(target + ".p", os.path.basename(path) + ".o")
        (build / target).parent.mkdir(parents=True, exist_ok=True)
        (build / (target + ".p")).mkdir(parents=True, exist_ok=True)
        subprocess.run([*CC, "-c", "-o", str(build / out), str(src)],
                       check=True)
        commands.append({"directory": str(build), "file": "../" + path,
                         "output": out})
    (build / "compile_commands.json").write_text(json.dumps(commands))
    return str(build)


needs_cc = pytest.mark.skipif(not shutil.which(CC[0]) or not shutil.which("nm"),
                              reason="no C compiler or nm")


@needs_cc
def test_objects_calling_each_other_fail(tmp_path):
    build = fake_build(tmp_path, {
        ("src/lib", "src/one.c"): "void two(void); void one(void) { two(); }\n",
        ("src/lib", "src/two.c"): "void one(void); void two(void) { one(); }\n",
        ("src/lib", "src/three.c"):
            "void one(void); void three(void); void three(void) { one(); }\n",
        # outside src/: not part of the graph, though it closes a cycle
        ("tests/t", "tests/t.c"):
            "void three(void); int main(void) { three(); return 0; }\n",
    })
    r = run(build)
    assert r.returncode == 1, r.stdout
    assert "src/one.c -> src/two.c -> src/one.c" in r.stdout
    assert "three.c" not in r.stdout and "tests/t.c" not in r.stdout


@needs_cc
def test_objects_without_a_cycle_pass(tmp_path):
    build = fake_build(tmp_path, {
        ("src/lib", "src/one.c"): "void two(void); void one(void) { two(); }\n",
        ("src/lib", "src/two.c"): "void two(void); void two(void) { }\n",
        # the same file in a second target stays one file
        ("src/lib2", "src/two.c"): "void two(void); void two(void) { }\n",
        ("src/exe", "src/main.c"):
            "void one(void); int main(void) { one(); return 0; }\n",
    })
    r = run(build, "--print-graph")
    assert r.returncode == 0, r.stdout
    assert "src/main.c: src/one.c\n" in r.stdout
    assert "src/one.c: src/two.c\n" in r.stdout
    assert "no cycles between 3 source files" in r.stdout
