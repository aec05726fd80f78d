#!/usr/bin/env python3
"""file_cycles.py — fails when source files call each other in a cycle.

Owns: the file graph of a build and its cycle check. Every object file the
build compiled from a source under src/ (found through the build's
compile_commands.json, so any new file or library is picked up without a
list here) is read with `nm`: the global symbols it defines and those it
leaves undefined. An object that uses a symbol another object defines
makes an edge from its source file to that one. Any cycle in that graph
(a strongly connected set of two or more files) is printed, one path
through each, and the check exits 1.

A symbol is resolved first among the objects of the same target (the same
meson "*.p" directory), then among all the others: a source compiled into
two targets (the selftest daemon) stays one file; a symbol defined by
several files elsewhere makes an edge to each of them.

Usage:
  file_cycles.py BUILD_DIR [--nm NM] [--under src/]
  file_cycles.py --graph FILE.json     (a {"file": ["callee", ...]} graph)
"""
import argparse
import json
import os
import subprocess
import sys


def objects_of(build_dir, under):
    """(object path, source path relative to the source root, target dir)
    for every compiled object whose source lies under `under`."""
    with open(os.path.join(build_dir, "compile_commands.json")) as f:
        commands = json.load(f)
    src_root = None
    out = []
    for c in commands:
        directory = c.get("directory", build_dir)
        src = os.path.normpath(os.path.join(directory, c["file"]))
        obj = os.path.normpath(os.path.join(directory, c["output"]))
        if src_root is None:
            src_root = source_root(build_dir)
        rel = os.path.relpath(src, src_root)
        if not (rel + "/").startswith(under) and not rel.startswith(under):
            continue
        out.append((obj, rel, os.path.dirname(obj)))
    return out


def source_root(build_dir):
    """The source root meson configured build_dir for."""
    info = os.path.join(build_dir, "meson-info", "meson-info.json")
    try:
        with open(info) as f:
            return json.load(f)["directories"]["source"]
    except (OSError, KeyError, ValueError):
        return os.path.dirname(os.path.abspath(build_dir))


def symbols(nm, obj):
    """(defined, undefined) global symbol sets of one object file."""
    res = subprocess.run([nm, "-P", obj], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"{nm} {obj}: {res.stderr.strip()}")
    defined, undefined = set(), set()
    for line in res.stdout.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        name, kind = parts[0], parts[1]
        if kind == "U":
            undefined.add(name)
        elif kind in ("w", "v"):
            continue  # weak references: not a dependency on a file
        elif kind.isupper():
            defined.add(name)
    return defined, undefined


def build_graph(objs, nm):
    """{source: {sources it uses}} from (object, source, target) triples."""
    info = []
    for obj, src, target in objs:
        if not os.path.exists(obj):
            raise RuntimeError(f"{obj} (from {src}) is not built: "
                               "build the whole tree first")
        d, u = symbols(nm, obj)
        info.append((src, target, d, u))
    by_target, anywhere = {}, {}
    for src, target, d, _ in info:
        for s in d:
            by_target.setdefault((target, s), set()).add(src)
            anywhere.setdefault(s, set()).add(src)
    graph = {}
    for src, target, _, u in info:
        edges = graph.setdefault(src, set())
        for s in u:
            to = by_target.get((target, s)) or anywhere.get(s) or ()
            edges.update(t for t in to if t != src)
    return graph


def cycles(graph):
    """Each strongly connected set of two or more files, sorted."""
    nodes = sorted(set(graph) | {t for v in graph.values() for t in v})
    index, low, on_stack, stack, sccs = {}, {}, set(), [], []
    counter = [0]

    def strongconnect(v):
        # iterative Tarjan: the graphs are small, but recursion depth is
        # bounded by Python's limit, not by the graph
        work = [(v, iter(sorted(graph.get(v, ()))))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        while work:
            node, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    advanced = True
                    break
                if w in on_stack:
                    low[node] = min(low[node], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                scc = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    scc.append(w)
                    if w == node:
                        break
                if len(scc) > 1:
                    sccs.append(sorted(scc))

    for v in nodes:
        if v not in index:
            strongconnect(v)
    return sorted(sccs)


def cycles_in(graph, scc):
    """The shortest cycle through each file of scc, without repeats."""
    out = []
    for start in scc:
        c = path_through(graph, scc, start)[:-1]
        k = c.index(min(c))  # told from its first file in order
        c = c[k:] + c[:k] + [c[k]]
        # the same cycle seen from another of its files
        key = frozenset(zip(c, c[1:]))
        if all(frozenset(zip(o, o[1:])) != key for o in out):
            out.append(c)
    return out


def path_through(graph, scc, start):
    """A shortest cycle from start back to itself, inside scc."""
    members = set(scc)
    # breadth-first from start's successors back to start: the shortest
    prev = {}
    frontier = [start]
    seen = {start}
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph.get(v, ())):
                if w not in members:
                    continue
                if w == start:
                    path = [start]
                    while v != start:
                        path.append(v)
                        v = prev[v]
                    path.append(start)
                    return [start] + path[1:-1][::-1] + [start]
                if w not in seen:
                    seen.add(w)
                    prev[w] = v
                    nxt.append(w)
        frontier = nxt
    return scc + [start]  # not reached: an SCC always has a cycle


def report(graph, found, out):
    for scc in found:
        print(f"cycle among {len(scc)} files: {' '.join(scc)}", file=out)
        for c in cycles_in(graph, scc):
            print("  " + " -> ".join(c), file=out)
    if found:
        print(f"{len(found)} set(s) of source files in a cycle", file=out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build_dir", nargs="?")
    ap.add_argument("--nm", default="nm")
    ap.add_argument("--under", default="src/")
    ap.add_argument("--graph", help="check a JSON graph instead of a build")
    ap.add_argument("--print-graph", action="store_true")
    a = ap.parse_args(argv)
    if a.graph:
        with open(a.graph) as f:
            graph = {k: set(v) for k, v in json.load(f).items()}
    elif a.build_dir:
        objs = objects_of(a.build_dir, a.under)
        if not objs:
            print(f"no objects under {a.under} in {a.build_dir}",
                  file=sys.stderr)
            return 2
        try:
            graph = build_graph(objs, a.nm)
        except (RuntimeError, OSError) as e:
            print(f"file_cycles: {e}", file=sys.stderr)
            return 2
    else:
        ap.error("a build directory or --graph")
    if a.print_graph:
        for k in sorted(graph):
            print(f"{k}: {' '.join(sorted(graph[k]))}")
    found = cycles(graph)
    report(graph, found, sys.stdout)
    if found:
        return 1
    print(f"no cycles between {len(graph)} source files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
