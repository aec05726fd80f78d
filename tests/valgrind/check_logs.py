#!/usr/bin/env python3
"""check_logs.py DIR — summarises the valgrind logs (vg.PID.log) that
tests/valgrind/seedfs-valgrind left in DIR.

A process counts as clean when its log ends with "ERROR SUMMARY: 0 errors"
(errors include definite and indirect leaks). A log with no summary belongs
to a process that was killed (SIGKILL tests) or is still running: listed,
not counted as a failure. Prints each error kind with the first frames of
its first occurrence, and a closing "N passed, N failed" line. Exit status
1 if any process had errors.
"""

import os
import re
import sys


def main():
    d = sys.argv[1]
    logs = sorted(f for f in os.listdir(d) if re.fullmatch(r"vg\.\d+\.log", f))
    clean, bad, incomplete = [], [], []
    kinds = {}
    for name in logs:
        with open(os.path.join(d, name), errors="replace") as f:
            text = f.read()
        m = re.findall(r"ERROR SUMMARY: (\d+) errors", text)
        cmd = re.search(r"Command: (.*)", text)
        cmd = cmd.group(1) if cmd else "?"
        if not m:
            incomplete.append((name, cmd))
            continue
        if int(m[-1]) == 0:
            clean.append(name)
            continue
        bad.append((name, cmd, int(m[-1])))
        # each error block: a header line, then "at"/"by" frames
        for block in re.split(r"\n==\d+== \n", text):
            lines = [re.sub(r"^==\d+== ", "", l) for l in block.splitlines()]
            lines = [l for l in lines if l.strip()]
            if not lines:
                continue
            head = lines[0]
            if not re.match(r"(Invalid|Conditional|Use of uninit|Syscall param|"
                            r"Mismatched|Source and dest|Argument|\d[\d,]* "
                            r"(\(.*\) )?bytes in .* (definitely|indirectly) lost)", head):
                continue
            key = re.sub(r"[\d,]+ (\(.*\) )?bytes in [\d,]+ blocks", "N bytes", head)
            key = re.sub(r"loss record [\d,]+ of [\d,]+", "", key)
            kinds.setdefault(key, (name, lines[1:12]))
    print(f"valgrind: {len(logs)} processes: {len(clean)} clean, {len(bad)} with errors, "
          f"{len(incomplete)} without a summary (killed or still running)")
    for name, cmd, n in bad:
        print(f"  {name}: {n} errors: {cmd}")
    for key, (name, frames) in kinds.items():
        print(f"\n--- {key}  (first in {name})")
        for fr in frames:
            print(f"    {fr}")
    if incomplete:
        print("\nno summary:", ", ".join(f"{n} ({c[:60]})" for n, c in incomplete[:20]))
    if not logs:
        print("valgrind: no logs: nothing ran under valgrind")
    print(f"\nvalgrind: {len(clean)} passed, {len(bad) + (0 if logs else 1)} failed")
    return 1 if bad or not logs else 0


if __name__ == "__main__":
    sys.exit(main())
