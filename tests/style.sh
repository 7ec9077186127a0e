#!/bin/bash
# style.sh - the style check (a suite of `make test`): clang-format
# --dry-run --Werror over the tracked C files of the tree this script lies
# in (outside a git checkout, the C files found under its source folders).
# A tree in which it finds no kernel sources fails: a check of nothing is
# not a pass.
set -u
cd "$(dirname "$0")/.."
logs=build prefix=
. tests/lib.sh
plan 1
srcs=$(git ls-files '*.c' '*.h' 2>/dev/null)
[ -n "$srcs" ] || srcs=$(find arch drivers fs include kernel lib linux net plat tests tools \
	-name '*.[ch]' 2>/dev/null)
if [ "$(echo "$srcs" | grep -c '^kernel/.*\.c$')" -lt 5 ]; then
	result clang-format 0 "found no C files to check (git ls-files and find gave $(echo "$srcs" | grep -c .))"
elif out=$(echo "$srcs" | xargs clang-format --dry-run --Werror 2>&1); then
	result clang-format 1
else
	echo "$out" | head -20
	result clang-format 0 "run 'make format'"
fi
[ "$fail" = 0 ]
