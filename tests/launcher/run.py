"""Runs one launcher test module and prints a closing line
'launcher: N passed, N failed, N skipped' (exit 0 when none failed)."""
import importlib
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main():
    name = sys.argv[1]
    mod = importlib.import_module(name)
    suite = unittest.defaultTestLoader.loadTestsFromModule(mod)
    if len(sys.argv) > 2:
        suite = unittest.defaultTestLoader.loadTestsFromNames(sys.argv[2:], mod)
    res = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    def case_id(t):
        return getattr(t, "test_case", t).id()  # subtests count for their test
    failed_ids = {case_id(t) for t, _ in res.failures + res.errors}
    failed_ids |= {case_id(t) for t in res.unexpectedSuccesses}
    failed = len(failed_ids)
    skipped = len({case_id(t) for t, _ in res.skipped})
    passed = max(res.testsRun - failed - skipped, 0)
    for t, why in res.skipped:
        print("skipped: %s: %s" % (t.id(), why))
    print("%s: %d passed, %d failed, %d skipped" % (name, passed, failed, skipped))
    if failed:
        return 1
    return 77 if passed == 0 and skipped else 0


if __name__ == "__main__":
    sys.exit(main())
