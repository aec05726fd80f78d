#!/usr/bin/env bash
# dev.sh — the README's two commands, on a fresh Debian 12 machine:
#   ./dev.sh demo   install what is missing, build, mount a view of the bundled
#                   sample ~/.claude, show it, explain a hidden file, unmount
#   ./dev.sh test   install what is missing, build, run the whole suite (unit,
#                   integration, launcher, benchmark smoke, lint), then again
#                   under ASan+UBSan, and the unit tests under valgrind
# Needs root (apt-get, FUSE mounts); re-runs itself with sudo when it can.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

packages=(
	build-essential pkg-config meson ninja-build
	libfuse3-dev fuse3 libyaml-dev libxxhash-dev libcmocka-dev libjson-c-dev
	python3 python3-pytest python3-yaml bubblewrap bindfs valgrind attr git
	clang-14 libclang-rt-14-dev clang-format-14
	qemu-system-x86 qemu-system-common busybox-static cpio
)

log() { printf '\n==> %s\n' "$*"; }

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null; then
			exec sudo -E "$0" "$@"
		fi
		echo "dev.sh: run as root (apt-get and FUSE mounts need it)" >&2
		exit 2
	fi
}

install_missing() {
	local missing=()
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	command -v npm >/dev/null || missing+=(nodejs npm)
	if [ ${#missing[@]} -gt 0 ]; then
		log "installing: ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
	[ -e /dev/fuse ] || modprobe fuse 2>/dev/null || true
}

build() {
	local dir=$1
	shift
	[ -f "$dir/build.ninja" ] || meson setup "$dir" "$@" >/dev/null
	ninja -C "$dir" >/dev/null
}

demo_bin=
demo_tmp=
demo_cleanup() {
	if [ -n "$demo_tmp" ]; then
		"$demo_bin" umount "$demo_tmp/view" 2>/dev/null || true
		rm -rf "$demo_tmp"
	fi
}

demo() {
	build build
	demo_bin=$here/build/src/fs/claude-seedfs
	demo_tmp=$(mktemp -d /tmp/claude-seedfs-demo.XXXXXX)
	trap demo_cleanup EXIT
	local bin=$demo_bin tmp=$demo_tmp
	export CLAUDE_SEEDFS_DEFAULT_RULES=$here/rules/default.yaml
	cp -a tests/sample/dot-claude "$tmp/dot-claude"
	# What a real ~/.claude accumulates: a planted link and a FIFO.
	ln -s ../../.credentials.json "$tmp/dot-claude/skills/pdf/notes.md"
	mkfifo "$tmp/dot-claude/skills/pdf/pipe"
	mkdir "$tmp/view"

	log "the source: $tmp/dot-claude"
	(cd "$tmp/dot-claude" && find . -mindepth 1 | sort)
	log "claude-seedfs mount $tmp/dot-claude $tmp/view"
	"$bin" mount "$tmp/dot-claude" "$tmp/view"
	log "ls -la the view"
	ls -la "$tmp/view"
	ls -laR "$tmp/view/skills"
	log "claude-seedfs explain .credentials.json"
	"$bin" explain "$tmp/dot-claude" .credentials.json || true
	log "claude-seedfs explain skills/pdf/notes.md"
	"$bin" explain "$tmp/dot-claude" skills/pdf/notes.md || true
	log "claude-seedfs status"
	"$bin" status "$tmp/view"
	log "claude-seedfs umount"
	"$bin" umount "$tmp/view"
	echo "unmounted; nothing left behind."
}

# Sums meson's "Ok: N" / "Fail: N" lines into the plain closing line.
passed=0
failed=0
count() {
	local out=$1 ok fail
	ok=$(sed -n 's/^Ok:[[:space:]]*\([0-9]*\).*/\1/p' "$out" | tail -1)
	fail=$(sed -n 's/^Fail:[[:space:]]*\([0-9]*\).*/\1/p' "$out" | tail -1)
	passed=$((passed + ${ok:-0}))
	failed=$((failed + ${fail:-0}))
}

# Runs a pytest-based runner and adds its "N passed" / "N failed" (and a
# "valgrind: N passed, N failed" line, when it prints one) to the totals.
run_counted() {
	local title=$1
	shift
	local out p f rc=0
	out=$(mktemp)
	log "$title"
	"$@" 2>&1 | tee "$out" || rc=1
	p=$(grep -oE '[0-9]+ passed' "$out" | tail -1 | grep -oE '[0-9]+' || true)
	f=$(grep -oE '[0-9]+ failed' "$out" | tail -1 | grep -oE '[0-9]+' || true)
	# A runner that failed counts at least one failure, whatever it printed.
	if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then f=1; fi
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	rm -f "$out"
}

run_suite() {
	local title=$1 dir=$2
	shift 2
	local out
	out=$(mktemp)
	log "$title"
	if meson test -C "$dir" --print-errorlogs "$@" 2>&1 | tee "$out"; then :; fi
	count "$out"
	rm -f "$out"
}

test_all() {
	build build
	# The launcher's real-client test runs Claude Code inside the stand-in
	# sandbox, which sees the host's /usr: install it globally there.
	if command -v npm >/dev/null && ! command -v claude >/dev/null; then
		log "installing Claude Code from npm (for the real-client test)"
		timeout 600 npm install -g --prefix /usr @anthropic-ai/claude-code \
			>/dev/null 2>&1 || echo "(not installed: the real-client test will skip)"
	fi
	# The test build also makes claude-seedfs-selftest, a daemon that tries
	# to escape its confinement on request (never installed).
	meson configure build -Dconfine_selftest=true >/dev/null
	ninja -C build >/dev/null
	# The vm suite's guest kernel (Debian's linux-image-amd64, cached by
	# version in /var/cache/claude-seedfs-vm); without it that suite skips.
	python3 tests/vm/fetch_kernel.py >/dev/null || echo "(no guest kernel: the vm suite will skip)"
	run_suite "tests (unit, integration, launcher, benchmark smoke, soak, vm, lint)" build
	build build-asan -Db_sanitize=address,undefined -Db_lundef=false
	# Detached daemons have no stderr: sanitizer reports go to files.
	local sanlogs
	sanlogs=$(mktemp -d /tmp/seedfs-sanitizer.XXXXXX)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:log_path=$sanlogs/asan \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$sanlogs/ubsan \
		run_suite "ASan+UBSan: unit, integration, launcher" build-asan \
		--suite unit --suite integration --suite launcher
	if compgen -G "$sanlogs/*" >/dev/null; then
		log "sanitizer reports"
		cat "$sanlogs"/*
		failed=$((failed + 1))
	fi
	rm -rf "$sanlogs"
	local bin=$here/build/src/fs/claude-seedfs
	export CLAUDE_SEEDFS_DEFAULT_RULES=$here/rules/default.yaml
	for fault in no-openat2 openat2-eperm; do
		SEEDFS_BIN=$bin run_counted "faults: integration suite with $fault" \
			tests/faults/run.sh "$fault"
	done
	SEEDFS_BIN=$bin run_counted "valgrind: the daemon on the integration suite" \
		tests/valgrind/run.sh
	log "fuzzing: every parser 30 s under ASan+UBSan (tests/fuzz)"
	local fuzzout
	fuzzout=$(mktemp)
	FUZZ_BUILD=$here/build-fuzz tests/fuzz/run.sh 30 2>&1 | tee "$fuzzout" || true
	local fp ff
	fp=$(sed -n 's/^fuzz: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$fuzzout" | tail -1)
	ff=$(sed -n 's/^fuzz: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$fuzzout" | tail -1)
	passed=$((passed + ${fp:-0}))
	failed=$((failed + ${ff:-1}))
	rm -f "$fuzzout"
	run_suite "valgrind: unit tests" build --suite unit \
		--wrap='valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=99'
	echo
	echo "${passed} passed, ${failed} failed"
	[ "$failed" -eq 0 ]
}

case "${1:-}" in
demo)
	need_root "$@"
	install_missing
	demo
	;;
test)
	need_root "$@"
	install_missing
	test_all
	;;
*)
	echo "usage: $0 demo|test" >&2
	exit 2
	;;
esac
