#!/usr/bin/env bash
# run.sh — builds the fuzz targets and runs each for a bounded time.
#
#   tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 30, all)
#
# Environment: FUZZ_BUILD (build directory, default build-fuzz in the
# checkout), FUZZ_JOBS (parallel targets, default: number of CPUs).
#
# Each target first runs every input of its checked-in corpus
# (tests/fuzz/corpus/NAME/, the seeds and the regression cases), then
# mutates for SECONDS_PER_TARGET under ASan+UBSan. New inputs go to
# FUZZ_BUILD/corpus/NAME/, never into the checkout. A crash, leak, sanitizer
# report, failed property check (__builtin_trap), time-out (10 s for one
# input) or out-of-memory (2 GiB) stops that target; its input is saved as
# FUZZ_BUILD/crashes/NAME/crash-* (or leak-, timeout-, oom-) and the script
# exits 1 after the others finish. Reproduce with
#   FUZZ_BUILD/NAME FUZZ_BUILD/crashes/NAME/crash-...
# and, once fixed, copy the input into tests/fuzz/corpus/NAME/ as
# regress-WHAT so that every later run replays it.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
secs=${1:-30}
shift || true
out=${FUZZ_BUILD:-$root/build-fuzz}
jobs=${FUZZ_JOBS:-$(nproc)}

case $secs in
'' | *[!0-9]*) echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2; exit 2 ;;
esac

"$here/build.sh" "$out" || { echo "run.sh: build failed" >&2; exit 2; }
mkdir -p "$out/logs"

if [ $# -gt 0 ]; then
	targets=("$@")
else
	targets=()
	for src in "$here"/fuzz_*.c; do
		t=$(basename "${src%.c}")
		targets+=("${t#fuzz_}")
	done
fi

run_one() {
	local name=$1 bin=$out/fuzz_$1 seeds=$here/corpus/$1
	local work=$out/corpus/$1 crashes=$out/crashes/$1 log=$out/logs/$1.log
	local opts=() rc
	mkdir -p "$work" "$crashes" "$seeds"
	[ -f "$here/$name.dict" ] && opts+=("-dict=$here/$name.dict")
	[ -f "$here/$name.options" ] && mapfile -t -O ${#opts[@]} opts < "$here/$name.options"
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$crashes/" "${opts[@]}" \
		"$work" "$seeds" >"$log" 2>&1
	rc=$?
	local runs cov
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	if [ $rc -eq 0 ]; then
		echo "fuzz_$name: ok, ${runs:-?} inputs in ${secs}s, ${cov:-cov: ?}"
	else
		echo "fuzz_$name: FAILED (exit $rc), log $log"
		grep -E 'ERROR|SUMMARY|Test unit written|^ *#[0-9]+ 0x.* in ' "$log" | head -20
	fi
	return $rc
}

failed=0
passed=0
started=()
for name in "${targets[@]}"; do
	if [ ! -x "$out/fuzz_$name" ]; then
		echo "run.sh: no target fuzz_$name" >&2
		failed=$((failed + 1))
		continue
	fi
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		sleep 1
	done
	rm -f "$out/logs/$name.rc"
	(run_one "$name"; echo $? >"$out/logs/$name.rc") &
	started+=("$name")
done
wait
for name in "${started[@]}"; do
	if [ "$(cat "$out/logs/$name.rc" 2>/dev/null)" = 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done
echo "fuzz: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
