#!/usr/bin/env python3
"""suite.py — meson's entry for the 'vm' suite.

Owns one job: exit 77 (meson: skipped) with the reason when no guest can
boot here (no qemu, virtiofsd, busybox-static, cached kernel, /dev/fuse or
root), else run tests/vm/test_vm_view.py under pytest and exit with its
status. The kernel is fetched beforehand by tests/vm/fetch_kernel.py
(dev.sh test does it).
"""

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import vm  # noqa: E402

why = vm.unavailable()
if why is None and not os.path.exists("/dev/fuse"):
    why = "/dev/fuse is missing"
if why is None:
    r = subprocess.run([sys.executable, "-c", "import pytest"], capture_output=True)
    if r.returncode != 0:
        why = "pytest is not installed"
if why:
    print(f"vm suite skipped: {why}")
    sys.exit(77)
sys.exit(subprocess.call([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider",
                          str(HERE / "test_vm_view.py"), str(HERE / "test_fake_sbx_vm.py")]
                         + sys.argv[1:]))
