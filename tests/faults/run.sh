#!/usr/bin/env bash
# run.sh — the integration suite against a daemon with a fault injected.
#
#   SEEDFS_BIN=build/src/fs/claude-seedfs tests/faults/run.sh FAULT [PYTEST ARGS...]
#
# FAULT:
#   no-openat2        openat2 answers ENOSYS (kernels before 5.6): the daemon
#                     uses its single-component openat(O_NOFOLLOW) fallback
#   openat2-eperm     openat2 answers EPERM (seccomp profiles that refuse it)
#
# The fault is an LD_PRELOAD shim (refuse_openat2.c, built here with cc)
# given to every claude-seedfs process through a wrapper that SEEDFS_BIN
# points at; the suite's helpers find the daemon through
# tests/valgrind/wrapper_plugin.py. With no PYTEST ARGS, the whole suite
# but test_scale.py runs. Root and /dev/fuse, like the suite. Exit status:
# pytest's.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
fault=${1:-}
shift || true
real=$(realpath "${SEEDFS_BIN:-$root/build/src/fs/claude-seedfs}")
rules=$(realpath "${CLAUDE_SEEDFS_DEFAULT_RULES:-$root/rules/default.yaml}")

case $fault in
no-openat2) errno_name=ENOSYS ;;
openat2-eperm) errno_name=EPERM ;;
*) echo "usage: $0 no-openat2|openat2-eperm [PYTEST ARGS...]" >&2; exit 2 ;;
esac
[ -x "$real" ] || { echo "run.sh: no binary at $real (set SEEDFS_BIN)" >&2; exit 2; }

work=$(mktemp -d /tmp/seedfs-faults.XXXXXX)
trap 'rm -rf "$work"' EXIT
cc -shared -fPIC -O2 -Wall -Wextra -Werror -o "$work/refuse_openat2.so" \
	"$here/refuse_openat2.c" -ldl || exit 2
cat >"$work/claude-seedfs" <<WRAP
#!/bin/sh
export LD_PRELOAD="$work/refuse_openat2.so\${LD_PRELOAD:+:\$LD_PRELOAD}"
export REFUSE_OPENAT2_ERRNO=$errno_name
exec "$real" "\$@"
WRAP
chmod +x "$work/claude-seedfs"

if [ $# -gt 0 ]; then
	args=("$@")
else
	args=()
	for t in "$root"/tests/integration/test_*.py; do
		[ "$(basename "$t")" = test_scale.py ] || args+=("$t")
	done
fi
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
export VG_REAL_BIN=$real SEEDFS_BIN=$work/claude-seedfs CLAUDE_SEEDFS_DEFAULT_RULES=$rules
export PYTHONPATH=$root/tests/valgrind:$root/tests/integration${PYTHONPATH:+:$PYTHONPATH}
export PYTHONDONTWRITEBYTECODE=1
echo "run.sh: fault $fault (openat2 -> $errno_name) for $real"
cd "$root/tests/integration" &&
	"$py" -m pytest -q -p no:cacheprovider -p wrapper_plugin "${args[@]}"
