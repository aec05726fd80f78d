#!/usr/bin/env bash
# build.sh — builds the libFuzzer targets of tests/fuzz/ with clang.
#
#   tests/fuzz/build.sh [BUILD_DIR]        (default: build-fuzz in the checkout)
#
# The code under test is what meson builds into the pure libraries
# 'seedfs-core' (src/*.c), 'sbx-pure' (src/sbx/) and 'seedfs-util'
# (src/util/, which both use): their source lists are
# read from meson.build by `meson introspect` (no configure step), compiled
# once with coverage instrumentation and ASan+UBSan, and archived; each
# fuzz_*.c links against the archives, the targets' shared helpers
# (common.c) and libFuzzer's main. Any failure to build is an error.
#
# Needs: clang (clang-14 on Debian 12) and libclang-rt-14-dev (libFuzzer's
# runtime, only recommended by clang-14), meson, pkg-config, and the -dev
# packages the libraries use (libyaml-dev, libxxhash-dev, libjson-c-dev).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/build-fuzz}
mkdir -p "$out/obj"
out=$(cd "$out" && pwd)

CC=${CC:-}
if [ -z "$CC" ]; then
	for c in clang-14 clang; do
		command -v "$c" >/dev/null && { CC=$c; break; }
	done
fi
[ -n "$CC" ] || { echo "build.sh: clang not found (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }
"$CC" --version | grep -q clang || { echo "build.sh: $CC is not clang" >&2; exit 2; }

san=(-fsanitize=address,undefined -fno-sanitize-recover=undefined
	-fno-omit-frame-pointer)
common=(-g -O1 -std=gnu11 -D_GNU_SOURCE -I"$root/include" -I"$out")

pkgs=()
for p in yaml-0.1 libxxhash json-c; do
	pkg-config --exists "$p" && pkgs+=("$p")
done
pkg_cflags=$(pkg-config --cflags "${pkgs[@]}")
pkg_libs=$(pkg-config --libs "${pkgs[@]}")

# A config.h like the one meson generates, in case a pure source wants it.
cat >"$out/config.h" <<'EOF'
#define SEEDFS_VERSION "fuzz"
#define SEEDFS_DEFAULT_RULES "/nonexistent/default.yaml"
#define SEEDFS_DATADIR "/nonexistent"
EOF

# The sources of one meson target, from meson.build.
target_sources() {
	meson introspect --targets "$root/meson.build" | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if t["name"] == sys.argv[1]:
        for ts in t["target_sources"]:
            for s in ts["sources"]:
                print(s)
' "$1"
}

build_lib() {
	local name=$1 objs=() src obj
	mapfile -t srcs < <(target_sources "$name")
	[ ${#srcs[@]} -gt 0 ] || { echo "build.sh: no sources for $name" >&2; exit 1; }
	for src in "${srcs[@]}"; do
		obj=$out/obj/$name-$(basename "${src%.c}").o
		if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] ||
			[ -n "$(find "$root/include" -newer "$obj" -name '*.h' -print -quit)" ]; then
			# shellcheck disable=SC2086
			"$CC" "${common[@]}" "${san[@]}" -fsanitize=fuzzer-no-link \
				-I"$(dirname "$src")" $pkg_cflags -c "$src" -o "$obj"
		fi
		objs+=("$obj")
	done
	rm -f "$out/lib$name.a"
	ar rcs "$out/lib$name.a" "${objs[@]}"
}

echo "build.sh: $CC, into $out"
build_lib seedfs-core
build_lib sbx-pure
build_lib seedfs-util

# The helpers every target shares (common.h): not a target, built once.
# shellcheck disable=SC2086
"$CC" "${common[@]}" "${san[@]}" -fsanitize=fuzzer-no-link -Wall -Wextra \
	-Werror $pkg_cflags -c "$here/common.c" -o "$out/obj/fuzz-common.o"

built=()
for src in "$here"/fuzz_*.c; do
	t=$(basename "${src%.c}")
	# shellcheck disable=SC2086
	if "$CC" "${common[@]}" "${san[@]}" -fsanitize=fuzzer -Wall -Wextra \
		-Werror -I"$root/src/sbx" $pkg_cflags "$src" "$out/obj/fuzz-common.o" \
		"$out/libsbx-pure.a" "$out/libseedfs-core.a" "$out/libseedfs-util.a" \
		$pkg_libs \
		-o "$out/$t" 2>"$out/$t.log"; then
		built+=("$t")
		rm -f "$out/$t.log"
	else
		cat "$out/$t.log" >&2
		exit 1
	fi
done
echo "build.sh: built ${built[*]}"
