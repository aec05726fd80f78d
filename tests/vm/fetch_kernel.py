#!/usr/bin/env python3
"""fetch_kernel.py — the test guest's kernel: Debian's linux-image-amd64.

Owns one job: resolve the versioned package the linux-image-amd64
metapackage depends on, fetch it with `apt-get download`, unpack it with
`dpkg -x` and keep the result in a cache directory keyed by that version:

    <cache>/<version>/vmlinuz            the compressed kernel
    <cache>/<version>/vmlinux            the uncompressed ELF (boots ~3 s
                                         faster under TCG), when extractable
    <cache>/<version>/modules/...        lib/modules/<version>/kernel/...
    <cache>/<version>/ready              written last: the entry is complete

The cache is $CLAUDE_SEEDFS_VM_CACHE, else /var/cache/claude-seedfs-vm.
Prints the entry's directory. Exit 0 when the kernel is there, 1 when it
could not be fetched (the reason on stderr). Run again: a complete entry is
reused without touching the network.
"""

import lzma
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

META = "linux-image-amd64"
DEFAULT_CACHE = "/var/cache/claude-seedfs-vm"


def cache_root():
    return Path(os.environ.get("CLAUDE_SEEDFS_VM_CACHE") or DEFAULT_CACHE)


def resolve_version():
    """The linux-image-<version> package the metapackage depends on."""
    out = subprocess.run(["apt-cache", "depends", META], capture_output=True,
                         text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(f"apt-cache depends {META}: {out.stderr.strip()}")
    for line in out.stdout.splitlines():
        m = re.match(r"\s*Depends:\s*linux-image-(\d[^\s]*-amd64)\s*$", line)
        if m:
            return m.group(1)
    raise RuntimeError(f"apt-cache depends {META}: no versioned linux-image-* dependency")


def extract_vmlinux(vmlinuz, dest):
    """Decompress the payload of a bzImage into an ELF vmlinux.

    Debian's kernels are xz-compressed (CONFIG_KERNEL_XZ); gzip is tried
    too. Returns True when an ELF came out."""
    data = Path(vmlinuz).read_bytes()
    candidates = []
    at = data.find(b"\xfd7zXZ\x00")
    if at >= 0:
        candidates.append((at, lambda b: lzma.LZMADecompressor(lzma.FORMAT_XZ).decompress(b)))
    at = data.find(b"\x1f\x8b\x08\x00")
    if at >= 0:
        import zlib
        candidates.append((at, lambda b: zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(b)))
    for at, fn in candidates:
        try:
            out = fn(data[at:])
        except (lzma.LZMAError, Exception):  # noqa: BLE001 - try the next format
            continue
        if out[:4] == b"\x7fELF":
            Path(dest).write_bytes(out)
            return True
    return False


def fetch(version=None):
    version = version or resolve_version()
    root = cache_root()
    entry = root / version
    if (entry / "ready").exists():
        return entry
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root, prefix=".fetch-") as tmp:
        tmp = Path(tmp)
        # _apt cannot write into a root-only directory: let it.
        os.chmod(tmp, 0o755)
        pkg = f"linux-image-{version}"
        r = subprocess.run(["apt-get", "download", "-q", pkg], cwd=tmp,
                           capture_output=True, text=True, timeout=900)
        debs = list(tmp.glob("*.deb"))
        if r.returncode != 0 or not debs:
            raise RuntimeError(f"apt-get download {pkg}: {r.stderr.strip()}")
        x = tmp / "x"
        r = subprocess.run(["dpkg", "-x", str(debs[0]), str(x)],
                           capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            raise RuntimeError(f"dpkg -x {debs[0]}: {r.stderr.strip()}")
        new = tmp / "entry"
        new.mkdir()
        vmlinuz = x / "boot" / f"vmlinuz-{version}"
        if not vmlinuz.exists():
            raise RuntimeError(f"{debs[0]}: no boot/vmlinuz-{version} inside")
        shutil.copy2(vmlinuz, new / "vmlinuz")
        shutil.copy2(x / "boot" / f"config-{version}", new / "config")
        extract_vmlinux(new / "vmlinuz", new / "vmlinux")
        shutil.move(str(x / "lib" / "modules" / version), str(new / "modules"))
        (new / "version").write_text(version + "\n")
        (new / "ready").write_text("")
        if entry.exists():
            shutil.rmtree(entry)
        os.rename(new, entry)
    return entry


def find_cached():
    """The newest complete cache entry, or None (no network)."""
    root = cache_root()
    if not root.is_dir():
        return None
    entries = sorted((p for p in root.iterdir() if (p / "ready").exists()),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    return entries[0] if entries else None


def main():
    try:
        print(fetch(sys.argv[1] if len(sys.argv) > 1 else None))
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
        print(f"fetch_kernel: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
