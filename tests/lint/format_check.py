#!/usr/bin/env python3
"""format_check.py — every C source and header is as .clang-format says.

Owns one check: runs clang-format 14 (Debian 12's; another version formats
some constructs differently) with --dry-run --Werror over the tracked
*.c and *.h files (git ls-files; without a checkout, every such file
under src/, include/ and tests/) and fails naming the files it would
change. Exit 0 clean, 1 not formatted, 77 (skipped) without clang-format
14. To fix: clang-format-14 -i FILE...

    format_check.py SOURCE_ROOT [--clang-format PATH]
"""
import argparse
import os
import shutil
import subprocess
import sys


def sources(root):
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z", "--", "*.c", "*.h"],
                             capture_output=True, check=True).stdout
        return sorted(p for p in out.decode().split("\0") if p)
    except (OSError, subprocess.CalledProcessError):
        found = []
        for top in ("src", "include", "tests"):
            for d, _, names in os.walk(os.path.join(root, top)):
                found += [os.path.relpath(os.path.join(d, n), root)
                          for n in names if n.endswith((".c", ".h"))]
        return sorted(found)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("root")
    ap.add_argument("--clang-format", default=shutil.which("clang-format-14"))
    a = ap.parse_args()
    if not a.clang_format:
        print("format_check: skipped: clang-format-14 not installed "
              "(apt-get install clang-format-14)")
        return 77
    files = sources(a.root)
    if not files:
        print("format_check: no C files found under " + a.root, file=sys.stderr)
        return 1
    bad = []
    for i in range(0, len(files), 50):
        chunk = files[i:i + 50]
        r = subprocess.run([a.clang_format, "--dry-run", "--Werror"] + chunk,
                           cwd=a.root, capture_output=True, text=True)
        if r.returncode != 0:
            bad += sorted({line.split(":", 1)[0] for line in r.stderr.splitlines()
                           if ": error:" in line})
    if bad:
        print("format_check: %d of %d files differ from .clang-format:" % (len(bad), len(files)))
        for f in bad:
            print("  " + f)
        print("fix: clang-format-14 -i FILE... (from the source root)")
        return 1
    print("format_check: %d files formatted as .clang-format says" % len(files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
